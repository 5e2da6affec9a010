// Search figures: HNSW recall@10 against exact search and query time at 10k / 100k (/ 1M with
// FORMULA_LENS_BENCH_1M=1) synthetic unit vectors; catalogue update throughput; and, when the shipped
// encoder is present, end-to-end query latency (render + embed + search) on the default index and its bitmap
// sidecar's first-use build throughput. Goals: recall@10 ≥ 0.99 at the default ef, end-to-end p95 < 25 ms.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Bench } from './run';
import { modelPath } from '../src/core/encode/models';
import { FormulaIndex } from '../src/core/index/store';
import { VectorGraph } from '../src/core/index/vectors';
import { BitmapSidecar } from '../src/core/search/bitmap-store';
import { defaultCacheRoot, openDefaultIndex } from '../src/core/search/default-library';
import { openEmbedder } from '../src/core/search/embedder';
import { searchSimilar } from '../src/core/search/search';
import { nearbyUnitVector, randomUnitVector } from '../test/helpers/unit-vectors';
import { seededRandom } from '../src/core/seeded-random';

const dimensions = 64;
const queries = 200;
const k = 10;

/**
 * Unit vectors in clusters, like embeddings (formulas of a kind sit together), but loose ones: a member's
 * cosine to its centre is about 0.7, to another member about 0.5. `spread` 0 would be all centres.
 */
function clusteredSampler(count: number, seed: number): () => Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: Math.max(10, Math.round(count / 100)) }, () => randomUnitVector(random, dimensions));
  return () => nearbyUnitVector(random, centres[Math.floor(random() * centres.length)], 1);
}

/** Uniformly random directions: no structure at all, the hardest case for a graph index. */
function uniformSampler(seed: number): () => Float32Array {
  const random = seededRandom(seed);
  return () => randomUnitVector(random, dimensions);
}

function exactTopK(vectors: Float32Array[], query: Float32Array): number[] {
  const scores = new Float32Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) {
    const vector = vectors[i];
    let dot = 0;
    for (let d = 0; d < dimensions; d++) dot += vector[d] * query[d];
    scores[i] = dot;
  }
  return Array.from(scores.keys())
    .sort((a, b) => scores[b] - scores[a])
    .slice(0, k);
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];

async function recallAndSpeed(count: number, kind: 'clustered' | 'uniform'): Promise<void> {
  // Queries are fresh draws from the same distribution as the data, not copies of indexed points.
  const sample = kind === 'clustered' ? clusteredSampler(count, count) : uniformSampler(count);
  const vectors = Array.from({ length: count }, sample);
  const probes = Array.from({ length: queries }, sample);
  const started = performance.now();
  const graph = VectorGraph.create({ dimensions, m: 16, efConstruction: 200 }, count);
  vectors.forEach((vector, label) => graph.add(label, vector));
  const buildSeconds = (performance.now() - started) / 1000;
  const truth = probes.map((probe) => new Set(exactTopK(vectors, probe)));
  console.log(`${count.toLocaleString('en')} ${kind} vectors (graph built in ${buildSeconds.toFixed(1)} s, ${Math.round(count / buildSeconds)} vectors/s):`);
  for (const ef of [64, 128, 256]) {
    let found = 0;
    const times: number[] = [];
    probes.forEach((probe, i) => {
      const t = performance.now();
      const hits = graph.search(probe, k, ef);
      times.push(performance.now() - t);
      found += hits.filter((hit) => truth[i].has(hit.label)).length;
    });
    const marker = ef === 128 ? ' (default)' : '';
    console.log(`  ef ${String(ef).padEnd(3)}: recall@10 ${(found / (queries * k)).toFixed(4)}, query p50 ${percentile(times, 0.5).toFixed(2)} ms, p95 ${percentile(times, 0.95).toFixed(2)} ms${marker}`);
  }
}

