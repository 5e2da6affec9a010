// The bitmap signal's sidecar of an index, one per bitmap model, beside the catalogue (docs/index.md):
//
//   bitmap-<model>.vectors               each rendered formula's embedding, keyed by its content (LaTeX, macros,
//                                        display style, environment): what the rendering depends on; a PDF
//                                        formula's, embedded from its crop, keyed by the crop's pixels
//   bitmap-<model>-<set>-<sha256>.hnsw   the HNSW graph over the catalogue's formula set <set> (bitmap mode's search)
//
// Built by whoever needs it (an indexing run asked for it, or a search that weighs the bitmap signal), reader or
// writer: only the formulas whose content the file lacks are rendered, and the file is rewritten atomically every
// batch, so an interrupted build resumes and concurrent builders, writing the same content, lose nothing but time.
// The catalogue is never touched: switching the model builds another sidecar.
import { createHash } from 'node:crypto';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { FormulaIndex } from '../index/store';
import type { FormulaHit, HitFilter } from '../index/types';
import { VectorGraph, type GraphParameters } from '../index/vectors';
import { pngToCrop } from '../pdf/png';
import { CROP_HEIGHT, CROP_WIDTH, type FormulaInput } from '../render';
import { errorMessage } from '../result';
import type { FormulaEmbedder } from './embedder';
import { ContentKeys } from './numeric-store';
import { readVectorFile, writeVectorFile, type VectorFile } from './vector-file';

const MAGIC = 'formula-lens bitmap vectors 1\n';
/** A content key (24 hex digits) as bytes. */
const keyBytes = 12;
const graphParameters = { m: 16, efConstruction: 200 };

const modelTag = (fingerprint: string) => fingerprint.slice(0, 16);
export const bitmapVectorsFileName = (fingerprint: string) => `bitmap-${modelTag(fingerprint)}.vectors`;
const sidecarPattern = /^bitmap-([0-9a-f]{16})(?:\.vectors|-[0-9a-f]{16}-[0-9a-f]{64}\.hnsw)$/;

export interface BitmapSidecarOptions {
  /** Formulas rendered between two writes of the vectors file (default 1000): what an interruption can lose. */
  batchFormulas?: number;
  /** Formulas rendered so far of those the file lacked. */
  onProgress?(done: number, total: number): void;
  /** Why stored data was not used (it is built again): for the log. */
  onNotice?(message: string): void;
  /** Stops between batches; what was written stays. */
  signal?: AbortSignal;
}

/** A formula's rendering input, or its picture when it has one already (a PDF crop), and its content key. */
interface KeyedFormula {
  id: number;
  key: string;
  input: FormulaInput | { picture: Uint8Array };
}

/** The sidecar files of an index folder, by model tag (the fingerprint's first 16 digits): for `info`. */
export function listBitmapSidecars(directory: string): { model: string; vectors: boolean; graphs: number }[] {
  const found = new Map<string, { model: string; vectors: boolean; graphs: number }>();
  for (const name of readdirSync(directory)) {
    const match = sidecarPattern.exec(name);
    if (!match) continue;
    const entry = found.get(match[1]!) ?? { model: match[1]!, vectors: false, graphs: 0 };
    if (name.endsWith('.vectors')) entry.vectors = true;
    else entry.graphs += 1;
    found.set(match[1]!, entry);
  }
  return [...found.values()];
}

/** The bitmap vectors of an index's formulas for one model, with the graph for bitmap-mode search built on demand. */
export class BitmapSidecar {
  private graph: VectorGraph | undefined;

  private constructor(
    private readonly index: FormulaIndex,
    /** The model's pipeline, which embeds the queries searched against these vectors. */
    readonly embedder: FormulaEmbedder,
    private readonly formulas: readonly KeyedFormula[],
    /** By formula id. */
    readonly vectors: ReadonlyMap<number, Float32Array>,
    /** Formulas rendered by this open (the others came from the file), and how many of them degraded. */
    readonly rendered: { formulas: number; degraded: number },
    private readonly onNotice?: (message: string) => void,
  ) {}

