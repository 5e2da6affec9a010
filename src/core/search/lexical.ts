// The lexical signals: formula token 1–3-grams weighed by BM25 (the product's), or by TF-IDF cosine (raw counts ×
// smoothed idf, L2-normalised: training/evaluate.py's TfidfBaseline, the benches' baseline). Two views of a
// formula's tokens (the project tokenizer, the document's macros expanded):
//  - `project`, the tokens as written: the lexical signal. Canonicalizing them costs exact matching on the
//    validation split more than it gains (see models/MODEL_CARD.md);
//  - `canonical`, canonical tokens with single-letter variables renamed in order of appearance: the
//    canonical signal, which finds a formula again in other notation (issue 10).
// Postings are flat typed arrays (CSR), so a library of 150k formulas stays compact and a query touches
// only its terms' lists. A frequent term proposes candidates from its head only (headSlots): a shared index's search
// then reads a bounded number of postings whatever the library's size; in memory the heads choose the candidates,
// whose scores stay exact.
import { canonicalize } from '../latex/canonical';
import { tokenizeFormula, type Token } from '../latex/tokenize';

export const LONGEST_NGRAM = 3;

export type LexicalView = 'project' | 'canonical';

/**
 * How terms are weighed: `bm25` (k1 1.2, b 0.75, normalised by the query's score against itself), the product's
 * signals, which ranks formulas of one document and notation variants clearly better on validation
 * (docs/retrieval.md); or `tfidf`, the cosine of TF-IDF vectors (smoothed idf, raw counts), the benches'
 * baseline and training/evaluate.py's.
 */
export type LexicalWeighting = 'bm25' | 'tfidf';
const k1 = 1.2;
const b = 0.75;

/** A formula's tokens in a view; none when the tokenizer refuses it (over its length limit). */
export function lexicalTokens(latex: string, macros = '', view: LexicalView = 'project'): Token[] {
  const tokenized = tokenizeFormula(latex, macros);
  if (!tokenized.ok) return [];
  return view === 'canonical' ? canonicalize(tokenized.tokens, { renameVariables: true }) : tokenized.tokens;
}

export interface LexicalFormula {
  id: number;
  latex: string;
  macros?: string;
}

/** A query as term ids of this index and their weights (normalised over all its terms, seen or not). */
export interface LexicalQuery {
  terms: Int32Array;
  weights: Float32Array;
}

export interface LexicalHit {
  formulaId: number;
  score: number;
}

/** Term → count for the token n-grams of one formula. */
export function termCounts(tokens: readonly string[], longest = LONGEST_NGRAM): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= longest; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const term = tokens.slice(i, i + n).join(' ');
      counts.set(term, (counts.get(term) ?? 0) + 1);
    }
  }
  return counts;
}

export class LexicalIndex {
  private constructor(
    private readonly view: LexicalView,
    private readonly weighting: LexicalWeighting,
    /** BM25's length normalisation: the mean number of terms a formula has. */
    private readonly averageLength: number,
    private readonly termIds: Map<string, number>,
    private readonly idf: Float32Array,
    /** Formula ids by position. */
    readonly formulaIds: Int32Array,
    private readonly position: Map<number, number>,
    /** CSR postings per term: positions and normalised weights. */
    private readonly postingStart: Int32Array,
    private readonly postingPositions: Int32Array,
    private readonly postingWeights: Float32Array,
    /** Per term, the slots of its head (empty for a term whose whole list is its head: no more than `headSize` postings). */
    private readonly heads: TermHeads,
  ) {}

  get size(): number {
    return this.formulaIds.length;
  }

