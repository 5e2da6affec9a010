// Hybrid ranking (issue 9): three signals — bitmap-embedding cosine, symbolic-embedding cosine and lexical
// TF-IDF cosine — each proposes its best candidates, and the union is ranked by the weighted sum of all three
// scores, with the weights chosen on the validation split (models/fusion.json, written by
// training/symbolic_fusion.py). Every hit says which signals proposed it (the results view shows it as a tag).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { modelsDirectory } from '../encode/models';
import { EMBEDDING_DIMENSIONS } from '../encode/types';
import { fail, ok, type Result } from '../library/types';
import { LexicalIndex, topByScore } from './lexical';

export const SIGNALS = ['bitmap', 'symbolic', 'lexical'] as const;
export type Signal = (typeof SIGNALS)[number];
/** What `--encoder` / the `formulaLens.searchMode` setting choose: one signal alone, or the fusion. */
export type SearchMode = Signal | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', ...SIGNALS];
export type SignalScores = Record<Signal, number>;

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
    return fail(`cannot read ${location}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = parsed as { weights?: Record<string, unknown>; defaultMode?: unknown };
  const weights = Object.fromEntries(SIGNALS.map((signal) => [signal, config.weights?.[signal]])) as Record<Signal, unknown>;
  if (!SIGNALS.every((signal) => typeof weights[signal] === 'number' && (weights[signal] as number) >= 0)) {
    return fail(`${location}: "weights" needs non-negative numbers for ${SIGNALS.join(', ')}`);
  }
  const total = SIGNALS.reduce((sum, signal) => sum + (weights[signal] as number), 0);
  if (!(total > 0)) return fail(`${location}: the weights sum to zero`);
  const defaultMode = SEARCH_MODES.includes(config.defaultMode as SearchMode) ? (config.defaultMode as SearchMode) : 'hybrid';
  return ok({ weights: Object.fromEntries(SIGNALS.map((s) => [s, (weights[s] as number) / total])) as SignalScores, defaultMode });
}

/** The weights a mode ranks with: the fusion's for `hybrid`, else all on the one signal. */
export function weightsFor(mode: SearchMode, fusion: SignalScores): SignalScores {
  if (mode === 'hybrid') return fusion;
  return Object.fromEntries(SIGNALS.map((signal) => [signal, signal === mode ? 1 : 0])) as SignalScores;
}

/**
 * `embed --encoder hybrid`: the unit vectors side by side, each scaled by √weight, so the dot product of
 * two such vectors is the fused dense score (Σ weight × cosine over the bitmap and symbolic signals).
 */
export function hybridVector(bitmap: Float32Array, symbolic: Float32Array, weights: SignalScores): Float32Array {
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
}

export interface HybridQuery {
  latex: string;
  macros?: string;
  bitmap?: Float32Array;
  symbolic?: Float32Array;
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

/** The formulas of an index with what the three signals need, in memory. */
export class HybridIndex {
  private constructor(
    private readonly lexical: LexicalIndex,
    private readonly paperIds: string[],
    private readonly dense: Record<'bitmap' | 'symbolic', DenseMatrix>,
  ) {}

  get size(): number {
    return this.paperIds.length;
  }

  /** Each dense signal's vectors share one length (the first vector's); a missing vector scores 0. */
  static build(formulas: readonly HybridFormula[]): HybridIndex {
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
    return new HybridIndex(lexical, formulas.map((formula) => formula.paperId), { bitmap: matrix('bitmap'), symbolic: matrix('symbolic') });
  }

  search(query: HybridQuery, options: HybridSearchOptions): HybridHit[] {
    const perSignal = options.candidatesPerSignal ?? 200;
    const ids = this.lexical.formulaIds;
    const accept = options.accept ?? (() => true);
    const acceptId = (formulaId: number) => accept(formulaId, this.paperIds[this.lexical.positionOf(formulaId)!]);
    const scores = {} as Record<Signal, Float32Array | undefined>;
    for (const signal of SIGNALS) {
      if (options.weights[signal] <= 0) continue;
      if (signal === 'lexical') scores.lexical = this.lexical.scoreAll(this.lexical.query(query.latex, query.macros));
      else if (query[signal]) scores[signal] = denseScores(this.dense[signal], query[signal]!);
    }
    const foundBy = new Map<number, Signal[]>();
    for (const signal of SIGNALS) {
      const signalScores = scores[signal];
      if (!signalScores) continue;
      for (const hit of topByScore(signalScores, ids, perSignal, acceptId)) {
        const position = this.lexical.positionOf(hit.formulaId)!;
        const signals = foundBy.get(position);
        if (signals) signals.push(signal);
        else foundBy.set(position, [signal]);
      }
    }
    const hits: HybridHit[] = [];
    const { bitmap, symbolic, lexical } = options.weights;
    for (const [position, signals] of foundBy) {
      const signalScores = { bitmap: scores.bitmap?.[position] ?? 0, symbolic: scores.symbolic?.[position] ?? 0, lexical: scores.lexical?.[position] ?? 0 };
      const score = bitmap * signalScores.bitmap + symbolic * signalScores.symbolic + lexical * signalScores.lexical;
      hits.push({ formulaId: ids[position], paperId: this.paperIds[position], score, scores: signalScores, foundBy: signals });
    }
    hits.sort((a, b) => b.score - a.score || a.formulaId - b.formulaId);
    return options.count === undefined ? hits : hits.slice(0, options.count);
  }
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
