// The structure signal (issue 19): formulas compared as symbol layout trees (src/core/latex/structure.ts),
// in two stages, as the leading formula search engines do (Tangent-S, Approach0):
//  1. candidates: the layout trees' symbol pairs within a window of two edges with their relation path, each
//     indexed raw (`V!θ|N!1|b n`… ) and with variables and numbers reduced to their type (`V!*`), the raw
//     symbols, and the operator tree's leaf-root paths (a variable under ∇ under a product under a difference
//     under an assignment), scored by BM25 (rare structure counts more than `=` and `+`); normalised by the
//     query's score against itself, so a query that is wholly found scores about 1.
//  2. alignment of the best candidates: query variables are unified with the candidate's (θ ↔ x, greedily,
//     one to one, by the typed pairs they share), then the share of the query's pairs (and of the
//     candidate's) that match raw after renaming, weighted by idf, gives the score: how much of the query's
//     shape the formula holds, in the formula's own names.
import { bm25Idf, bm25Weight, HEAD_REFERENCE_LENGTH, headPostings, headScores, postingLayout, termHeads, type TermHeads } from './lexical';
import { formulaLayout, isUnifiable, leafRootPaths, operatorTree, layoutNodes, symbolKey, symbolPairs, typedKey } from '../latex/structure';

/** Pairs of symbols up to this many edges apart are indexed. */
export const STRUCTURE_WINDOW = 2;
/** Raised whenever what the index holds for a formula changes (trees, tuples, scoring), so stored sidecars are rebuilt. */
export const STRUCTURE_FORMAT = 4;
/** Leaf-root paths of the operator tree are indexed with up to this many ancestors (docs/retrieval.md, ablations). */
export const OPERATOR_PATH_LENGTH = 3;
const arrayTypes = [Int32Array, Float32Array, Int32Array, Int32Array, Float32Array, Int32Array, Float64Array, Uint16Array, Int32Array, Int32Array, Int32Array, Float32Array, Float32Array, Int32Array, Int32Array] as const;

/** What the first stage indexes; the defaults are the product's, the rest are the ablations of docs/retrieval.md. */
export interface StructureOptions {
  /** Pairs up to this many edges apart. */
  window?: number;
  /** Which forms of the pair tuples: raw, typed, both, or none (symbols alone, no tree). */
  tuples?: 'both' | 'raw' | 'typed' | 'none';
  /** The operator tree's leaf-root paths up to this many ancestors (default OPERATOR_PATH_LENGTH; 0: none). */
  operatorPaths?: number;
}
/** The alignment's weight of query coverage over candidate coverage (F-beta's beta). */
const coverageBeta = 2;
/** A pair that matches only after renaming counts this much of one that matches as written: same shape in the same names ranks first. */
const renamedMatchWeight = 0.5;
/**
 * The signal's score: this share of the first stage's BM25 plus the rest of the alignment. Chosen on the
 * validation split (docs/retrieval.md): the mix ranks better than either alone, on both weak labels and variants.
 */
export const firstStageShare = 0.3;

/** The signal's score of a candidate from its first-stage BM25 and its alignment (0 when not aligned). */
export function structureScore(firstStage: number, alignment: number): number {
  return firstStageShare * firstStage + (1 - firstStageShare) * alignment;
}
/** Symbol ids of a query's symbols the index has never seen start here. */
const localSymbolBase = 1 << 21;
const unigramPath = 0;
/** The `to` of a lone symbol's raw term. */
export const NO_SYMBOL = localSymbolBase * 2 - 1;

export interface StructureFormula {
  id: number;
  latex: string;
  macros?: string;
}

/** One raw term of a formula: a symbol pair (or a lone symbol: no `to`, empty path) with what the alignment needs. */
interface RawTerm {
  from: string;
  to?: string;
  path: string;
  unifiable: [boolean, boolean];
}

/** A formula's terms: counts by term string, and its raw terms apart for the alignment. */
interface FormulaTerms {
  counts: Map<string, number>;
  raw: Map<string, { term: RawTerm; typed: string; count: number }>;
}

