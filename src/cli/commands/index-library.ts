// `formula-lens index <folders…>`: indexes the papers of one or more library folders (.bib files,
// LaTeX folders, arXiv e-prints, loose .tex) into a formula index, incrementally, with progress and
// a per-entry report. Ctrl-C stops between batches and leaves a consistent index.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { ExitCode, UsageError, type CliCommand } from '../command';
import type { CatalogueWriter } from '../../core/index/catalogue';
import { PostgresIndexRun } from '../../core/index/postgres/catalogue';
import { connectPostgres } from '../../core/index/postgres/connect';
import { isPostgresLocation } from '../../core/index/postgres/location';
import { FormulaIndex } from '../../core/index/store';
import { errorMessage, fail, ok, type Result } from '../../core/result';
import { indexLibrary, type LibraryProgress } from '../../core/library/index-library';
import type { ReportEntry } from '../../core/library/types';
import { openEmbedder } from '../../core/search/embedder';
import { fusionWeighs } from '../../core/search/hybrid';
import { progressBar } from '../progress-bar';
import { lockWaitMs, parseCommandLine, positiveInteger } from './command-line';
import { libraryHome, libraryHomeName } from '../../core/library/home';

const help = `Usage: formula-lens index <folder>… [--index DIR | --index postgres://…] [--report] [options]

Finds the papers in the library folders (.bib entries matched to LaTeX folders, arXiv e-prints
(.tar.gz/.tgz/.gz) named after the cite key or arXiv id or given in the entry's file/source field,
and loose .tex files), reads every formula and adds it to the index's catalogue; nothing is rendered
unless the bitmap signal is wanted (--bitmap, or models/fusion.json weighs it): then the formulas are
also rendered and embedded into the index's bitmap sidecar for --model. Otherwise a search that weighs
the bitmap signal builds that sidecar on first use. Unchanged papers are skipped; papers gone from the
library leave the index.

Into a shared index (--index postgres://USER@HOST:PORT/DATABASE, docs/postgres.md) the whole run is one
transaction: searchers see it entirely once it ends, or not at all when it fails; one run at a time.
The password comes from PGPASSWORD or ~/.pgpass. No bitmap sidecar is built for a shared index.

Options:
  --index DIR        the index folder (default <first folder>/${libraryHomeName}/index), or a postgres:// location
  --cache DIR        unpacked e-prints and downloads (default <first folder>/${libraryHomeName}/cache)
  --library NAME     the library's name in the index (default: the first folder's name)
  --report           print the per-entry report: indexed / unchanged / no source / pdf only / failed + reason
  --allow-network    download missing arXiv e-prints (one request per 3 s)
  --arxiv-url URL    where e-prints are downloaded from (default https://arxiv.org/e-print/)
  --bitmap           also build the bitmap sidecar of --model now
  --model M          see (default), bee, or the path of an encoder .onnx (for the bitmap sidecar)
  --workers N        render worker threads (default: the number of cores)
  --batch N          formulas per atomic index update (default 1000)
  --rebuild          start the index afresh when it was written by another format or is damaged`;

interface Options {
  folders: string[];
  index?: string;
  cache?: string;
  library?: string;
  report: boolean;
  allowNetwork: boolean;
  arxivUrl?: string;
  bitmap: boolean;
  model: string;
  workers: number;
  batch: number;
  rebuild: boolean;
}

function parse(args: string[]): Options {
  const { values, positionals } = parseCommandLine(args, {
    index: { type: 'string' },
    cache: { type: 'string' },
    library: { type: 'string' },
    report: { type: 'boolean', default: false },
    'allow-network': { type: 'boolean', default: false },
    'arxiv-url': { type: 'string' },
    bitmap: { type: 'boolean', default: false },
    model: { type: 'string', default: 'see' },
    workers: { type: 'string' },
    batch: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
  });
  if (positionals.length === 0) throw new UsageError('expects at least one library folder');
  if (values.bitmap && sharedIndex(values.index)) throw new UsageError('--bitmap: a PostgreSQL index has no bitmap sidecar yet');
  return {
    folders: positionals.map((folder) => path.resolve(folder)),
    index: values.index,
    cache: values.cache,
    library: values.library,
    report: values.report,
    allowNetwork: values['allow-network'],
    arxivUrl: values['arxiv-url'],
    bitmap: values.bitmap || (fusionWeighs('bitmap') && !sharedIndex(values.index)),
    model: values.model,
    workers: positiveInteger('--workers', values.workers) ?? availableParallelism(),
    batch: positiveInteger('--batch', values.batch) ?? 1000,
    rebuild: values.rebuild,
  };
}

