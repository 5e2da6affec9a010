// `formula-lens export --index DIR`: every indexed formula as a JSON line, with its embedding,
// for analysis outside Formula Lens (e.g. numpy, pandas).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ExitCode, UsageError, type CliCommand } from '../command';
import { FormulaIndex } from '../../core/index/store';
import { parseCommandLine } from './command-line';

const help = `Usage: formula-lens export --index DIR [--out FILE]

Writes one JSON line per indexed formula, in index order:
  {"paper": id, "title": ..., "latex": ..., "file": ..., "line": ..., "section": ..., "embedding": [numbers]}
("file", "line" and "section" are null when unknown).

Options:
  --out FILE   write to FILE instead of stdout

Exit codes: 0 written, 1 no index there or it is damaged or in use, 2 bad usage.`;

/** Writes with back-pressure; false once the reader has gone (`export | head`), which is not an error. */
async function write(stream: Writable, text: string): Promise<boolean> {
  if (stream.destroyed) return false;
  try {
    if (!stream.write(text)) await once(stream, 'drain');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw error;
  }
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write the formulas of an index, with embeddings, as JSON lines',
  help,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, { index: { type: 'string' }, out: { type: 'string' } });
    if (!values.index) throw new UsageError('needs --index DIR');
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const opened = FormulaIndex.openForReading(values.index);
    if (!opened.ok) {
      process.stderr.write(`formula-lens export: ${opened.reason.message}\n`);
      return ExitCode.failure;
    }
    const { index } = opened.value;
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    // A closed pipe (`export | head`) ends the export quietly; any other write error fails it.
    let writeError: NodeJS.ErrnoException | undefined;
    out.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error));
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
        if (!(await write(out, `${JSON.stringify(line)}\n`))) break;
      }
    } finally {
      index.close();
      if (out !== process.stdout && !out.destroyed) {
        out.end();
        await once(out, 'finish').catch(() => undefined);
      }
    }
    if (writeError && writeError.code !== 'EPIPE') {
      process.stderr.write(`formula-lens export: cannot write ${values.out ?? 'stdout'}: ${writeError.message}\n`);
      return ExitCode.failure;
    }
    return ExitCode.ok;
  },
};