export interface StructureQuery {
  /** Index term ids and BM25 query weights of the terms the index knows. */
  terms: Int32Array;
  weights: Float32Array;
  /** The query's BM25 score against itself: the normaliser. */
  selfScore: number;
  /** Raw terms for the alignment, with their idf. */
  raw: { key: number; from: number; to: number; path: number; typed: number; unifiable: [boolean, boolean]; count: number; idf: number }[];
  rawWeight: number;
  /** The keys of the query's symbols by id (for unification's ties). */
  symbolNames: Map<number, string>;
}

function pairTerm(from: string, to: string, path: string): string {
  return `${from}|${to}|${path}`;
}

/** The BM25 term a raw term is counted under: its pair term, or the lone symbol itself. */
export function rawTermText(from: string, to: string | undefined, path: string): string {
  return to === undefined ? from : pairTerm(from, to, path);
}

export class StructureIndex {
  /** Symbol keys by id, made on the first matchedSymbols call. */
  private symbolNames: string[] | undefined;

  private constructor(
    private readonly options: StructureOptions,
    readonly formulaIds: Int32Array,
    private readonly termIds: Map<string, number>,
    private readonly idf: Float32Array,
    private readonly postingStart: Int32Array,
    private readonly postingPositions: Int32Array,
    /** BM25 term weight of each posting (tf and length normalisation applied). */
    private readonly postingWeights: Float32Array,
    private readonly symbols: Map<string, number>,
    private readonly paths: Map<string, number>,
    /** Per formula, its raw terms sorted by key: keys, counts, typed term ids. */
    private readonly rawStart: Int32Array,
    private readonly rawKeys: Float64Array,
    private readonly rawCounts: Uint16Array,
    private readonly rawTyped: Int32Array,
    private readonly rawFrom: Int32Array,
    private readonly rawTo: Int32Array,
    private readonly rawIdf: Float32Array,
    /** Σ idf × count of each formula's raw terms: the alignment's candidate-side denominator. */
    private readonly rawWeight: Float32Array,
    private readonly averageLength: number,
    /** Per term, the slots of its head (lexical.ts's headSlots), which the first stage's candidates come from. */
    private readonly heads: TermHeads,
  ) {}

  get size(): number {
    return this.formulaIds.length;
  }

  /** The index as bytes (a header line of JSON, then the arrays), for a sidecar file: opening it again skips every parse. */
  serialize(): Buffer {
    const arrays = this.arrays();
    const header = {
      version: STRUCTURE_FORMAT,
      options: this.options,
      averageLength: this.averageLength,
      headPostings: this.heads.size,
      terms: [...this.termIds.keys()],
      symbols: [...this.symbols.keys()],
      paths: [...this.paths.keys()],
      lengths: arrays.map((array) => array.length),
    };
    const parts: Buffer[] = [Buffer.from(`${JSON.stringify(header)}\n`, 'utf8')];
    let offset = parts[0]!.length;
    for (const array of arrays) {
      const padding = (8 - (offset % 8)) % 8;
      parts.push(Buffer.alloc(padding), Buffer.from(array.buffer, array.byteOffset, array.byteLength));
      offset += padding + array.byteLength;
    }
    return Buffer.concat(parts);
  }

