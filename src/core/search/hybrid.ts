// Hybrid ranking (issue 9): six signals — bitmap-embedding cosine, symbolic-embedding cosine, lexical
// BM25 over token 1–3-grams, the same over canonical tokens with variables renamed, the numeric signatures'
// overlap (both issue 10) and the structural alignment of layout trees (issue 19) — each proposes its best
// candidates (structure by its BM25 first stage), and the union is ranked by the weighted sum of all the
// scores (structure: its alignment with variables unified), with the weights chosen on the validation split
// (models/fusion.json). Every hit says which signals proposed it (the results view shows it as a tag).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { modelsDirectory } from '../encode/models';
import { EMBEDDING_DIMENSIONS } from '../encode/types';
import { NumericSignatureIndex, type SignatureSides } from '../latex/numeric-signature-index';
import { errorMessage, fail, ok, type Result } from '../result';
import { LexicalIndex, topByScore } from './lexical';
import { StructureIndex, structureScore, type StructureQuery } from './structural';

export const SIGNALS = ['bitmap', 'symbolic', 'lexical', 'canonical', 'numeric', 'structure'] as const;
export type Signal = (typeof SIGNALS)[number];
/**
 * What `--encoder` / the `formulaLens.searchMode` setting choose: one signal alone, or the fusion. The numeric
 * and canonical signals rank only within the fusion: about half the formulas have no signature, and renamed
 * variables make unrelated formulas alike (`a+b`, `x+y`) unless other signals weigh in.
 */
export type SearchMode = Exclude<Signal, 'numeric' | 'canonical'> | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'bitmap', 'symbolic', 'lexical', 'structure'];
export type SignalScores = Record<Signal, number>;
/** Candidates the structure signal aligns with the query, the best by their other scores first (docs/retrieval.md). */
const alignedCandidates = 100;

/** The weights of the signals that are vectors (what `embed --encoder hybrid` concatenates). */
export type DenseWeights = Pick<SignalScores, 'bitmap' | 'symbolic'>;
/** Signals a fusion file written before the signal existed lacks: they weigh 0. */
const OPTIONAL_SIGNALS: readonly Signal[] = ['canonical', 'numeric', 'structure'];

export interface FusionConfig {
  /** Non-negative, summing to 1. */
  weights: SignalScores;
  /** The mode the product uses by default: the best on the validation split. */
  defaultMode: SearchMode;
}

export const FUSION_FILE = 'fusion.json';