const sharedIndex = (index: string | undefined) => index !== undefined && isPostgresLocation(index);

/** Where the run writes, and how it ends: `keep` commits a database's run (a folder's batches are committed already). */
interface IndexTarget {
  writer: CatalogueWriter;
  finish(keep: boolean): Promise<void>;
}

/** The folder's index opened for writing, or a shared index's run begun; the reason when neither could be. */
async function openTarget(location: string, rebuild: boolean): Promise<Result<IndexTarget, string>> {
  if (!isPostgresLocation(location)) {
    const opened = FormulaIndex.open(location, {
      onMismatch: rebuild ? 'rebuild' : 'refuse',
      lockWaitMs,
      onLockWait: (writerPid) => process.stderr.write(`Waiting up to ${lockWaitMs / 1000} s for process ${writerPid}, which is writing ${location}…\n`),
    });
    if (!opened.ok) return fail(opened.reason.message);
    for (const notice of opened.value.notices) process.stderr.write(`${notice}\n`);
    const { index } = opened.value;
    return ok({ writer: index, finish: async () => index.close() });
  }
  const client = await connectPostgres(location);
  if (!client.ok) return client;
  try {
    const run = await PostgresIndexRun.begin(client.value, location, { lockWaitMs, onBackfill: backfillPrinter(process.stderr.isTTY === true) });
    if (!run.ok) {
      await client.value.end();
      return fail(run.reason.message);
    }
    let ended = false;
    return ok({
      writer: run.value,
      finish: async (keep) => {
        if (ended) return;
        ended = true;
        try {
          await (keep ? run.value.commit() : run.value.rollback());
        } finally {
          await client.value.end();
        }
      },
    });
  } catch (error) {
    await client.value.end();
    return fail(`${location}: ${errorMessage(error)}`);
  }
}

/** Progress of a first run's postings over the formulas stored before it: a redrawn bar on a terminal, else a line per 10%. */
function backfillPrinter(tty: boolean): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    if (done === 0) process.stderr.write(`computing the postings of the ${total.toLocaleString('en')} formulas already in the database (indexed by an earlier version)…\n`);
    const tenth = Math.floor((10 * done) / total);
    if (tty) process.stderr.write(`\r${progressBar(done / total)} ${done}/${total}   ${done === total ? '\n' : ''}`);
    else if (tenth > lastTenth) process.stderr.write(`  ${done}/${total} formulas\n`);
    lastTenth = tenth;
  };
}