  /** An index from `serialize`'s bytes, or undefined when they are not one (another format or head size, damaged, cut short). */
  static deserialize(bytes: Buffer, headSize = headPostings()): StructureIndex | undefined {
    try {
      const end = bytes.indexOf(10);
      const header = JSON.parse(bytes.subarray(0, end).toString('utf8')) as {
        version: number; options: StructureOptions; averageLength: number; headPostings: number; terms: string[]; symbols: string[]; paths: string[]; lengths: number[];
      };
      if (header.version !== STRUCTURE_FORMAT || header.headPostings !== headSize || header.lengths.length !== arrayTypes.length) return undefined;
      let offset = end + 1;
      const arrays = arrayTypes.map((Type, i) => {
        offset += (8 - (offset % 8)) % 8;
        const byteLength = header.lengths[i]! * Type.BYTES_PER_ELEMENT;
        if (offset + byteLength > bytes.length) throw new RangeError('cut short');
        const array = new Type(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + byteLength) as ArrayBuffer);
        offset += byteLength;
        return array;
      });
      if (offset !== bytes.length) return undefined;
      const ids = (names: string[]) => new Map(names.map((name, id) => [name, id]));
      const [formulaIds, idf, postingStart, postingPositions, postingWeights, rawStart, rawKeys, rawCounts, rawTyped, rawFrom, rawTo, rawIdf, rawWeight, headStart, headSlots] = arrays;
      return new StructureIndex(
        header.options, formulaIds as Int32Array, ids(header.terms), idf as Float32Array, postingStart as Int32Array, postingPositions as Int32Array,
        postingWeights as Float32Array, ids(header.symbols), ids(header.paths), rawStart as Int32Array, rawKeys as Float64Array, rawCounts as Uint16Array,
        rawTyped as Int32Array, rawFrom as Int32Array, rawTo as Int32Array, rawIdf as Float32Array, rawWeight as Float32Array, header.averageLength,
        { size: header.headPostings, start: headStart as Int32Array, slots: headSlots as Int32Array },
      );
    } catch {
      return undefined;
    }
  }

  /** The typed arrays, in arrayTypes' order. */
  private arrays() {
    return [
      this.formulaIds, this.idf, this.postingStart, this.postingPositions, this.postingWeights, this.rawStart, this.rawKeys, this.rawCounts,
      this.rawTyped, this.rawFrom, this.rawTo, this.rawIdf, this.rawWeight, this.heads.start, this.heads.slots,
    ] as const;
  }

  /** Bytes of the postings and the alignment's per-formula terms (the typed arrays; the term dictionary apart). */
  get postingsBytes(): number {
    return this.arrays().reduce((sum, array) => sum + array.byteLength, 0);
  }

  static build(formulas: Iterable<StructureFormula>, options: StructureOptions = {}, headSize = headPostings()): StructureIndex {
    const symbols = new Map<string, number>();
    const paths = new Map<string, number>([['', unigramPath]]);
    const termIds = new Map<string, number>();
    const documentFrequency: number[] = [];
    const ids: number[] = [];
    const perFormula: { terms: Int32Array; counts: Float32Array; raw: { key: number; count: number; typed: number; term: number; from: number; to: number }[]; length: number }[] = [];
    const termId = (term: string) => {
      let id = termIds.get(term);
      if (id === undefined) {
        id = termIds.size;
        termIds.set(term, id);
        documentFrequency.push(0);
      }
      return id;
    };
    for (const formula of formulas) {
      const extracted = formulaTerms(formula.latex, formula.macros, options);
      const terms = new Int32Array(extracted.counts.size);
      const counts = new Float32Array(extracted.counts.size);
      let i = 0;
      let length = 0;
      for (const [term, count] of extracted.counts) {
        const id = termId(term);
        documentFrequency[id]++;
        terms[i] = id;
        counts[i++] = count;
        length += count;
      }
      const raw = [...extracted.raw].map(([term, { term: rawTerm, typed, count }]) => {
        const from = internSymbol(symbols, rawTerm.from);
        const to = rawTerm.to === undefined ? NO_SYMBOL : internSymbol(symbols, rawTerm.to);
        const path = intern(paths, rawTerm.path);
        return { key: rawTermKey(from, to, path), count, typed: termId(typed), term: termId(term), from, to };
      });
      raw.sort((x, y) => x.key - y.key);
      ids.push(formula.id);
      perFormula.push({ terms, counts, raw, length });
    }
    const total = ids.length;
    const idf = Float32Array.from(documentFrequency, (df) => bm25Idf(total, df));
    const averageLength = perFormula.reduce((sum, formula) => sum + formula.length, 0) / Math.max(1, total);
    const { postingStart, fill, postingPositions, postingWeights } = postingLayout(termIds.size, perFormula);
    const rawStart = new Int32Array(total + 1);
    perFormula.forEach(({ raw }, position) => (rawStart[position + 1] = rawStart[position] + raw.length));
    const rawCount = rawStart[total];
    const rawKeys = new Float64Array(rawCount);
    const rawCounts = new Uint16Array(rawCount);
    const rawTyped = new Int32Array(rawCount);
    const rawFrom = new Int32Array(rawCount);
    const rawTo = new Int32Array(rawCount);
    const rawIdf = new Float32Array(rawCount);
    const rawWeight = new Float32Array(total);
    const postingCounts = new Float32Array(postingPositions.length);
    perFormula.forEach(({ terms, counts, raw, length }, position) => {
      for (let i = 0; i < terms.length; i++) {
        const slot = fill[terms[i]]++;
        postingPositions[slot] = position;
        postingWeights[slot] = bm25Weight(idf[terms[i]], counts[i], length, averageLength);
        postingCounts[slot] = counts[i];
      }
      let weight = 0;
      raw.forEach((entry, k) => {
        const slot = rawStart[position] + k;
        rawKeys[slot] = entry.key;
        rawCounts[slot] = Math.min(entry.count, 0xffff);
        rawTyped[slot] = entry.typed;
        rawFrom[slot] = entry.from;
        rawTo[slot] = entry.to;
        rawIdf[slot] = idf[entry.term];
        weight += idf[entry.term] * entry.count;
      });
      rawWeight[position] = weight;
    });
    const formulaIds = Int32Array.from(ids);
    const lengths = Float64Array.from(perFormula, ({ length }) => length);
    return new StructureIndex(
      options,
      formulaIds, termIds, idf, postingStart, postingPositions, postingWeights, symbols, paths,
      rawStart, rawKeys, rawCounts, rawTyped, rawFrom, rawTo, rawIdf, rawWeight, averageLength,
      termHeads(postingStart, postingPositions, postingCounts, formulaIds, lengths, headSize, HEAD_REFERENCE_LENGTH),
    );
  }

  /** The query's terms in this index's space, and its raw terms for the alignment. */
  query(latex: string, macros?: string): StructureQuery {
    const local = new Map<string, number>();
    return structureQuery(formulaTerms(latex, macros, this.options), {
      size: this.size,
      averageLength: this.averageLength,
      term: (text) => {
        const id = this.termIds.get(text);
        return id === undefined ? undefined : { id, idf: this.idf[id] };
      },
      symbol: (key) => this.symbols.get(key) ?? internSymbol(local, key, localSymbolBase),
      path: (path) => this.paths.get(path) ?? -1,
      typed: (text) => this.termIds.get(text) ?? -1,
    });
  }

  /** Stage 1: BM25 of every formula by position, over the query's own BM25 (0 for formulas sharing no term). */
  scoreAll(query: StructureQuery): Float32Array {
    const scores = new Float32Array(this.size);
    for (let q = 0; q < query.terms.length; q++) {
      const term = query.terms[q];
      const weight = query.weights[q] / query.selfScore;
      for (let slot = this.postingStart[term]; slot < this.postingStart[term + 1]; slot++) scores[this.postingPositions[slot]] += weight * this.postingWeights[slot];
    }
    return scores;
  }

  /** Stage 1's candidates: scoreAll's sums over each term's head only (a rare term's head is its list). */
  scoreHeads(query: StructureQuery): Float32Array {
    return headScores(this.size, query.terms, (q) => query.weights[q] / query.selfScore, this.postingStart, this.postingPositions, this.postingWeights, this.heads);
  }

  /** Stage 2: the alignment score of the formula at `position` with the query (alignRawTerms). */
  align(query: StructureQuery, position: number): number {
    return alignRawTerms(query, this.rawTerms(position), this.symbolName);
  }

  /** The formula's symbols that match the query once its variables are unified (matchedRawSymbols). */
  matchedSymbols(query: StructureQuery, position: number): Set<string> {
    return matchedRawSymbols(query, this.rawTerms(position), this.symbolName);
  }

  /** The raw terms of the formula at `position`: views of the index's arrays. */
  private rawTerms(position: number): RawTerms {
    const start = this.rawStart[position];
    const end = this.rawStart[position + 1];
    return {
      keys: this.rawKeys.subarray(start, end),
      counts: this.rawCounts.subarray(start, end),
      typed: this.rawTyped.subarray(start, end),
      from: this.rawFrom.subarray(start, end),
      to: this.rawTo.subarray(start, end),
      idf: this.rawIdf.subarray(start, end),
      weight: this.rawWeight[position],
    };
  }

  /** A symbol's key by its id (the names are listed on first use: ids are given in insertion order from 0). */
  private readonly symbolName = (id: number): string => {
    this.symbolNames ??= Array.from(this.symbols.keys());
    return this.symbolNames[id] ?? '';
  };
}

