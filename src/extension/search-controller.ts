// From a cursor position (or a formula) to results in the view: asks the engine for the math at the
// cursor with its document's macros, searches it, and keeps the results for the view's actions.
// The cursor path is debounced and latest-only; a formula already shown is not searched again.
import * as vscode from 'vscode';
import type { CancellationToken } from 'vscode-jsonrpc';
import {
  formulaAtRequest,
  isCancelledAnswer,
  searchRequest,
  type FormulaInput,
  type PaperMatch,
  type SearchResult,
} from '../engine/protocol';
import type { ViewFormula, ViewState } from '../webview/protocol';
import type { Config } from './config';
import type { EngineClient } from './engine-client';
import { LatestOnly } from './latest-only';
import type { ResultsView } from './results-view';
import type { LensStatus, StatusBar } from './status-bar';
import { isTrackedLanguage } from './tracked-documents';
import { viewFormula, viewPaperResult } from './view-model';
import { errorMessage } from '../core/result';

export function isTrackedDocument(document: vscode.TextDocument): boolean {
  return isTrackedLanguage(document.languageId);
}

export interface SearchEvent {
  query: FormulaInput;
  result: SearchResult;
}

export class SearchController implements vscode.Disposable {
  private readonly latest = new LatestOnly();
  private papers = new Map<string, PaperMatch>();
  /** Identity of the formula last searched from the cursor, so resting in it again asks nothing. */
  private lastCursorQuery: string | undefined;
  /** Searches the user asked for (commands, view buttons) in flight. */
  private requested = 0;
  private readonly searchEmitter = new vscode.EventEmitter<SearchEvent>();
  /** Fires after each completed search (the integration tests follow cursor tracking through it). */
  readonly onDidSearch = this.searchEmitter.event;
  /** The editor of the last cursor query: where "insert \cite" writes. */
  lastEditor: vscode.TextEditor | undefined;
  /** The index picked with "Select Index"; undefined = every configured index. */
  activeIndex: string | undefined;

  constructor(
    private readonly engine: EngineClient,
    private readonly config: Config,
    private readonly view: ResultsView,
    private readonly statusBar: StatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Cursor tracking: searches the formula at the cursor once the cursor rests (debounce setting).
   * Dropped while a search the user asked for runs: a stray selection event must not cancel it.
   */
  scheduleAtCursor(editor: vscode.TextEditor): Promise<void> {
    if (this.requested > 0) return Promise.resolve();
    return this.latest.schedule((token) => this.searchAtCursor(editor, token, false), this.config.debounceMs);
  }

  /** The command: searches the formula at the cursor now, even when it is the one shown. */
  searchAtCursorNow(editor: vscode.TextEditor): Promise<void> {
    return this.asked((token) => this.searchAtCursor(editor, token, true));
  }

  /** "Search Selection" and "More like this": searches the given formula now. */
  searchFormulaNow(formula: FormulaInput, excludePaper?: string): Promise<void> {
    this.lastCursorQuery = undefined;
    return this.asked((token) => this.search(formula, excludePaper, token));
  }

  private async asked(job: (token: CancellationToken) => Promise<void>): Promise<void> {
    this.requested++;
    try {
      await this.latest.schedule(job, 0);
    } finally {
      this.requested--;
    }
  }

  /** A paper of the results on show. */
  paper(id: string): PaperMatch | undefined {
    return this.papers.get(id);
  }

  private async searchAtCursor(editor: vscode.TextEditor, token: CancellationToken, force: boolean): Promise<void> {
    const { document } = editor;
    const connection = await this.engine.connect();
    if (token.isCancellationRequested) return;
    const found = await this.request(token, () => connection.sendRequest(
      formulaAtRequest,
      {
        uri: document.uri.toString(),
        path: document.uri.scheme === 'file' ? document.uri.fsPath : undefined,
        text: document.getText(),
        offset: document.offsetAt(editor.selection.active),
        languageId: document.languageId,
        includeInline: this.config.includeInlineMath,
      },
      token,
    ));
    if (!found) return;
    if (!found.found) {
      this.lastCursorQuery = undefined;
      // Results stay while the cursor wanders through prose; the empty state is for when nothing is shown.
      if (force || this.view.current.kind === 'empty') {
        const detail = found.reason === 'inlineExcluded' ? 'Inline math is excluded in the settings (formulaLens.search.includeInlineMath).' : found.message;
        this.view.setState({ kind: 'empty', reason: 'noFormula', detail });
        this.statusBar.setStatus({ kind: 'noFormula' });
      }
      return;
    }
    const identity = JSON.stringify([document.uri.toString(), found.formula.latex, found.formula.macros, found.formula.display]);
    if (!force && identity === this.lastCursorQuery) return;
    this.lastCursorQuery = identity;
    this.lastEditor = editor;
    await this.search(found.formula, undefined, token);
  }

  private async search(formula: FormulaInput, excludePaper: string | undefined, token: CancellationToken): Promise<void> {
    const query = viewFormula(formula);
    this.view.setState({ kind: 'searching', query });
    this.statusBar.setStatus({ kind: 'searching' });
    const connection = await this.engine.connect();
    const params = { formula, k: this.config.k, excludePaper, indexes: this.config.indexSelection(this.activeIndex) };
    const result = await this.request(token, () => connection.sendRequest(searchRequest, params, token), query);
    if (!result) return;
    this.searchEmitter.fire({ query: formula, result });
    switch (result.kind) {
      case 'results':
        this.papers = new Map(result.papers.map((match) => [match.paper.id, match]));
        this.show(
          { kind: 'results', query, indexName: result.indexName, results: result.papers.map(viewPaperResult) },
          { kind: 'results', papers: result.papers.length },
        );
        return;
      case 'noIndex':
        if (result.preparing) {
          this.show({ kind: 'empty', reason: 'preparingDefaultIndex', detail: preparingDetail(result.preparing.progress) }, { kind: 'indexing', progress: result.preparing.progress });
        } else {
          this.show({ kind: 'empty', reason: 'noIndex', detail: result.reason }, { kind: 'noIndex' });
        }
        return;
      case 'failed':
        this.log.error(`search failed: ${result.reason}`);
        this.show({ kind: 'error', query, message: result.reason }, { kind: 'error', message: result.reason });
    }
  }

  /**
   * An engine request's answer, or undefined when it was cancelled (outdated: nothing to show, whether the
   * engine answered or refused it with RequestCancelled) or
   * failed (the failure is shown and logged).
   */
  private async request<T>(token: CancellationToken, send: () => Promise<T>, query?: ViewFormula): Promise<T | undefined> {
    try {
      const answer = await send();
      return token.isCancellationRequested ? undefined : answer;
    } catch (error) {
      if (token.isCancellationRequested || isCancelledAnswer(error)) return undefined;
      const message = `Formula Lens: the engine request failed: ${errorMessage(error)}`;
      this.log.error(message);
      this.show({ kind: 'error', query, message }, { kind: 'error', message });
      return undefined;
    }
  }

  private show(state: ViewState, status: LensStatus): void {
    this.view.setState(state);
    this.statusBar.setStatus(status);
  }

  dispose(): void {
    this.latest.dispose();
    this.searchEmitter.dispose();
  }
}

/** The preparing view's detail line. */
export function preparingDetail(progress: number): string {
  return `Indexing the default library: ${Math.floor(progress * 100)}%.`;
}
