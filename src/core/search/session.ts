// One search session (issue 18): the engine and the CLI search through this and do nothing else with indexes
// and encoders. It reads models/fusion.json once, chooses the mode, and opens only what the mode weighs: the
// bitmap encoder (an ONNX session and render workers) and the index's bitmap sidecar for the bitmap signal, the
// symbolic encoder for the symbolic one; lexical and structure need neither. It keeps indexes open for reading (no
// lock; reopened when a writer has committed a newer generation), folders and PostgreSQL databases alike (a database
// as a snapshot of its catalogue), with their hybrid views and sidecars, prepares the
// bundled default index (its catalogue built on first use, in the background or waited for), and merges the results
// of several indexes into one ranking: every index ranks with the same mode and weights, so their scores are on one
// scale, and a paper found in two indexes (same arXiv id, DOI or cite key) is shown once, where it scored best.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import { SymbolicEncoder } from '../encode/symbolic';
import type { Catalogue } from '../index/catalogue';
import { PostgresCatalogue, postgresGeneration } from '../index/postgres/catalogue';
import { connectPostgres, PostgresPool } from '../index/postgres/connect';
import { rankedOnPostings, SharedIndexReader } from '../index/postgres/shared-search';
import { isPostgresLocation } from '../index/postgres/location';
import { FormulaIndex } from '../index/store';
import type { HitFilter, IndexedPaper } from '../index/types';
import { errorMessage, fail, ok, type Result } from '../result';
import { BitmapSidecar } from './bitmap-store';
import { defaultCacheRoot, defaultIndexDirectory, defaultIndexMarkerMatches, defaultLibraryFile, librarySha256, openDefaultIndex } from './default-library';
import { openEmbedder, type FormulaEmbedder } from './embedder';
import { chooseSearchMode, searchHybrid, usesNumeric, type HybridSearchResponse, type TaggedFormulaResult } from './hybrid-search';
import { openHybridIndex } from './hybrid-store';
import { weightsFor, type HybridIndex, type SearchMode, type SignalScores } from './hybrid';
import { searchSimilar, type FormulaResult, type PaperResult, type SearchError, type SearchQuery, type SearchResponse } from './search';

export interface SessionOptions {
  log?(line: string): void;
  /** Work a search starts or waits for: the default index's first build, bitmap and symbolic vectors, numeric signatures. */
  onProgress?(progress: SessionProgress): void;
  /** Render workers of the bitmap pipeline (queries need one; building a bitmap sidecar uses them all). */
  renderWorkers?: number;
  /** Another fusion file (tests). */
  fusionFile?: string;
  /** A shared index's password when the caller holds one (the editor's secret storage); else PGPASSWORD or ~/.pgpass. */
  databasePassword?(location: string): string | undefined;
}

export interface SessionProgress {
  indexDir: string;
  phase: 'default index' | 'bitmap vectors' | 'symbolic vectors' | 'numeric signatures';
  /** In [0, 1]. */
  progress: number;
  formulasDone?: number;
  formulasTotal?: number;
}

export interface BitmapModelChoice {
  /** `see`, `bee` or the path of an encoder .onnx. */
  model: string;
  executionProvider?: 'auto' | 'cpu' | 'cuda';
}

export interface SessionRequest extends BitmapModelChoice {
  query: SearchQuery;
  /** Index locations to search: folders, or PostgreSQL databases (`postgres://…`). */
  indexes: readonly string[];
  /** Also the bundled default index: `wait` builds it first when needed, `background` answers without it meanwhile. */
  defaultIndex?: { cacheRoot?: string; libraryFile?: string; prepare: 'wait' | 'background' };
  /** A mode name (`--encoder`, the setting); the fusion file's default when absent. */
  mode?: string;
  symbolicModel?: string;
  k?: number;
  formulasPerPaper?: number;
  ef?: number;
  filter?: HitFilter;
}

/** A formula found: its score, and in the modes other than bitmap which signals found it, each one's score and what matched. */
export interface SessionFormula extends FormulaResult, Partial<Pick<TaggedFormulaResult, 'foundBy' | 'scores' | 'highlightedLatex'>> {}

export interface SessionPaper extends PaperResult {
  formulas: SessionFormula[];
  /** The index folder it was found in. */
  index: string;
}