/** How a query's terms are found in an index: StructureIndex's dictionaries, or a shared index's counts for one search. */
export interface StructureTermSpace {
  /** Formulas indexed, and their mean length in terms. */
  size: number;
  averageLength: number;
  /** An indexed term's id in the space and its idf; undefined for a term no formula has. */
  term(text: string): { id: number; idf: number } | undefined;
  /** Ids of the alignment (equal ids, equal texts), under localSymbolBase for symbols of indexed formulas; a path no formula has: -1. */
  symbol(key: string): number;
  path(path: string): number;
  /** The id of a typed term, -1 when no indexed formula has it. */
  typed(text: string): number;
}

/** A query's first-stage terms with their BM25 weights, and its raw terms for the alignment, in a space's ids. */
export function structureQuery(extracted: FormulaTerms, space: StructureTermSpace): StructureQuery {
  const unseenIdf = bm25Idf(space.size, 0);
  let length = 0;
  for (const count of extracted.counts.values()) length += count;
  const terms: number[] = [];
  const weights: number[] = [];
  let selfScore = 0;
  for (const [text, count] of extracted.counts) {
    const known = space.term(text);
    selfScore += bm25Weight(known?.idf ?? unseenIdf, count, length, space.averageLength);
    if (known) {
      terms.push(known.id);
      weights.push(1);
    }
  }
  const raw: StructureQuery['raw'] = [];
  const symbolNames = new Map<number, string>();
  let rawWeight = 0;
  for (const [text, { term: rawTerm, typed, count }] of extracted.raw) {
    const from = space.symbol(rawTerm.from);
    const to = rawTerm.to === undefined ? NO_SYMBOL : space.symbol(rawTerm.to);
    symbolNames.set(from, rawTerm.from);
    if (rawTerm.to !== undefined) symbolNames.set(to, rawTerm.to);
    const path = space.path(rawTerm.path);
    const idf = space.term(text)?.idf ?? unseenIdf;
    raw.push({ key: path < 0 ? -1 : rawTermKey(from, to, path), from, to, path, typed: space.typed(typed), unifiable: rawTerm.unifiable, count, idf });
    rawWeight += idf * count;
  }
  return { terms: Int32Array.from(terms), weights: Float32Array.from(weights), selfScore: selfScore || 1, raw, rawWeight: rawWeight || 1, symbolNames };
}

