// The engine's search and index building: opens the encoder and the selected indexes on first need,
// runs the search stage on each index in the chosen mode (bitmap, or symbolic/lexical/hybrid over the
// index's hybrid view) and merges the papers into one ranked list in the protocol's shape. The bundled
// default index is built on first use into the client's cache folder, reporting progress. Indexes are
// held open for reading while searches come (no lock: other windows, the CLI and builds use them meanwhile)
// and reopened when a writer has committed a newer generation.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-jsonrpc';
import { FormulaIndex, holdsIndex } from '../core/index/store';
import type { IndexedPaper, StoredFormula } from '../core/index/types';
import { fail, ok, type Result } from '../core/result';
import { defaultIndexDirectory, openDefaultIndex } from '../core/search/default-library';
import { openEmbedder, type FormulaEmbedder } from '../core/search/embedder';
import { indexLibrary } from '../core/library/index-library';
import { modelPath, readModelFile } from '../core/encode/models';
import { SymbolicEncoder } from '../core/encode/symbolic';
import { EMBEDDING_DIMENSIONS, type ModelInfo } from '../core/encode/types';
import { weightsFor, type HybridIndex } from '../core/search/hybrid';
import { chooseSearchMode, searchHybrid, type TaggedFormulaResult } from '../core/search/hybrid-search';
import { openHybridIndex } from '../core/search/hybrid-store';
import { searchSimilar, type FormulaResult, type PaperResult } from '../core/search/search';
import { buildFraction, libraryName } from './library-build';
import { cancelledRequest } from './params';
import {
  searchRequest,
  type IndexProgress,
  type BuildIndexParams,
  type BuildIndexResult,
  type FormulaMatch,
  type IndexSelection,
  type PaperMatch,
  type PaperMeta,
  type SearchParams,
  type SearchResult,
} from './protocol';

/** The key of an index's hybrid view made for searches that do not weigh the symbolic signal. */
const withoutSymbolicVectors = '\0 no symbolic vectors';

/** Closes an index nobody searched for this long, freeing its memory. */
const idleCloseMs = 60_000;

interface OpenIndex {
  index: FormulaIndex;
  closeTimer: NodeJS.Timeout;
  /** Its hybrid views by symbolic model (or withoutSymbolicVectors), made on the first non-bitmap search with it and dropped with the index. */
  hybrid: Map<string, Promise<HybridIndex>>;
}

export type ProgressListener = (progress: IndexProgress) => void;

/** The bundled default index of one model: built on first use, in the background. */
type DefaultIndexState = { kind: 'building'; progress: number } | { kind: 'ready'; directory: string } | { kind: 'failed'; reason: string };

/** A smaller bundled library in its place (tests: the real one takes minutes to embed on first use). */
const defaultLibraryOverride = 'FORMULA_LENS_DEFAULT_LIBRARY';