export interface SessionResponse extends SearchResponse {
  mode: SearchMode;
  /** The signal weights the mode ranked with (what a shown score is the sum of). */
  weights: SignalScores;
  papers: SessionPaper[];
  /** Indexes that could not be searched, with the reason (the others still were). */
  problems: string[];
  /** The default index is being built in the background (`prepare: 'background'`): its progress. */
  preparing?: number;
  /** Which indexes answered: their folders. */
  searched: string[];
}

/** The bundled default index (its catalogue): built on first use. */
type DefaultIndexState =
  | { kind: 'building'; progress: number; done: Promise<void>; stop: AbortController }
  | { kind: 'ready'; directory: string }
  | { kind: 'failed'; reason: string };

interface HeldIndex {
  /** The catalogue in memory: a folder's at once, a database's snapshot read when a search first needs it. */
  catalogue(): Promise<Result<Catalogue, string>>;
  /** A database's searcher on the server's postings, with the connections its searches hold. */
  shared?: { reader: SharedIndexReader; pool: PostgresPool };
  /** The folder's index, which the bitmap signal's sidecar needs; none for a database. */
  folder?: FormulaIndex;
  /** Where searches keep what they derive from the catalogue: the index folder, or a cache folder for a database. */
  sidecarDirectory: string;
  /** Whether nothing was committed since it was opened. */
  isCurrent(): Promise<boolean>;
  close(): void;
  /** Hybrid views by the bitmap and symbolic models they carry vectors of. */
  views: Map<string, Promise<HybridIndex>>;
  /** Bitmap sidecars by model fingerprint, or why one could not be built. */
  bitmap: Map<string, Promise<Result<BitmapSidecar, string>>>;
}

/** A query of a shared index that takes longer fails the search (a million formulas' snapshot reads in far less). */
const databaseQueryTimeoutMs = 120_000;
/** The generation check before each search of a shared index: one tiny row. */
const generationCheckTimeoutMs = 3_000;

type Opened<T> = Promise<Result<T, { message: string }>>;

export class SearchSession {
  private readonly fusion: ReturnType<typeof chooseSearchMode>;
  private readonly embedders = new Map<string, Opened<FormulaEmbedder>>();
  private readonly symbolicEncoders = new Map<string, Opened<SymbolicEncoder>>();
  /** Indexes by location, held open (or being opened) for reading. */
  private readonly held = new Map<string, Promise<Result<HeldIndex, string>>>();
  private readonly defaultIndexes = new Map<string, DefaultIndexState>();

  constructor(private readonly options: SessionOptions = {}) {
    this.fusion = chooseSearchMode(undefined, options.fusionFile);
  }

  /** The mode a request ranks by, with the fusion's weights. */
  mode(requested?: string): Result<{ mode: SearchMode; fusion: SignalScores }, string> {
    return requested === undefined ? this.fusion : chooseSearchMode(requested, this.options.fusionFile);
  }

  /** Whether searches in this mode (default: the fusion file's) weigh the bitmap signal, and so need its sidecar. */
  weighsBitmap(requested?: string): boolean {
    const chosen = this.mode(requested);
    return chosen.ok && weightsFor(chosen.value.mode, chosen.value.fusion).bitmap > 0;
  }