/** A formula's raw terms for the alignment, sorted by key (rawTermKey), with the idf-weighted total of their counts. */
export interface RawTerms {
  keys: Float64Array;
  counts: Uint16Array;
  typed: ArrayLike<number>;
  from: ArrayLike<number>;
  to: ArrayLike<number>;
  idf: Float32Array;
  weight: number;
}

/**
 * Stage 2: the alignment score of a formula with the query, in [0, 1]: query variables unified with the
 * formula's (greedy, one to one, by the idf of the typed pairs that pair them), then the F-beta of the
 * idf-weighted shares of the query's and the formula's raw terms that match.
 */
export function alignRawTerms(query: StructureQuery, formula: RawTerms, symbolName: (id: number) => string): number {
  if (formula.keys.length === 0 || query.raw.length === 0) return 0;
  const mapping = unification(query, formula, symbolName);
  let matched = 0;
  for (const entry of query.raw) {
    if (entry.path < 0) continue;
    const from = mapping.get(entry.from) ?? entry.from;
    const to = entry.to === NO_SYMBOL ? NO_SYMBOL : (mapping.get(entry.to) ?? entry.to);
    const renamed = from !== entry.from || to !== entry.to;
    const slot = findKey(formula.keys, 0, formula.keys.length, rawTermKey(from, to, entry.path));
    if (slot >= 0) matched += formula.idf[slot] * Math.min(entry.count, formula.counts[slot]) * (renamed ? renamedMatchWeight : 1);
  }
  const recall = Math.min(1, matched / query.rawWeight);
  const precision = Math.min(1, matched / (formula.weight || 1));
  if (recall === 0 || precision === 0) return 0;
  const beta2 = coverageBeta * coverageBeta;
  return ((1 + beta2) * precision * recall) / (beta2 * precision + recall);
}

