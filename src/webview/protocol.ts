// The messages between the extension and the results webview, typed in one place and imported by
// both sides (GitLens's src/webviews/protocol.ts). Webview → extension messages are commands;
// extension → webview messages are notifications. No message is an untyped string.
// Never imports vscode: the webview bundle and the unit tests read it too.

/** A formula as the view shows it: source, its document's macros, display or inline style. */
export interface ViewFormula {
  latex: string;
  /** LaTeX definitions, one per line (the corpus `macros` format). */
  macros: string;
  display: boolean;
  /** Environment name (`align*`, `equation`, `$$`, `inline`, …), used to typeset multi-line bodies. */
  env?: string;
  /** `latex` with the symbols that match the query's structure coloured: typeset in its place when KaTeX takes it. */
  highlightedLatex?: string;
}

export interface ViewPaper {
  /** Stable id of the paper within the result set; commands refer to papers by it. */
  id: string;
  title: string;
  authors: string[];
  year: number | null;
  /** Whether the paper has something to open in a browser (URL or arXiv id). */
  hasUrl: boolean;
}

export interface ViewFormulaHit {
  formula: ViewFormula;
  section: string | null;
  /** The shown score in [0, 1], one scale in every search mode (FormulaMatch.similarity in src/engine/protocol.ts). */
  similarity: number;
  /** The signals the search mode weighs, with their weights and similarities on that scale: the score's tooltip. */
  signals: { signal: string; weight: number; similarity: number }[];
  /** Whether the formula's source file (or PDF) is on this machine. */
  hasSource: boolean;
  /** A formula read from a PDF: its page and number, and its crop as a `data:image/png;base64,` URL, shown instead of typesetting. */
  pdf?: { page: number; number?: string; image?: string };
  /** The signals that found it (`bitmap`, `symbolic`, `lexical`), when the search mode tags formulas. */
  foundBy?: string[];
}

export interface ViewPaperResult {
  paper: ViewPaper;
  formulas: ViewFormulaHit[];
}

/** Why the view has no results to show, each with its own empty-state text. */
export type EmptyReason =
  | 'noFormula' // the cursor is not in math
  | 'noIndex' // no index to search yet
  | 'engineStarting'
  | 'engineDown'
  | 'preparationStopped' // the user cancelled the default index's preparation
  | 'idle'; // nothing asked yet

/** Everything the view shows; the extension sends it whole, so a re-shown view restores it as is. */
export type ViewState =
  | { kind: 'empty'; reason: EmptyReason; detail?: string }
  | { kind: 'searching'; query: ViewFormula }
  /** The default index is being prepared (first use) before `query` can be searched; `progress` in [0, 1]. */
  | { kind: 'preparing'; query: ViewFormula; progress: number; formulasDone?: number; formulasTotal?: number }
  /** `citeLabel`: the Insert button's label, as the cite command setting and the document's language make it. */
  | { kind: 'results'; query: ViewFormula; results: ViewPaperResult[]; indexName: string; citeLabel: string }
  | { kind: 'error'; query?: ViewFormula; message: string };

export interface IpcMessage {
  method: string;
  params: unknown;
}

/** Webview → extension. */
export class IpcCommandType<Params> {
  declare readonly _params: Params;
  constructor(readonly method: string) {}
}

/** Extension → webview. */
export class IpcNotificationType<Params> {
  declare readonly _params: Params;
  constructor(readonly method: string) {}
}

type IpcType<Params> = IpcCommandType<Params> | IpcNotificationType<Params>;

export function isIpcMessage(value: unknown): value is IpcMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { method?: unknown }).method === 'string' &&
    'params' in value
  );
}

/** Builds the message for `type`; the compiler checks the params. */
export function ipcMessage<Params>(type: IpcType<Params>, params: Params): IpcMessage {
  return { method: type.method, params };
}

/** Calls `handler` with typed params when `message` is of `type` (GitLens's onIpc). */
export function onIpc<Params>(type: IpcType<Params>, message: IpcMessage, handler: (params: Params) => void): boolean {
  if (message.method !== type.method) return false;
  handler(message.params as Params);
  return true;
}

export interface PaperRef {
  paperId: string;
}

export interface FormulaRef extends PaperRef {
  /** Index into the paper's `formulas` in the current results. */
  formula: number;
}

// Webview → extension
/** The webview has loaded and wants the current state. */
export const readyCommand = new IpcCommandType<Record<string, never>>('webview/ready');
export const openSourceCommand = new IpcCommandType<FormulaRef>('result/openSource');
export const insertCiteCommand = new IpcCommandType<PaperRef>('result/insertCite');
export const copyBibtexCommand = new IpcCommandType<PaperRef>('result/copyBibtex');
export const openUrlCommand = new IpcCommandType<PaperRef>('result/openUrl');
export const moreLikeThisCommand = new IpcCommandType<FormulaRef>('result/moreLikeThis');
export const buildIndexCommand = new IpcCommandType<Record<string, never>>('empty/buildIndex');
export const selectIndexCommand = new IpcCommandType<Record<string, never>>('empty/selectIndex');
export const searchAtCursorCommand = new IpcCommandType<Record<string, never>>('empty/searchAtCursor');

// Extension → webview
export const stateNotification = new IpcNotificationType<ViewState>('view/state');

/** Checks the shape of refs coming from the webview before the extension acts on them. */
export function isPaperRef(params: unknown): params is PaperRef {
  return typeof params === 'object' && params !== null && typeof (params as PaperRef).paperId === 'string';
}

export function isFormulaRef(params: unknown): params is FormulaRef {
  return isPaperRef(params) && Number.isInteger((params as FormulaRef).formula) && (params as FormulaRef).formula >= 0;
}