  static build(formulas: Iterable<LexicalFormula>, view: LexicalView = 'project', weighting: LexicalWeighting = 'bm25', headSize = headPostings()): LexicalIndex {
    const termIds = new Map<string, number>();
    const documentFrequency: number[] = [];
    const ids: number[] = [];
    const perFormula: { terms: Int32Array; counts: Float32Array }[] = [];
    for (const formula of formulas) {
      const counts = termCounts(lexicalTokens(formula.latex, formula.macros, view));
      const terms = new Int32Array(counts.size);
      const values = new Float32Array(counts.size);
      let i = 0;
      for (const [term, count] of counts) {
        let id = termIds.get(term);
        if (id === undefined) {
          id = termIds.size;
          termIds.set(term, id);
          documentFrequency.push(0);
        }
        documentFrequency[id]++;
        terms[i] = id;
        values[i++] = count;
      }
      ids.push(formula.id);
      perFormula.push({ terms, counts: values });
    }
    const total = ids.length;
    const idf = Float32Array.from(documentFrequency, (df) => termIdf(weighting, total, df));
    const lengths = perFormula.map(({ counts }) => counts.reduce((sum, count) => sum + count, 0));
    const averageLength = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, total);
    const { postingStart, fill, postingPositions, postingWeights } = postingLayout(termIds.size, perFormula);
    const postingCounts = new Float32Array(postingPositions.length);
    perFormula.forEach(({ terms, counts }, position) => {
      const weights = termWeights(weighting, terms, counts, idf, lengths[position]!, averageLength);
      for (let i = 0; i < terms.length; i++) {
        const slot = fill[terms[i]]++;
        postingPositions[slot] = position;
        postingWeights[slot] = weights[i]!;
        postingCounts[slot] = counts[i]!;
      }
    });
    const formulaIds = Int32Array.from(ids);
    const heads = termHeads(postingStart, postingPositions, postingCounts, formulaIds, Float64Array.from(lengths), headSize, HEAD_REFERENCE_LENGTH);
    const position = new Map(ids.map((id, i) => [id, i]));
    return new LexicalIndex(view, weighting, averageLength, termIds, idf, formulaIds, position, postingStart, postingPositions, postingWeights, heads);
  }

  /** The query in this index's term space (lexicalQuery). */
  query(latex: string, macros?: string): LexicalQuery {
    return lexicalQuery(termCounts(lexicalTokens(latex, macros, this.view)), {
      weighting: this.weighting,
      size: this.size,
      averageLength: this.averageLength,
      term: (text) => {
        const id = this.termIds.get(text);
        return id === undefined ? undefined : { id, idf: this.idf[id]! };
      },
    });
  }

  /** The query's similarity with every indexed formula, by position (0 for formulas sharing no term). */
  scoreAll(query: LexicalQuery): Float32Array {
    const scores = new Float32Array(this.size);
    for (let q = 0; q < query.terms.length; q++) {
      const term = query.terms[q];
      const weight = query.weights[q];
      for (let slot = this.postingStart[term]; slot < this.postingStart[term + 1]; slot++) {
        scores[this.postingPositions[slot]] += weight * this.postingWeights[slot];
      }
    }
    return scores;
  }

  /** The query's first stage, by position: scoreAll's sums over each term's head only (a rare term's head is its list). */
  scoreHeads(query: LexicalQuery): Float32Array {
    return headScores(this.size, query.terms, (q) => query.weights[q]!, this.postingStart, this.postingPositions, this.postingWeights, this.heads);
  }

  /** The position of a formula id, or undefined when it is not indexed. */
  positionOf(formulaId: number): number | undefined {
    return this.position.get(formulaId);
  }

  /** The `count` best formulas with a positive score that `accept` lets through, best first (ties: lower id); every posting is read. */
  nearest(query: LexicalQuery, count: number, accept: (formulaId: number) => boolean = () => true): LexicalHit[] {
    return topByScore(this.scoreAll(query), this.formulaIds, count, accept);
  }
}

/** How a query's terms are found in an index: LexicalIndex's dictionary, or a shared index's counts for one search. */
export interface LexicalTermSpace {
  weighting: LexicalWeighting;
  /** Formulas indexed, and their mean length in terms. */
  size: number;
  averageLength: number;
  /** An indexed term's id in the space and its idf; undefined for a term no formula has. */
  term(text: string): { id: number; idf: number } | undefined;
}

/**
 * A query's terms in a space, weighed. Terms the index has never seen still count in the normaliser (with
 * the idf of a term in no formula), as they would if the query were indexed: for TF-IDF the vector's norm,
 * for BM25 the query's score against itself (so a formula with the query's very terms scores 1).
 */
