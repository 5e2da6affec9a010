// The engine's search and index building. Searches go through the core's search session (one per engine:
// it opens what the mode weighs, holds the selected indexes open for reading, builds the bundled default index
// in the background on first use, and merges the indexes' results); this file turns them into the protocol's
// shape and closes indexes nobody searched for a while. Builds write an index with the library stage.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-jsonrpc';
import { isPostgresLocation } from '../core/index/postgres/location';
import { FormulaIndex, holdsIndex } from '../core/index/store';
import type { IndexedPaper, StoredFormula } from '../core/index/types';
import { indexLibrary } from '../core/library/index-library';
import type { SignalScores } from '../core/search/hybrid';
import { SearchSession, type BitmapModelChoice, type SessionFormula, type SessionPaper } from '../core/search/session';
import { buildFraction, libraryName } from './library-build';
import { cancelledRequest } from './params';
import { shownScore, type ShownScore } from './score';
import {
  prepareDefaultIndexRequest,
  searchRequest,
  type IndexProgress,
  type BuildIndexParams,
  type BuildIndexResult,
  type DatabasePasswordsParams,
  type FormulaMatch,
  type IndexSelection,
  type PaperMatch,
  type PaperMeta,
  type PrepareDefaultIndexParams,
  type PrepareDefaultIndexResult,
  type SearchParams,
  type SearchResult,
} from './protocol';

/** Closes an index nobody searched for this long, freeing its memory. */
const idleCloseMs = 60_000;

export type ProgressListener = (progress: IndexProgress) => void;

/** A smaller bundled library in its place (tests: the real one takes minutes to embed on first use). */
const defaultLibraryOverride = 'FORMULA_LENS_DEFAULT_LIBRARY';

