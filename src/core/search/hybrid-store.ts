// What hybrid ranking needs beside an index, each in a sidecar file of the index folder built when a search first
// weighs its signal: the symbolic embedding of every indexed formula in symbolic-vectors.bin (tagged with the
// symbolic model's fingerprint, so that opening an index embeds only the formulas added since), the numeric
// signatures (numeric-store.ts, computed when the formulas were indexed) and the structure signal's postings
// (structure-<hash>.bin); the bitmap vectors come from the bitmap model's sidecar (bitmap-store.ts), the LaTeX from the
// catalogue.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SymbolicEncoder } from '../encode/symbolic';
import { EMBEDDING_DIMENSIONS } from '../encode/types';
import type { Catalogue } from '../index/catalogue';
import { HybridIndex, type HybridFormula, type SignalScores } from './hybrid';
import { STRUCTURE_FORMAT, StructureIndex } from './structural';
import { errorMessage } from '../result';
import { computeSignatures, ContentKeys, readNumericSignatures, writeNumericSignatures, type StoredSides } from './numeric-store';
import { readVectorFile, writeVectorFile } from './vector-file';

export const SYMBOLIC_VECTORS_FILE = 'symbolic-vectors.bin';
const MAGIC = 'formula-lens symbolic vectors 1\n';

/** Symbolic vectors by formula id from the file, or an empty map when it is absent, damaged or from another model. */
export function readSymbolicVectors(file: string, modelFingerprint: string): Map<number, Float32Array> {
  const vectors = new Map<number, Float32Array>();
  const stored = readVectorFile(file, MAGIC, modelFingerprint, 4);
  if (typeof stored !== 'object' || stored.dimensions !== EMBEDDING_DIMENSIONS) return vectors; // rebuilt from the index
  const ids = new Int32Array(stored.keys.buffer, stored.keys.byteOffset, stored.count);
  ids.forEach((id, i) => vectors.set(id, stored.values.subarray(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS)));
  return vectors;
}

/** Writes the vectors atomically (temporary file, then rename), so a crash leaves the old file or the new one. */
export function writeSymbolicVectors(file: string, modelFingerprint: string, vectors: Map<number, Float32Array>): void {
  const ids = Int32Array.from(vectors.keys());
  const values = new Float32Array(ids.length * EMBEDDING_DIMENSIONS);
  ids.forEach((id, i) => values.set(vectors.get(id)!, i * EMBEDDING_DIMENSIONS));
  writeVectorFile(file, MAGIC, modelFingerprint, { keys: Buffer.from(ids.buffer), values, count: ids.length, dimensions: EMBEDDING_DIMENSIONS });
}

export interface HybridOpenOptions {
  /** The weights the view will search with: what they weigh is built now, off the cursor path. */
  prepare?: SignalScores;
  /** Where the symbolic vectors, numeric signatures and structure postings files live: the index's folder (a cache folder for a database). */
  directory: string;
  /** The bitmap vectors by formula id (a BitmapSidecar's), when a search weighs the bitmap signal. */
  bitmap?: ReadonlyMap<number, Float32Array>;
  /** Whether the numeric signal is used (its fusion weight is positive): then the signatures are loaded. */
  numeric?: boolean;
  onProgress?(embedded: number, total: number): void;
  /** Formulas whose signatures the folder lacks (an index built before them, a damaged file) are computed here. */
  onNumericProgress?(computed: number, total: number): void;
  /** Why stored data was not used (it is computed again): for the log. */
  onNotice?(message: string): void;
}

/**
 * The hybrid view of an index: every formula with its bitmap vector (from the sidecar, when given), its symbolic vector
 * (from the file, embedding the missing ones; none without a symbolic encoder, when no search weighs it) and
 * its LaTeX with its paper's macros (for the lexical and structure signals).
 */
export async function openHybridIndex(index: Catalogue, symbolic: Pick<SymbolicEncoder, 'model' | 'embed'> | undefined, options: HybridOpenOptions): Promise<HybridIndex> {
  const file = path.join(options.directory, SYMBOLIC_VECTORS_FILE);
  const stored = symbolic ? readSymbolicVectors(file, symbolic.model.fingerprint) : new Map<number, Float32Array>();
  const macros = new Map(index.papers().map((paper) => [paper.id, paper.macros]));
  const formulas: HybridFormula[] = [];
  for (const formula of index.allFormulas()) {
    formulas.push({ id: formula.id, paperId: formula.paperId, latex: formula.latex, macros: macros.get(formula.paperId), bitmap: options.bitmap?.get(formula.id), symbolic: stored.get(formula.id) });
  }
  if (symbolic) await attachSymbolicVectors(formulas, symbolic, stored, file, options);
  if (options.numeric) await attachNumericSignatures(formulas, options);
  const view = HybridIndex.build(formulas, () => storedStructure(options.directory, formulas, options.onNotice));
  return options.prepare ? view.prepare(options.prepare) : view;
}

