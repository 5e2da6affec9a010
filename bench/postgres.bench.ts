// A shared index on PostgreSQL (issue 23): the shared corpus plus generated notation variants (each copy of a paper
// with its letters renamed) loaded into a throwaway Debian PostgreSQL server in one index run (load rate, size on
// the server, the postings included); a searcher's first search (its papers read); then search latency p50/p95 with
// 1, 4 and 16 concurrent searchers, each its own process (bench/postgres-client.ts), in the default mode, ranked on
// the server's postings; and the same queries against a folder index of the corpus alone, as a ratio. Goal: p95 ≤
// 100 ms at 1M formulas, 16 searchers.
//
// Size and load are set by the environment: FORMULA_LENS_BENCH_PG_FORMULAS (default 1000000),
// FORMULA_LENS_BENCH_PG_CLIENTS (default 1,4,16; 0 for the load alone), FORMULA_LENS_BENCH_PG_QUERIES (per searcher,
// default 50), FORMULA_LENS_BENCH_PG_FOLDER (0: no folder index to compare with). FORMULA_LENS_BENCH_PG_LOCATION
// searches a database loaded before (`postgres://…`, e.g. a server a killed bench left running) instead of loading
// one: the load of a million formulas takes most of an hour.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Bench } from './run';
import { postgresStats, PostgresIndexRun } from '../src/core/index/postgres/catalogue';
import { connectPostgres } from '../src/core/index/postgres/connect';
import { FormulaIndex } from '../src/core/index/store';
import { readCorpus, type CorpusRecord } from '../src/core/render/corpus';
import { indexPapers, type PaperFormulas } from '../src/core/search/build';
import { seededRandom } from '../src/core/seeded-random';
import { corpusPath, tsxArgs } from '../test/helpers/paths';
import { postgresUnavailable, startPostgres } from '../test/helpers/postgres-server';

const wantedFormulas = Number(process.env.FORMULA_LENS_BENCH_PG_FORMULAS ?? 1_000_000);
/** `0`: only the load and the size. */
const clientCounts = (process.env.FORMULA_LENS_BENCH_PG_CLIENTS ?? '1,4,16').split(',').map(Number).filter((count) => count > 0);
const queriesPerClient = Number(process.env.FORMULA_LENS_BENCH_PG_QUERIES ?? 50);
/** `0`: no folder index to compare with (it costs minutes; its figures do not depend on the database's size). */
const compareWithFolder = process.env.FORMULA_LENS_BENCH_PG_FOLDER !== '0';
const goalMs = 100;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))] ?? NaN;

/** Lower-case letters outside commands rotated by `shift`: the same formulas in other notation. */
function renamed(latex: string, shift: number): string {
  return latex.replace(/\\[a-zA-Z]+|[a-z]/g, (match) => (match.length > 1 ? match : String.fromCharCode(97 + ((match.charCodeAt(0) - 97 + shift) % 26))));
}

function paperOf(record: CorpusRecord, copy: number): PaperFormulas {
  const { title, year } = record as CorpusRecord & { title?: string | null; year?: number | null };
  return {
    paper: { id: copy ? `${record.id}#variant${copy}` : record.id, title: title ?? '', authors: [], year: year ? String(year) : undefined, library: 'corpus', macros: record.macros ?? '' },
    formulas: record.formulas.map((formula) => ({
      latex: copy ? renamed(formula.latex, copy) : formula.latex,
      env: formula.env,
      section: formula.section ?? undefined,
      inline: formula.inline,
    })),
  };
}

/** The corpus, then renamed copies of it, until `wanted` formulas. */
function library(records: CorpusRecord[], wanted: number): PaperFormulas[] {
  const papers: PaperFormulas[] = [];
  let formulas = 0;
  for (let copy = 0; formulas < wanted; copy++) {
    for (const record of records) {
      if (formulas >= wanted) break;
      papers.push(paperOf(record, copy));
      formulas += record.formulas.length;
    }
  }
  return papers;
}

/** `count` display formulas of the corpus of a usual length, spread by a seeded draw. */
function sampleQueries(records: CorpusRecord[], count: number): string[] {
  const random = seededRandom(23);
  const pool = records.flatMap((record) => record.formulas.filter((formula) => !formula.inline && formula.latex.length >= 15 && formula.latex.length <= 200).map((formula) => formula.latex));
  return Array.from({ length: count }, () => pool[Math.floor(random() * pool.length)]!);
}

interface ClientReport {
  firstMs: number;
  latenciesMs: number[];
  rssMb: number;
}

/** `count` searcher processes on `location`, started together once all have loaded: their reports. */
async function runSearchers(location: string, queriesFile: string, count: number, env: NodeJS.ProcessEnv): Promise<{ reports: ClientReport[]; seconds: number }> {
  const children = Array.from({ length: count }, () => spawn(process.execPath, tsxArgs('bench/postgres-client.ts', location, queriesFile), { env, stdio: ['pipe', 'pipe', 'inherit'] }));
  const outputs = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
  const exited = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
  for (const output of outputs) if ((await output.next()).value !== 'ready') throw new Error('a searcher failed to open the index');
  const started = performance.now();
  for (const child of children) child.stdin!.write('go\n');
  const reports = await Promise.all(outputs.map(async (output) => JSON.parse((await output.next()).value as string) as ClientReport));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(exited);
  return { reports, seconds };
}

