// From a cursor position (or a formula) to results in the view: asks the engine for the math at the
// cursor with its document's macros, searches it, and keeps the results for the view's actions.
// The cursor path is debounced and latest-only; a formula already shown is not searched again.
// On first use the default index is prepared under a cancellable notification while the view shows the
// formula waiting for it; once ready, that formula is searched.
import * as vscode from 'vscode';
import type { CancellationToken } from 'vscode-jsonrpc';
import {
  formulaAtRequest,
  isCancelledAnswer,
  prepareDefaultIndexRequest,
  searchRequest,
  type FormulaInput,
  type IndexProgress,
  type IndexSelection,
  type PaperMatch,
  type PrepareDefaultIndexResult,
  type SearchParams,
  type SearchResult,
} from '../engine/protocol';
import type { ViewFormula, ViewState } from '../webview/protocol';
import type { Config } from './config';
import type { EngineClient } from './engine-client';
import { LatestOnly } from './latest-only';
import type { ResultsView } from './results-view';
import type { LensStatus, StatusBar } from './status-bar';
import { isTrackedLanguage } from './tracked-documents';
import { citeButtonLabel } from './cite-command';
import { viewFormula, viewPaperResult } from './view-model';
import { errorMessage } from '../core/result';

export function isTrackedDocument(document: vscode.TextDocument): boolean {
  return isTrackedLanguage(document.languageId);
}

export interface SearchEvent {
  query: FormulaInput;
  result: SearchResult;
}

/** Where a searched formula comes from: its document's file (an indexed copy there is no result), or a result's paper ("more like this", which leaves that paper out). */
export type QueryOrigin = Pick<SearchParams, 'excludePaper' | 'queryFile'>;

/** A document's file on disk, when it is one. */
export function documentFile(document: vscode.TextDocument): string | undefined {
  return document.uri.scheme === 'file' ? document.uri.fsPath : undefined;
}

interface Preparation {
  /** The notification's progress, once it shows. */
  notification?: vscode.Progress<{ message?: string; increment?: number }>;
  /** What it has been told so far, in %. */
  percent: number;
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
  /** The formula last searched, and where from: searched again once the default index is ready. */
  private lastQuery: { formula: FormulaInput; origin: QueryOrigin } | undefined;
  /** The default index's preparation under way (one at a time): its notification's progress, once shown. */
  private preparation: Preparation | undefined;
  /** The user cancelled the preparation: searches leave the default index out until one is asked for (a command, a button). */
  private defaultIndexStopped = false;

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
    this.defaultIndexStopped = false;
    return this.asked((token) => this.searchAtCursor(editor, token, true));
  }

  /** "Search Selection" and "More like this": searches the given formula now. */
  searchFormulaNow(formula: FormulaInput, origin: QueryOrigin = {}): Promise<void> {
    this.lastCursorQuery = undefined;
    this.defaultIndexStopped = false;
    return this.asked((token) => this.search(formula, origin, token));
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
        path: documentFile(document),
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
    await this.search(found.formula, { queryFile: documentFile(document) }, token);
  }

  private async search(formula: FormulaInput, origin: QueryOrigin, token: CancellationToken): Promise<void> {
    const query = viewFormula(formula);
    this.lastQuery = { formula, origin };
    this.view.setState({ kind: 'searching', query });
    this.statusBar.setStatus({ kind: 'searching' });
    const connection = await this.engine.connect();
    const selection = this.config.indexSelection(this.activeIndex);
    const indexes = this.defaultIndexStopped ? { ...selection, includeDefault: false } : selection;
    const params = { formula, k: this.config.k, ...origin, indexes };
    const result = await this.request(token, () => connection.sendRequest(searchRequest, params, token), query);
    if (!result) return;
    this.searchEmitter.fire({ query: formula, result });
    switch (result.kind) {
      case 'results':
        this.papers = new Map(result.papers.map((match) => [match.paper.id, match]));
        this.show(
          { kind: 'results', query, indexName: result.indexName, results: result.papers.map(viewPaperResult), citeLabel: this.citeLabel() },
          { kind: 'results', papers: result.papers.length },
        );
        return;
      case 'noIndex':
        if (result.preparing) {
          this.show({ kind: 'preparing', query, progress: result.preparing.progress }, { kind: 'indexing', progress: result.preparing.progress });
          this.prepareDefaultIndex(indexes);
        } else if (this.defaultIndexStopped && selection.includeDefault) {
          this.show({ kind: 'empty', reason: 'preparationStopped' }, { kind: 'idle' });
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

  /** Prepares the default index under a cancellable notification; cancelling it stops the engine's build. */
  private prepareDefaultIndex(indexes: IndexSelection): void {
    if (this.preparation) return;
    const preparation: Preparation = { percent: 0 };
    this.preparation = preparation;
    const title = 'Formula Lens: preparing the default index (once)';
    void vscode.window
      .withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (notification, token) => {
        preparation.notification = notification;
        const connection = await this.engine.connect();
        return connection.sendRequest(prepareDefaultIndexRequest, { indexes }, token);
      })
      .then(
        (answer) => this.prepared(answer),
        (error: unknown) => this.prepared(isCancelledAnswer(error) ? 'stopped' : { kind: 'failed', reason: errorMessage(error) }),
      );
  }

  private prepared(outcome: PrepareDefaultIndexResult | 'stopped'): void {
    this.preparation = undefined;
    const { current } = this.view;
    const waiting = current.kind === 'preparing';
    if (outcome === 'stopped') {
      this.defaultIndexStopped = true;
      if (waiting) this.show({ kind: 'empty', reason: 'preparationStopped' }, { kind: 'idle' });
    } else if (outcome.kind === 'failed') {
      const message = `Formula Lens: the default index could not be prepared: ${outcome.reason}`;
      this.log.error(message);
      if (waiting) this.show({ kind: 'error', query: current.query, message }, { kind: 'error', message });
    } else if (waiting && this.lastQuery) {
      const { formula, origin } = this.lastQuery;
      void this.asked((token) => this.search(formula, origin, token));
    }
  }

  /** The default index's build progress: in the view waiting for it and in the notification. */
  defaultIndexProgress({ progress, formulasDone, formulasTotal }: IndexProgress): void {
    const { current } = this.view;
    if (current.kind === 'preparing' && progress < 1) this.view.setState({ ...current, progress, formulasDone, formulasTotal });
    const preparation = this.preparation;
    if (!preparation?.notification) return;
    const percent = Math.floor(progress * 100);
    const counts = formulasTotal ? ` (${formulasDone ?? 0} of ${formulasTotal} formulas)` : '';
    preparation.notification.report({ increment: percent - preparation.percent, message: `${percent}%${counts}` });
    preparation.percent = percent;
  }

  /** The results' Insert button follows the cite command setting (after a change of it too). */
  refreshCiteLabel(): void {
    const { current } = this.view;
    if (current.kind === 'results') this.view.setState({ ...current, citeLabel: this.citeLabel() });
  }

  private citeLabel(): string {
    const document = (this.lastEditor ?? vscode.window.activeTextEditor)?.document;
    return document ? citeButtonLabel(document.languageId, this.config.citeCommand(document.uri)) : citeButtonLabel('latex', '');
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
