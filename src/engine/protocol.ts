// The engine's JSON-RPC protocol: every request and notification the engine serves, typed
// in one place and imported by both the engine and the VS Code client (rust-analyzer's lsp_ext.ts).
import { NotificationType, RequestType, RequestType0, ResponseError } from 'vscode-jsonrpc';

/**
 * The error code of a request answered after its client cancelled it (LSP's RequestCancelled; vscode-jsonrpc
 * has no constant for it): no result, and nothing to report, since the client no longer wants one.
 */
export const requestCancelledCode = -32800;

/** Whether an engine request was refused because it was cancelled, rather than failed. */
export function isCancelledAnswer(error: unknown): boolean {
  return error instanceof ResponseError && error.code === requestCancelledCode;
}

export interface EngineInfo {
  /** The extension/engine version from package.json. */
  version: string;
  pid: number;
  /** Node (or Electron-as-Node) version the engine runs on. */
  runtime: string;
  /** Native and WebAssembly modules loaded into the engine so far (they load lazily, on first need), the onnxruntime sessions it opened, and render workers once started. */
  loadedNativeModules: string[];
}

export const infoRequest = new RequestType0<EngineInfo, void>('formulaLens/info');

export interface LogParams {
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Engine → client: a line for the "Formula Lens" output channel. */
export const logNotification = new NotificationType<LogParams>('formulaLens/log');

// ---- Editor: the formula under the cursor, similar formulas, citations (issue 7) ----

/** A formula to render, embed or search (the pipeline's agreed shape). */
export interface FormulaInput {
  latex: string;
  /** LaTeX definitions, one per line, exactly like the corpus records' `macros` field. */
  macros?: string;
  display: boolean;
  /** Environment name: `align*`, `equation`, `$$`, `\\[`, `inline`, … */
  env?: string;
}

export interface FormulaAtParams {
  /** The document's URI (identifies it in logs and caches). */
  uri: string;
  /** Its path on disk when it is a local file: the reader resolves \input files and the project's main file from it. */
  path?: string;
  /** The document's current text (unsaved edits included). */
  text: string;
  offset: number;
  /** `latex`, `tex`, `markdown`, … */
  languageId: string;
  /** False: inline math at the cursor counts as "no formula". */
  includeInline: boolean;
}

export type FormulaAtResult =
  | {
      found: true;
      formula: FormulaInput & { macros: string; env: string };
      /** The math region's offsets in `text` (the formula body, without delimiters). */
      start: number;
      end: number;
    }
  | { found: false; reason: 'noMath' | 'inlineExcluded' | 'unreadable'; message?: string };

/** The math region at an offset of a .tex or .md document, with the macros of its project. */
export const formulaAtRequest = new RequestType<FormulaAtParams, FormulaAtResult, void>('formulaLens/formulaAt');

/**
 * The passwords of shared indexes (`postgres://` locations) kept in VS Code's SecretStorage; each call replaces the
 * earlier set. The engine keeps them in memory only and never logs them; a location without one uses PGPASSWORD or
 * ~/.pgpass.
 */
export interface DatabasePasswordsParams {
  passwords: { location: string; password: string }[];
}

export const databasePasswordsRequest = new RequestType<DatabasePasswordsParams, void, void>('formulaLens/databasePasswords');

/** Which indexes to search, and with which encoder (from the settings). */
export interface IndexSelection {
  /** Index folders (absolute paths), or shared indexes (`postgres://user@host:port/database`). */
  locations: string[];
  /** Whether the index shipped with the extension is searched too. */
  includeDefault: boolean;
  model: { kind: 'see' | 'bee' } | { kind: 'custom'; path: string };
  executionProvider: 'cpu' | 'cuda';
  /** Where the default index is built and cached (the formulaLens.index.defaultIndexCache setting); default: the CLI's cache folder. */
  defaultIndexCache?: string;
  /** The ranking signal(s); undefined: the best on the validation split (models/fusion.json). */
  searchMode?: SearchModeName;
  /** A symbolic encoder .onnx (e.g. fine-tuned on the library); undefined: the shipped models/symbolic.onnx. */
  symbolicModel?: string;
}

/** `bitmap`, `symbolic`, `lexical` or `hybrid` (their fusion), as src/core/search/hybrid.ts names them. */
export type SearchModeName = Exclude<SignalName, 'numeric' | 'canonical'> | 'hybrid';
/** `numeric` (the formulas' numeric signatures) ranks only within the hybrid fusion. */
export type SignalName = 'bitmap' | 'symbolic' | 'lexical' | 'canonical' | 'numeric' | 'structure';

export interface PaperMeta {
  /** The paper's record id in its index (corpus `id`). */
  id: string;
  title: string;
  authors: string[];
  year: number | null;
  url?: string;
  arxivId?: string;
  doi?: string;
  /** The BibTeX key the paper's library knows it by, when it came from a .bib entry. */
  key?: string;
  /** The paper's macros, to typeset its formulas. */
  macros: string;
}

export interface FormulaMatch {
  formula: FormulaInput & { env: string };
  section: string | null;
  /**
   * The score the view shows, in [0, 1] on one scale in every search mode (src/engine/score.ts): Σ weight ×
   * signal similarity over `signals`, each similarity relative to the query's own (1.0: as alike as the query to
   * itself), an embedding cosine counting only what it has above what unrelated formulas reach.
   */
  similarity: number;
  /** The signals the search mode weighs, with their weights and similarities on that scale. */
  signals: { signal: SignalName; weight: number; similarity: number }[];
  /** The LaTeX file on this machine holding the formula (the PDF, for a formula read from one), when the index was built from local files. */
  sourceFile?: string;
  /** For a formula read from a PDF: its page, equation number and crop (a grey PNG, base64), shown instead of typesetting `formula.latex`. */
  pdf?: { page: number; number?: string; crop?: string };
  /** 1-based line of the formula in `sourceFile`, when known. */
  line?: number;
  /** The signals that proposed the formula (non-bitmap search modes), for the view's "found by" tag. */
  foundBy?: SignalName[];
  /** `formula.latex` with the symbols that match the query's structure coloured (modes that weigh the structure signal). */
  highlightedLatex?: string;
}

export interface PaperMatch {
  paper: PaperMeta;
  /** The best shown score among `formulas`. */
  similarity: number;
  /** The paper's best formulas, most similar first. */
  formulas: FormulaMatch[];
}

export interface SearchParams {
  formula: FormulaInput;
  /** Number of papers to return. */
  k: number;
  /** A paper id to leave out (its own formulas, for "more like this"). */
  excludePaper?: string;
  /** The file the formula was read from: an indexed copy of it there (the same LaTeX, spacing aside) is left out. */
  queryFile?: string;
  indexes: IndexSelection;
}

export type SearchResult =
  | { kind: 'results'; indexName: string; papers: PaperMatch[] }
  /** `preparing`: nothing to search yet because the default index is being built (first use, `progress` in [0, 1]). */
  | { kind: 'noIndex'; reason: string; preparing?: { progress: number } }
  | { kind: 'failed'; reason: string };

/** Similar formulas, grouped by paper. */
export const searchRequest = new RequestType<SearchParams, SearchResult, void>('formulaLens/search');

export interface PrepareDefaultIndexParams {
  /** The model and cache folder (and whether the default index is shown at all) as for a search. */
  indexes: IndexSelection;
}

export type PrepareDefaultIndexResult = { kind: 'ready' } | { kind: 'failed'; reason: string };

/**
 * Waits until the default index is ready, building it when needed (progress as indexProgressNotification with
 * `defaultIndex`). Cancelling the request ($/cancelRequest) stops the build at its next batch, answered with
 * RequestCancelled (-32800); what was built stays, and the next search or preparation resumes it.
 */
export const prepareDefaultIndexRequest = new RequestType<PrepareDefaultIndexParams, PrepareDefaultIndexResult, void>('formulaLens/prepareDefaultIndex');

export interface BuildIndexParams {
  /** Library folders: .bib files with the papers' LaTeX beside them, or loose LaTeX sources. */
  folders: string[];
  /** The index folder to create or update. */
  indexDir: string;
  /** Where unpacked e-print archives are kept between builds. */
  cacheDir: string;
  model: IndexSelection['model'];
  executionProvider: IndexSelection['executionProvider'];
}

export type BuildIndexResult =
  | {
      kind: 'built';
      indexed: number;
      unchanged: number;
      removed: number;
      failed: number;
      formulas: number;
      cancelled: boolean;
      /** The library name the papers are kept under in the index (one per folder set). */
      library?: string;
      /** One line per bib entry and source: indexed, unchanged, no source, pdf only, failed (with the reason), removed. */
      report?: BuildReportEntry[];
    }
  | { kind: 'failed'; reason: string };

export interface BuildReportEntry {
  id: string;
  status: string;
  detail: string;
  bibFile?: string;
  formulas?: number;
}

/** Indexes the papers of library folders (progress as indexProgressNotification; cancellable, keeping finished batches). */
export const buildIndexRequest = new RequestType<BuildIndexParams, BuildIndexResult, void>('formulaLens/buildIndex');

/** Engine → client while an index builds. */
export const indexProgressNotification = new NotificationType<IndexProgress>('formulaLens/indexProgress');

export interface IndexProgress {
  indexDir: string;
  phase: string;
  /** In [0, 1]. */
  progress: number;
  /** Counts, when the build knows them (library builds: papers to read; both: formulas to embed). */
  papersDone?: number;
  papersTotal?: number;
  formulasDone?: number;
  formulasTotal?: number;
  /** True for the default index's first-use build. */
  defaultIndex?: boolean;
}

export interface CitationParams {
  paper: PaperMeta;
  /** The user's .bib files with their current text. */
  bibFiles: { path: string; text: string }[];
}

export type CitationResult =
  /** The paper already has an entry: cite that key. `entry` is its BibTeX source. */
  | { kind: 'found'; key: string; bibPath: string; entry: string }
  /** No entry yet: `entry` is built from the paper's metadata under `key`, a key no given file uses. */
  | { kind: 'missing'; key: string; entry: string };

/** The citation key of a paper in the user's .bib files, or a new entry for it. */
export const citationRequest = new RequestType<CitationParams, CitationResult, void>('formulaLens/citation');

// ---- Custom training on the library (issue 8) ----

export interface TrainModelParams {
  /** Library folders, as Build Index takes them. */
  folders: string[];
  /** The fine-tuned .onnx to write. */
  out: string;
  /** Corpus, dataset, split and report of the run. */
  workDir: string;
  cacheDir: string;
  /** The .onnx to start from (default: the shipped SEE). */
  init?: string;
  /** Also fine-tune the symbolic encoder (from the shipped one), into this .onnx. */
  symbolicOut?: string;
  /** Training budget: steps, or wall-clock minutes (one of them). */
  steps?: number;
  minutes?: number;
}

/** Held-out measures of one model: same-paper retrieval and the triple ranking loss. */
export interface HeldOutScores {
  mAP: number;
  precisionAt10: number;
  rankingLoss: number;
}

export type TrainModelResult =
  | {
      kind: 'trained';
      /** The new model file. */
      model: string;
      /** Better than the default on the held-out papers (mAP, then ranking loss). */
      better: boolean;
      default: HeldOutScores;
      finetuned: HeldOutScores;
      steps: number;
      trainPapers: number;
      heldOutPapers: number;
      /** The symbolic encoder's run, when symbolicOut was given: the same papers trained and held out. */
      symbolic?: { model: string; better: boolean; default: HeldOutScores; finetuned: HeldOutScores; steps: number };
    }
  /** `cancelled`: stopped by the user, the current model untouched; `no-python`/`no-torch`: the message says how to install them. */
  | { kind: 'failed'; reason: string; cause: 'cancelled' | 'no-python' | 'no-torch' | 'library-too-small' | 'no-model' | 'script-failed' };

/** Fine-tunes the default SEE (and the symbolic encoder) on the library's papers and compares old and new on held-out papers (cancellable). */
export const trainModelRequest = new RequestType<TrainModelParams, TrainModelResult, void>('formulaLens/trainModel');

/** Engine → client while a training runs. */
export interface TrainProgress {
  out: string;
  /** In [0, 1]. */
  progress: number;
  message: string;
}

export const trainProgressNotification = new NotificationType<TrainProgress>('formulaLens/trainProgress');
