// The lexical and structure signals' postings as a shared index stores them (index/postgres/postings.ts) and a
// search reads them back: per term, blocks of (formula id, formula length, term count), and a frequent term's head
// (lexical.ts's headSlots) as one more block; per formula, its terms and counts (to score a candidate exactly
// without reading frequent terms' lists). Terms are named by a 64-bit hash of their text, so that neither an index
// run nor a search needs the whole term dictionary. The weights are not stored: a search computes them with the
// index's counts of the moment (formulas, mean length, the term's document frequency) by the very BM25 functions
// the in-memory indexes use, so both rank alike.
import { lexicalTokens, termCounts } from './lexical';
import { formulaTerms, rawTermText, STRUCTURE_FORMAT } from './structural';

/**
 * What stored postings were computed by: raised with STRUCTURE_FORMAT, and by hand whenever what formulaPostings
 * extracts changes (the tokenizer's terms included). Postings of another format are not searched, and the next
 * index run computes them all again, since removing a formula takes out the terms the code extracts now.
 */
export const POSTINGS_FORMAT = `structure ${STRUCTURE_FORMAT}, postings 2`;

/** The signals with postings. */
export type PostingSignal = 'lexical' | 'structure';

/**
 * A term's key: a signed 64-bit hash of the signal and the term (two 32-bit multiplicative lanes, each finished
 * by murmur3's mixer), as the decimal text PostgreSQL's bigint takes. Ten times faster than a cryptographic hash,
 * which mattered: an index run hashes some 160 terms a formula.
 */
export function postingKey(signal: PostingSignal, term: string): string {
  return postingKeyValue(signal, term).toString();
}

/** postingKey as a bigint. */
export function postingKeyValue(signal: PostingSignal, term: string): bigint {
  let high = signal === 'lexical' ? 0x811c9dc5 : 0x050c5d1f;
  let low = 0x9e3779b9;
  for (let i = 0; i < term.length; i++) {
    const code = term.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x5bd1e995);
    low ^= low >>> 15;
  }
  return BigInt.asIntN(64, (BigInt(mix(high) >>> 0) << 32n) | BigInt(mix(low) >>> 0));
}

/** murmur3's 32-bit finaliser: every input bit moves every output bit. */
function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** One block of a term's postings, formula ids ascending. */
export interface PostingBlock {
  formulaIds: Int32Array;
  /** The formula's length in the signal's terms (BM25's length normalisation). */
  lengths: Int32Array;
  /** How often the term occurs in the formula. */
  counts: Uint16Array;
}

/** A block as bytes: the ids, the lengths (int32), then the counts (uint16), little-endian. */
export function encodePostingBlock({ formulaIds, lengths, counts }: PostingBlock): Buffer {
  const n = formulaIds.length;
  const bytes = Buffer.alloc(n * 10);
  Buffer.from(formulaIds.buffer, formulaIds.byteOffset, n * 4).copy(bytes, 0);
  Buffer.from(lengths.buffer, lengths.byteOffset, n * 4).copy(bytes, n * 4);
  Buffer.from(counts.buffer, counts.byteOffset, n * 2).copy(bytes, n * 8);
  return bytes;
}

/** `encodePostingBlock`'s bytes as a block, or undefined when they cannot be one. */
export function decodePostingBlock(bytes: Uint8Array): PostingBlock | undefined {
  if (bytes.length % 10 !== 0) return undefined;
  const n = bytes.length / 10;
  const copy = new Uint8Array(bytes); // aligned, whatever the driver's buffer offset
  return {
    formulaIds: new Int32Array(copy.buffer, 0, n),
    lengths: new Int32Array(copy.buffer, n * 4, n),
    counts: new Uint16Array(copy.buffer, n * 8, n),
  };
}

/**
 * A formula's terms in one signal, to score it on any query's terms: its length, and its terms' keys (ascending as
 * signed 64-bit integers) with their counts. The keys are read as 32-bit halves, to compare without a bigint each.
 */
export interface FormulaTermCounts {
  length: number;
  /** Per key, its high half (signed) and low half (unsigned): keys ascending by (high, low). */
  high: Int32Array;
  low: Uint32Array;
  counts: Uint16Array;
}

/** A formula's term counts in a signal as bytes: its length (int32), the keys ascending (int64), the counts (uint16); little-endian. */
export function encodeFormulaTerms(signal: PostingSignal, counts: Map<string, number>, length: number, keyOf: (signal: PostingSignal, term: string) => bigint = postingKeyValue): Buffer {
  const entries = [...counts].map(([term, count]) => [keyOf(signal, term), count] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const n = entries.length;
  const bytes = Buffer.alloc(4 + n * 10);
  bytes.writeInt32LE(length, 0);
  entries.forEach(([key, count], i) => {
    bytes.writeBigInt64LE(key, 4 + i * 8);
    bytes.writeUInt16LE(Math.min(count, 0xffff), 4 + n * 8 + i * 2);
  });
  return bytes;
}

/** `encodeFormulaTerms`'s bytes as term counts, or undefined when they cannot be some. */
export function decodeFormulaTerms(bytes: Uint8Array): FormulaTermCounts | undefined {
  if (bytes.length < 4 || (bytes.length - 4) % 10 !== 0) return undefined;
  const n = (bytes.length - 4) / 10;
  const copy = new Uint8Array(bytes.length + 4); // aligned past the length, whatever the driver's buffer offset
  copy.set(bytes.subarray(4), 8);
  const words = new Int32Array(copy.buffer, 8, n * 2);
  const high = new Int32Array(n);
  const low = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    low[i] = words[2 * i]! >>> 0;
    high[i] = words[2 * i + 1]!;
  }
  return { length: Buffer.from(bytes.buffer, bytes.byteOffset, 4).readInt32LE(0), high, low, counts: new Uint16Array(copy.buffer, 8 + n * 8, n) };
}

/** A key's halves, as FormulaTermCounts holds them. */
export function keyHalves(key: bigint): { high: number; low: number } {
  return { high: Number(BigInt.asIntN(32, key >> 32n)), low: Number(BigInt.asUintN(32, key)) };
}

/** A raw structure term as a shared index stores it: [from, to ('' for a lone symbol), path, typed, count, unifiable bits]. */
export type StoredRawTerm = [from: string, to: string, path: string, typed: string, count: number, unifiable: number];

/** What an index run stores for one formula: its terms in each signal with its length, and its raw structure terms. */
export interface FormulaPostings {
  lexical: { counts: Map<string, number>; length: number };
  structure: { counts: Map<string, number>; length: number; raw: StoredRawTerm[] };
}

/** One formula's postings, extracted as LexicalIndex (project view) and StructureIndex (default options) do. */
export function formulaPostings(latex: string, macros?: string): FormulaPostings {
  const lexical = termCounts(lexicalTokens(latex, macros));
  const structure = formulaTerms(latex, macros);
  const raw = [...structure.raw.values()].map(({ term, typed, count }): StoredRawTerm => [
    term.from, term.to ?? '', term.path, typed, count, (term.unifiable[0] ? 1 : 0) | (term.unifiable[1] ? 2 : 0),
  ]);
  return {
    lexical: { counts: lexical, length: sum(lexical.values()) },
    structure: { counts: structure.counts, length: sum(structure.counts.values()), raw },
  };
}

/** The structure term a stored raw term is counted under (its idf is that term's). */
export function storedRawTermText([from, to, path]: StoredRawTerm): string {
  return rawTermText(from, to === '' ? undefined : to, path);
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