/**
 * The formula's symbols (keys such as `V!x`, `R!=`) in its terms that match the query's once the query's
 * variables are unified with the formula's: the part of the formula that made it a match (the results view
 * colours it). Pairs match in their typed form with the unified variables in place: the raw matches the
 * alignment counts, and across assignments (`=` ↔ `\leftarrow`), which the first stage's typed tuples count.
 * A lone symbol matches only as itself: a renamed one would be found through the very vote that renamed it.
 */
export function matchedRawSymbols(query: StructureQuery, formula: RawTerms, symbolName: (id: number) => string): Set<string> {
  const matched = new Set<string>();
  if (query.raw.length === 0) return matched;
  const mapping = unification(query, formula, symbolName);
  const unifiable = unifiableSymbols(query);
  const byTyped = new Map<number, StructureQuery['raw']>();
  for (const entry of query.raw) {
    const group = byTyped.get(entry.typed);
    if (group) group.push(entry);
    else byTyped.set(entry.typed, [entry]);
  }
  // equal typed forms differ at most in their variables and numbers, which must be the unified ones
  const meets = (querySymbol: number, symbol: number) => !unifiable.has(querySymbol) || (mapping.get(querySymbol) ?? querySymbol) === symbol;
  for (let slot = 0; slot < formula.keys.length; slot++) {
    const from = formula.from[slot];
    const to = formula.to[slot];
    const matches = (entry: StructureQuery['raw'][number]) => (to === NO_SYMBOL ? entry.from === from : meets(entry.from, from) && meets(entry.to, to));
    if (!byTyped.get(formula.typed[slot])?.some(matches)) continue;
    matched.add(symbolName(from));
    if (to !== NO_SYMBOL) matched.add(symbolName(to));
  }
  return matched;
}

/** Query symbol → formula symbol: votes for each pairing from the raw terms whose typed forms agree, taken greedily. */
function unification(query: StructureQuery, formula: RawTerms, symbolName: (id: number) => string): Map<number, number> {
  const byTyped = typedGroups(query);
  const votes = new Map<number, number>();
  for (let slot = 0; slot < formula.keys.length; slot++) {
    const group = byTyped.get(formula.typed[slot]);
    if (!group) continue;
    for (const entry of group) {
      const weight = entry.idf;
      vote(votes, entry.from, formula.from[slot], weight);
      if (entry.to !== NO_SYMBOL) vote(votes, entry.to, formula.to[slot], weight);
    }
  }
  return unify(votes, query, symbolName);
}

function vote(votes: Map<number, number>, from: number, to: number, weight: number): void {
  const key = from * localSymbolBase * 2 + to;
  votes.set(key, (votes.get(key) ?? 0) + weight);
}

/** The query's raw terms by typed term id (built once per query, cached on it). */
const typedGroupCache = new WeakMap<StructureQuery, Map<number, StructureQuery['raw']>>();
function typedGroups(query: StructureQuery): Map<number, StructureQuery['raw']> {
  let groups = typedGroupCache.get(query);
  if (!groups) {
    groups = new Map();
    for (const entry of query.raw) {
      if (entry.typed < 0 || !(entry.unifiable[0] || entry.unifiable[1])) continue;
      const group = groups.get(entry.typed);
      if (group) group.push(entry);
      else groups.set(entry.typed, [entry]);
    }
    typedGroupCache.set(query, groups);
  }
  return groups;
}

/**
 * Query symbol → formula symbol: the strongest votes first, each symbol used once, only unifiable ones renamed.
 * Equal votes (symmetric formulas: `x + y` against `a + b`) go by the symbols' keys, not their ids, so an index in
 * memory and a shared one, which number symbols differently, unify alike.
 */