export class SearchService {
  private readonly embedders = new Map<string, Promise<Result<FormulaEmbedder, { message: string }>>>();
  /** The bitmap models' identities by name, for searches that need no bitmap encoder. */
  private readonly bitmapModels = new Map<string, Promise<Result<ModelInfo, { message: string }>>>();
  private readonly indexes = new Map<string, OpenIndex>();
  private readonly defaultIndexes = new Map<string, DefaultIndexState>();
  /** By model path ('' = the shipped one): a user switching to a fine-tuned model keeps at most two. */
  private readonly symbolicEncoders = new Map<string, Promise<Result<SymbolicEncoder, { message: string }>>>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly onProgress: ProgressListener,
  ) {}

  async search(params: SearchParams, token: CancellationToken): Promise<SearchResult> {
    const locations = indexDirectories(params.indexes);
    if (locations.length === 0 && !params.indexes.includeDefault) return { kind: 'noIndex', reason: noIndexReason(params.indexes) };
    const mode = chooseSearchMode(params.indexes.searchMode);
    if (!mode.ok) return { kind: 'failed', reason: mode.reason };
    // The bitmap encoder (an onnxruntime session and render workers) opens only for a mode that weighs its
    // signal, or to build the default index; otherwise the model file's fingerprint is enough to open the indexes.
    const bitmapNeeded = weightsFor(mode.value.mode, mode.value.fusion).bitmap > 0 || params.indexes.includeDefault;
    const embedder = bitmapNeeded ? await this.embedder(params.indexes) : undefined;
    if (embedder && !embedder.ok) return { kind: 'failed', reason: embedder.reason.message };
    const model = embedder ? ok(embedder.value.model) : await this.bitmapModel(params.indexes);
    if (!model.ok) return { kind: 'failed', reason: model.reason.message };
    if (token.isCancellationRequested) throw cancelledRequest(searchRequest.method);
    const bitmap = embedder?.value;
    const defaultIndex = params.indexes.includeDefault && bitmap ? this.defaultIndex(bitmap, params.indexes.defaultIndexCache) : undefined;
    const directories = defaultIndex?.kind === 'ready' ? [...locations, defaultIndex.directory] : locations;
    if (directories.length === 0) {
      if (defaultIndex?.kind === 'building') {
        return {
          kind: 'noIndex',
          reason: 'The default index is being prepared for this model (once); results appear when it is ready.',
          preparing: { progress: defaultIndex.progress },
        };
      }
      return { kind: 'noIndex', reason: defaultIndex?.kind === 'failed' ? defaultIndex.reason : noIndexReason(params.indexes) };
    }

    const papers: PaperMatch[] = [];
    const problems: string[] = [];
    for (const directory of directories) {
      const index = this.open(directory, model.value.fingerprint);
      if (!index.ok) {
        problems.push(index.reason);
        continue;
      }
      const query = { ...params.formula, macros: params.formula.macros ?? '', env: params.formula.env ?? (params.formula.display ? 'equation' : 'inline'), paperId: params.excludePaper };
      const found =
        mode.value.mode === 'bitmap' && bitmap
          ? await searchSimilar(index.value, bitmap, query, { k: params.k })
          : await this.searchHybrid(directory, index.value, bitmap, query, { k: params.k, ...mode.value }, params.indexes.symbolicModel);
      if (!found.ok) return { kind: 'failed', reason: found.reason.message };
      papers.push(...found.value.papers.map(paperMatch));
      if (token.isCancellationRequested) throw cancelledRequest(searchRequest.method);
    }
    if (problems.length === directories.length) return { kind: 'noIndex', reason: problems.join(' ') };
    for (const problem of problems) this.log(problem);
    papers.sort((a, b) => b.similarity - a.similarity);
    const indexName =
      directories.length > 1
        ? `${directories.length} indexes`
        : defaultIndex?.kind === 'ready' && directories[0] === defaultIndex.directory
          ? 'the default index'
          : path.basename(directories[0]!);
    return { kind: 'results', indexName, papers: papers.slice(0, params.k) };
  }

  /** Indexes library folders into `indexDir` with the library stage, reporting progress in [0, 1]. */
  async build(params: BuildIndexParams, token: CancellationToken): Promise<BuildIndexResult> {
    const embedder = await this.embedder(params);
    if (!embedder.ok) return { kind: 'failed', reason: embedder.reason.message };
    const opened = FormulaIndex.open(params.indexDir, {
      modelFingerprint: embedder.value.model.fingerprint,
      dimensions: embedder.value.dimensions,
      onMismatch: params.rebuild ? 'rebuild' : 'refuse',
    });
    if (!opened.ok) return { kind: 'failed', reason: opened.reason.message };
    for (const notice of opened.value.notices) this.log(notice);
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    const library = libraryName(params.folders);
    try {
      const built = await indexLibrary(params.folders, opened.value.index, embedder.value, {
        library,
        cacheDir: params.cacheDir,
        signal: abort.signal,
        log: this.log,
        onProgress: (progress) => {
          const { phase, papersDone, papersTotal, formulasDone, formulasTotal } = progress;
          this.onProgress({ indexDir: params.indexDir, phase, progress: buildFraction(progress), papersDone, papersTotal, formulasDone, formulasTotal });
        },
      });
      if (!built.ok) return { kind: 'failed', reason: built.reason.message };
      const { indexed, unchanged, removed, failed, formulas, cancelled, report } = built.value;
      return { kind: 'built', indexed, unchanged, removed, failed, formulas, cancelled, library, report };
    } finally {
      cancellation.dispose();
      opened.value.index.close();
    }
  }

  /** The default index's state for the embedder's model; starts building it (in the background) on first call. */
  private defaultIndex(embedder: FormulaEmbedder, cacheRoot: string | undefined): DefaultIndexState {
    const key = `${embedder.model.fingerprint}\n${cacheRoot ?? ''}`;
    const known = this.defaultIndexes.get(key);
    if (known) return known;
    const building: DefaultIndexState = { kind: 'building', progress: 0 };
    this.defaultIndexes.set(key, building);
    const directory = defaultIndexDirectory(embedder.model.fingerprint, cacheRoot);
    const report = (progress: number, counts: Pick<IndexProgress, 'formulasDone' | 'formulasTotal'> = {}) =>
      this.onProgress({ indexDir: directory, phase: 'default index', progress, defaultIndex: true, ...counts });
    void openDefaultIndex(embedder, {
      cacheRoot,
      libraryFile: process.env[defaultLibraryOverride] || undefined,
      onProgress: ({ formulasDone, formulasTotal }) => {
        building.progress = formulasTotal ? formulasDone / formulasTotal : 1;
        report(Math.min(building.progress, 0.999), { formulasDone, formulasTotal }); // 1 only once it opens
      },
    }).then(
      (opened) => {
        if (!opened.ok) {
          this.defaultIndexes.set(key, { kind: 'failed', reason: `The default index could not be prepared: ${opened.reason.message}` });
          this.log(`default index: ${opened.reason.message}`);
        } else {
          // Held like any index: searches reopen it (complete, so without rebuilding) after it idles out.
          opened.value.index.close();
          this.defaultIndexes.set(key, { kind: 'ready', directory });
        }
        report(1);
      },
      (error: unknown) => {
        this.defaultIndexes.set(key, { kind: 'failed', reason: `The default index could not be prepared: ${String(error)}` });
        report(1);
      },
    );
    return building;
  }

  /**
   * A search over the index's hybrid view (made once per opened index and symbolic model, or without symbolic vectors
   * while no mode weighs them), tagged with the signals that found each formula.
   */
  private async searchHybrid(
    directory: string,
    index: FormulaIndex,
    bitmap: FormulaEmbedder | undefined,
    query: Parameters<typeof searchHybrid>[3],
    options: Parameters<typeof searchHybrid>[4],
    symbolicModel = '',
  ): ReturnType<typeof searchHybrid> {
    const symbolic =
      weightsFor(options.mode, options.fusion).symbolic > 0
        ? await openOnce(this.symbolicEncoders, symbolicModel, () =>
            SymbolicEncoder.open({ model: symbolicModel || undefined }).then((opened) =>
              opened.ok ? opened : { ok: false as const, reason: { message: `The ${options.mode} search mode needs the symbolic model: ${opened.reason.message}` } },
            ),
          )
        : undefined;
    if (symbolic && !symbolic.ok) return { ok: false, reason: { kind: 'embedding-failed', message: symbolic.reason.message } };
    const held = this.indexes.get(directory);
    const viewKey = symbolic ? symbolicModel : withoutSymbolicVectors;
    // The first such search of an index embeds all its formulas with the symbolic model (seconds for the default index).
    const view =
      held?.hybrid.get(viewKey) ??
      openHybridIndex(index, symbolic?.value, {
        directory,
        // by the fusion rather than the mode: the view is kept for later searches, which may be hybrid
        numeric: options.fusion.numeric > 0,
        onProgress: (embedded, total) => this.onProgress({ indexDir: directory, phase: 'symbolic vectors', progress: embedded / total, formulasDone: embedded, formulasTotal: total }),
        onNumericProgress: (computed, total) => this.onProgress({ indexDir: directory, phase: 'numeric signatures', progress: computed / total, formulasDone: computed, formulasTotal: total }),
        onNotice: this.log,
      });
    held?.hybrid.set(viewKey, view);
    return searchHybrid(index, await view, { bitmap, symbolic: symbolic?.value }, query, options);
  }

  private embedder({ model, executionProvider }: Pick<IndexSelection, 'model' | 'executionProvider'>): Promise<Result<FormulaEmbedder, { message: string }>> {
    const name = model.kind === 'custom' ? model.path : model.kind;
    return openOnce(this.embedders, `${name}\n${executionProvider}`, () =>
      openEmbedder({ encoder: { model: name, executionProvider, log: this.log }, renderWorkers: engineRenderWorkers() }).then((opened) =>
        opened.ok ? opened : { ok: false as const, reason: { message: modelUnavailable(opened.reason.message) } },
      ),
    );
  }

  /** The bitmap model's identity, which names the indexes it built, read without opening a session. */
  private bitmapModel({ model }: Pick<IndexSelection, 'model'>): Promise<Result<ModelInfo, { message: string }>> {
    const name = model.kind === 'custom' ? model.path : model.kind;
    return openOnce(this.bitmapModels, name, () =>
      readModelFile(name, modelPath(name)).then((read) => (read.ok ? ok(read.value.model) : fail({ message: modelUnavailable(read.reason.message) }))),
    );
  }

  private open(directory: string, modelFingerprint: string): Result<FormulaIndex, string> {
    const held = this.indexes.get(directory);
    if (held?.index.isCurrent()) {
      held.closeTimer.refresh();
      return { ok: true, value: held.index };
    }
    this.close(directory); // a writer committed since: its hybrid views are out of date too
    const opened = FormulaIndex.openForReading(directory, { modelFingerprint, dimensions: EMBEDDING_DIMENSIONS });
    if (!opened.ok) return { ok: false, reason: opened.reason.message };
    for (const notice of opened.value.notices) this.log(notice);
    const closeTimer = setTimeout(() => this.close(directory), idleCloseMs).unref();
    this.indexes.set(directory, { index: opened.value.index, closeTimer, hybrid: new Map() });
    return { ok: true, value: opened.value.index };
  }

  private close(directory: string): void {
    const held = this.indexes.get(directory);
    if (!held) return;
    clearTimeout(held.closeTimer);
    this.indexes.delete(directory);
    held.index.close();
  }

  async dispose(): Promise<void> {
    for (const directory of [...this.indexes.keys()]) this.close(directory);
    for (const opening of this.embedders.values()) {
      const opened = await opening;
      if (opened.ok) await opened.value.close();
    }
    this.embedders.clear();
    for (const opening of this.symbolicEncoders.values()) {
      const opened = await opening;
      if (opened.ok) await opened.value.dispose();
    }
    this.symbolicEncoders.clear();
  }
}