const structureFilePattern = /^structure-[0-9a-f]{16}\.bin$/;

/**
 * The structure signal's index of these formulas from its sidecar file, `structure-<hash of the formulas and the
 * format>.bin`, or built (seconds for ten thousand formulas) and stored there for the next process: written
 * atomically, and the files of other formula sets removed (a reader of another generation builds its own).
 */
function storedStructure(directory: string, formulas: readonly HybridFormula[], onNotice?: (message: string) => void): StructureIndex {
  const hash = createHash('sha256').update(`structure ${STRUCTURE_FORMAT}\n`);
  for (const formula of formulas) hash.update(`${formula.id}\u0000${formula.latex}\u0000${formula.macros ?? ''}\u0001`);
  const file = path.join(directory, `structure-${hash.digest('hex').slice(0, 16)}.bin`);
  const stored = existsSync(file) ? StructureIndex.deserialize(readFileSync(file)) : undefined;
  if (stored && stored.size === formulas.length) return stored;
  const built = StructureIndex.build(formulas);
  try {
    const temporary = `${file}.tmp-${process.pid}`;
    writeFileSync(temporary, built.serialize());
    renameSync(temporary, file);
    for (const name of readdirSync(directory)) if (structureFilePattern.test(name) && name !== path.basename(file)) rmSync(path.join(directory, name), { force: true });
  } catch (error) {
    onNotice?.(`The structure postings of ${directory} could not be stored (${errorMessage(error)}); they are built again next time.`);
  }
  return built;
}

/** Gives each formula its stored symbolic vector, embedding (and storing) the ones the file lacks. */
async function attachSymbolicVectors(
  formulas: HybridFormula[],
  symbolic: Pick<SymbolicEncoder, 'model' | 'embed'>,
  stored: Map<number, Float32Array>,
  file: string,
  options: HybridOpenOptions,
): Promise<void> {
  const missing = formulas.filter((formula) => !formula.symbolic);
  const batch = 512;
  for (let start = 0; start < missing.length; start += batch) {
    const chunk = missing.slice(start, start + batch);
    const embeddings = await symbolic.embed(chunk);
    chunk.forEach((formula, i) => (formula.symbolic = embeddings[i]));
    options.onProgress?.(Math.min(start + batch, missing.length), missing.length);
  }
  if (missing.length > 0 || stored.size !== formulas.length) {
    writeSymbolicVectors(file, symbolic.model.fingerprint, new Map(formulas.map((formula) => [formula.id, formula.symbolic!])));
  }
}

/**
 * Gives each formula its stored numeric signature. Signatures the file lacks are computed (normally none:
 * the build stores them) and the file is rewritten to hold exactly the index's formulas.
 */
async function attachNumericSignatures(formulas: HybridFormula[], options: HybridOpenOptions): Promise<void> {
  const stored = readNumericSignatures(options.directory);
  if (stored.problem) options.onNotice?.(stored.problem);
  const keys = new ContentKeys();
  const contentKeys = formulas.map((formula) => keys.key(formula));
  const missing = new Map<string, HybridFormula>();
  contentKeys.forEach((key, i) => stored.byContent.has(key) || missing.set(key, formulas[i]));
  if (missing.size > 0) {
    if (!stored.problem && stored.byContent.size > 0) options.onNotice?.(`${missing.size} formulas of ${options.directory} had no stored numeric signature; computing them`);
    const computed = await computeSignatures([...missing.values()], options.onNumericProgress);
    [...missing.keys()].forEach((key, i) => stored.byContent.set(key, computed[i]));
  }
  const current = new Map<string, StoredSides>(contentKeys.map((key) => [key, stored.byContent.get(key)!]));
  if (missing.size > 0 || current.size !== stored.byContent.size) writeNumericSignatures(options.directory, current);
  formulas.forEach((formula, i) => {
    const sides = current.get(contentKeys[i]);
    if (sides) formula.numeric = { sides: sides.map((key) => ({ key })) };
  });
}
