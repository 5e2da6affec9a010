// The persistent formula catalogue: a folder of immutable generations behind the CURRENT pointer (generations.ts),
// each a SQLite database of papers and formulas (no embeddings, no model: signals keep their data in sidecars).
//
// Readers (`openForReading`) take no lock: they open the generation CURRENT names through a private link and keep
// it, whatever is committed after (`isCurrent` tells them to reopen). One writer (`open`, holding writer.lock)
// commits an update by copying the database to the next generation's scratch file, applying the update to it,
// syncing it, then replacing CURRENT. A crash before that rename leaves the previous generation committed and the
// scratch file as a leftover, which the next writer removes with the superseded ones.
import { constants, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { errorMessage, fail, ok, type Result } from '../result';
import {
  holdsEarlierLayout,
  legacyMetadataFileName,
  metadataFileName,
  pin,
  readCurrent,
  removeDeadReaders,
  removeIndexFiles,
  removeOtherGenerations,
  syncDirectory,
  syncFile,
  unpin,
  writeCurrent,
} from './generations';
import type { Catalogue, CatalogueUpdate, CatalogueWriter } from './catalogue';
import { MetadataStore, paperRow, type Manifest, type PaperRow } from './metadata';
import { isAlive, WriterLock } from './writer-lock';
import {
  INDEX_FORMAT_VERSION,
  type HitFilter,
  type IndexError,
  type IndexedPaper,
  type IndexOptions,
  type IndexStats,
  type PaperToAdd,
  type StoredFormula,
} from './types';

export { holdsIndex } from './generations';

/** Times a reader starts again when the generation it found was superseded before it could open it. */
const readAttempts = 5;
/** How long opening an index of the earlier layout waits for another process moving it to generations. */
const migrationWaitMs = 10_000;

export interface OpenedIndex {
  index: FormulaIndex;
  /** What was repaired or reset while opening, for the user's log. */
  notices: string[];
}

export type IndexUpdate = CatalogueUpdate;

/** Why a generation could not be opened, before the way out is added to it. */
type Refusal = { kind: IndexError['kind']; problem: string };

const rebuildHint = (directory: string) =>
  `Delete ${directory} and index again (formula-lens index <paths> --index ${directory} --rebuild).`;

/** The refusal as the user reads it: with the way out where rebuilding is it. */
function refused(directory: string, { kind, problem }: Refusal): IndexError {
  const rebuildable = kind === 'corrupt' || kind === 'format-mismatch';
  return { kind, message: rebuildable ? `${problem}. ${rebuildHint(directory)}` : `${problem}.` };
}

/** The committed generation, or undefined when none is or CURRENT is unreadable. */
function committedGeneration(directory: string): number | undefined {
  try {
    return readCurrent(directory);
  } catch {
    return undefined;
  }
}

export class FormulaIndex implements Catalogue, CatalogueWriter {
  private papersByRow = new Map<number, PaperRow>();
  private rowByPaperId = new Map<string, number>();
  /** Formula id → paper row, for filtering and grouping without SQLite round trips. */
  private paperRowOfFormula = new Map<number, number>();

  private constructor(
    readonly directory: string,
    /** Held when opened for writing; a reader has none and cannot update. */
    private readonly writer: WriterLock | undefined,
    /** The opened generation's database, through its private link `pinned`. */
    private metadata: MetadataStore,
    private pinned: string,
    private manifestState: Manifest,
  ) {
    this.reloadMaps();
  }

  /**
   * Opens the committed generation of the index in `directory` for reading, without a lock and without waiting
   * for a writer. An index of another format is refused.
   */
  static openForReading(directory: string): Result<OpenedIndex, IndexError> {
    if (holdsEarlierLayout(directory)) {
      const migrated = withWriterLock(directory, migrationWaitMs, undefined, (lock) => {
        const moved = migrateEarlierLayout(directory);
        lock.release();
        return moved.ok ? moved : fail(refused(directory, moved.reason));
      });
      if (!migrated.ok) return migrated;
    }
    for (let attempt = 1; ; attempt++) {
      let generation: number | undefined;
      try {
        generation = readCurrent(directory);
      } catch (error) {
        return fail({ kind: 'corrupt', message: `The index in ${directory} is damaged (${errorMessage(error)}). ${rebuildHint(directory)}` });
      }
      if (generation === undefined) return fail({ kind: 'missing', message: `No index in ${directory}.` });
      const opened = FormulaIndex.openGeneration(directory, generation, undefined);
      if (opened === 'superseded') {
        if (attempt < readAttempts) continue;
        return fail({ kind: 'io', message: `The index in ${directory} changed ${readAttempts} times while opening it; try again.` });
      }
      if (!opened.ok) return fail(refused(directory, opened.reason));
      return ok({ index: opened.value.index, notices: opened.value.notices });
    }
  }

  /**
   * Opens the index in `directory` for writing, creating it when absent: takes the writer lock, waiting up to
   * `lockWaitMs` for another writer. Another format's index, or a damaged one, is refused, or started afresh with
   * `onMismatch: 'rebuild'`.
   */
  static open(directory: string, options: IndexOptions = {}): Result<OpenedIndex, IndexError> {
    return withWriterLock(directory, options.lockWaitMs ?? 0, options.onLockWait, (lock) => FormulaIndex.openOwned(directory, lock, options));
  }

  /** Opens for the holder of the writer lock; a new index starts at `firstGeneration`. */
  private static openOwned(directory: string, lock: WriterLock, options: IndexOptions, firstGeneration = 0): Result<OpenedIndex, IndexError> {
    const startAfresh = (problem: string) => {
      // Numbered on from the old index, so that a reader of the old one never takes a new generation for its own.
      const next = (committedGeneration(directory) ?? -1) + 1;
      removeIndexFiles(directory);
      return withNotices(FormulaIndex.openOwned(directory, lock, { ...options, onMismatch: 'refuse' }, next), [`${problem}: started a new, empty index in ${directory}.`]);
    };
    const migrated = migrateEarlierLayout(directory);
    if (!migrated.ok) return options.onMismatch === 'rebuild' && migrated.reason.kind === 'corrupt' ? startAfresh(migrated.reason.problem) : fail(refused(directory, migrated.reason));
    let generation: number | undefined;
    try {
      generation = readCurrent(directory);
    } catch (error) {
      const problem = `The index in ${directory} is damaged (${errorMessage(error)})`;
      return options.onMismatch === 'rebuild' ? startAfresh(problem) : fail(refused(directory, { kind: 'corrupt', problem }));
    }
    try {
      generation ??= initialise(directory, firstGeneration);
      removeOtherGenerations(directory, generation);
    } catch (error) {
      return fail({ kind: 'io', message: `Cannot write the index in ${directory}: ${errorMessage(error)}` });
    }
    const opened = FormulaIndex.openGeneration(directory, generation, lock);
    if (opened === 'superseded') throw new Error('a generation vanished under its writer');
    if (!opened.ok) return options.onMismatch === 'rebuild' ? startAfresh(opened.reason.problem) : fail(refused(directory, opened.reason));
    return opened;
  }

  /**
   * Opens generation `generation` through a private link; 'superseded' when its files were removed meanwhile
   * (a writer committed a newer one: read CURRENT again).
   */
  private static openGeneration(directory: string, generation: number, writer: WriterLock | undefined): 'superseded' | Result<OpenedIndex, Refusal> {
    removeDeadReaders(directory);
    const file = metadataFileName(generation);
    // Pinned before anything is read: a commit meanwhile can no longer take it away.
    let pinned: string;
    try {
      pinned = pin(directory, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && committedGeneration(directory) !== generation) return 'superseded';
      return fail({ kind: 'io', problem: `Cannot open the index in ${directory} (${errorMessage(error)})` });
    }
    let metadata: MetadataStore;
    let manifest: Manifest | undefined;
    try {
      metadata = MetadataStore.open(pinned, 'read', { check: true });
      manifest = metadata.manifest();
    } catch (error) {
      unpin(pinned);
      return fail({ kind: 'corrupt', problem: `The index metadata ${path.join(directory, file)} is damaged (${errorMessage(error)})` });
    }
    const problem = !manifest
      ? `The index metadata ${path.join(directory, file)} has no manifest`
      : manifest.formatVersion !== INDEX_FORMAT_VERSION
        ? `Index format ${manifest.formatVersion} (this version reads ${INDEX_FORMAT_VERSION}) in ${directory}`
        : undefined;
    if (problem) {
      metadata.close();
      unpin(pinned);
      return fail({ kind: manifest ? 'format-mismatch' : 'corrupt', problem });
    }
    return ok({ index: new FormulaIndex(directory, writer, metadata, pinned, manifest!), notices: [] });
  }

  /** Closes the database and, for a writer, gives the writer lock back. */
  close(): void {
    this.metadata.close();
    unpin(this.pinned);
    this.writer?.release();
  }

  /** Whether this is still the committed generation (cheap: reads CURRENT); a reader that is not reopens the index. */
  isCurrent(): boolean {
    return committedGeneration(this.directory) === this.manifestState.generation;
  }

  /** Adds and removes papers in one atomic, durable step (only an index opened for writing). */
  update({ add = [], remove = [] }: IndexUpdate): Result<{ added: number; removed: number }, IndexError> {
    if (!this.writer) throw new Error(`The index in ${this.directory} was opened for reading; FormulaIndex.open opens it for writing.`);
    const invalid = this.validate(add);
    if (invalid) return fail({ kind: 'invalid-input', message: invalid });
    const removed = [...new Set(remove)].filter((id) => this.rowByPaperId.has(id));
    const replaced = add.map((entry) => entry.paper.id).filter((id) => this.rowByPaperId.has(id));
    const removing = [...new Set([...removed, ...replaced])];
    const removedFormulas: number[] = [];
    const inserted: { row: number; paper: IndexedPaper; formulaIds: number[] }[] = [];
    try {
      this.commit((store) => {
        removedFormulas.push(...store.removePapers(removing));
        for (const entry of add) inserted.push({ ...store.insertPaper(entry), paper: entry.paper });
      });
    } catch (error) {
      return fail({ kind: 'io', message: `Updating the index in ${this.directory} failed (${errorMessage(error)}); it is unchanged.` });
    }
    // Mirror the committed change in the in-memory maps (cheaper than re-reading a large index).
    for (const id of removing) {
      this.papersByRow.delete(this.rowByPaperId.get(id)!);
      this.rowByPaperId.delete(id);
    }
    for (const id of removedFormulas) this.paperRowOfFormula.delete(id);
    for (const { row, paper, formulaIds } of inserted) {
      this.papersByRow.set(row, paperRow(row, { ...paper }));
      this.rowByPaperId.set(paper.id, row);
      for (const id of formulaIds) this.paperRowOfFormula.set(id, row);
    }
    return ok({ added: add.length, removed: removed.length });
  }

  /**
   * Commits the next generation: copies the database to its scratch file, runs `change` on it, syncs it and points
   * CURRENT at it. On failure the next generation's files are removed and this one stays.
   */
  private commit(change: (store: MetadataStore) => void): void {
    const previous = this.manifestState;
    const generation = previous.generation + 1;
    const scratchFile = path.join(this.directory, `${metadataFileName(generation)}.tmp`);
    let scratch: MetadataStore | undefined;
    try {
      // A reflink where the file system has them (btrfs, XFS, APFS): then the copy shares the unchanged pages.
      copyFileSync(path.join(this.directory, metadataFileName(previous.generation)), scratchFile, constants.COPYFILE_FICLONE);
      const store = (scratch = MetadataStore.open(scratchFile, 'scratch'));
      store.transaction(() => {
        change(store);
        store.writeManifest({ ...previous, generation });
      });
      scratch.close();
      scratch = undefined;
      publish(this.directory, scratchFile, generation);
    } catch (error) {
      scratch?.close();
      removeOtherGenerations(this.directory, previous.generation);
      this.reloadMaps();
      throw error;
    }
    this.manifestState = { ...previous, generation };
    const pinned = pin(this.directory, metadataFileName(generation));
    this.metadata.close();
    unpin(this.pinned);
    this.metadata = MetadataStore.open(pinned, 'read');
    this.pinned = pinned;
    removeOtherGenerations(this.directory, generation);
    removeDeadReaders(this.directory);
  }

  private reloadMaps(): void {
    this.papersByRow = new Map(this.metadata.papers().map((row) => [row.row, row]));
    this.rowByPaperId = new Map([...this.papersByRow.values()].map((row) => [row.paper.id, row.row]));
    this.paperRowOfFormula = new Map(this.metadata.formulaPapers().map(({ id, paper }) => [id, paper]));
  }

  private validate(add: PaperToAdd[]): string | undefined {
    const ids = new Set<string>();
    for (const { paper } of add) {
      if (!paper.id) return 'A paper has an empty id.';
      if (ids.has(paper.id)) return `Paper ${paper.id} is listed twice in one update.`;
      ids.add(paper.id);
    }
    return undefined;
  }

  /** The paper a live formula belongs to (undefined for an unknown id). */
  paperIdOf(formulaId: number): string | undefined {
    const row = this.paperRowOfFormula.get(formulaId);
    return row === undefined ? undefined : this.papersByRow.get(row)?.paper.id;
  }

  /** Which formula ids a filter lets through (years, libraries, excluded papers); undefined when it restricts nothing. */
  acceptor(filter: HitFilter): ((formulaId: number) => boolean) | undefined {
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
    return (formulaId) => allowedRows.has(this.paperRowOfFormula.get(formulaId) ?? -1);
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

  /** Every formula, in id order (streamed from disk). */
  allFormulas(): Iterable<StoredFormula> {
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
    const database = path.join(this.directory, metadataFileName(this.manifestState.generation));
    return {
      formatVersion: this.manifestState.formatVersion,
      papers: this.papersByRow.size,
      formulas: this.paperRowOfFormula.size,
      libraries: [...libraries.values()].sort((a, b) => a.name.localeCompare(b.name)),
      bytesOnDisk: existsSync(database) ? statSync(database).size : 0,
      generation: this.manifestState.generation,
    };
  }
}

function withNotices(result: Result<OpenedIndex, IndexError>, notices: string[]): Result<OpenedIndex, IndexError> {
  return result.ok ? ok({ index: result.value.index, notices: [...notices, ...result.value.notices] }) : result;
}

/** Runs `body` holding the folder's writer lock; gives it back when `body` fails (on success the opened index holds it). */
function withWriterLock<T>(
  directory: string,
  waitMs: number,
  onWait: IndexOptions['onLockWait'],
  body: (lock: WriterLock) => Result<T, IndexError>,
): Result<T, IndexError> {
  let lock: Result<WriterLock, { writerPid: number }>;
  try {
    mkdirSync(directory, { recursive: true });
    lock = WriterLock.acquire(directory, waitMs, onWait);
  } catch (error) {
    return fail({ kind: 'io', message: `Cannot open the index folder ${directory}: ${errorMessage(error)}` });
  }
  if (!lock.ok) {
    return fail({
      kind: 'busy',
      message: `The index in ${directory} is being written by process ${lock.reason.writerPid}; try again when it has finished (or delete ${directory}/writer.lock if no such process runs).`,
    });
  }
  const result = body(lock.value);
  if (!result.ok) lock.value.release();
  return result;
}

/** Writes the first generation of a new index (an empty database) and commits it. */
function initialise(directory: string, generation: number): number {
  removeOtherGenerations(directory, -1); // the files of a first commit a crash interrupted
  const scratchFile = path.join(directory, `${metadataFileName(generation)}.tmp`);
  const store = MetadataStore.open(scratchFile, 'scratch');
  try {
    store.transaction(() => store.writeManifest({ formatVersion: INDEX_FORMAT_VERSION, generation }));
  } finally {
    store.close();
  }
  publish(directory, scratchFile, generation);
  return generation;
}

/** Makes a written scratch database the committed generation `generation`. */
function publish(directory: string, scratchFile: string, generation: number): void {
  syncFile(scratchFile);
  renameSync(scratchFile, path.join(directory, metadataFileName(generation)));
  syncDirectory(directory);
  writeCurrent(directory, generation);
}

/**
 * Moves an index of the layout before generations (`metadata.sqlite`, beside its graph file `vectors-<g>.hnsw`) to
 * generation g, once; the caller holds the writer lock. An earlier version's process still using it is waited for.
 */
function migrateEarlierLayout(directory: string): Result<void, Refusal> {
  if (!holdsEarlierLayout(directory)) return ok(undefined);
  const database = path.join(directory, legacyMetadataFileName);
  const ownerLock = path.join(directory, 'owner.lock');
  const ownerPid = existsSync(ownerLock) ? Number.parseInt(readFileSync(ownerLock, 'utf8'), 10) : 0;
  if (ownerPid > 0 && ownerPid !== process.pid && isAlive(ownerPid)) {
    return fail({ kind: 'busy', problem: `The index in ${directory} is in use by process ${ownerPid} (an earlier version of Formula Lens); close it and try again` });
  }
  // A killed owner leaves SQLite's lock folder, which would keep SQLite from rolling back its journal.
  rmSync(`${database}.lock`, { recursive: true, force: true });
  rmSync(ownerLock, { force: true });
  let manifest: Manifest | undefined;
  try {
    const store = MetadataStore.open(database, 'write', { check: true }); // rolls back a crashed transaction
    manifest = store.manifest();
    store.close();
  } catch (error) {
    return fail({ kind: 'corrupt', problem: `The index metadata ${database} is damaged (${errorMessage(error)})` });
  }
  try {
    if (!manifest) {
      rmSync(database); // never committed anything: the folder starts afresh
      return ok(undefined);
    }
    // Linked, committed, then unlinked: a crash in between leaves the earlier layout, or the new one.
    const generationFile = path.join(directory, metadataFileName(manifest.generation));
    rmSync(generationFile, { force: true });
    linkSync(database, generationFile);
    writeCurrent(directory, manifest.generation);
    rmSync(database);
    rmSync(`${database}-journal`, { force: true }); // rolled back on open if it was hot; else an empty leftover
    return ok(undefined);
  } catch (error) {
    return fail({ kind: 'io', problem: `Cannot move the index in ${directory} to the current layout (${errorMessage(error)})` });
  }
}