  async search(request: SessionRequest): Promise<Result<SessionResponse, SearchError>> {
    const chosen = this.mode(request.mode);
    if (!chosen.ok) return fail({ kind: 'embedding-failed', message: chosen.reason });
    const { mode, fusion } = chosen.value;
    const weights = weightsFor(mode, fusion);
    const problems: string[] = [];
    const directories = [...new Set(request.indexes)];
    let preparing: number | undefined;
    if (request.defaultIndex) {
      const state = await this.defaultIndex(request.defaultIndex);
      if (state.kind === 'ready') directories.push(state.directory);
      else if (state.kind === 'building') preparing = state.progress;
      else problems.push(state.reason);
    }
    const bitmap = weights.bitmap > 0 ? await this.bitmapEncoder(request) : undefined;
    if (bitmap && !bitmap.ok) return fail({ kind: 'embedding-failed', message: bitmap.reason.message });

    const papers: SessionResponse['papers'] = [];
    const searched: string[] = [];
    let queryDegraded = false;
    let queryIssues: SearchResponse['queryIssues'] = [];
    const timings = { embedMs: 0, searchMs: 0 };
    for (const directory of directories) {
      const held = await this.open(directory);
      if (!held.ok) {
        problems.push(held.reason);
        continue;
      }
      const { folder } = held.value;
      const sidecar =
        bitmap &&
        (folder
          ? await this.bitmapSidecar(directory, held.value, folder, bitmap.value!)
          : fail(`${directory}: the bitmap signal is not available for a PostgreSQL index yet; search it in a mode that does not weigh it (lexical, structure, or the default hybrid).`));
      if (sidecar && !sidecar.ok) {
        problems.push(sidecar.reason);
        continue;
      }
      const options = { k: request.k, formulasPerPaper: request.formulasPerPaper, ef: request.ef, filter: request.filter };
      const found =
        mode === 'bitmap'
          ? await searchSimilar(folder!, sidecar!.value!, request.query, options)
          : await this.searchView(directory, held.value, request, { ...options, mode, fusion, weights, bitmap: sidecar?.value });
      if (!found.ok) {
        if (found.reason.kind === 'empty-query' || found.reason.kind === 'embedding-failed') return found; // the same for every index
        problems.push(`${directory}: ${found.reason.message}`);
        continue;
      }
      searched.push(directory);
      queryDegraded ||= found.value.queryDegraded;
      if (found.value.queryIssues.length) queryIssues = found.value.queryIssues;
      timings.embedMs += found.value.timings?.embedMs ?? 0;
      timings.searchMs += found.value.timings?.searchMs ?? 0;
      papers.push(...found.value.papers.map((paper) => ({ ...paper, index: directory })));
    }
    const k = Math.max(1, request.k ?? 10);
    return ok({ mode, weights, papers: mergePapers(papers).slice(0, k), problems, preparing, searched, queryDegraded, queryIssues, timings });
  }

  /** A non-bitmap search over the index's hybrid view, opening the symbolic encoder only when the weights need it. */
  private async searchView(
    directory: string,
    held: HeldIndex,
    request: SessionRequest,
    options: Parameters<typeof searchHybrid>[4] & { weights: SignalScores; bitmap?: BitmapSidecar },
  ): ReturnType<typeof searchHybrid> {
    if (held.shared && rankedOnPostings(options.weights)) {
      const found = await searchShared(held.shared, request.query, options);
      if (found) return found;
    }
    const catalogue = await held.catalogue();
    if (!catalogue.ok) return fail({ kind: 'index-unavailable', message: catalogue.reason });
    const symbolic = options.weights.symbolic > 0 ? await this.symbolic(request.symbolicModel ?? '') : undefined;
    if (symbolic && !symbolic.ok) return fail({ kind: 'embedding-failed', message: `The ${options.mode} search mode needs the symbolic model: ${symbolic.reason.message}` });
    const encoder = symbolic?.value;
    const key = `bitmap:${options.bitmap?.embedder.model.fingerprint ?? ''}\nsymbolic:${encoder ? request.symbolicModel ?? '' : ''}`;
    let view = held.views.get(key);
    if (!view) {
      const progress = this.progress(directory);
      view = openHybridIndex(catalogue.value, encoder, {
        directory: held.sidecarDirectory,
        bitmap: options.bitmap?.vectors,
        // by the fusion rather than the mode: the view is kept for later searches, which may be hybrid
        numeric: usesNumeric({ mode: 'hybrid', fusion: options.fusion }),
        prepare: options.weights,
        onProgress: progress('symbolic vectors'),
        onNumericProgress: progress('numeric signatures'),
        onNotice: this.options.log,
      });
      held.views.set(key, view);
    }
    return searchHybrid(catalogue.value, await view, { bitmap: options.bitmap?.embedder, symbolic: encoder }, request.query, options);
  }

  /** Reports a phase's progress on the index in `directory`. */
  private progress(directory: string): (phase: SessionProgress['phase']) => (done: number, total: number) => void {
    return (phase) => (done, total) =>
      this.options.onProgress?.({ indexDir: directory, phase, progress: total ? done / total : 1, formulasDone: done, formulasTotal: total });
  }

