// `formula-lens export --index DIR`: every indexed formula as a JSON line, with its bitmap embedding from the
// model's sidecar (built first where it lacks formulas), for analysis outside Formula Lens (e.g. numpy, pandas); of a
// shared index (`--index postgres://…`), the formulas of its committed state, without embeddings.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { ExitCode, UsageError, type CliCommand } from '../command';
import type { Catalogue } from '../../core/index/catalogue';
import { PostgresCatalogue } from '../../core/index/postgres/catalogue';
import { connectPostgres } from '../../core/index/postgres/connect';
import { isPostgresLocation } from '../../core/index/postgres/location';
import { FormulaIndex } from '../../core/index/store';
import { BitmapSidecar } from '../../core/search/bitmap-store';
import { openEmbedder } from '../../core/search/embedder';
import { errorMessage } from '../../core/result';
import { parseCommandLine } from './command-line';

const help = `Usage: formula-lens export --index DIR [--model M | --no-embeddings] [--out FILE]
       formula-lens export --index postgres://USER@HOST:PORT/DATABASE --no-embeddings [--out FILE]

Writes one JSON line per indexed formula, in index order:
  {"paper": id, "title": ..., "latex": ..., "file": ..., "line": ..., "section": ..., "embedding": [numbers]}
("file", "line" and "section" are null when unknown).

Options:
  --model M          the bitmap encoder whose embeddings are written: see (default), bee, or the path of an
                     encoder .onnx. They come from the index's sidecar for that model; formulas it lacks are
                     rendered and stored there first (progress on stderr)
  --no-embeddings    write the formulas without embeddings (nothing is rendered)
  --out FILE         write to FILE instead of stdout

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
    const { values, positionals } = parseCommandLine(args, {
      index: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      'no-embeddings': { type: 'boolean' },
    });
    if (!values.index) throw new UsageError('needs --index DIR');
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (values.model && values['no-embeddings']) throw new UsageError('--model and --no-embeddings exclude each other');
    const shared = isPostgresLocation(values.index);
    if (shared && !values['no-embeddings']) throw new UsageError('a PostgreSQL index has no bitmap embeddings yet: give --no-embeddings');
    const opened = shared ? await sharedCatalogue(values.index) : folderCatalogue(values.index);
    if (typeof opened === 'string') {
      process.stderr.write(`formula-lens export: ${opened}\n`);
      return ExitCode.failure;
    }
    const { catalogue: index, folder, close } = opened;
    let vectors: ReadonlyMap<number, Float32Array> | undefined;
    if (folder && !values['no-embeddings']) {
      const embedded = await sidecarVectors(folder, values.model ?? 'see');
      if (typeof embedded === 'string') {
        close();
        process.stderr.write(`formula-lens export: ${embedded}\n`);
        return ExitCode.failure;
      }
      vectors = embedded;
    }
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    // A closed pipe (`export | head`) ends the export quietly; any other write error fails it.
    let writeError: NodeJS.ErrnoException | undefined;
    out.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error));
    try {
      for (const formula of index.allFormulas()) {
        const embedding = vectors?.get(formula.id);
        const line = {
          paper: formula.paperId,
          title: index.paper(formula.paperId)?.title ?? '',
          latex: formula.latex,
          file: formula.file ?? null,
          line: formula.line ?? null,
          section: formula.section ?? null,
          ...(embedding ? { embedding: Array.from(embedding, (value) => Number(value.toFixed(6))) } : {}),
        };
        if (!(await write(out, `${JSON.stringify(line)}\n`))) break;
      }
    } finally {
      close();
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

interface Opened {
  catalogue: Catalogue;
  /** The folder's index, whose bitmap sidecar gives the embeddings; none for a database. */
  folder?: FormulaIndex;
  close(): void;
}

function folderCatalogue(directory: string): Opened | string {
  const opened = FormulaIndex.openForReading(directory);
  if (!opened.ok) return opened.reason.message;
  const { index } = opened.value;
  return { catalogue: index, folder: index, close: () => index.close() };
}

/** The committed state of a shared index, read in one snapshot. */
async function sharedCatalogue(location: string): Promise<Opened | string> {
  const client = await connectPostgres(location);
  if (!client.ok) return client.reason;
  try {
    const loaded = await PostgresCatalogue.load(client.value, location);
    return loaded.ok ? { catalogue: loaded.value, close: () => undefined } : loaded.reason.message;
  } catch (error) {
    return `${location}: ${errorMessage(error)}`;
  } finally {
    await client.value.end();
  }
}

/** The model's bitmap vectors of the index's formulas, by formula id (from its sidecar, completed first); or why not. */
async function sidecarVectors(index: FormulaIndex, model: string): Promise<ReadonlyMap<number, Float32Array> | string> {
  const embedder = await openEmbedder({ encoder: { model }, renderWorkers: availableParallelism() });
  if (!embedder.ok) return embedder.reason.message;
  try {
    const sidecar = await BitmapSidecar.open(index, embedder.value, {
      onNotice: (notice) => process.stderr.write(`${notice}\n`),
      onProgress: (done, total) => total > 0 && process.stderr.write(`bitmap vectors: ${done}/${total} formulas rendered\n`),
    });
    return sidecar!.vectors;
  } catch (error) {
    return `the bitmap vectors of ${index.directory} could not be built (${errorMessage(error)})`;
  } finally {
    await embedder.value.close();
  }
}
