// The numeric signal over a collection: formulas that share a side function with the query (the same side
// key, see numeric-signature.ts) score by an IDF-weighted Dice overlap of their side keys, so a shared
// `\frac{1}{1+e^{-z}}` counts for much more than a shared `x^2`. Built once over formulas in a fixed order
// and scored by position, like the lexical index (src/core/search/lexical.ts), so both fuse row by row.
import type { NumericSignature } from './numeric-signature';

/** What the similarity reads of a signature: its side keys (an index stores only these). */
export type SignatureSides = { readonly sides: readonly Pick<NumericSignature['sides'][number], 'key'>[] };

export interface NumericIndexEntry {
  id: number;
  /** Undefined for formulas without a signature: they score 0. */
  signature: SignatureSides | undefined;
}

export class NumericSignatureIndex {
  private constructor(
    /** Formula ids by position. */
    readonly formulaIds: Int32Array,
    /** Positions of the formulas with each side key (each position once per key). */
    private readonly postings: Map<string, Int32Array>,
    /** Σ idf of each position's distinct side keys (0 without a signature). */
    private readonly totalWeight: Float32Array,
  ) {}

  get size(): number {
    return this.formulaIds.length;
  }

  /** How many formulas have a signature. */
  get signed(): number {
    return this.totalWeight.reduce((count, weight) => count + (weight > 0 ? 1 : 0), 0);
  }

  static build(entries: Iterable<NumericIndexEntry>): NumericSignatureIndex {
    const ids: number[] = [];
    const keysByPosition: string[][] = [];
    const lists = new Map<string, number[]>();
    for (const entry of entries) {
      const position = ids.length;
      const keys = entry.signature ? [...new Set(entry.signature.sides.map((side) => side.key))] : [];
      for (const key of keys) {
        const list = lists.get(key);
        if (list) list.push(position);
        else lists.set(key, [position]);
      }
      ids.push(entry.id);
      keysByPosition.push(keys);
    }
    const postings = new Map<string, Int32Array>();
    for (const [key, list] of lists) postings.set(key, Int32Array.from(list));
    const index = new NumericSignatureIndex(Int32Array.from(ids), postings, new Float32Array(ids.length));
    keysByPosition.forEach((keys, position) => {
      index.totalWeight[position] = keys.reduce((sum, key) => sum + index.idf(key), 0);
    });
    return index;
  }

  /** Smoothed inverse document frequency of a side key (a key no formula has weighs as one in a single formula). */
  private idf(key: string): number {
    const frequency = this.postings.get(key)?.length ?? 0;
    return Math.log((1 + this.size) / (1 + Math.max(frequency, 1))) + 1;
  }

  /**
   * The IDF-weighted Dice overlap of the query's side keys with every formula's, by position:
   * 2 Σ_shared idf / (Σ_query idf + Σ_formula idf), 1 for the same side functions, 0 for none shared.
   */
  scoreAll(query: SignatureSides | undefined): Float32Array {
    const scores = new Float32Array(this.size);
    if (!query) return scores;
    const keys = [...new Set(query.sides.map((side) => side.key))];
    const queryWeight = keys.reduce((sum, key) => sum + this.idf(key), 0);
    const touched: number[] = [];
    for (const key of keys) {
      const positions = this.postings.get(key);
      if (!positions) continue;
      const weight = this.idf(key);
      for (const position of positions) {
        if (scores[position] === 0) touched.push(position);
        scores[position] += weight;
      }
    }
    for (const position of touched) scores[position] = (2 * scores[position]) / (queryWeight + this.totalWeight[position]);
    return scores;
  }
}