  /**
   * Opens the sidecar of `embedder`'s model for the index's formulas, rendering (in batches, each stored at once)
   * the ones the vectors file lacks. A damaged file is rebuilt, with a notice. Returns undefined when `signal` stopped it.
   */
  static async open(index: FormulaIndex, embedder: FormulaEmbedder, options: BitmapSidecarOptions = {}): Promise<BitmapSidecar | undefined> {
    const fingerprint = embedder.model.fingerprint;
    const file = path.join(index.directory, bitmapVectorsFileName(fingerprint));
    const formulas = keyedFormulas(index);
    const known = readVectors(file, fingerprint, embedder.dimensions, options.onNotice);
    const missing = new Map<string, KeyedFormula['input']>();
    for (const { key, input } of formulas) if (!known.has(key)) missing.set(key, input);
    const rendered = { formulas: 0, degraded: 0 };
    const batchFormulas = Math.max(1, options.batchFormulas ?? 1000);
    const pending = [...missing];
    options.onProgress?.(0, pending.length);
    for (let start = 0; start < pending.length; start += batchFormulas) {
      if (options.signal?.aborted) return undefined;
      const batch = pending.slice(start, start + batchFormulas);
      const toRender = batch.filter((entry): entry is [string, FormulaInput] => !('picture' in entry[1]));
      const pictured = batch.filter((entry): entry is [string, { picture: Uint8Array }] => 'picture' in entry[1]);
      const embedded = toRender.length ? await embedder.embed(toRender.map(([, input]) => input), 'batch') : [];
      const fromPictures = pictured.length ? await embedder.embedPictures(pictured.map(([, { picture }]) => pngToCrop(picture, CROP_WIDTH, CROP_HEIGHT))) : [];
      const added = new Map<string, Float32Array>();
      toRender.forEach(([key], i) => added.set(key, embedded[i]!.embedding));
      pictured.forEach(([key], i) => added.set(key, fromPictures[i]!));
      rendered.formulas += batch.length;
      rendered.degraded += embedded.filter((result) => result.degraded).length;
      // Read again before writing: another process may have stored vectors meanwhile (the same ones, or others).
      const merged = readVectors(file, fingerprint, embedder.dimensions);
      for (const [key, vector] of added) known.set(key, vector);
      for (const [key, vector] of known) merged.set(key, vector);
      writeVectors(file, fingerprint, embedder.dimensions, merged);
      options.onProgress?.(rendered.formulas, pending.length);
    }
    const vectors = new Map(formulas.map(({ id, key }) => [id, known.get(key)!]));
    // Content the catalogue no longer holds is kept (a reader of an older generation may need it) until it is a third.
    const current = new Map(formulas.map(({ key }) => [key, known.get(key)!]));
    if (known.size > 1.5 * current.size) writeVectors(file, fingerprint, embedder.dimensions, current);
    return new BitmapSidecar(index, embedder, formulas, vectors, rendered, options.onNotice);
  }

  /** Loads (or builds and stores) the HNSW graph of this formula set now rather than on the first bitmap search. */
  prepareGraph(): this {
    this.graph ??= this.openGraph();
    return this;
  }

  /**
   * The `count` formulas nearest to `query` (unit norm) that pass `filter`, best first.
   * `ef` is HNSW's search breadth (≥ count): higher is slower and closer to exact.
   */
  nearest(query: Float32Array, count: number, ef: number, filter: HitFilter = {}): FormulaHit[] {
    const graph = this.prepareGraph().graph!;
    return graph.search(query, count, ef, this.index.acceptor(filter)).flatMap(({ label, score }) => {
      const paperId = this.index.paperIdOf(label);
      return paperId === undefined ? [] : [{ formulaId: label, paperId, score }];
    });
  }