function unify(votes: Map<number, number>, query: StructureQuery, symbolName: (id: number) => string): Map<number, number> {
  const unifiable = unifiableSymbols(query);
  const ranked = [...votes].map(([key, weight]) => {
    const from = Math.floor(key / (localSymbolBase * 2));
    // rounded, so that sums of the same idfs in another order tie too
    return { from, to: key - from * localSymbolBase * 2, weight: Math.round(weight * 1e6) };
  });
  const byKeys = (x: (typeof ranked)[number], y: (typeof ranked)[number]) =>
    compareText(query.symbolNames.get(x.from) ?? '', query.symbolNames.get(y.from) ?? '') || compareText(symbolName(x.to), symbolName(y.to));
  ranked.sort((x, y) => y.weight - x.weight || byKeys(x, y));
  const mapping = new Map<number, number>();
  const taken = new Set<number>();
  for (const { from, to } of ranked) {
    if (mapping.has(from) || taken.has(to)) continue;
    if (from !== to && !unifiable.has(from)) continue;
    mapping.set(from, to);
    taken.add(to);
  }
  return mapping;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const unifiableCache = new WeakMap<StructureQuery, Set<number>>();
function unifiableSymbols(query: StructureQuery): Set<number> {
  let set = unifiableCache.get(query);
  if (!set) {
    set = new Set();
    for (const entry of query.raw) {
      if (entry.unifiable[0]) set.add(entry.from);
      if (entry.unifiable[1]) set.add(entry.to);
    }
    unifiableCache.set(query, set);
  }
  return set;
}

function findKey(keys: Float64Array, start: number, end: number, key: number): number {
  let low = start;
  let high = end - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = keys[middle];
    if (value === key) return middle;
    if (value < key) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** A raw term's key in a formula's sorted list: its symbol and path ids. */
export function rawTermKey(from: number, to: number, path: number): number {
  return (from * localSymbolBase * 2 + to) * 64 + path;
}

function internSymbol(symbols: Map<string, number>, key: string, base = 0): number {
  let id = symbols.get(key);
  if (id === undefined) {
    id = base + symbols.size;
    symbols.set(key, id);
  }
  return id;
}

/** The text's id in `ids`, the next one when it is new. */
export function intern(ids: Map<string, number>, text: string): number {
  let id = ids.get(text);
  if (id === undefined) {
    id = ids.size;
    ids.set(text, id);
  }
  return id;
}

/** A formula's BM25 terms (raw pairs, typed pairs, raw symbols) and its raw terms for the alignment. */
export function formulaTerms(latex: string, macros?: string, { window = STRUCTURE_WINDOW, tuples = 'both', operatorPaths = OPERATOR_PATH_LENGTH }: StructureOptions = {}): FormulaTerms {
  const counts = new Map<string, number>();
  const raw: FormulaTerms['raw'] = new Map();
  const tree = formulaLayout(latex, macros ?? '');
  if (!tree) return { counts, raw };
  const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
  const addRaw = (term: string, typed: string, rawTerm: RawTerm) => {
    const entry = raw.get(term);
    if (entry) entry.count++;
    else raw.set(term, { term: rawTerm, typed, count: 1 });
  };
  for (const atom of layoutNodes(tree)) {
    if (atom.symbol === '\\rows' || atom.symbol === '') continue;
    const key = symbolKey(atom);
    add(key);
    addRaw(key, typedKey(atom), { from: key, path: '', unifiable: [isUnifiable(atom.type), false] });
    if (atom.style) add(`${atom.style}:${key}`);
  }
  for (const { from, to, path } of tuples === 'none' ? [] : symbolPairs(tree, window)) {
    if (from.symbol === '' || to.symbol === '') continue;
    const rawPair = pairTerm(symbolKey(from), symbolKey(to), path);
    const typedPair = pairTerm(typedKey(from), typedKey(to), path);
    if (tuples !== 'typed') add(rawPair);
    if (tuples !== 'raw' && typedPair !== rawPair) add(typedPair);
    addRaw(rawPair, typedPair, { from: symbolKey(from), to: symbolKey(to), path, unifiable: [isUnifiable(from.type), isUnifiable(to.type)] });
  }
  if (operatorPaths > 0) for (const leafPath of leafRootPaths(operatorTree(tree), operatorPaths)) add(`opt:${leafPath}`);
  return { counts, raw };
}