/** The selected folders that hold an index. */
function indexDirectories(selection: IndexSelection): string[] {
  return [...new Set(selection.locations.filter(holdsIndex))];
}

/**
 * The model opened under `key`, opening it on first use. One that failed to open is tried again next time
 * (the user may have fixed the path, or installed the model).
 */
function openOnce<T>(opened: Map<string, Promise<Result<T, { message: string }>>>, key: string, open: () => Promise<Result<T, { message: string }>>) {
  let opening = opened.get(key);
  if (!opening) {
    opening = open();
    opened.set(key, opening);
    void opening.then((result) => result.ok || opened.delete(key));
  }
  return opening;
}

/** Builds (the library's, the default index's) render in parallel; one core stays free for the editor. */
function engineRenderWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** Why no search can run, and the way out (the model may not be installed or trained yet). */
function modelUnavailable(reason: string): string {
  return `The formula encoder is unavailable: ${reason}. Choose an installed model in the settings (formulaLens.model, or formulaLens.customModelPath for "custom").`;
}

function noIndexReason(selection: IndexSelection): string {
  if (selection.locations.length === 0) return 'No index is selected (formulaLens.index.locations is empty and the default index is hidden).';
  return `No index found in ${selection.locations.join(', ')}.`;
}

function paperMatch({ paper, score, formulas }: PaperResult): PaperMatch {
  return {
    paper: paperMeta(paper),
    similarity: score,
    formulas: formulas.map((hit) => ({ ...formulaMatch(paper, hit.formula, hit.score), ...foundBy(hit) })),
  };
}

