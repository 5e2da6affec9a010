// The persistent formula index: a folder holding `metadata.sqlite` (papers, formulas, embeddings,
// manifest) and `vectors-<generation>.hnsw` (the HNSW graph of the committed generation).
//
// An update commits in this order: apply it to the in-memory graph, save the graph under the next
// generation's file name (temp file, fsync, rename), then commit the SQLite transaction that writes the
// rows and points the manifest at the new file. A crash before the commit leaves the previous manifest,
// whose file is still there; a crash after it leaves the new one. Files of other generations are
// leftovers and are removed on open. A damaged graph file is rebuilt from the embeddings in SQLite.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fail, ok, type Result } from '../library/types';
import { MetadataStore, paperRow, type Manifest, type PaperRow } from './metadata';
import { OwnerLock } from './owner-lock';
import { VectorGraph, type GraphParameters } from './vectors';
import {
  INDEX_FORMAT_VERSION,
  type FormulaHit,
  type HitFilter,
  type IndexError,
  type IndexedPaper,
  type IndexOptions,
  type IndexStats,
  type PaperToAdd,
  type StoredFormula,
} from './types';

const metadataFileName = 'metadata.sqlite';
const vectorsFilePattern = /^vectors-(\d+)\.hnsw(\.tmp)?$/;
const vectorsFileName = (generation: number) => `vectors-${generation}.hnsw`;

/** Compact (rebuild the graph without deleted points) once they are this share of all points. */
const compactionThreshold = 0.25;

export interface OpenedIndex {
  index: FormulaIndex;
  /** What was repaired or reset while opening, for the user's log. */
  notices: string[];
}

export interface IndexUpdate {
  /** Papers to add; a paper whose id is already indexed replaces the old one. */
  add?: PaperToAdd[];
  /** Ids of papers to remove (unknown ids are ignored). */
  remove?: string[];
}

const missingIndex = (directory: string): IndexError => ({ kind: 'missing', message: `No index in ${directory} (no ${metadataFileName}).` });