/** Durable catalogue updates (SQLite rows in a new generation, committed atomically). */
function updateThroughput(): void {
  const directory = mkdtempSync(path.join(tmpdir(), 'formula-lens-bench-'));
  try {
    const opened = FormulaIndex.open(directory);
    if (!opened.ok) throw new Error(opened.reason.message);
    const started = performance.now();
    for (let batch = 0; batch < 10; batch++) {
      const add = Array.from({ length: 20 }, (_, p) => ({
        paper: { id: `p${batch}-${p}`, title: 'Bench', authors: [], library: 'bench' },
        formulas: Array.from({ length: 100 }, (_, i) => ({ latex: `x_{${i}}`, inline: false })),
      }));
      const updated = opened.value.index.update({ add });
      if (!updated.ok) throw new Error(updated.reason.message);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`catalogue updates: 20,000 formulas in 10 durable batches: ${Math.round(20_000 / seconds)} formulas/s`);
    opened.value.index.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Render + embed + search latency on the bundled default index, and how fast its bitmap sidecar builds on first use. */
async function endToEnd(): Promise<void> {
  // FORMULA_LENS_BENCH_MODEL times the pipeline with another encoder (e.g. a test fixture) meanwhile.
  const model = process.env.FORMULA_LENS_BENCH_MODEL ?? 'see';
  const file = modelPath(model);
  if (!file || !existsSync(file)) {
    console.log(`end-to-end: skipped (no model ${model}: models/see.onnx is not there yet)`);
    return;
  }
  const embedder = await openEmbedder({ encoder: { model }, renderWorkers: 2 });
  if (!embedder.ok) throw new Error(embedder.reason.message);
  const cacheRoot = process.env.FORMULA_LENS_BENCH_FRESH ? mkdtempSync(path.join(tmpdir(), 'formula-lens-bench-cache-')) : defaultCacheRoot();
  const started = performance.now();
  const opened = await openDefaultIndex({ cacheRoot });
  if (!opened.ok) throw new Error(opened.reason.message);
  const { index } = opened.value;
  const sidecar = (await BitmapSidecar.open(index, embedder.value))!.prepareGraph();
  const seconds = (performance.now() - started) / 1000;
  const formulas = sidecar.rendered.formulas;
  console.log(
    formulas > 0
      ? `default index's bitmap sidecar with ${path.basename(file)}: ${formulas} formulas in ${seconds.toFixed(1)} s = ${Math.round(formulas / seconds)} formulas/s (render + embed + graph, 2 render workers)`
      : `default index and its bitmap sidecar: reused from ${cacheRoot} (set FORMULA_LENS_BENCH_FRESH=1 to time a first-use build)`,
  );
  const sample = [...index.allFormulas()].filter((_, i) => i % 97 === 0).slice(0, 100);
  const times: number[] = [];
  for (const formula of sample) {
    const t = performance.now();
    // Each query is new to the render cache: vary it the way an author edits.
    const result = await searchSimilar(index, sidecar, { latex: `${formula.latex} `, display: !formula.inline, env: formula.env, paperId: formula.paperId });
    if (!result.ok) throw new Error(result.reason.message);
    times.push(performance.now() - t);
  }
  console.log(`end-to-end query with ${path.basename(file)} (render + embed + search, k 10, ${index.formulaCount} formulas): p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms`);
  index.close();
  await embedder.value.close();
  if (process.env.FORMULA_LENS_BENCH_FRESH) rmSync(cacheRoot, { recursive: true, force: true });
}

export const bench: Bench = {
  title: 'search: HNSW recall and speed, index updates, end-to-end queries',
  async run() {
    for (const count of [10_000, 100_000, ...(process.env.FORMULA_LENS_BENCH_1M ? [1_000_000] : [])]) await recallAndSpeed(count, 'clustered');
    await recallAndSpeed(10_000, 'uniform');
    updateThroughput();
    await endToEnd();
  },
};