/** The signals that found a formula, when the search mode tagged it. */
function foundBy(hit: FormulaResult | TaggedFormulaResult): Pick<FormulaMatch, 'foundBy'> {
  return 'foundBy' in hit ? { foundBy: [...hit.foundBy] } : {};
}

function paperMeta(paper: IndexedPaper): PaperMeta {
  const year = paper.year ? Number.parseInt(paper.year, 10) : Number.NaN;
  // Index metadata comes from user files and the corpus, where titles and authors may be missing.
  return {
    id: paper.id,
    title: typeof paper.title === 'string' ? paper.title : '',
    authors: Array.isArray(paper.authors) ? paper.authors.filter((author) => typeof author === 'string') : [],
    year: Number.isFinite(year) ? year : null,
    url: paper.url,
    arxivId: paper.eprint,
    doi: paper.doi,
    key: paper.key,
    macros: paper.macros ?? '',
  };
}

function formulaMatch(paper: IndexedPaper, formula: StoredFormula, similarity: number): FormulaMatch {
  const env = formula.env ?? (formula.inline ? 'inline' : 'equation');
  return {
    formula: { latex: formula.latex, display: !formula.inline, env },
    section: formula.section || null,
    similarity,
    sourceFile: localSourceFile(paper.sourcePath, formula.file),
    line: formula.line,
  };
}

/** The formula's file on this machine: `file` inside a source folder, or the source file itself. */
function localSourceFile(sourcePath: string | undefined, file: string | undefined): string | undefined {
  if (!sourcePath || !existsSync(sourcePath)) return undefined;
  const stat = statSync(sourcePath);
  if (stat.isFile()) return /\.(tex|ltx|md)$/i.test(sourcePath) ? sourcePath : undefined; // archives are not opened
  if (!file) return undefined;
  const candidate = path.resolve(sourcePath, file);
  const inside = !path.relative(sourcePath, candidate).startsWith('..');
  return inside && existsSync(candidate) ? candidate : undefined;
}
