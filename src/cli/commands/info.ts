// `formula-lens info --index DIR`: what an index holds and which model built it.
import { ExitCode, UsageError, type CliCommand } from '../command';
import { FormulaIndex } from '../../core/index/store';
import type { IndexStats } from '../../core/index/types';
import { parseCommandLine } from './command-line';

const help = `Usage: formula-lens info --index DIR [--json]

Prints the index's format version, the fingerprint of the encoder model that built it, its papers
and formulas per library, points awaiting compaction and its size on disk.

Exit codes: 0 printed, 1 no index there or it is damaged or in use, 2 bad usage.`;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatInfo(directory: string, stats: IndexStats): string {
  const lines = [
    `index:        ${directory}`,
    `format:       ${stats.formatVersion}`,
    `model:        ${stats.modelFingerprint} (${stats.dimensions} dimensions)`,
    `papers:       ${stats.papers}`,
    `formulas:     ${stats.formulas}`,
    `deleted:      ${stats.deletedPoints} points awaiting compaction`,
    `generation:   ${stats.generation}`,
    `size:         ${megabytes(stats.bytesOnDisk)}`,
  ];
  if (stats.libraries.length) {
    lines.push('libraries:');
    for (const library of stats.libraries) lines.push(`  ${library.name}: ${library.papers} papers, ${library.formulas} formulas`);
  }
  return lines.join('\n');
}

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'show what an index holds and which model built it',
  help,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, { index: { type: 'string' }, json: { type: 'boolean' } });
    if (!values.index) throw new UsageError('needs --index DIR');
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const opened = FormulaIndex.openForReading(values.index);
    if (!opened.ok) {
      process.stderr.write(`formula-lens info: ${opened.reason.message}\n`);
      return ExitCode.failure;
    }
    const { index, notices } = opened.value;
    try {
      for (const notice of notices) process.stderr.write(`${notice}\n`);
      const stats = index.stats();
      process.stdout.write(`${values.json ? JSON.stringify(stats, null, 2) : formatInfo(index.directory, stats)}\n`);
      return ExitCode.ok;
    } finally {
      index.close();
    }
  },
};