export function lexicalQuery(counts: Map<string, number>, space: LexicalTermSpace): LexicalQuery {
  const unseenIdf = termIdf(space.weighting, space.size, 0);
  const known = [...counts.keys()].map((text) => space.term(text));
  const idf = Float32Array.from(known, (term) => term?.idf ?? unseenIdf);
  const length = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const own = termWeights(space.weighting, Int32Array.from(idf.keys()), Float32Array.from(counts.values()), idf, length, space.averageLength || length);
  const norm = (space.weighting === 'bm25' ? own.reduce((sum, weight) => sum + weight, 0) : euclidean(own)) || 1;
  const seen = known.flatMap((term, i) => (term === undefined ? [] : [[term.id, space.weighting === 'bm25' ? 1 / norm : own[i]! / norm] as const]));
  return { terms: Int32Array.from(seen, ([id]) => id), weights: Float32Array.from(seen, ([, weight]) => weight) };
}

function termIdf(weighting: LexicalWeighting, total: number, df: number): number {
  return weighting === 'bm25' ? bm25Idf(total, df) : Math.log((1 + total) / (1 + df)) + 1;
}

/** BM25's idf of a term in `df` of `total` formulas (the lexical and structure signals'). */
export function bm25Idf(total: number, df: number): number {
  return Math.log(1 + (total - df + 0.5) / (df + 0.5));
}

/** BM25's weight of a term occurring `count` times in a formula of `length` terms (k1 1.2, b 0.75). */
export function bm25Weight(idf: number, count: number, length: number, averageLength: number): number {
  return (idf * count * (k1 + 1)) / (count + k1 * (1 - b + (b * length) / (averageLength || 1)));
}

/** A formula's term weights: BM25's saturated, length-normalised counts, or its L2-normalised TF-IDF vector. */
function termWeights(weighting: LexicalWeighting, terms: Int32Array, counts: Float32Array, idf: Float32Array, length: number, averageLength: number): Float32Array {
  if (weighting === 'bm25') return Float32Array.from(terms, (term, i) => bm25Weight(idf[term]!, counts[i]!, length, averageLength));
  const vector = Float32Array.from(terms, (term, i) => counts[i]! * idf[term]!);
  const norm = euclidean(vector) || 1;
  return vector.map((value) => value / norm);
}

function euclidean(vector: Float32Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/**
 * Compressed postings (CSR) for formulas' term lists: where each term's list starts, the next free slot of each
 * (to fill them formula by formula), and the arrays of positions and weights to fill.
 */
export function postingLayout(termCount: number, perFormula: readonly { terms: Int32Array }[]) {
  const postingStart = new Int32Array(termCount + 1);
  for (const { terms } of perFormula) for (const term of terms) postingStart[term + 1]++;
  for (let t = 0; t < termCount; t++) postingStart[t + 1] += postingStart[t];
  return {
    postingStart,
    fill: postingStart.slice(0, termCount),
    postingPositions: new Int32Array(postingStart[termCount]),
    postingWeights: new Float32Array(postingStart[termCount]),
  };
}

/**
 * The `count` best positive entries of `scores` (by position) as hits, best first, ties by lower id. A
 * bounded min-heap keeps this O(n log count): sorting every positive score would dominate a query.
 */
export function topByScore(scores: Float32Array, ids: Int32Array, count: number, accept: (formulaId: number) => boolean): LexicalHit[] {
  const heap: number[] = []; // positions; heap[0] is the worst kept
  const worse = (a: number, b: number) => scores[a] < scores[b] || (scores[a] === scores[b] && ids[a] > ids[b]);
  const siftDown = (from: number) => {
    for (let i = from; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && worse(heap[left], heap[worst])) worst = left;
      if (right < heap.length && worse(heap[right], heap[worst])) worst = right;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst], heap[i]];
      i = worst;
    }
  };
  if (count <= 0) return [];
  for (let position = 0; position < scores.length; position++) {
    if (!(scores[position] > 0)) continue;
    if (heap.length === count && !worse(heap[0], position)) continue;
    if (!accept(ids[position])) continue;
    if (heap.length < count) {
      heap.push(position);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else {
      heap[0] = position;
      siftDown(0);
    }
  }
  return heap
    .sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0))
    .map((position) => ({ formulaId: ids[position], score: scores[position] }));
}

/**
 * Postings a frequent term proposes candidates from: its head, the postings of the largest impact (headImpact).
 * The lexical and structure signals' first stages read each query term's head only, so that a search reads a
 * bounded number of postings (`=` is in most of a million formulas); their candidates are then scored exactly,
 * on every term. Fewer postings make searches cheaper and may miss a candidate that only frequent terms find;
 * 4,096 left the benches' rankings as they were (docs/retrieval.md). FORMULA_LENS_HEAD_POSTINGS sets another size
 * for indexes built from then on (tests use small ones); a shared index keeps the size its postings were made with.
 */