const rebuildHint = (directory: string) =>
  `Delete ${directory} and index again (formula-lens index <paths> --index ${directory} --rebuild).`;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class FormulaIndex {
  private papersByRow = new Map<number, PaperRow>();
  private rowByPaperId = new Map<string, number>();
  /** Formula id (= HNSW label) → paper row, for filtering and grouping without SQLite round trips. */
  private paperRowOfFormula = new Map<number, number>();

  private constructor(
    readonly directory: string,
    private readonly lock: OwnerLock,
    private readonly metadata: MetadataStore,
    private graph: VectorGraph,
    private manifestState: Manifest,
    private readonly parameters: GraphParameters,
  ) {
    this.reloadMaps();
  }

  /**
   * Opens the index in `directory`, creating it when absent unless `create` is false. A damaged graph file is rebuilt from the
   * metadata; another model's or format's index is refused, or started afresh with `onMismatch: 'rebuild'`.
   */
  static open(directory: string, options: IndexOptions): Result<OpenedIndex, IndexError> {
    const databaseFile = path.join(directory, metadataFileName);
    if (options.create === false && !existsSync(databaseFile)) return fail(missingIndex(directory));
    return FormulaIndex.withLock(directory, databaseFile, options.lockWaitMs ?? 0, (lock) =>
      FormulaIndex.openOwned(directory, databaseFile, lock, options, graphParameters(options)),
    );
  }

  /**
   * Opens an index that must exist, with the model and dimensions it was built with: for reading
   * it whatever the current model (info, export).
   */
  static openExisting(directory: string, lockWaitMs = 0): Result<OpenedIndex, IndexError> {
    const databaseFile = path.join(directory, metadataFileName);
    if (!existsSync(databaseFile)) return fail(missingIndex(directory));
    return FormulaIndex.withLock(directory, databaseFile, lockWaitMs, (lock) => {
      let manifest: Manifest | undefined;
      try {
        const metadata = MetadataStore.open(databaseFile, false);
        manifest = metadata.manifest();
        metadata.close();
      } catch (error) {
        return fail({ kind: 'corrupt', message: `The index metadata ${databaseFile} is damaged (${errorMessage(error)}). ${rebuildHint(directory)}` });
      }
      if (!manifest) return fail({ kind: 'missing', message: `No index in ${directory} (its manifest is empty).` });
      const options = { modelFingerprint: manifest.modelFingerprint, dimensions: manifest.dimensions };
      return FormulaIndex.openOwned(directory, databaseFile, lock, options, graphParameters(options));
    });
  }

  /** Takes ownership of the folder for `body`; gives it back when `body` fails. */
  private static withLock(
    directory: string,
    databaseFile: string,
    lockWaitMs: number,
    body: (lock: OwnerLock) => Result<OpenedIndex, IndexError>,
  ): Result<OpenedIndex, IndexError> {
    let lock: Result<OwnerLock, { ownerPid: number }>;
    try {
      mkdirSync(directory, { recursive: true });
      lock = OwnerLock.acquire(directory, [`${databaseFile}.lock`], lockWaitMs);
    } catch (error) {
      return fail({ kind: 'io', message: `Cannot open the index folder ${directory}: ${errorMessage(error)}` });
    }
    if (!lock.ok) {
      return fail({
        kind: 'busy',
        message: `The index in ${directory} is in use by process ${lock.reason.ownerPid}; close it (or delete ${directory}/owner.lock if no such process runs).`,
      });
    }
    const opened = body(lock.value);
    if (!opened.ok) lock.value.release();
    return opened;
  }

  private static openOwned(
    directory: string,
    databaseFile: string,
    lock: OwnerLock,
    options: IndexOptions,
    parameters: GraphParameters,
  ): Result<OpenedIndex, IndexError> {
    const notices: string[] = [];
    if (!existsSync(databaseFile) && readdirSync(directory).some((name) => vectorsFilePattern.test(name))) {
      return fail({
        kind: 'corrupt',
        message: `The index in ${directory} has a vectors file but no ${metadataFileName}. ${rebuildHint(directory)}`,
      });
    }
    let metadata: MetadataStore;
    try {
      metadata = MetadataStore.open(databaseFile, true);
    } catch (error) {
      const problem = `The index metadata ${databaseFile} is damaged (${errorMessage(error)})`;
      if (options.onMismatch !== 'rebuild') return fail({ kind: 'corrupt', message: `${problem}. ${rebuildHint(directory)}` });
      removeIndexFiles(directory);
      return withNotices(FormulaIndex.openOwned(directory, databaseFile, lock, { ...options, onMismatch: 'refuse' }, parameters), [
        `${problem}: started a new, empty index.`,
      ]);
    }
    const found = metadata.manifest();
    const mismatch = found && describeMismatch(found, options);
    if (mismatch && options.onMismatch !== 'rebuild') {
      metadata.close();
      return fail({ kind: mismatch.kind, message: `${mismatch.message} in ${directory}. ${rebuildHint(directory)}` });
    }
    if (mismatch) {
      metadata.close();
      removeIndexFiles(directory);
      notices.push(`${mismatch.message}: started a new, empty index in ${directory}.`);
      return withNotices(FormulaIndex.openOwned(directory, databaseFile, lock, options, parameters), notices);
    }
    try {
      const manifest = found ?? FormulaIndex.initialise(metadata, directory, options, parameters);
      removeLeftovers(directory, manifest.vectorsFile);
      let graph: VectorGraph;
      try {
        graph = VectorGraph.load(parameters, path.join(directory, manifest.vectorsFile), manifest.vectorsSha256);
      } catch (error) {
        notices.push(`The vectors file of ${directory} was unusable (${errorMessage(error)}); rebuilt it from the metadata.`);
        const rebuilt = new FormulaIndex(directory, lock, metadata, VectorGraph.create(parameters, 16), manifest, parameters);
        rebuilt.commit(() => 0, true);
        return ok({ index: rebuilt, notices });
      }
      return ok({ index: new FormulaIndex(directory, lock, metadata, graph, manifest, parameters), notices });
    } catch (error) {
      metadata.close();
      return fail({ kind: 'corrupt', message: `The index in ${directory} is damaged (${errorMessage(error)}). ${rebuildHint(directory)}` });
    }
  }

  /** Writes the manifest and an empty graph of generation 0 for a new index. */
  private static initialise(metadata: MetadataStore, directory: string, options: IndexOptions, parameters: GraphParameters): Manifest {
    const vectorsFile = vectorsFileName(0);
    const sha256 = VectorGraph.create(parameters, 16).save(path.join(directory, vectorsFile));
    const manifest: Manifest = {
      formatVersion: INDEX_FORMAT_VERSION,
      modelFingerprint: options.modelFingerprint,
      dimensions: options.dimensions,
      generation: 0,
      vectorsFile,
      vectorsSha256: sha256,
      vectorsPoints: 0,
      deletedPoints: 0,
    };
    metadata.transaction(() => metadata.writeManifest(manifest));
    return manifest;
  }

  /** Closes the database and gives up ownership of the folder. */
  close(): void {
    this.metadata.close();
    this.lock.release();
  }

  /** Adds and removes papers in one atomic, durable step. */
  update({ add = [], remove = [] }: IndexUpdate): Result<{ added: number; removed: number }, IndexError> {
    const invalid = this.validate(add);
    if (invalid) return fail({ kind: 'invalid-input', message: invalid });
    const removed = [...new Set(remove)].filter((id) => this.rowByPaperId.has(id));
    const replaced = add.map((entry) => entry.paper.id).filter((id) => this.rowByPaperId.has(id));
    const removing = [...new Set([...removed, ...replaced])];
    const removedFormulas: number[] = [];
    const inserted: { row: number; paper: IndexedPaper; formulaIds: number[] }[] = [];
    try {
      this.commit((graph) => {
        removedFormulas.push(...this.metadata.removePapers(removing));
        for (const label of removedFormulas) graph.markDeleted(label);
        for (const entry of add) {
          const { row, formulaIds } = this.metadata.insertPaper(entry);
          formulaIds.forEach((label, index) => graph.add(label, entry.formulas[index].embedding));
          inserted.push({ row, paper: entry.paper, formulaIds });
        }
        return removedFormulas.length;
      });
    } catch (error) {
      return fail({ kind: 'io', message: `Updating the index in ${this.directory} failed (${errorMessage(error)}); it is unchanged.` });
    }
    // Mirror the committed change in the in-memory maps (cheaper than re-reading a large index).
    for (const id of removing) {
      this.papersByRow.delete(this.rowByPaperId.get(id)!);
      this.rowByPaperId.delete(id);
    }
    for (const label of removedFormulas) this.paperRowOfFormula.delete(label);
    for (const { row, paper, formulaIds } of inserted) {
      this.papersByRow.set(row, paperRow(row, { ...paper }));
      this.rowByPaperId.set(paper.id, row);
      for (const label of formulaIds) this.paperRowOfFormula.set(label, row);
    }
    return ok({ added: add.length, removed: removed.length });
  }

  /**
   * Runs `change` on the graph and the database inside one transaction and commits the next generation.
   * `change` returns how many points it marked deleted. With `rebuild` (or many deletions) the graph
   * is rebuilt from the stored embeddings instead. On failure everything is reloaded from disk.
   */
  private commit(change: (graph: VectorGraph) => number, rebuild = false): void {
    const previous = this.manifestState;
    const generation = previous.generation + 1;
    const vectorsFile = vectorsFileName(generation);
    try {
      this.metadata.transaction(() => {
        let deletedPoints = previous.deletedPoints + change(this.graph);
        if (rebuild || deletedPoints > compactionThreshold * this.graph.points) {
          this.graph = this.rebuildGraph();
          deletedPoints = 0;
        }
        const sha256 = this.graph.save(path.join(this.directory, vectorsFile));
        this.manifestState = {
          ...previous,
          generation,
          vectorsFile,
          vectorsSha256: sha256,
          vectorsPoints: this.graph.points,
          deletedPoints,
        };
        this.metadata.writeManifest(this.manifestState);
      });
    } catch (error) {
      this.manifestState = previous;
      this.graph = VectorGraph.load(this.parameters, path.join(this.directory, previous.vectorsFile), previous.vectorsSha256);
      rmSync(path.join(this.directory, vectorsFile), { force: true });
      this.reloadMaps();
      throw error;
    }
    rmSync(path.join(this.directory, previous.vectorsFile), { force: true });
  }

  /** A fresh graph of the live embeddings (compaction, or repair of a damaged file). */
  private rebuildGraph(): VectorGraph {
    const live = this.metadata.formulaCount();
    const graph = VectorGraph.create(this.parameters, Math.ceil(live * 1.1));
    for (const { id, embedding } of this.metadata.embeddings()) graph.add(id, embedding);
    return graph;
  }

  private reloadMaps(): void {
    this.papersByRow = new Map(this.metadata.papers().map((row) => [row.row, row]));
    this.rowByPaperId = new Map([...this.papersByRow.values()].map((row) => [row.paper.id, row.row]));
    this.paperRowOfFormula = new Map(this.metadata.formulaPapers().map(({ id, paper }) => [id, paper]));
  }

  private validate(add: PaperToAdd[]): string | undefined {
    const ids = new Set<string>();
    for (const { paper, formulas } of add) {
      if (!paper.id) return 'A paper has an empty id.';
      if (ids.has(paper.id)) return `Paper ${paper.id} is listed twice in one update.`;
      ids.add(paper.id);
      for (const formula of formulas) {
        if (formula.embedding.length !== this.parameters.dimensions) {
          return `A formula of ${paper.id} has an embedding of ${formula.embedding.length} numbers; the index holds ${this.parameters.dimensions}.`;
        }
        if (!formula.embedding.every(Number.isFinite)) return `A formula of ${paper.id} has a non-finite embedding.`;
      }
    }
    return undefined;
  }

  /**
   * The `count` formulas nearest to `query` (unit norm) that pass `filter`, best first.
   * `ef` is HNSW's search breadth (≥ count): higher is slower and closer to exact.
   */
  nearest(query: Float32Array, count: number, ef: number, filter: HitFilter = {}): FormulaHit[] {
    const accept = this.acceptor(filter);
    return this.graph.search(query, count, ef, accept).flatMap(({ label, score }) => {
      const row = this.paperRowOfFormula.get(label);
      const paper = row === undefined ? undefined : this.papersByRow.get(row);
      return paper ? [{ formulaId: label, paperId: paper.paper.id, score }] : [];
    });
  }

  private acceptor(filter: HitFilter): ((label: number) => boolean) | undefined {
    const { yearFrom, yearTo, libraries, excludePapers } = filter;
    const restricted = yearFrom !== undefined || yearTo !== undefined || libraries?.length || excludePapers?.length;
    if (!restricted) return undefined;
    const excluded = new Set(excludePapers ?? []);
    const allowedRows = new Set<number>();
    for (const { row, paper, yearNumber } of this.papersByRow.values()) {
      if (excluded.has(paper.id)) continue;
      if (libraries?.length && !libraries.includes(paper.library)) continue;
      if (yearFrom !== undefined && (yearNumber === undefined || yearNumber < yearFrom)) continue;
      if (yearTo !== undefined && (yearNumber === undefined || yearNumber > yearTo)) continue;
      allowedRows.add(row);
    }
    return (label) => allowedRows.has(this.paperRowOfFormula.get(label) ?? -1);
  }

  /** Stored formulas by id (unknown ids are left out). */
  formulas(ids: number[]): Map<number, StoredFormula> {
    const found = this.metadata.formulas(ids, (row) => this.papersByRow.get(row)?.paper.id ?? '');
    return new Map(found.map((formula) => [formula.id, formula]));
  }

  /** Live formulas in the index. */
  get formulaCount(): number {
    return this.paperRowOfFormula.size;
  }

  paper(id: string): IndexedPaper | undefined {
    const row = this.rowByPaperId.get(id);
    return row === undefined ? undefined : this.papersByRow.get(row)?.paper;
  }

  papers(): IndexedPaper[] {
    return [...this.papersByRow.values()].map((row) => row.paper);
  }

  /** Every formula with its embedding, in id order (streamed from disk). */
  allFormulas(): Iterable<{ formula: StoredFormula; embedding: Float32Array }> {
    return this.metadata.allFormulas((row) => this.papersByRow.get(row)?.paper.id ?? '');
  }

  stats(): IndexStats {
    const libraries = new Map<string, { name: string; papers: number; formulas: number }>();
    for (const { paper } of this.papersByRow.values()) {
      const entry = libraries.get(paper.library) ?? { name: paper.library, papers: 0, formulas: 0 };
      entry.papers += 1;
      libraries.set(paper.library, entry);
    }
    for (const row of this.paperRowOfFormula.values()) {
      const library = this.papersByRow.get(row)?.paper.library;
      if (library !== undefined) libraries.get(library)!.formulas += 1;
    }
    const size = (name: string) => (existsSync(path.join(this.directory, name)) ? statSync(path.join(this.directory, name)).size : 0);
    return {
      formatVersion: this.manifestState.formatVersion,
      modelFingerprint: this.manifestState.modelFingerprint,
      dimensions: this.manifestState.dimensions,
      papers: this.papersByRow.size,
      formulas: this.paperRowOfFormula.size,
      deletedPoints: this.manifestState.deletedPoints,
      libraries: [...libraries.values()].sort((a, b) => a.name.localeCompare(b.name)),
      bytesOnDisk: size(metadataFileName) + size(this.manifestState.vectorsFile),
      generation: this.manifestState.generation,
    };
  }
}

