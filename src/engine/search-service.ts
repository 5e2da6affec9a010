// The engine's search and index building: opens the encoder and the selected indexes on first need,
// runs the search stage on each index and merges the papers into one ranked list in the protocol's
// shape. Indexes are held open only while searches come (each holds an owner lock the CLI and a
// build need to update it).
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-jsonrpc';
import { FormulaIndex } from '../core/index/store';
import type { IndexedPaper, StoredFormula } from '../core/index/types';
import type { Result } from '../core/library/types';
import { defaultIndexDirectory, openDefaultIndex } from '../core/search/default-library';
import { openEmbedder, type FormulaEmbedder } from '../core/search/embedder';
import { indexLibrary, type LibraryProgress } from '../core/library/index-library';
import { searchSimilar, type PaperResult } from '../core/search/search';
import type {
  BuildIndexParams,
  BuildIndexResult,
  FormulaMatch,
  IndexSelection,
  PaperMatch,
  PaperMeta,
  SearchParams,
  SearchResult,
} from './protocol';

/** Closes an index nobody searched for this long, releasing its lock. */
const idleCloseMs = 60_000;

interface OpenIndex {
  index: FormulaIndex;
  closeTimer: NodeJS.Timeout;
}

export type ProgressListener = (indexDir: string, phase: string, progress: number) => void;

/** The bundled default index of one model: built on first use, in the background. */
type DefaultIndexState = { kind: 'building' } | { kind: 'ready'; directory: string } | { kind: 'failed'; reason: string };

