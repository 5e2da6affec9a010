// `formula-lens export --index DIR`: every indexed formula as a JSON line, with its embedding,
// for analysis outside Formula Lens (e.g. numpy, pandas).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ExitCode, UsageError, type CliCommand } from '../command';
import { FormulaIndex } from '../../core/index/store';
import { lockWaitMs, parseCommandLine } from './command-line';

const help = `Usage: formula-lens export --index DIR [--out FILE]

Writes one JSON line per indexed formula, in index order:
  {"paper": id, "title": ..., "latex": ..., "file": ..., "line": ..., "section": ..., "embedding": [numbers]}
("file", "line" and "section" are null when unknown).

Options:
  --out FILE   write to FILE instead of stdout

Exit codes: 0 written, 1 no index there or it is damaged or in use, 2 bad usage.`;

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write the formulas of an index, with embeddings, as JSON lines',
  help,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, { index: { type: 'string' }, out: { type: 'string' } });
    if (!values.index) throw new UsageError('needs --index DIR');
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const opened = FormulaIndex.openExisting(values.index, lockWaitMs);
    if (!opened.ok) {
      process.stderr.write(`formula-lens export: ${opened.reason.message}\n`);
      return ExitCode.failure;
    }
    const { index } = opened.value;
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    try {
      for (const { formula, embedding } of index.allFormulas()) {
        const line = {
          paper: formula.paperId,
          title: index.paper(formula.paperId)?.title ?? '',
          latex: formula.latex,
          file: formula.file ?? null,
          line: formula.line ?? null,
          section: formula.section ?? null,
          embedding: Array.from(embedding, (value) => Number(value.toFixed(6))),
        };
        await write(out, `${JSON.stringify(line)}\n`);
      }
    } finally {
      index.close();
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
    }
    return ExitCode.ok;
  },
};