  /**
   * The bitmap sidecar of the held index for the encoder's model, built once per opened generation (rendering only
   * the formulas its file lacks, with progress).
   */
  private bitmapSidecar(directory: string, held: HeldIndex, folder: FormulaIndex, embedder: FormulaEmbedder): Promise<Result<BitmapSidecar, string>> {
    const fingerprint = embedder.model.fingerprint;
    let sidecar = held.bitmap.get(fingerprint);
    if (!sidecar) {
      const report = this.progress(directory)('bitmap vectors');
      sidecar = BitmapSidecar.open(folder, embedder, { onProgress: report, onNotice: this.options.log }).then(
        (opened) => ok(opened!),
        (error: unknown) => fail(`${directory}: its bitmap vectors could not be built (${errorMessage(error)})`),
      );
      held.bitmap.set(fingerprint, sidecar);
    }
    return sidecar;
  }

  /**
   * The index at `location`, held open for reading; reopened when a writer has committed since. Searches that
   * arrive while it opens wait for that one opening; one that failed is tried again by the next search.
   */
  private async open(location: string): Promise<Result<HeldIndex, string>> {
    const held = this.held.get(location);
    if (held) {
      const opened = await held;
      if (opened.ok && (await opened.value.isCurrent())) return opened;
      if (this.held.get(location) === held) this.close(location);
      else return this.open(location); // another search is reopening it already
    }
    const opening = isPostgresLocation(location) ? this.openDatabase(location) : Promise.resolve(this.openFolder(location));
    this.held.set(location, opening);
    const opened = await opening;
    if (!opened.ok && this.held.get(location) === opening) this.held.delete(location);
    return opened;
  }

  private openFolder(directory: string): Result<HeldIndex, string> {
    const opened = FormulaIndex.openForReading(directory);
    if (!opened.ok) return fail(opened.reason.message);
    for (const notice of opened.value.notices) this.options.log?.(notice);
    const { index } = opened.value;
    return ok({
      catalogue: async () => ok(index),
      folder: index,
      sidecarDirectory: directory,
      isCurrent: async () => index.isCurrent(),
      close: () => index.close(),
      views: new Map(),
      bitmap: new Map(),
    });
  }

  /**
   * A shared index: searched on the server's postings (one read transaction per search, on a pool of connections),
   * or, for modes that weigh signals the server has no postings of, as a snapshot of its catalogue read on first
   * need; with a connection kept to notice the next committed index run once a snapshot is held (one small query
   * per search). A connection that fails counts as changed: the next search connects again.
   */
  private async openDatabase(location: string): Promise<Result<HeldIndex, string>> {
    const connectOptions = { password: this.options.databasePassword?.(location), queryTimeoutMs: databaseQueryTimeoutMs };
    const connected = await connectPostgres(location, connectOptions);
    if (!connected.ok) return connected;
    const client: Client = connected.value;
    const pool = new PostgresPool(location, connectOptions);
    const end = () => {
      pool.end();
      void client.end().catch(() => undefined);
    };
    try {
      const generation = await postgresGeneration(client);
      const sidecarDirectory = path.join(defaultCacheRoot(), 'postgres', createHash('sha256').update(location).digest('hex').slice(0, 16));
      let snapshot: Promise<Result<Catalogue, string>> | undefined;
      const readSnapshot = async (): Promise<Result<Catalogue, string>> => {
        const loaded = await PostgresCatalogue.load(client, location);
        if (!loaded.ok) return fail(loaded.reason.message);
        // read after the check above: a run committed in between makes this held index stale, reopened by the next search
        if (loaded.value.generation !== generation) this.close(location);
        mkdirSync(sidecarDirectory, { recursive: true });
        return ok(loaded.value);
      };
      return ok({
        catalogue: () => (snapshot ??= readSnapshot().catch((error: unknown) => fail(`${location}: ${errorMessage(error)}`))),
        shared: { reader: new SharedIndexReader(location), pool },
        sidecarDirectory,
        // Only a snapshot goes stale: searches on the postings follow the generation in their own transaction. Asked
        // before every search then: a server that stops answering costs it seconds, not the snapshot's 2 minutes.
        isCurrent: async () => !snapshot || postgresGeneration(client, generationCheckTimeoutMs).then((current) => current === generation, () => false),
        close: end,
        views: new Map(),
        bitmap: new Map(),
      });
    } catch (error) {
      end();
      return fail(`${location}: ${errorMessage(error)}`);
    }
  }

  /** Forgets an index (closing it), e.g. before a build replaces it or when nobody searched it for a while. */
  close(location: string): void {
    const held = this.held.get(location);
    if (!held) return;
    this.held.delete(location);
    void held.then((opened) => opened.ok && opened.value.close());
  }