export class SearchService {
  private readonly session: SearchSession;
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Passwords of shared indexes from the editor's secret storage, by location: in memory only. */
  private databasePasswords = new Map<string, string>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly onProgress: ProgressListener,
  ) {
    this.session = new SearchSession({
      databasePassword: (location) => this.databasePasswords.get(location),
      log,
      renderWorkers: engineRenderWorkers(),
      onProgress: ({ indexDir, phase, progress, formulasDone, formulasTotal }) =>
        onProgress({ indexDir, phase, progress, formulasDone, formulasTotal, ...(phase === 'default index' ? { defaultIndex: true } : {}) }),
    });
  }

  /** Replaces the passwords of shared indexes; an index held open with an older password is opened again. */
  setDatabasePasswords({ passwords }: DatabasePasswordsParams): void {
    const previous = this.databasePasswords;
    this.databasePasswords = new Map(passwords.map(({ location, password }) => [location, password]));
    for (const location of new Set([...previous.keys(), ...this.databasePasswords.keys()])) {
      if (previous.get(location) !== this.databasePasswords.get(location)) this.session.close(location);
    }
  }

  async search(params: SearchParams, token: CancellationToken): Promise<SearchResult> {
    const locations = indexLocations(params.indexes);
    if (locations.length === 0 && !params.indexes.includeDefault) return { kind: 'noIndex', reason: noIndexReason(params.indexes) };
    const found = await this.session.search({
      query: { ...params.formula, macros: params.formula.macros ?? '', env: params.formula.env ?? (params.formula.display ? 'equation' : 'inline'), paperId: params.excludePaper },
      indexes: locations,
      defaultIndex: params.indexes.includeDefault ? { ...defaultIndexChoice(params.indexes), prepare: 'background' } : undefined,
      mode: params.indexes.searchMode,
      ...bitmapModel(params.indexes),
      symbolicModel: params.indexes.symbolicModel,
      k: params.k,
    });
    if (token.isCancellationRequested) throw cancelledRequest(searchRequest.method);
    if (!found.ok) return { kind: 'failed', reason: found.reason.message };
    const { papers, problems, searched, preparing, weights } = found.value;
    for (const directory of searched) this.keepOpen(directory);
    if (searched.length === 0) {
      if (preparing !== undefined) {
        return { kind: 'noIndex', reason: 'The default index is being prepared (once, a few seconds); results appear when it is ready.', preparing: { progress: preparing } };
      }
      return { kind: 'noIndex', reason: problems.join(' ') || noIndexReason(params.indexes) };
    }
    for (const problem of problems) this.log(problem);
    const indexName = searched.length > 1 ? `${searched.length} indexes` : locations.includes(searched[0]!) ? locationName(searched[0]!) : 'the default index';
    const matches = papers.map((paper) => paperMatch(paper, weights, params)).filter((match) => match.formulas.length > 0);
    return { kind: 'results', indexName, papers: matches };
  }

  /** Waits for the default index, building it when needed; cancelling the request stops the build. */
  async prepareDefaultIndex({ indexes }: PrepareDefaultIndexParams, token: CancellationToken): Promise<PrepareDefaultIndexResult> {
    if (!indexes.includeDefault) return { kind: 'failed', reason: 'The default index is hidden (formulaLens.index.showDefault).' };
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    try {
      const prepared = await this.session.prepareDefaultIndex(defaultIndexChoice(indexes), abort.signal);
      if (token.isCancellationRequested) throw cancelledRequest(prepareDefaultIndexRequest.method);
      return prepared.ok ? { kind: 'ready' } : { kind: 'failed', reason: prepared.reason };
    } finally {
      cancellation.dispose();
    }
  }

  /** Indexes library folders into `indexDir` with the library stage, reporting progress in [0, 1]. */
  async build(params: BuildIndexParams, token: CancellationToken): Promise<BuildIndexResult> {
    // The bitmap sidecar is built with the catalogue only when the default mode weighs it; else on first use.
    const embedder = this.session.weighsBitmap() ? await this.session.bitmapEncoder(bitmapModel(params)) : undefined;
    if (embedder && !embedder.ok) return { kind: 'failed', reason: embedder.reason.message };
    const opened = FormulaIndex.open(params.indexDir, { onMismatch: 'refuse' });
    if (!opened.ok) return { kind: 'failed', reason: opened.reason.message };
    for (const notice of opened.value.notices) this.log(notice);
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    const library = libraryName(params.folders);
    try {
      const built = await indexLibrary(params.folders, opened.value.index, embedder?.value, {
        library,
        cacheDir: params.cacheDir,
        signal: abort.signal,
        log: this.log,
        onProgress: (progress) => {
          const { phase, papersDone, papersTotal, formulasDone, formulasTotal } = progress;
          this.onProgress({ indexDir: params.indexDir, phase, progress: buildFraction(progress, embedder !== undefined), papersDone, papersTotal, formulasDone, formulasTotal });
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

  /** An index stays open while searches come; closed once nobody searched it for a while. */
  private keepOpen(directory: string): void {
    const timer = this.idleTimers.get(directory);
    if (timer) timer.refresh();
    else this.idleTimers.set(directory, setTimeout(() => {
      this.idleTimers.delete(directory);
      this.session.close(directory);
    }, idleCloseMs).unref());
  }

  async dispose(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await this.session.dispose();
  }
}

/** The bitmap model the settings choose. */
function bitmapModel({ model, executionProvider }: Pick<IndexSelection, 'model' | 'executionProvider'>): BitmapModelChoice {
  return { model: model.kind === 'custom' ? model.path : model.kind, executionProvider };
}

/** Where the default index is cached, and which bundled library it holds. */
function defaultIndexChoice(selection: IndexSelection): { cacheRoot?: string; libraryFile?: string } {
  return { cacheRoot: selection.defaultIndexCache, libraryFile: process.env[defaultLibraryOverride] || undefined };
}

/** The selected folders that hold an index, and the selected PostgreSQL databases (the session says when one cannot be searched). */
function indexLocations(selection: IndexSelection): string[] {
  return [...new Set(selection.locations.filter((location) => isPostgresLocation(location) || holdsIndex(location)))];
}

/** An index as the results view names it: its folder's name, or its database's. */
function locationName(location: string): string {
  return isPostgresLocation(location) ? decodeURIComponent(new URL(location).pathname.slice(1)) : path.basename(location);
}

/** Builds (the library's, the default index's) render in parallel; one core stays free for the editor. */
function engineRenderWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

function noIndexReason(selection: IndexSelection): string {
  if (selection.locations.length === 0) return 'No index is selected (formulaLens.index.locations is empty and the default index is hidden).';
  return `No index found in ${selection.locations.join(', ')}.`;
}

/** A paper's formulas with their shown scores; the query's own formula, indexed from its file, left out (it would top every search). */
function paperMatch({ paper, formulas }: SessionPaper, weights: SignalScores, { formula, queryFile }: SearchParams): PaperMatch {
  const ownFile = queryFile && path.resolve(queryFile);
  const shown = formulas
    .map((hit) => ({ ...formulaMatch(paper, hit.formula, shownScore(hit.scores ?? { bitmap: hit.score }, weights)), ...foundBy(hit), ...highlighted(hit) }))
    .filter((match) => !(ownFile && match.sourceFile === ownFile && sameLatex(match.formula.latex, formula.latex)));
  return { paper: paperMeta(paper), similarity: Math.max(0, ...shown.map((hit) => hit.similarity)), formulas: shown };
}

/** The same LaTeX but for spacing. */
function sameLatex(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '');
}

/** The signals that found a formula, when the search mode tagged it. */
function foundBy(hit: SessionFormula): Pick<FormulaMatch, 'foundBy'> {
  return hit.foundBy ? { foundBy: [...hit.foundBy] } : {};
}

/** The formula with its symbols that matched the query's structure coloured, when the search mode made it. */
function highlighted(hit: SessionFormula): Pick<FormulaMatch, 'highlightedLatex'> {
  return hit.highlightedLatex !== undefined ? { highlightedLatex: hit.highlightedLatex } : {};
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

function formulaMatch(paper: IndexedPaper, formula: StoredFormula, score: ShownScore): FormulaMatch {
  const env = formula.env ?? (formula.inline ? 'inline' : 'equation');
  return {
    formula: { latex: formula.latex, display: !formula.inline, env },
    section: formula.section || null,
    similarity: score.value,
    signals: score.parts,
    sourceFile: localSourceFile(paper.sourcePath, formula.file),
    line: formula.line,
    ...pdfPlacement(formula),
  };
}

function pdfPlacement({ pdf }: StoredFormula): Pick<FormulaMatch, 'pdf'> {
  if (!pdf) return {};
  return { pdf: { page: pdf.page, ...(pdf.number ? { number: pdf.number } : {}), ...(pdf.crop ? { crop: Buffer.from(pdf.crop).toString('base64') } : {}) } };
}

/** The formula's file on this machine: `file` inside a source folder, or the source file itself. */
function localSourceFile(sourcePath: string | undefined, file: string | undefined): string | undefined {
  if (!sourcePath || !existsSync(sourcePath)) return undefined;
  const stat = statSync(sourcePath);
  if (stat.isFile()) return /\.(tex|ltx|md|pdf)$/i.test(sourcePath) ? sourcePath : undefined; // archives are not opened
  if (!file) return undefined;
  const candidate = path.resolve(sourcePath, file);
  const inside = !path.relative(sourcePath, candidate).startsWith('..');
  return inside && existsSync(candidate) ? candidate : undefined;
}
