// `formula-lens info --index DIR`: what an index holds and which sidecars (bitmap models) are built beside it; of a
// shared index (`--index postgres://…`), what the database holds, counted by the server.
import { ExitCode, UsageError, type CliCommand } from '../command';
import { postgresStats } from '../../core/index/postgres/catalogue';
import { connectPostgres } from '../../core/index/postgres/connect';
import { isPostgresLocation } from '../../core/index/postgres/location';
import { FormulaIndex } from '../../core/index/store';
import { errorMessage } from '../../core/result';
import type { IndexStats } from '../../core/index/types';
import { listBitmapSidecars } from '../../core/search/bitmap-store';
import { parseCommandLine } from './command-line';

const help = `Usage: formula-lens info --index DIR|postgres://… [--json]

Prints the index's format version, its papers and formulas per library, its size on disk and the
bitmap sidecars built beside it: per encoder model (the first 16 digits of its fingerprint), whether its
vectors file is there and how many HNSW graph files. Of a shared index in PostgreSQL: its schema
version, papers and formulas per library, the tables' size on the server and its generation (raised by
every index run).

Exit codes: 0 printed, 1 no index there or it is damaged or in use, 2 bad usage.`;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

type Sidecars = ReturnType<typeof listBitmapSidecars>;

/** The report; `sidecars` is absent for a shared index (it has none). */
export function formatInfo(directory: string, stats: IndexStats, sidecars?: Sidecars): string {
  const lines = [
    `index:        ${directory}`,
    `format:       ${stats.formatVersion}`,
    `papers:       ${stats.papers}`,
    `formulas:     ${stats.formulas}`,
    `generation:   ${stats.generation}`,
    `size:         ${megabytes(stats.bytesOnDisk)}`,
  ];
  if (sidecars) lines.push(sidecars.length ? 'bitmap sidecars:' : 'bitmap sidecars: none (built when a search weighs the bitmap signal)');
  for (const { model, vectors, graphs } of sidecars ?? []) lines.push(`  model ${model}: ${vectors ? 'vectors' : 'no vectors'}, ${graphs} graph file${graphs === 1 ? '' : 's'}`);
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
    if (isPostgresLocation(values.index)) return sharedIndexInfo(values.index, values.json === true);
    const opened = FormulaIndex.openForReading(values.index);
    if (!opened.ok) {
      process.stderr.write(`formula-lens info: ${opened.reason.message}\n`);
      return ExitCode.failure;
    }
    const { index, notices } = opened.value;
    try {
      for (const notice of notices) process.stderr.write(`${notice}\n`);
      const stats = index.stats();
      const bitmapSidecars = listBitmapSidecars(index.directory);
      process.stdout.write(`${values.json ? JSON.stringify({ ...stats, bitmapSidecars }, null, 2) : formatInfo(index.directory, stats, bitmapSidecars)}\n`);
      return ExitCode.ok;
    } finally {
      index.close();
    }
  },
};

async function sharedIndexInfo(location: string, json: boolean): Promise<number> {
  const client = await connectPostgres(location);
  if (!client.ok) {
    process.stderr.write(`formula-lens info: ${client.reason}\n`);
    return ExitCode.failure;
  }
  try {
    const stats = await postgresStats(client.value, location);
    if (!stats.ok) {
      process.stderr.write(`formula-lens info: ${stats.reason.message}\n`);
      return ExitCode.failure;
    }
    process.stdout.write(`${json ? JSON.stringify(stats.value, null, 2) : formatInfo(location, stats.value)}\n`);
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`formula-lens info: ${location}: ${errorMessage(error)}\n`);
    return ExitCode.failure;
  } finally {
    await client.value.end();
  }
}
