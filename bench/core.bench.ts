// The index's many-readers-one-writer promise, measured on a synthetic catalogue the size of the default one
// (12,304 formulas): what a commit costs now that it copies the database to a new generation, what a reader pays
// to open, and the read throughput of 1, 4 and 8 reader processes (each opening, reading and closing the index per
// search, as CLI searches do) while one writer commits a paper after another; and the bundled default index built
// from a cold cache with its first default-mode search, with every sidecar forced at build time (the bitmap
// vectors and graph, as the first build made them before the catalogue) beside this version's default path.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Bench } from './run';
import { modelPath } from '../src/core/encode/models';
import { FormulaIndex } from '../src/core/index/store';
import { BitmapSidecar } from '../src/core/search/bitmap-store';
import { openDefaultIndex } from '../src/core/search/default-library';
import { openEmbedder } from '../src/core/search/embedder';
import { SearchSession } from '../src/core/search/session';
import type { PaperToAdd } from '../src/core/index/types';
import { tsxArgs } from '../test/helpers/paths';

const formulaCount = 12_304;
const formulasPerPaper = 30;
/** As the default index builds: commits of at most 1,000 formulas. */
const batchFormulas = 1000;
const windowMs = 5000;
const seeFile = modelPath('see');

function syntheticPapers(): PaperToAdd[] {
  return Array.from({ length: Math.ceil(formulaCount / formulasPerPaper) }, (_, p) => ({
    paper: { id: `p${p}`, title: `Paper ${p}`, authors: ['A. Author'], library: 'bench', macros: '\\newcommand{\\R}{\\mathbb{R}}' },
    formulas: Array.from({ length: Math.min(formulasPerPaper, formulaCount - p * formulasPerPaper) }, (_, i) => ({
      latex: `\\sum_{k=0}^{${i}} \\frac{a_{${p}}^{k}}{k!} = \\int_0^1 f_{${i}}(x)\\,dx`,
      file: 'main.tex',
      line: i + 1,
      env: 'equation',
      inline: false,
    })),
  }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function build(directory: string, papers: PaperToAdd[]): void {
  const opened = FormulaIndex.open(directory);
  if (!opened.ok) throw new Error(opened.reason.message);
  const commits: number[] = [];
  const started = performance.now();
  for (let start = 0; start < papers.length; ) {
    const add: PaperToAdd[] = [];
    for (let size = 0; start < papers.length && size + papers[start]!.formulas.length <= batchFormulas; start++) {
      size += papers[start]!.formulas.length;
      add.push(papers[start]!);
    }
    const committing = performance.now();
    const updated = opened.value.index.update({ add });
    if (!updated.ok) throw new Error(updated.reason.message);
    commits.push(performance.now() - committing);
  }
  const buildSeconds = (performance.now() - started) / 1000;
  const replaced: number[] = [];
  for (const paper of papers.slice(0, 9)) {
    const committing = performance.now();
    opened.value.index.update({ add: [paper] });
    replaced.push(performance.now() - committing);
  }
  opened.value.index.close();
  const sizes = readdirSync(directory)
    .filter((name) => name.endsWith('.sqlite'))
    .map((name) => `${name} ${(statSync(path.join(directory, name)).size / 1e6).toFixed(1)} MB`);
  console.log(
    `build: ${formulaCount} formulas in ${commits.length} commits: ${buildSeconds.toFixed(2)} s (last commit ${commits.at(-2)!.toFixed(0)} ms); ` +
      `replacing one ${formulasPerPaper}-formula paper: median ${median(replaced).toFixed(0)} ms; ${sizes.join(', ')}`,
  );
}

function readerCosts(directory: string): void {
  const opens: number[] = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    const opened = FormulaIndex.openForReading(directory);
    if (!opened.ok) throw new Error(opened.reason.message);
    opened.value.index.formulas(Array.from({ length: 10 }, (_, id) => 1 + id * 1000)); // a search's hits, read back
    opened.value.index.close();
    opens.push(performance.now() - started);
  }
  const opened = FormulaIndex.openForReading(directory);
  if (!opened.ok) throw new Error(opened.reason.message);
  const checks = 2000;
  const started = performance.now();
  for (let i = 0; i < checks; i++) opened.value.index.isCurrent();
  const checkMicroseconds = ((performance.now() - started) * 1000) / checks;
  opened.value.index.close();
  console.log(`reader: open + read 10 formulas + close median ${median(opens).toFixed(0)} ms; an engine's check for a newer generation ${checkMicroseconds.toFixed(0)} µs`);
}

/** Searches per second of `readers` processes while this process commits one paper after another for `windowMs`. */
async function throughput(directory: string, papers: PaperToAdd[], readers: number): Promise<void> {
  const stopFile = path.join(directory, '..', `stop-${readers}`);
  const children = Array.from({ length: readers }, () => spawn(process.execPath, tsxArgs('test/unit/index/reader-child.ts', directory, stopFile), { stdio: ['ignore', 'pipe', 'inherit'] }));
  const outputs = children.map((child) => {
    const output = { text: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    return output;
  });
  const exits = Promise.all(children.map((child) => new Promise<number | null>((resolve) => child.on('exit', resolve))));
  while (!outputs.every((output) => output.text.includes('ready'))) await new Promise((resolve) => setTimeout(resolve, 50));

  const writer = FormulaIndex.open(directory);
  if (!writer.ok) throw new Error(writer.reason.message);
  const started = performance.now();
  let commits = 0;
  // Synchronous commits back to back: the readers run in their own processes meanwhile.
  while (performance.now() - started < windowMs) {
    const updated = writer.value.index.update({ add: [papers[commits % papers.length]!] });
    if (!updated.ok) throw new Error(updated.reason.message);
    commits += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  writer.value.index.close();
  writeFileSync(stopFile, '');
  if ((await exits).some((code) => code !== 0)) throw new Error(`a reader failed: ${outputs.map((output) => output.text).join('')}`);
  const searches = outputs.reduce((sum, output) => sum + Number(/searches (\d+)/.exec(output.text)?.[1] ?? Number.NaN), 0);
  console.log(
    `${readers} reader process${readers > 1 ? 'es' : ''} + 1 writer: ${(searches / seconds).toFixed(1)} reads/s (each opens the index), ` +
      `writer ${(commits / seconds).toFixed(1)} commits/s, no read failed`,
  );
}

/**
 * The bundled default index from a cold cache, then the first default-mode search (models/fusion.json) in a fresh
 * session, twice: `before` forces every sidecar at build time (the bitmap vectors of models/see.onnx, rendering
 * every formula with all cores, and their HNSW graph: the work of the first build before the catalogue), `after`
 * builds the catalogue only, as this version does. Both first searches build the structure postings.
 */
async function coldDefaultIndex(scratch: string): Promise<void> {
  const query = { latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', display: true };
  const run = async (label: string, forceSidecars: boolean) => {
    const cacheRoot = path.join(scratch, `cache-${label}`);
    const started = performance.now();
    const built = await openDefaultIndex({ cacheRoot });
    if (!built.ok) throw new Error(built.reason.message);
    const { index } = built.value;
    const catalogueSeconds = (performance.now() - started) / 1000;
    if (forceSidecars) {
      const embedder = await openEmbedder({ encoder: { model: seeFile! }, renderWorkers: availableParallelism() });
      if (!embedder.ok) throw new Error(embedder.reason.message);
      (await BitmapSidecar.open(index, embedder.value))!.prepareGraph();
      await embedder.value.close();
    }
    index.close();
    const buildSeconds = (performance.now() - started) / 1000;
    const session = new SearchSession();
    const searchStarted = performance.now();
    const found = await session.search({ query, indexes: [], defaultIndex: { cacheRoot, prepare: 'wait' }, model: 'see' });
    const searchMs = performance.now() - searchStarted;
    const encoders = session.openedEncoders.bitmap.length;
    await session.dispose();
    if (!found.ok || found.value.papers.length === 0) throw new Error(`${label}: the first search found nothing`);
    console.log(
      `default index (${index.formulaCount.toLocaleString('en')} formulas), ${label}: cold build ${buildSeconds.toFixed(1)} s ` +
        `(catalogue ${catalogueSeconds.toFixed(1)} s), cold first search ${searchMs.toFixed(0)} ms (${encoders} bitmap encoders opened)`,
    );
  };
  if (seeFile && existsSync(seeFile)) await run('before: every sidecar forced', true);
  else console.log('before (every sidecar forced) is skipped: models/see.onnx is not installed');
  await run('after: catalogue only', false);
}

export const bench: Bench = {
  title: `The index: cold default index build and first search; many readers, one writer on ${formulaCount.toLocaleString('en')} synthetic formulas`,
  async run() {
    const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-core-bench-'));
    try {
      const directory = path.join(scratch, 'index');
      const papers = syntheticPapers();
      build(directory, papers);
      readerCosts(directory);
      await coldDefaultIndex(scratch);
      for (const readers of [1, 4, 8]) await throughput(directory, papers, readers);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