  /**
   * The graph file of this model and formula set (named by the hash of the formula ids and content keys, and by
   * its own sha256, checked before hnswlib reads it), or built from the vectors and stored; the graphs of this
   * model's other formula sets are removed (a reader of another generation builds its own).
   */
  private openGraph(): VectorGraph {
    const setHash = createHash('sha256');
    for (const { id, key } of this.formulas) setHash.update(`${id}\u0000${key}\n`);
    const model = modelTag(this.embedder.model.fingerprint);
    const prefix = `bitmap-${model}-${setHash.digest('hex').slice(0, 16)}-`;
    const parameters: GraphParameters = { dimensions: this.embedder.dimensions, ...graphParameters };
    const directory = this.index.directory;
    const stored = readdirSync(directory).find((name) => name.startsWith(prefix) && name.endsWith('.hnsw'));
    if (stored) {
      try {
        return VectorGraph.load(parameters, path.join(directory, stored), stored.slice(prefix.length, -'.hnsw'.length));
      } catch (error) {
        this.onNotice?.(`The bitmap graph ${path.join(directory, stored)} was unusable (${errorMessage(error)}); rebuilding it.`);
      }
    }
    const graph = VectorGraph.create(parameters, this.formulas.length);
    for (const { id } of this.formulas) graph.add(id, this.vectors.get(id)!);
    try {
      // Saved under a name of this process, then named by its sha256: concurrent builders never mix their bytes.
      const scratch = path.join(directory, `${prefix}${process.pid}.hnsw.tmp`);
      const sha256 = graph.save(scratch);
      renameSync(scratch, path.join(directory, `${prefix}${sha256}.hnsw`));
      // Only committed graph files: another process's scratch file is left to it.
      const superseded = (name: string) => name.startsWith(`bitmap-${model}-`) && sidecarPattern.test(name) && !name.endsWith(`-${sha256}.hnsw`);
      for (const name of readdirSync(directory)) if (superseded(name)) rmSync(path.join(directory, name), { force: true });
    } catch (error) {
      this.onNotice?.(`The bitmap graph of ${directory} could not be stored (${errorMessage(error)}); it is built again next time.`);
    }
    return graph;
  }
}

/**
 * The index's formulas, in id order, with what their picture depends on and its content key: the rendering's input,
 * or a PDF formula's crop (a formula whose crop could not be drawn is rendered from its written-back LaTeX).
 */
function keyedFormulas(index: FormulaIndex): KeyedFormula[] {
  const keys = new ContentKeys();
  const macros = new Map(index.papers().map((paper) => [paper.id, paper.macros]));
  return [...index.allFormulas()].map((formula) => {
    const picture = formula.pdf?.crop;
    if (picture) return { id: formula.id, key: createHash('sha256').update('pdf crop\u0000').update(picture).digest('hex').slice(0, keyBytes * 2), input: { picture } };
    const input: FormulaInput = { latex: formula.latex, macros: macros.get(formula.paperId), display: !formula.inline, env: formula.env };
    return { id: formula.id, key: keys.key(input, input.display ? 'display' : 'inline', input.env ?? ''), input };
  });
}

/** The stored vectors by content key; none when the file is absent or damaged (then with a notice). */
function readVectors(file: string, fingerprint: string, dimensions: number, onNotice?: (message: string) => void): Map<string, Float32Array> {
  const vectors = new Map<string, Float32Array>();
  const stored = readVectorFile(file, MAGIC, fingerprint, keyBytes);
  const problem = typeof stored === 'string' ? stored : stored && stored.dimensions !== dimensions ? `its vectors have ${stored.dimensions} dimensions, the model ${dimensions}` : undefined;
  if (problem) onNotice?.(`The bitmap vectors file ${file} is unusable (${problem}); rendering the formulas again.`);
  if (typeof stored !== 'object' || problem) return vectors;
  for (let i = 0; i < stored.count; i++) {
    vectors.set(stored.keys.toString('hex', i * keyBytes, (i + 1) * keyBytes), stored.values.subarray(i * dimensions, (i + 1) * dimensions));
  }
  return vectors;
}

function writeVectors(file: string, fingerprint: string, dimensions: number, vectors: ReadonlyMap<string, Float32Array>): void {
  const count = vectors.size;
  const stored: VectorFile = { keys: Buffer.alloc(count * keyBytes), values: new Float32Array(count * dimensions), count, dimensions };
  let i = 0;
  for (const [key, vector] of vectors) {
    stored.keys.write(key, i * keyBytes, keyBytes, 'hex');
    stored.values.set(vector, i++ * dimensions);
  }
  writeVectorFile(file, MAGIC, fingerprint, stored);
}