export class SearchService {
  private readonly embedders = new Map<string, Promise<Result<FormulaEmbedder, { message: string }>>>();
  private readonly indexes = new Map<string, OpenIndex>();
  private readonly defaultIndexes = new Map<string, DefaultIndexState>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly onProgress: ProgressListener,
  ) {}

  async search(params: SearchParams, token: CancellationToken): Promise<SearchResult> {
    const locations = indexDirectories(params.indexes);
    if (locations.length === 0 && !params.indexes.includeDefault) return { kind: 'noIndex', reason: noIndexReason(params.indexes) };
    const embedder = await this.embedder(params.indexes);
    if (!embedder.ok) return { kind: 'failed', reason: embedder.reason.message };
    if (token.isCancellationRequested) return { kind: 'failed', reason: 'cancelled' };
    const defaultIndex = params.indexes.includeDefault ? this.defaultIndex(embedder.value) : undefined;
    const directories = defaultIndex?.kind === 'ready' ? [...locations, defaultIndex.directory] : locations;
    if (directories.length === 0) {
      const reason =
        defaultIndex?.kind === 'building'
          ? 'The default index is being built for this model (once); results appear when it is ready.'
          : defaultIndex?.kind === 'failed'
            ? defaultIndex.reason
            : noIndexReason(params.indexes);
      return { kind: 'noIndex', reason };
    }

    const papers: PaperMatch[] = [];
    const problems: string[] = [];
    for (const directory of directories) {
      const index = this.open(directory, embedder.value);
      if (!index.ok) {
        problems.push(index.reason);
        continue;
      }
      const query = { ...params.formula, macros: params.formula.macros ?? '', env: params.formula.env ?? (params.formula.display ? 'equation' : 'inline'), paperId: params.excludePaper };
      const found = await searchSimilar(index.value, embedder.value, query, { k: params.k });
      if (!found.ok) return { kind: 'failed', reason: found.reason.message };
      papers.push(...found.value.papers.map(paperMatch));
      if (token.isCancellationRequested) return { kind: 'failed', reason: 'cancelled' };
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
    this.close(params.indexDir); // a held index would keep the build out with its lock
    const opened = FormulaIndex.open(params.indexDir, { modelFingerprint: embedder.value.model.fingerprint, dimensions: embedder.value.dimensions });
    if (!opened.ok) return { kind: 'failed', reason: opened.reason.message };
    for (const notice of opened.value.notices) this.log(notice);
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    try {
      const built = await indexLibrary(params.folders, opened.value.index, embedder.value, {
        library: path.basename(params.folders[0] ?? 'library'), // as `formula-lens index` names it
        cacheDir: params.cacheDir,
        signal: abort.signal,
        log: this.log,
        onProgress: (progress) => this.onProgress(params.indexDir, progress.phase, buildFraction(progress)),
      });
      if (!built.ok) return { kind: 'failed', reason: built.reason.message };
      const { indexed, unchanged, removed, failed, formulas, cancelled } = built.value;
      for (const entry of built.value.report.filter((line) => line.status === 'failed')) this.log(`not indexed: ${entry.id}: ${entry.detail}`);
      return { kind: 'built', indexed, unchanged, removed, failed, formulas, cancelled };
    } finally {
      cancellation.dispose();
      opened.value.index.close();
    }
  }

  /** The default index's state for the embedder's model; starts building it (in the background) on first call. */
  private defaultIndex(embedder: FormulaEmbedder): DefaultIndexState {
    const key = embedder.model.fingerprint;
    const known = this.defaultIndexes.get(key);
    if (known) return known;
    this.defaultIndexes.set(key, { kind: 'building' });
    const directory = defaultIndexDirectory(key);
    void openDefaultIndex(embedder, {
      onProgress: ({ formulasDone, formulasTotal }) => this.onProgress(directory, 'default index', formulasTotal ? formulasDone / formulasTotal : 1),
    }).then(
      (opened) => {
        if (!opened.ok) {
          this.defaultIndexes.set(key, { kind: 'failed', reason: opened.reason.message });
          return;
        }
        // Held like any index: searches reopen it (complete, so without rebuilding) after it idles out.
        opened.value.index.close();
        this.defaultIndexes.set(key, { kind: 'ready', directory });
        this.onProgress(directory, 'default index', 1);
      },
      (error: unknown) => this.defaultIndexes.set(key, { kind: 'failed', reason: `The default index could not be built: ${String(error)}` }),
    );
    return { kind: 'building' };
  }

  private embedder({ model, executionProvider }: Pick<IndexSelection, 'model' | 'executionProvider'>): Promise<Result<FormulaEmbedder, { message: string }>> {
    const name = model.kind === 'custom' ? model.path : model.kind;
    const key = `${name}\n${executionProvider}`;
    let opening = this.embedders.get(key);
    if (!opening) {
      opening = openEmbedder({ encoder: { model: name, executionProvider, log: this.log } });
      this.embedders.set(key, opening);
      // A model that failed to open is tried again next time (the user may have fixed the path).
      void opening.then((opened) => opened.ok || this.embedders.delete(key));
    }
    return opening;
  }

  private open(directory: string, embedder: FormulaEmbedder): Result<FormulaIndex, string> {
    const held = this.indexes.get(directory);
    if (held) {
      held.closeTimer.refresh();
      return { ok: true, value: held.index };
    }
    const opened = FormulaIndex.open(directory, { modelFingerprint: embedder.model.fingerprint, dimensions: embedder.dimensions });
    if (!opened.ok) return { ok: false, reason: opened.reason.message };
    for (const notice of opened.value.notices) this.log(notice);
    const closeTimer = setTimeout(() => this.close(directory), idleCloseMs).unref();
    this.indexes.set(directory, { index: opened.value.index, closeTimer });
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
  }
}

/** Reading papers is the first fifth of a build, embedding the rest. */
function buildFraction({ phase, papersDone, papersTotal, formulasDone, formulasTotal }: LibraryProgress): number {
  if (phase === 'done') return 1;
  if (phase === 'embedding') return 0.2 + 0.8 * (formulasTotal ? formulasDone / formulasTotal : 1);
  if (phase === 'reading') return 0.2 * (papersTotal ? papersDone / papersTotal : 1);
  return 0;
}

/** The selected folders that hold an index (never creating one: FormulaIndex.open would). */
function indexDirectories(selection: IndexSelection): string[] {
  return [...new Set(selection.locations.filter(isIndex))];
}

function isIndex(directory: string): boolean {
  const metadata = path.join(directory, 'metadata.sqlite');
  return existsSync(metadata) && statSync(metadata).isFile();
}

function noIndexReason(selection: IndexSelection): string {
  if (selection.locations.length === 0) return 'No index is selected (formulaLens.index.locations is empty and the default index is hidden).';
  return `No index found in ${selection.locations.join(', ')}.`;
}

function paperMatch({ paper, score, formulas }: PaperResult): PaperMatch {
  return {
    paper: paperMeta(paper),
    similarity: score,
    formulas: formulas.map(({ formula, score: similarity }) => formulaMatch(paper, formula, similarity)),
  };
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
