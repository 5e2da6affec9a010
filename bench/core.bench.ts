// The index's many-readers-one-writer promise, measured on a synthetic index the size of the default one
// (12,304 formulas, 64 dimensions): what a commit costs now that it copies the database to a new generation,
// what a reader pays to open, and the search throughput of 1, 4 and 8 reader processes (each opening, searching
// and closing the index per search, as CLI searches do) while one writer commits a paper after another; and a
// cold process's first search in the default mode beside one that opens every signal, as searches did before
// the search session.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Bench } from './run';
import { modelFingerprint, modelPath } from '../src/core/encode/models';
import { FormulaIndex } from '../src/core/index/store';
import { SearchSession } from '../src/core/search/session';
import type { PaperToAdd } from '../src/core/index/types';
import { seededRandom } from '../src/core/seeded-random';
import { tsxArgs } from '../test/helpers/paths';
import { randomUnitVector } from '../test/helpers/unit-vectors';

const dimensions = 64;
const formulaCount = 12_304;
const formulasPerPaper = 30;
/** As the default index builds: commits of at most 1,000 formulas. */
const batchFormulas = 1000;
const windowMs = 5000;
/** The shipped bitmap model's identity when it is installed (so the every-signal search below can open it), else a stand-in. */
const seeFile = modelPath('see');
const model = { modelFingerprint: seeFile && existsSync(seeFile) ? modelFingerprint(seeFile) : 'b'.repeat(64), dimensions };

function syntheticPapers(): PaperToAdd[] {
  const random = seededRandom(18);
  return Array.from({ length: Math.ceil(formulaCount / formulasPerPaper) }, (_, p) => ({
    paper: { id: `p${p}`, title: `Paper ${p}`, authors: ['A. Author'], library: 'bench', macros: '\\newcommand{\\R}{\\mathbb{R}}' },
    formulas: Array.from({ length: Math.min(formulasPerPaper, formulaCount - p * formulasPerPaper) }, (_, i) => ({
      latex: `\\sum_{k=0}^{${i}} \\frac{a_{${p}}^{k}}{k!} = \\int_0^1 f_{${i}}(x)\\,dx`,
      file: 'main.tex',
      line: i + 1,
      env: 'equation',
      inline: false,
      embedding: randomUnitVector(random, dimensions),
    })),
  }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function build(directory: string, papers: PaperToAdd[]): void {
  const opened = FormulaIndex.open(directory, model);
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
    .filter((name) => /\.(sqlite|hnsw)$/.test(name))
    .map((name) => `${name} ${(statSync(path.join(directory, name)).size / 1e6).toFixed(1)} MB`);
  console.log(
    `build: ${formulaCount} formulas in ${commits.length} commits: ${buildSeconds.toFixed(2)} s (last commit ${commits.at(-2)!.toFixed(0)} ms); ` +
      `replacing one ${formulasPerPaper}-formula paper: median ${median(replaced).toFixed(0)} ms; ${sizes.join(', ')}`,
  );
}

function readerCosts(directory: string): void {
  const query = randomUnitVector(seededRandom(5), dimensions);
  const opens: number[] = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    const opened = FormulaIndex.openForReading(directory, model);
    if (!opened.ok) throw new Error(opened.reason.message);
    opened.value.index.nearest(query, 10, 128);
    opened.value.index.close();
    opens.push(performance.now() - started);
  }
  const opened = FormulaIndex.openForReading(directory, model);
  if (!opened.ok) throw new Error(opened.reason.message);
  const checks = 2000;
  const started = performance.now();
  for (let i = 0; i < checks; i++) opened.value.index.isCurrent();
  const checkMicroseconds = ((performance.now() - started) * 1000) / checks;
  opened.value.index.close();
  console.log(`reader: open + search (k 10) + close median ${median(opens).toFixed(0)} ms; an engine's check for a newer generation ${checkMicroseconds.toFixed(0)} µs`);
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

  const writer = FormulaIndex.open(directory, model);
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
    `${readers} reader process${readers > 1 ? 'es' : ''} + 1 writer: ${(searches / seconds).toFixed(1)} searches/s (each opens the index), ` +
      `writer ${(commits / seconds).toFixed(1)} commits/s, no search failed`,
  );
}

/**
 * A CLI search's first result from a cold process: the shipped fusion's default mode (nothing rendered, no encoder
 * session; the structure postings built, then read from their sidecar by the next process) against the way the
 * default search went before the search session: the bitmap encoder and its render workers opened whatever the
 * weights, the symbolic encoder embedding every formula, and the lexical and canonical postings built (the fusion
 * then: symbolic 0.1, lexical 0.8, canonical 0.1).
 */
async function coldFirstSearch(directory: string, scratch: string): Promise<void> {
  const query = { latex: '\\sum_{j=0}^{n} \\frac{b^{j}}{j!}', display: true };
  const before = path.join(scratch, 'before.json');
  // a tiny bitmap weight stands for the old code path, which opened the bitmap encoder for every search
  writeFileSync(before, JSON.stringify({ weights: { bitmap: 0.001, symbolic: 0.1, lexical: 0.8, canonical: 0.1, numeric: 0, structure: 0 }, defaultMode: 'hybrid' }));
  const timed = async (label: string, fusionFile?: string) => {
    const session = new SearchSession({ fusionFile });
    const started = performance.now();
    const found = await session.search({ query, indexes: [directory], model: seeFile ?? 'see' });
    const ms = performance.now() - started;
    await session.dispose();
    console.log(`cold first search, ${label}: ${found.ok ? `${ms.toFixed(0)} ms` : `failed (${found.reason.message})`}`);
  };
  if (seeFile && existsSync(seeFile)) await timed('before the search session (bitmap encoder, render workers, symbolic vectors, lexical, canonical)', before);
  else console.log('the search before the session is skipped: models/see.onnx is not installed');
  await timed('default mode now (models/fusion.json), structure postings built');
  await timed('default mode now, structure postings from the sidecar');
}

export const bench: Bench = {
  title: `Index concurrency: many readers, one writer on ${formulaCount.toLocaleString('en')} synthetic formulas`,
  async run() {
    const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-core-bench-'));
    try {
      const directory = path.join(scratch, 'index');
      const papers = syntheticPapers();
      build(directory, papers);
      readerCosts(directory);
      await coldFirstSearch(directory, scratch);
      for (const readers of [1, 4, 8]) await throughput(directory, papers, readers);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