const duration = (seconds: number) =>
  seconds >= 3600 ? `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
  : seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
  : `${Math.round(seconds)}s`;

/** Progress on stderr: a redrawn bar on a terminal, plain lines (at most one per 10%) otherwise. */
function progressPrinter(tty: boolean): (progress: LibraryProgress) => void {
  // Reading papers (PDFs take seconds each) and rendering the bitmap sidecar are the long steps: they get a bar.
  let barPhase: LibraryProgress['phase'] | undefined;
  let started = 0;
  let lastTenth = -1;
  return (progress) => {
    const reading = progress.phase === 'reading' && progress.papersDone > 0;
    if (progress.phase !== 'embedding' && !reading) {
      if (tty && barPhase) process.stderr.write('\n');
      barPhase = undefined;
      if (tty && progress.phase === 'done') return;
      else if (progress.phase === 'planning') process.stderr.write('planning the library…\n');
      else if (progress.phase === 'reading') process.stderr.write(`reading ${progress.papersTotal} new or changed papers…\n`);
      else if (progress.phase === 'indexing' && progress.papersDone === 0) process.stderr.write(`adding ${progress.formulasTotal} formulas to the index…\n`);
      return;
    }
    const now = performance.now();
    if (barPhase !== progress.phase) [barPhase, started, lastTenth] = [progress.phase, now, -1];
    const [done, total] = reading ? [progress.papersDone, progress.papersTotal] : [progress.formulasDone, progress.formulasTotal];
    const share = total ? done / total : 1;
    const rate = done / Math.max((now - started) / 1000, 1e-3);
    const eta = done > 0 ? ` ETA ${duration((total - done) / rate)}` : '';
    const counts = reading ? `${done}/${total} papers read` : `${done}/${total} formulas rendered for the bitmap sidecar`;
    if (tty) {
      process.stderr.write(`\r${progressBar(share)} ${counts}${eta}   `);
    } else if (Math.floor(share * 10) > lastTenth) {
      lastTenth = Math.floor(share * 10);
      process.stderr.write(`${counts}${eta}\n`);
    }
  };
}

const statusLabel: Record<ReportEntry['status'], string> = {
  ready: 'not indexed',
  indexed: 'indexed',
  unchanged: 'unchanged',
  'no-source': 'no source',
  'pdf-only': 'pdf only',
  failed: 'failed',
  removed: 'removed',
};

function reportLine(entry: ReportEntry): string {
  const formulas = entry.formulas !== undefined ? ` (${entry.formulas} formulas)` : '';
  return `${statusLabel[entry.status].padEnd(11)}  ${entry.id}${formulas}: ${entry.detail}`;
}

export const indexLibraryCommand: CliCommand = {
  name: 'index',
  summary: 'index the papers of library folders (.bib, LaTeX folders, arXiv e-prints)',
  help,
  async run(args) {
    const options = parse(args);
    const home = libraryHome(options.folders[0]!);
    const indexDir = sharedIndex(options.index) ? options.index! : path.resolve(options.index ?? home.index);
    const embedder = options.bitmap ? await openEmbedder({ encoder: { model: options.model }, renderWorkers: options.workers }) : undefined;
    if (embedder && !embedder.ok) {
      process.stderr.write(`formula-lens index: ${embedder.reason.message}\n`);
      return ExitCode.failure;
    }
    const target = await openTarget(indexDir, options.rebuild);
    if (!target.ok) {
      await embedder?.value.close();
      process.stderr.write(`formula-lens index: ${target.reason}\n`);
      return ExitCode.failure;
    }
    const controller = new AbortController();
    const onInterrupt = () => {
      process.stderr.write('\nstopping after the current batch (the index stays consistent)…\n');
      controller.abort();
    };
    process.once('SIGINT', onInterrupt);
    const started = performance.now();
    let succeeded = false;
    try {
      const result = await indexLibrary(options.folders, target.value.writer, embedder?.value, {
        library: options.library ?? path.basename(options.folders[0]!),
        cacheDir: path.resolve(options.cache ?? home.cache),
        allowNetwork: options.allowNetwork,
        arxiv: options.arxivUrl ? { baseUrl: options.arxivUrl } : undefined,
        batchFormulas: options.batch,
        signal: controller.signal,
        onProgress: progressPrinter(process.stderr.isTTY === true),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      if (!result.ok) {
        process.stderr.write(`formula-lens index: ${result.reason.message}\n`);
        return ExitCode.failure;
      }
      const summary = result.value;
      try {
        await target.value.finish(true);
      } catch (error) {
        process.stderr.write(`formula-lens index: committing the run to ${indexDir} failed (${errorMessage(error)}); the index is as before.\n`);
        return ExitCode.failure;
      }
      succeeded = true;
      if (options.report) process.stdout.write(summary.report.map((entry) => reportLine(entry) + '\n').join(''));
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(
        `${summary.cancelled ? 'cancelled: ' : ''}${summary.indexed} papers indexed (${summary.formulas} formulas` +
          `${embedder ? `; ${summary.rendered} rendered for the bitmap sidecar, ${summary.degraded} degraded` : ''}), ` +
          `${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.failed} failed in ${duration(seconds)}; index ${indexDir}\n`,
      );
      return summary.cancelled ? 130 : ExitCode.ok;
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      // a rollback that fails has lost its connection, which rolls the run back on the server all the same
      if (!succeeded) await target.value.finish(false).catch(() => undefined);
      await embedder?.value.close();
    }
  },
};