function graphParameters(options: IndexOptions): GraphParameters {
  return { dimensions: options.dimensions, m: options.m ?? 16, efConstruction: options.efConstruction ?? 200 };
}

function describeMismatch(found: Manifest, options: IndexOptions): Pick<IndexError, 'kind' | 'message'> | undefined {
  if (found.formatVersion !== INDEX_FORMAT_VERSION) {
    return { kind: 'format-mismatch', message: `Index format ${found.formatVersion} (this version reads ${INDEX_FORMAT_VERSION})` };
  }
  if (found.modelFingerprint !== options.modelFingerprint || found.dimensions !== options.dimensions) {
    return {
      kind: 'model-mismatch',
      message: `Index built by model ${found.modelFingerprint.slice(0, 12)} (current model ${options.modelFingerprint.slice(0, 12)})`,
    };
  }
  return undefined;
}

function withNotices(result: Result<OpenedIndex, IndexError>, notices: string[]): Result<OpenedIndex, IndexError> {
  return result.ok ? ok({ index: result.value.index, notices: [...notices, ...result.value.notices] }) : result;
}

/** Removes an index's own files (never anything else a user may have put in the folder). */
export function removeIndexFiles(directory: string): void {
  if (!existsSync(directory)) return;
  for (const name of readdirSync(directory)) {
    if (name === metadataFileName || name.startsWith(`${metadataFileName}-`) || vectorsFilePattern.test(name)) {
      rmSync(path.join(directory, name), { force: true });
    }
  }
}

/** Vectors files of uncommitted or superseded generations (a crash between save and commit leaves one). */
function removeLeftovers(directory: string, committed: string): void {
  for (const name of readdirSync(directory)) {
    if (vectorsFilePattern.test(name) && name !== committed) rmSync(path.join(directory, name), { force: true });
  }
}
