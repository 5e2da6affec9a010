// The numeric signal's data beside an index: each formula's numeric signature (its side keys, all the
// similarity reads), computed when the formula is indexed (build.ts) and kept in
// <index folder>/numeric-signatures.json, so opening an index reads them instead of evaluating every formula
// again (a few ms each). Keyed by the formula's content (its LaTeX and its paper's macros, all a signature
// depends on), so a re-indexed paper computes only its new formulas; tagged with numericSignatureVersion.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { numericSignature, numericSignatureVersion } from '../latex/numeric-signature';
import { errorMessage } from '../result';

export const NUMERIC_SIGNATURES_FILE = 'numeric-signatures.json';
const FORMAT = 'formula-lens numeric signatures';

/** A formula's side keys, or null when it has no signature. */
export type StoredSides = string[] | null;

export interface SignatureInput {
  latex: string;
  macros?: string;
}

/**
 * Content keys of formulas: a hash of the macros (once per distinct macros string) and the LaTeX, and of whatever
 * else the keyed data depends on (`variant`: a rendering also depends on display style and environment).
 */
export class ContentKeys {
  private readonly macrosDigests = new Map<string, string>();

  key({ latex, macros = '' }: SignatureInput, ...variant: string[]): string {
    let digest = this.macrosDigests.get(macros);
    if (digest === undefined) this.macrosDigests.set(macros, (digest = createHash('sha256').update(macros).digest('hex')));
    const hash = createHash('sha256').update(digest).update('\u0000').update(latex);
    for (const part of variant) hash.update('\u0000').update(part);
    return hash.digest('hex').slice(0, 24);
  }
}

export interface StoredSignatures {
  /** Side keys by content key. */
  byContent: Map<string, StoredSides>;
  /** Why the file's signatures could not be used (damaged, another version); absent when read or missing. */
  problem?: string;
}

/** The stored signatures of an index folder: none when the file is missing, damaged or of another version. */
export function readNumericSignatures(directory: string): StoredSignatures {
  const file = path.join(directory, NUMERIC_SIGNATURES_FILE);
  if (!existsSync(file)) return { byContent: new Map() };
  let parsed: { format?: unknown; version?: unknown; signatures?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (error) {
    return { byContent: new Map(), problem: `${file} is damaged (${errorMessage(error)}); computing the numeric signatures again` };
  }
  if (parsed?.format !== FORMAT || typeof parsed.signatures !== 'object' || parsed.signatures === null) {
    return { byContent: new Map(), problem: `${file} is not a numeric signatures file; computing the numeric signatures again` };
  }
  if (parsed.version !== numericSignatureVersion) {
    return {
      byContent: new Map(),
      problem: `${file} holds numeric signatures of version ${String(parsed.version)}, this version computes version ${numericSignatureVersion}; computing them again`,
    };
  }
  const byContent = new Map<string, StoredSides>();
  for (const [key, sides] of Object.entries(parsed.signatures as Record<string, unknown>)) {
    if (sides === null) byContent.set(key, null);
    else if (Array.isArray(sides) && sides.length > 0 && sides.every((side) => typeof side === 'string')) byContent.set(key, sides as string[]);
    else return { byContent: new Map(), problem: `${file} is damaged (entry ${key}); computing the numeric signatures again` };
  }
  return { byContent };
}

/** Writes the signatures atomically (temporary file, then rename): a crash leaves the old file or the new one. */
export function writeNumericSignatures(directory: string, byContent: ReadonlyMap<string, StoredSides>): void {
  const file = path.join(directory, NUMERIC_SIGNATURES_FILE);
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, JSON.stringify({ format: FORMAT, version: numericSignatureVersion, signatures: Object.fromEntries(byContent) }));
  renameSync(temporary, file);
}

/** Computing yields to the event loop this often, so an engine keeps answering while it indexes. */
const sliceMs = 25;

/** The side keys of each formula, in order. Never throws (a formula without a signature gets null). */
export async function computeSignatures(formulas: readonly SignatureInput[], onProgress?: (done: number, total: number) => void): Promise<StoredSides[]> {
  const out: StoredSides[] = [];
  let sliceStart = performance.now();
  for (const formula of formulas) {
    const result = numericSignature(formula.latex, formula.macros ?? '');
    out.push(result.ok ? result.value.sides.map((side) => side.key) : null);
    if (performance.now() - sliceStart > sliceMs) {
      onProgress?.(out.length, formulas.length);
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  onProgress?.(out.length, formulas.length);
  return out;
}

/**
 * Adds the signatures of newly indexed formulas to the folder's file (the ones it lacks are computed first).
 * The read-merge-write runs without yielding, so concurrent builds of one index (two batches in flight)
 * never drop each other's entries.
 */
export async function recordNumericSignatures(directory: string, formulas: readonly SignatureInput[]): Promise<void> {
  const keys = new ContentKeys();
  const known = readNumericSignatures(directory).byContent;
  const missing = new Map<string, SignatureInput>();
  for (const formula of formulas) {
    const key = keys.key(formula);
    if (!known.has(key)) missing.set(key, formula);
  }
  if (missing.size === 0) return;
  const computed = await computeSignatures([...missing.values()]);
  const stored = readNumericSignatures(directory).byContent; // again: another batch may have written meanwhile
  [...missing.keys()].forEach((key, i) => stored.set(key, computed[i]));
  writeNumericSignatures(directory, stored);
}