  /** The locations of the indexes held open. */
  get openIndexes(): string[] {
    return [...this.held.keys()];
  }

  /**
   * Waits until the default index is ready, building its catalogue when needed. Aborting `signal` stops the build
   * at its next batch (what it finished stays); a later search or preparation resumes it.
   */
  async prepareDefaultIndex(choice: Omit<NonNullable<SessionRequest['defaultIndex']>, 'prepare'>, signal: AbortSignal): Promise<Result<void, string>> {
    for (;;) {
      const state = await this.defaultIndex({ ...choice, prepare: 'background' });
      if (state.kind === 'ready') return ok(undefined);
      if (state.kind !== 'building') return fail(state.reason);
      const stop = () => state.stop.abort();
      signal.addEventListener('abort', stop);
      await state.done.finally(() => signal.removeEventListener('abort', stop));
      if (signal.aborted) return fail('The default index build was stopped.');
    }
  }

  /**
   * The default index. A complete one opens at once; otherwise its catalogue is built (nothing rendered), and the
   * request either waits for it or is answered without it meanwhile.
   */
  private async defaultIndex(choice: NonNullable<SessionRequest['defaultIndex']>): Promise<DefaultIndexState> {
    const key = `${choice.cacheRoot ?? ''}\n${choice.libraryFile ?? ''}`;
    let state = this.defaultIndexes.get(key);
    if (!state) {
      const file = choice.libraryFile ?? defaultLibraryFile();
      if (!file) return { kind: 'failed', reason: 'The bundled default library (data/default-library/papers.jsonl.gz) is not installed.' };
      const sha = librarySha256(file);
      const directory = defaultIndexDirectory(sha, choice.cacheRoot);
      // Built already (the usual case): read it like any index.
      state = isCompleteDefaultIndex(directory, file, sha) ? { kind: 'ready', directory } : this.buildDefaultIndex(key, directory, choice);
      this.defaultIndexes.set(key, state);
    }
    if (state.kind === 'building' && choice.prepare === 'wait') {
      await state.done;
      return this.defaultIndexes.get(key)!;
    }
    return state;
  }

  /** Builds the default index's catalogue, reporting progress. */
  private buildDefaultIndex(key: string, directory: string, choice: NonNullable<SessionRequest['defaultIndex']>): DefaultIndexState {
    const report = (progress: number, counts: Pick<SessionProgress, 'formulasDone' | 'formulasTotal'> = {}) =>
      this.options.onProgress?.({ indexDir: directory, phase: 'default index', progress, ...counts });
    const failed = (reason: string) => {
      this.defaultIndexes.set(key, { kind: 'failed', reason: `The default index could not be prepared: ${reason}` });
      this.options.log?.(`default index: ${reason}`);
    };
    const building: DefaultIndexState & { kind: 'building' } = { kind: 'building', progress: 0, done: Promise.resolve(), stop: new AbortController() };
    building.done = (async () => {
      const opened = await openDefaultIndex({
        cacheRoot: choice.cacheRoot,
        libraryFile: choice.libraryFile,
        lockWaitMs: choice.prepare === 'wait' ? 10 * 60_000 : 0,
        signal: building.stop.signal,
        onProgress: ({ formulasDone, formulasTotal }) => {
          building.progress = formulasTotal ? formulasDone / formulasTotal : 1;
          report(Math.min(building.progress, 0.999), { formulasDone, formulasTotal }); // 1 only once it opens
        },
      });
      if (building.stop.signal.aborted) {
        if (opened.ok) opened.value.index.close();
        this.defaultIndexes.delete(key); // stopped, not failed: the next request resumes the build
        return;
      }
      if (!opened.ok) return failed(opened.reason.message);
      opened.value.index.close(); // searches open it for reading
      this.defaultIndexes.set(key, { kind: 'ready', directory });
    })()
      .catch((error: unknown) => failed(String(error)))
      .finally(() => report(1));
    return building;
  }

  /** The bitmap encoder of a model, opened once: for the bitmap signal and its sidecars. */
  bitmapEncoder({ model, executionProvider }: BitmapModelChoice): Opened<FormulaEmbedder> {
    return openOnce(this.embedders, `${model}\n${executionProvider ?? ''}`, () =>
      openEmbedder({ encoder: { model, executionProvider, log: this.options.log }, renderWorkers: this.options.renderWorkers }).then((opened) =>
        opened.ok ? opened : fail({ message: modelUnavailable(opened.reason.message) }),
      ),
    );
  }