function latencyLine(label: string, { reports, seconds }: { reports: ClientReport[]; seconds: number }): { p50: number; p95: number } {
  const all = reports.flatMap((report) => report.latenciesMs);
  const p50 = percentile(all, 0.5);
  const p95 = percentile(all, 0.95);
  const memory = Math.max(...reports.map((report) => report.rssMb));
  console.log(
    `  ${label}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${(all.length / seconds).toFixed(1)} searches/s, ` +
      `first search ${(Math.max(...reports.map((report) => report.firstMs)) / 1000).toFixed(1)} s, ${memory} MB per searcher`,
  );
  return { p50, p95 };
}

export const bench: Bench = {
  title: 'shared index on PostgreSQL: load, size, search latency with concurrent searchers, against a folder index',
  async run() {
    const corpus = corpusPath();
    const unavailable = corpus ? postgresUnavailable() : 'no shared corpus (../shared/corpus/papers.jsonl)';
    if (unavailable) {
      console.log(`skipped: ${unavailable}`);
      return;
    }
    const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-pg-bench-'));
    const env = { ...process.env, FORMULA_LENS_CACHE: path.join(scratch, 'cache') };
    const loaded = process.env.FORMULA_LENS_BENCH_PG_LOCATION;
    const server = loaded ? undefined : await startPostgres();
    try {
      const records = await readCorpus(corpus!);
      server?.psql('CREATE DATABASE bench');
      const location = loaded ?? `postgres://${server!.user}@${server!.host}:${server!.port}/bench`;
      const client = await connectPostgres(location);
      if (!client.ok) throw new Error(client.reason);
      if (server) {
        const papers = library(records, wantedFormulas);
        const loading = performance.now();
        const run = await PostgresIndexRun.begin(client.value, location);
        if (!run.ok) throw new Error(run.reason.message);
        const indexed = await indexPapers(run.value, papers, { batchFormulas: 5000 });
        if (!indexed.ok) throw new Error(indexed.reason.message);
        await run.value.commit();
        const loadSeconds = (performance.now() - loading) / 1000;
        const formulas = papers.reduce((sum, paper) => sum + paper.formulas.length, 0);
        console.log(`  load: ${loadSeconds.toFixed(1)} s, ${Math.round(formulas / loadSeconds).toLocaleString('en')} formulas/s in one index run`);
        // what autovacuum would do over the next minutes, done now so that the searches below do not run beside it
        const vacuuming = performance.now();
        await client.value.query('VACUUM ANALYZE');
        console.log(`  VACUUM ANALYZE after the load: ${((performance.now() - vacuuming) / 1000).toFixed(1)} s`);
      }
      const stats = await postgresStats(client.value, location);
      await client.value.end();
      if (!stats.ok) throw new Error(stats.reason.message);
      const { papers, formulas, bytesOnDisk } = stats.value;
      console.log(`${papers.toLocaleString('en')} papers, ${formulas.toLocaleString('en')} formulas (the corpus and ${Math.max(0, Math.ceil(formulas / 154_182) - 1)} renamed copies), ${(bytesOnDisk / 2 ** 20).toFixed(0)} MB on the server`);

      const queriesFile = path.join(scratch, 'queries.json');
      writeFileSync(queriesFile, JSON.stringify(sampleQueries(records, queriesPerClient)));
      if (clientCounts.length === 0) return; // the load alone
      const p95By = new Map<number, number>();
      for (const count of [1, ...clientCounts.filter((count) => count !== 1)]) {
        const { p95 } = latencyLine(`${String(count).padStart(2)} searcher${count === 1 ? ' ' : 's'}`, await runSearchers(location, queriesFile, count, env));
        p95By.set(count, p95);
      }

      const most = Math.max(...clientCounts);
      const worst = p95By.get(most) ?? NaN;
      console.log(`  goal p95 ≤ ${goalMs} ms with ${most} searcher${most === 1 ? '' : 's'} at ${formulas.toLocaleString('en')} formulas: ${worst <= goalMs ? 'met' : 'missed'} (${worst.toFixed(1)} ms)`);
      if (!compareWithFolder) return;

      const folder = path.join(scratch, 'folder-index');
      const opened = FormulaIndex.open(folder);
      if (!opened.ok) throw new Error(opened.reason.message);
      const corpusPapers = records.map((record) => paperOf(record, 0));
      const built = await indexPapers(opened.value.index, corpusPapers, { batchFormulas: 5000 });
      opened.value.index.close();
      if (!built.ok) throw new Error(built.reason.message);
      const { p95: localP95 } = latencyLine(`folder index of the corpus (${built.value.formulas.toLocaleString('en')} formulas), 1 searcher`, await runSearchers(folder, queriesFile, 1, env));
      console.log(`  shared / folder p95, 1 searcher: ${((p95By.get(1) ?? NaN) / localP95).toFixed(2)}`);
    } finally {
      server?.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