/** Reads models/fusion.json (or `file`): the fusion weights and the default mode. */
export function readFusionConfig(file?: string): Result<FusionConfig, string> {
  const location = file ?? (modelsDirectory() && path.join(modelsDirectory()!, FUSION_FILE));
  if (!location) return fail('no models/ folder found');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(location, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${location}: ${errorMessage(error)}`);
  }
  const config = parsed as { weights?: Record<string, unknown>; defaultMode?: unknown };
  const weights = Object.fromEntries(
    SIGNALS.map((signal) => [signal, config.weights?.[signal] ?? (OPTIONAL_SIGNALS.includes(signal) ? 0 : undefined)]),
  ) as Record<Signal, unknown>;
  if (!SIGNALS.every((signal) => typeof weights[signal] === 'number' && (weights[signal] as number) >= 0)) {
    const required = SIGNALS.filter((signal) => !OPTIONAL_SIGNALS.includes(signal));
    return fail(`${location}: "weights" needs non-negative numbers for ${required.join(', ')} (and ${OPTIONAL_SIGNALS.join(', ')}, 0 when absent)`);
  }
  const total = SIGNALS.reduce((sum, signal) => sum + (weights[signal] as number), 0);
  if (!(total > 0)) return fail(`${location}: the weights sum to zero`);
  const defaultMode = SEARCH_MODES.includes(config.defaultMode as SearchMode) ? (config.defaultMode as SearchMode) : 'hybrid';
  return ok({ weights: Object.fromEntries(SIGNALS.map((s) => [s, (weights[s] as number) / total])) as SignalScores, defaultMode });
}

/** Whether the fusion file weighs a signal (then index builds make its sidecar up front: numeric signatures, bitmap vectors). */
export function fusionWeighs(signal: Signal, file?: string): boolean {
  const fusion = readFusionConfig(file);
  return fusion.ok && fusion.value.weights[signal] > 0;
}

/** The weights a mode ranks with: the fusion's for `hybrid`, else all on the one signal. */
export function weightsFor(mode: SearchMode, fusion: SignalScores): SignalScores {
  return mode === 'hybrid' ? fusion : onlySignal(mode);
}

/** All the weight on one signal. */
export function onlySignal(signal: Signal): SignalScores {
  return Object.fromEntries(SIGNALS.map((other) => [other, other === signal ? 1 : 0])) as SignalScores;
}

/**
 * `embed --encoder hybrid`: the unit vectors side by side, each scaled by √weight, so the dot product of
 * two such vectors is the fused dense score (Σ weight × cosine over the bitmap and symbolic signals).
 */
export function hybridVector(bitmap: Float32Array, symbolic: Float32Array, weights: DenseWeights): Float32Array {
  const out = new Float32Array(bitmap.length + symbolic.length);
  const bitmapScale = Math.sqrt(weights.bitmap);
  const symbolicScale = Math.sqrt(weights.symbolic);
  bitmap.forEach((value, i) => (out[i] = value * bitmapScale));
  symbolic.forEach((value, i) => (out[bitmap.length + i] = value * symbolicScale));
  return out;
}

export interface HybridFormula {
  id: number;
  paperId: string;
  latex: string;
  macros?: string;
  /** Unit vectors; a formula without one scores 0 on that signal. */
  bitmap?: Float32Array;
  symbolic?: Float32Array;
  /** Its numeric signature's side keys; a formula without a signature scores 0 on the numeric signal. */
  numeric?: SignatureSides;
}

export interface HybridQuery {
  latex: string;
  macros?: string;
  bitmap?: Float32Array;
  symbolic?: Float32Array;
  numeric?: SignatureSides;
}

export interface HybridHit {
  formulaId: number;
  paperId: string;
  /** Σ weight × signal score. */
  score: number;
  scores: SignalScores;
  /** The signals whose own candidate list held this formula: what found it. */
  foundBy: Signal[];
}

export interface HybridSearchOptions {
  weights: SignalScores;
  /** Candidates each signal proposes (default 200). */
  candidatesPerSignal?: number;
  /** Hits to return (default all fused candidates). */
  count?: number;
  accept?: (formulaId: number, paperId: string) => boolean;
}

/** One dense signal: row vectors (rows in lexical order) of one length. */
interface DenseMatrix {
  values: Float32Array;
  dimensions: number;
}

/** The formulas of an index with what the signals need, in memory (all by the lexical index's positions). */
export class HybridIndex {
  private structureIndex: StructureIndex | undefined;
  private lastStructureQuery: { latex: string; macros: string | undefined; query: StructureQuery } | undefined;
  /** The same formulas in the canonical view, so the same positions. */
  private canonicalIndex: LexicalIndex | undefined;

  private constructor(
    private readonly formulas: readonly Pick<HybridFormula, 'id' | 'latex' | 'macros'>[],
    private readonly openStructure: () => StructureIndex,
    private readonly lexical: LexicalIndex,
    private readonly paperIds: string[],
    private readonly dense: Record<'bitmap' | 'symbolic', DenseMatrix>,
    private readonly numeric: NumericSignatureIndex,
  ) {}

  get size(): number {
    return this.paperIds.length;
  }

  /** Each dense signal's vectors share one length (the first vector's); a missing vector scores 0. */
  /** `structure` gives the structure signal's index when first needed (a stored sidecar), else it is built from the formulas. */
  static build(formulas: readonly HybridFormula[], structure?: () => StructureIndex): HybridIndex {
    const lexical = LexicalIndex.build(formulas);
    const matrix = (signal: 'bitmap' | 'symbolic'): DenseMatrix => {
      const dimensions = formulas.find((formula) => formula[signal])?.[signal]?.length ?? EMBEDDING_DIMENSIONS;
      const values = new Float32Array(formulas.length * dimensions);
      formulas.forEach((formula, i) => {
        const vector = formula[signal];
        if (vector && vector.length !== dimensions) throw new RangeError(`formula ${formula.id}: ${signal} vector of ${vector.length} values, others have ${dimensions}`);
        if (vector) values.set(vector, i * dimensions);
      });
      return { values, dimensions };
    };
    const numeric = NumericSignatureIndex.build(formulas.map((formula) => ({ id: formula.id, signature: formula.numeric })));
    return new HybridIndex(formulas, structure ?? (() => StructureIndex.build(formulas)), lexical, formulas.map((formula) => formula.paperId), { bitmap: matrix('bitmap'), symbolic: matrix('symbolic') }, numeric);
  }

  /** Builds now what searches with these weights need (off the cursor path), instead of on the first such search. */
  prepare(weights: SignalScores): this {
    if (weights.canonical > 0) void this.canonical;
    if (weights.structure > 0) void this.structure;
    return this;
  }

  /** The canonical view's postings: built on the first search that weighs the canonical signal. */
  get canonical(): LexicalIndex {
    this.canonicalIndex ??= LexicalIndex.build(this.formulas, 'canonical');
    return this.canonicalIndex;
  }

  /** The structure signal's trees and postings: built on the first search that weighs it (seconds for 10k formulas). */
  get structure(): StructureIndex {
    this.structureIndex ??= this.openStructure();
    return this.structureIndex;
  }

  /** The query's trees and terms, kept for the one query a search and its highlighting share (parsed once). */
  private structureQuery({ latex, macros }: Pick<HybridQuery, 'latex' | 'macros'>): StructureQuery {
    const last = this.lastStructureQuery;
    if (last?.latex === latex && last.macros === macros) return last.query;
    const query = this.structure.query(latex, macros);
    this.lastStructureQuery = { latex, macros, query };
    return query;
  }

  /**
   * Per formula, its symbols that the structure alignment matched with the query (StructureIndex.matchedSymbols):
   * asked for the formulas a search returns, never for all its candidates.
   */
  matchedSymbols(query: Pick<HybridQuery, 'latex' | 'macros'>, formulaIds: Iterable<number>): Map<number, Set<string>> {
    const structureQuery = this.structureQuery(query);
    const matched = new Map<number, Set<string>>();
    for (const formulaId of formulaIds) {
      const position = this.lexical.positionOf(formulaId);
      if (position !== undefined) matched.set(formulaId, this.structure.matchedSymbols(structureQuery, position));
    }
    return matched;
  }

  search(query: HybridQuery, options: HybridSearchOptions): HybridHit[] {
    const scores: SignalScoreRows = {};
    const pools: SignalPools = {};
    const rows: ScoreRows = { ids: this.lexical.formulaIds, paperId: (row) => this.paperIds[row]!, row: (id) => this.lexical.positionOf(id)! };
    const pool = (heads: Float32Array) => headPool(heads, rows, options);
    let structureQuery: StructureQuery | undefined;
    for (const signal of SIGNALS) {
      if (options.weights[signal] <= 0) continue;
      if (signal === 'lexical' || signal === 'canonical') {
        const index = signal === 'lexical' ? this.lexical : this.canonical;
        const lexicalQuery = index.query(query.latex, query.macros);
        scores[signal] = index.scoreAll(lexicalQuery);
        pools[signal] = pool(index.scoreHeads(lexicalQuery));
      }
      else if (signal === 'numeric') scores.numeric = query.numeric && this.numeric.scoreAll(query.numeric);
      else if (signal === 'structure') {
        structureQuery = this.structureQuery(query);
        scores.structure = this.structure.scoreAll(structureQuery);
        pools.structure = pool(this.structure.scoreHeads(structureQuery));
      }
      else if (query[signal]) scores[signal] = denseScores(this.dense[signal], query[signal]!);
    }
    const proposed = proposeHits(scores, rows, options, pools);
    const alignments = structureQuery && proposed.toAlign.map((row) => this.structure.align(structureQuery, row));
    return finishHits(proposed, alignments, options);
  }
}

/** Each weighted signal's score of every row (a formula), for the signals a search computed. */
export type SignalScoreRows = Partial<Record<Signal, Float32Array>>;
/** The head pools (formula ids) of the signals that propose by their terms' heads (headPool). */
export type SignalPools = Partial<Record<Signal, number[]>>;

/** How score rows map to formulas: the lexical index's positions in memory, formula ids themselves for a shared index. */
export interface ScoreRows {
  /** The formula id of each row. */
  ids: Int32Array;
  paperId(row: number): string;
  row(formulaId: number): number;
}

/** The fused candidates of a search, best first by their scores so far, and the rows the structure alignment re-scores. */
export interface ProposedHits {
  hits: HybridHit[];
  /** Rows of the best hits whose structure alignment is still to be computed (none when structure is not weighed). */
  toAlign: number[];
  /** The structure signal's first stage by row. */
  firstStage?: Float32Array;
}

/**
 * Each signal proposes its best candidates (that `accept` lets through): by its scores, or, for a signal with a
 * head pool (its first stage over its terms' heads, lexical.ts's HEAD_POSTINGS), the best of its pool by its scores.
 * The union is scored by the weighted sum of all the signals' scores (structure: its first stage alone so far),
 * which must be exact for every formula of a pool. Then the alignment, which costs tens of µs a formula, scores
 * only the candidates that can still rank near the top: the best by the fused score so far.
 */
export function proposeHits(scores: SignalScoreRows, rows: ScoreRows, options: HybridSearchOptions, pools: SignalPools = {}): ProposedHits {
  const perSignal = candidatesPerSignal(options);
  const acceptId = acceptedIds(rows, options);
  const foundBy = new Map<number, Signal[]>();
  for (const signal of SIGNALS) {
    const signalScores = scores[signal];
    if (!signalScores) continue;
    const pool = pools[signal];
    const found = pool
      ? pool
          .map((formulaId) => ({ formulaId, score: signalScores[rows.row(formulaId)]! }))
          .sort((a, b) => b.score - a.score || a.formulaId - b.formulaId)
          .slice(0, perSignal)
      : topByScore(signalScores, rows.ids, perSignal, acceptId);
    for (const hit of found) {
      const row = rows.row(hit.formulaId);
      const signals = foundBy.get(row);
      if (signals) signals.push(signal);
      else foundBy.set(row, [signal]);
    }
  }
  const entries: { hit: HybridHit; row: number }[] = [];
  for (const [row, signals] of foundBy) {
    const signalScores = Object.fromEntries(SIGNALS.map((signal) => [signal, scores[signal]?.[row] ?? 0])) as SignalScores;
    if (scores.structure) signalScores.structure = structureScore(signalScores.structure, 0); // the alignment's part follows
    entries.push({ hit: { formulaId: rows.ids[row]!, paperId: rows.paperId(row), score: fused(signalScores, options.weights), scores: signalScores, foundBy: signals }, row });
  }
  if (!scores.structure) return { hits: entries.map(({ hit }) => hit), toAlign: [] };
  entries.sort((a, b) => b.hit.score - a.hit.score || a.hit.formulaId - b.hit.formulaId);
  return { hits: entries.map(({ hit }) => hit), toAlign: entries.slice(0, alignedCandidates).map(({ row }) => row), firstStage: scores.structure };
}

/**
 * A signal proposing by its heads first takes this many times its candidates by their head scores, then keeps the
 * best by their exact scores: with heads of 64 postings in the test split's 16k formulas (the share 4,096 are of a
 * million), mAP@100 0.261 with the candidates alone, 0.265 with twice as many, against 0.269 reading every posting.
 */
const headPoolFactor = 2;

/** A signal's head pool: the formulas (ids) by its first stage over its terms' heads, which proposeHits picks from. */
export function headPool(heads: Float32Array, rows: ScoreRows, options: HybridSearchOptions): number[] {
  return topByScore(heads, rows.ids, candidatesPerSignal(options) * headPoolFactor, acceptedIds(rows, options)).map((hit) => hit.formulaId);
}

function candidatesPerSignal(options: HybridSearchOptions): number {
  return options.candidatesPerSignal ?? 200;
}

/** Whether the search's `accept` lets a formula through, by id. */
function acceptedIds(rows: ScoreRows, options: HybridSearchOptions): (formulaId: number) => boolean {
  const accept = options.accept ?? (() => true);
  return (formulaId) => accept(formulaId, rows.paperId(rows.row(formulaId)));
}

/** The hits with the alignments of `toAlign`'s rows (in that order) in their structure scores, best first. */
export function finishHits({ hits, toAlign, firstStage }: ProposedHits, alignments: readonly number[] | undefined, options: HybridSearchOptions): HybridHit[] {
  alignments?.forEach((alignment, i) => {
    const hit = hits[i]!;
    hit.scores.structure = structureScore(firstStage![toAlign[i]!]!, alignment);
    hit.score = fused(hit.scores, options.weights);
  });
  hits.sort((a, b) => b.score - a.score || a.formulaId - b.formulaId);
  return options.count === undefined ? hits : hits.slice(0, options.count);
}

function fused(signalScores: SignalScores, weights: SignalScores): number {
  return SIGNALS.reduce((sum, signal) => sum + weights[signal] * signalScores[signal], 0);
}

/** Inner products of `query` with each row of the matrix; a query of another length is a programming error. */
function denseScores({ values, dimensions }: DenseMatrix, query: Float32Array): Float32Array {
  if (query.length !== dimensions) throw new RangeError(`query vector of ${query.length} values, the index has ${dimensions}`);
  const rows = values.length / dimensions;
  const out = new Float32Array(rows);
  for (let row = 0, offset = 0; row < rows; row++, offset += dimensions) {
    let sum = 0;
    for (let j = 0; j < dimensions; j++) sum += values[offset + j] * query[j];
    out[row] = sum;
  }
  return out;
}