  private symbolic(model: string): Opened<SymbolicEncoder> {
    return openOnce(this.symbolicEncoders, model, () => SymbolicEncoder.open({ model: model || undefined }));
  }

  /** The bitmap and symbolic encoders opened so far, by model: what the searches' modes needed. */
  get openedEncoders(): { bitmap: string[]; symbolic: string[] } {
    return { bitmap: [...this.embedders.keys()], symbolic: [...this.symbolicEncoders.keys()] };
  }

  async dispose(): Promise<void> {
    const held = [...this.held.values()];
    this.held.clear();
    for (const opening of held) {
      const opened = await opening;
      if (opened.ok) opened.value.close();
    }
    for (const opening of this.embedders.values()) {
      const opened = await opening;
      if (opened.ok) await opened.value.close();
    }
    for (const opening of this.symbolicEncoders.values()) {
      const opened = await opening;
      if (opened.ok) await opened.value.dispose();
    }
    this.embedders.clear();
    this.symbolicEncoders.clear();
  }
}

/**
 * A search of a shared index on its postings, in one read transaction on a pooled connection; undefined when the
 * index has no postings yet (indexed before them), so the caller searches its snapshot instead.
 */
async function searchShared(
  shared: NonNullable<HeldIndex['shared']>,
  query: SearchQuery,
  options: Parameters<typeof searchHybrid>[4],
): Promise<Result<HybridSearchResponse, SearchError> | undefined> {
  const client = await shared.pool.acquire();
  if (!client.ok) return fail({ kind: 'index-unavailable', message: client.reason });
  let broken = false;
  try {
    const begun = await shared.reader.begin(client.value);
    if (!begun.ok) {
      broken = begun.reason.kind === 'io'; // the connection may be the cause
      return fail({ kind: 'index-unavailable', message: begun.reason.message });
    }
    if (!begun.value) return undefined;
    try {
      return await searchHybrid(begun.value, begun.value, {}, query, options);
    } finally {
      await begun.value!.end();
    }
  } catch (error) {
    broken = true;
    return fail({ kind: 'index-unavailable', message: `The search of the shared index failed: ${errorMessage(error)}` });
  } finally {
    shared.pool.release(client.value, broken);
  }
}

/** A complete default index in `directory`: built for the bundled file (the completeness marker) and committed. */
function isCompleteDefaultIndex(directory: string, libraryFile: string, sha: string): boolean {
  if (!defaultIndexMarkerMatches(directory, libraryFile, sha)) return false;
  const reader = FormulaIndex.openForReading(directory);
  if (!reader.ok) return false;
  reader.value.index.close();
  return reader.value.notices.length === 0;
}

/** Papers of all indexes best first; a paper in two indexes (arXiv id, DOI, cite key, else id) once, at its best. */
export function mergePapers<T extends { paper: IndexedPaper; score: number }>(papers: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const paper of papers) {
    const key = paperIdentity(paper.paper);
    const known = best.get(key);
    if (!known || paper.score > known.score) best.set(key, paper);
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}

function paperIdentity(paper: IndexedPaper): string {
  if (paper.eprint) return `arxiv:${paper.eprint.replace(/v\d+$/, '').toLowerCase()}`;
  if (paper.doi) return `doi:${paper.doi.toLowerCase()}`;
  if (paper.key) return `key:${paper.key}`;
  return `id:${paper.id}`;
}

/**
 * The model opened under `key`, opening it on first use. One that failed to open is tried again next time
 * (the user may have fixed the path, or installed the model).
 */
function openOnce<T>(opened: Map<string, Opened<T>>, key: string, open: () => Opened<T>): Opened<T> {
  let opening = opened.get(key);
  if (!opening) {
    opening = open();
    opened.set(key, opening);
    void opening.then((result) => result.ok || opened.delete(key));
  }
  return opening;
}

/** Why no bitmap search can run, and the way out (the model may not be installed or trained yet). */
function modelUnavailable(reason: string): string {
  return `The formula encoder is unavailable: ${reason}. Choose an installed model in the settings (formulaLens.model, or formulaLens.customModelPath for "custom").`;
}