export const HEAD_POSTINGS = 4096;

/** The head size indexes are built with: FORMULA_LENS_HEAD_POSTINGS when it is a positive integer, else HEAD_POSTINGS. */
export function headPostings(): number {
  const set = Number(process.env.FORMULA_LENS_HEAD_POSTINGS);
  return Number.isInteger(set) && set > 0 ? set : HEAD_POSTINGS;
}

/**
 * The length normalisation of the heads' order: about a corpus formula's mean length in terms (142 lexical, 162
 * structure). Fixed, not the index's mean, so that a term's head does not change when other terms' formulas come
 * and go (and one for both signals, so that an index run need not know a hashed term's signal).
 */
export const HEAD_REFERENCE_LENGTH = 150;

/** A posting's impact, what a head is chosen by: BM25's saturated, length-normalised count (without the idf, one per term). */
export function headImpact(count: number, length: number, referenceLength: number): number {
  return count / (count + k1 * (1 - b + (b * length) / referenceLength));
}

/**
 * A term's head: the indices of its `size` postings of the largest impact, ties to the lower formula id, in
 * ascending order (all of them when there are no more than `size`).
 */
export function headSlots(formulaIds: ArrayLike<number>, counts: ArrayLike<number>, lengths: ArrayLike<number>, size: number, referenceLength: number): Int32Array {
  const n = formulaIds.length;
  if (n <= size) return Int32Array.from({ length: n }, (_, i) => i);
  const impacts = Float64Array.from({ length: n }, (_, i) => headImpact(counts[i]!, lengths[i]!, referenceLength));
  const least = impacts.slice().sort()[n - size]!; // the smallest impact a head holds
  const head: number[] = [];
  const tied: number[] = [];
  for (let i = 0; i < n; i++) {
    if (impacts[i]! > least) head.push(i);
    else if (impacts[i] === least) tied.push(i);
  }
  tied.sort((x, y) => formulaIds[x]! - formulaIds[y]!);
  head.push(...tied.slice(0, size - head.length));
  return Int32Array.from(head).sort();
}

/** Each term's head as slots of CSR postings: `start` per term into `slots`; an empty range means the whole list. */
export interface TermHeads {
  size: number;
  start: Int32Array;
  slots: Int32Array;
}

/** The heads of CSR postings (positions, counts) of formulas with these ids and lengths by position. */
export function termHeads(postingStart: Int32Array, postingPositions: Int32Array, postingCounts: ArrayLike<number>, formulaIds: Int32Array, lengths: Float64Array, size: number, referenceLength: number): TermHeads {
  const terms = postingStart.length - 1;
  const start = new Int32Array(terms + 1);
  const slots: number[] = [];
  for (let term = 0; term < terms; term++) {
    const from = postingStart[term]!;
    const to = postingStart[term + 1]!;
    if (to - from > size) {
      const positions = postingPositions.subarray(from, to);
      const chosen = headSlots(Array.from(positions, (p) => formulaIds[p]!), Array.from(positions, (_, i) => postingCounts[from + i]!), Array.from(positions, (p) => lengths[p]!), size, referenceLength);
      for (const i of chosen) slots.push(from + i);
    }
    start[term + 1] = slots.length;
  }
  return { size, start, slots: Int32Array.from(slots) };
}

/** The first stage's scores by position: each query term's weight times its postings' weights, over its head. */
export function headScores(size: number, terms: Int32Array, weightOf: (q: number) => number, postingStart: Int32Array, postingPositions: Int32Array, postingWeights: Float32Array, heads: TermHeads): Float32Array {
  const scores = new Float32Array(size);
  for (let q = 0; q < terms.length; q++) {
    const term = terms[q]!;
    const weight = weightOf(q);
    if (heads.start[term + 1]! > heads.start[term]!) {
      for (let h = heads.start[term]!; h < heads.start[term + 1]!; h++) {
        const slot = heads.slots[h]!;
        scores[postingPositions[slot]!] += weight * postingWeights[slot]!;
      }
    } else {
      for (let slot = postingStart[term]!; slot < postingStart[term + 1]!; slot++) scores[postingPositions[slot]!] += weight * postingWeights[slot]!;
    }
  }
  return scores;
}
