// Relevance of the product's ranking on a corpus split, through HybridIndex.search — the ranking layer
// `formula-lens search` and the engine call — shared by the retrieval bench (test split) and the fusion
// fit (scripts/fit-fusion.ts, validation split). Two kinds of queries:
//  - weak labels: a formula of the split queries the split (itself left out); the other formulas of its
//    document are relevant (the seeds' weak label). Average precision over the top 100 and precision at 10.
//  - notation variants (bench/invariance.bench.ts's makeSplit): a generated variant queries the split; its
//    original (or an exact duplicate) must come back at rank 1.
// Every signal's score of every candidate is kept once per query, so weight combinations can be re-fused
// without searching again (candidates are the union of all signals' proposals: a weight combination that
// leaves a signal out would have fewer; the chosen one is measured again exactly).
import { seededRandom, shuffled } from '../src/core/seeded-random';
import { HybridIndex, SIGNALS, type SignalScores } from '../src/core/search/hybrid';
import { LexicalIndex } from '../src/core/search/lexical';
import type { Embeddings, Split } from './invariance.bench';

export const RANKED = 100;

/** Ranks formulas (positions) for a query: `count` best, `exclude` left out. */
export type Ranking = (latex: string, macros: string, count: number, exclude?: number) => number[];

/**
 * The baseline every bench reports beside the product: TF-IDF cosine over LaTeX token 1–3-grams (training/evaluate.py's
 * TfidfBaseline), ranking all formulas directly.
 */
export function tfidfBaseline(formulas: readonly { latex: string; macros?: string }[]): Ranking {
  const index = LexicalIndex.build(formulas.map((formula, id) => ({ id, ...formula })), 'project', 'tfidf');
  return (latex, macros, count, exclude) => index.nearest(index.query(latex, macros), count, (id) => id !== exclude).map((hit) => hit.formulaId);
}

export interface ScoredCandidates {
  /** Collection positions of the candidates. */
  positions: Int32Array;
  /** Per signal, the candidates' scores (same order). */
  scores: Record<keyof SignalScores, Float32Array>;
}

export interface RelevanceQueries {
  /** Collection positions of the weak-label queries. */
  weak: number[];
  /** Per weak query, the positions of the other formulas of its document. */
  relevant: Set<number>[];
}

/** `count` seeded formulas whose document has other formulas in the split. */
export function weakLabelQueries(split: Split, count: number, seed: number): RelevanceQueries {
  const byDocument = new Map<string, number[]>();
  split.collection.forEach((formula, position) => byDocument.set(formula.document, [...(byDocument.get(formula.document) ?? []), position]));
  const weak: number[] = [];
  const relevant: Set<number>[] = [];
  for (const position of shuffled(split.collection.map((_, i) => i), seededRandom(seed))) {
    if (weak.length === count) break;
    const others = byDocument.get(split.collection[position].document)!.filter((other) => other !== position);
    if (others.length === 0) continue;
    weak.push(position);
    relevant.push(new Set(others));
  }
  return { weak, relevant };
}

export function hybridView(split: Split, symbolic: Embeddings | undefined): HybridIndex {
  return HybridIndex.build(
    split.collection.map((formula, id) => ({ id, paperId: formula.document, latex: formula.latex, macros: formula.macros, symbolic: symbolic?.collection[id] })),
  );
}

/** Every signal's candidates (the signals in `signals`) and their scores for one query. */
export function candidates(view: HybridIndex, query: { latex: string; macros: string; symbolic?: Float32Array }, signals: readonly (keyof SignalScores)[], exclude?: number): ScoredCandidates {
  const weights = Object.fromEntries(SIGNALS.map((signal) => [signal, signals.includes(signal) ? 1 : 0])) as SignalScores;
  const hits = view.search(query, { weights, accept: exclude === undefined ? undefined : (formulaId) => formulaId !== exclude });
  const scores = Object.fromEntries(SIGNALS.map((signal) => [signal, Float32Array.from(hits, (hit) => hit.scores[signal])])) as ScoredCandidates['scores'];
  return { positions: Int32Array.from(hits, (hit) => hit.formulaId), scores };
}

/** The candidates' positions ranked by Σ weight × score (ties: lower position, as the product does), the first `count`. */
export function fusedRanking(found: ScoredCandidates, weights: SignalScores, count = RANKED): number[] {
  const fused = new Float32Array(found.positions.length);
  for (const signal of SIGNALS) {
    const weight = weights[signal];
    if (weight <= 0) continue;
    const scores = found.scores[signal];
    for (let i = 0; i < fused.length; i++) fused[i] += weight * scores[i];
  }
  const order = Array.from(found.positions.keys()).filter((i) => fused[i] > 0);
  order.sort((a, b) => fused[b] - fused[a] || found.positions[a] - found.positions[b]);
  return order.slice(0, count).map((i) => found.positions[i]);
}

export interface Measures {
  mAP: number;
  precisionAt10: number;
  /** Variant queries whose original is first. */
  rank1: number;
  /** … in the first ten. */
  top10: number;
}

export function weakLabelMeasures(rankings: readonly number[][], relevant: readonly Set<number>[]): Pick<Measures, 'mAP' | 'precisionAt10'> {
  let averagePrecision = 0;
  let precisionAt10 = 0;
  rankings.forEach((ranking, q) => {
    let hits = 0;
    let sum = 0;
    ranking.forEach((position, rank) => {
      if (!relevant[q].has(position)) return;
      hits++;
      sum += hits / (rank + 1);
      if (rank < 10) precisionAt10++;
    });
    averagePrecision += sum / Math.min(relevant[q].size, RANKED);
  });
  const n = Math.max(1, rankings.length);
  return { mAP: averagePrecision / n, precisionAt10: precisionAt10 / (10 * n) };
}

export function variantMeasures(rankings: readonly number[][], targets: readonly (readonly number[])[]): Pick<Measures, 'rank1' | 'top10'> {
  let rank1 = 0;
  let top10 = 0;
  rankings.forEach((ranking, q) => {
    const first = ranking.findIndex((position) => targets[q].includes(position));
    if (first === 0) rank1++;
    if (first >= 0 && first < 10) top10++;
  });
  const n = Math.max(1, rankings.length);
  return { rank1: rank1 / n, top10: top10 / n };
}
