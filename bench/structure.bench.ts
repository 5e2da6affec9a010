// The structure signal's cost (issue 19 goals: trees + tuples + postings ≥ 300 formulas/s per core, postings
// ≤ 2 KB a formula; both stages p95 ≤ 20 ms on the default index, ≤ 60 ms on the whole corpus): build
// throughput and size, and query latency (first stage over every formula, alignment of its 200 best) at
// 1k, 10k, 100k and all corpus formulas. One thread; queries are corpus formulas searched against the rest.
import { StructureIndex } from '../src/core/search/structural';
import { topByScore } from '../src/core/search/lexical';
import { seededRandom, shuffled } from '../src/core/seeded-random';
import type { Bench } from './run';
import { readCorpusOrSkip } from './corpus-library';

const queries = 200;
const aligned = 200;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export const bench: Bench = {
  title: 'Structure signal: build throughput, postings size, two-stage query latency by index size',
  async run() {
    const records = await readCorpusOrSkip();
    if (!records) return;
    const all = shuffled(
      records.flatMap((record) => record.formulas.map((formula) => ({ latex: formula.latex, macros: record.macros ?? '' }))),
      seededRandom(19),
    ).map((formula, id) => ({ id, ...formula }));
    const sample = all.slice(0, queries);
    for (const size of [1000, 10_000, 100_000, all.length]) {
      const formulas = all.slice(0, size);
      const started = performance.now();
      const index = StructureIndex.build(formulas);
      const seconds = (performance.now() - started) / 1000;
      const times: number[] = [];
      for (const formula of sample) {
        const queryStarted = performance.now();
        const query = index.query(`${formula.latex} `, formula.macros);
        const candidates = topByScore(index.scoreAll(query), index.formulaIds, aligned, (id) => id !== formula.id);
        for (const hit of candidates) index.align(query, hit.formulaId);
        times.push(performance.now() - queryStarted);
      }
      console.log(
        `${String(size).padStart(6)} formulas: built at ${(size / seconds).toFixed(0)} formulas/s (one thread); ` +
          `postings and alignment terms ${(index.postingsBytes / size / 1024).toFixed(2)} KB a formula (the term dictionary apart); ` +
          `query median ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms`,
      );
    }
  },
};
