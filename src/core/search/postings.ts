// The lexical and structure signals' postings as a shared index stores them (index/postgres/postings.ts) and a
// search reads them back: per term, blocks of (formula id, formula length, term count), the term named by a 64-bit
// hash of its text, so that neither an index run nor a search needs the whole term dictionary. The weights are
// not stored: a search computes them with the index's counts of the moment (formulas, mean length, the term's
// document frequency) by the very BM25 functions the in-memory indexes use, so both rank alike.
import { lexicalTokens, termCounts } from './lexical';
import { formulaTerms, rawTermText, STRUCTURE_FORMAT } from './structural';

/**
 * What stored postings were computed by: raised with STRUCTURE_FORMAT, and by hand whenever what formulaPostings
 * extracts changes (the tokenizer's terms included). Postings of another format are not searched, and the next
 * index run computes them all again, since removing a formula takes out the terms the code extracts now.
 */
export const POSTINGS_FORMAT = `structure ${STRUCTURE_FORMAT}, postings 1`;

/** The signals with postings. */
export type PostingSignal = 'lexical' | 'structure';

/**
 * A term's key: a signed 64-bit hash of the signal and the term (two 32-bit multiplicative lanes, each finished
 * by murmur3's mixer), as the decimal text PostgreSQL's bigint takes. Ten times faster than a cryptographic hash,
 * which mattered: an index run hashes some 160 terms a formula.
 */
export function postingKey(signal: PostingSignal, term: string): string {
  let high = signal === 'lexical' ? 0x811c9dc5 : 0x050c5d1f;
  let low = 0x9e3779b9;
  for (let i = 0; i < term.length; i++) {
    const code = term.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x5bd1e995);
    low ^= low >>> 15;
  }
  return BigInt.asIntN(64, (BigInt(mix(high) >>> 0) << 32n) | BigInt(mix(low) >>> 0)).toString();
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
