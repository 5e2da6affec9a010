// The results webview view: serves the HTML shell (strict CSP, KaTeX from the extension's own out/),
// keeps the current ViewState so a re-shown or reloaded view restores it, and hands typed, checked
// commands from the webview to the actions.
import * as vscode from 'vscode';
import {
  copyBibtexCommand,
  insertCiteCommand,
  ipcMessage,
  isFormulaRef,
  isIpcMessage,
  isPaperRef,
  moreLikeThisCommand,
  onIpc,
  openSourceCommand,
  openUrlCommand,
  readyCommand,
  searchAtCursorCommand,
  selectIndexCommand,
  buildIndexCommand,
  stateNotification,
  type FormulaRef,
  type PaperRef,
  type ViewState,
} from '../webview/protocol';
import { webviewHtml } from './webview-html';

export interface ResultActions {
  openSource(ref: FormulaRef): unknown;
  insertCite(ref: PaperRef): unknown;
  copyBibtex(ref: PaperRef): unknown;
  openUrl(ref: PaperRef): unknown;
  moreLikeThis(ref: FormulaRef): unknown;
  buildIndex(): unknown;
  selectIndex(): unknown;
  searchAtCursor(): unknown;
}

export class ResultsView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'formulaLens.results';
  private view: vscode.WebviewView | undefined;
  private state: ViewState = { kind: 'empty', reason: 'idle' };
  private readonly stateEmitter = new vscode.EventEmitter<ViewState>();
  /** Fires with every state the view is given (the integration tests follow the view through it). */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: ResultActions,
  ) {
    this.registration = vscode.window.registerWebviewViewProvider(ResultsView.viewId, this, {
      webviewOptions: { retainContextWhenHidden: true },
    });
  }

  get current(): ViewState {
    return this.state;
  }

  /** Whether the view is on screen. */
  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  setState(state: ViewState): void {
    this.state = state;
    this.stateEmitter.fire(state);
    void this.view?.webview.postMessage(ipcMessage(stateNotification, state));
  }

  /** Reveals the view, creating it when it was never opened. */
  async show(preserveFocus = true): Promise<void> {
    if (this.view) return this.view.show(preserveFocus);
    // The view's generated focus command is the only way to create it, and it takes the focus.
    await vscode.commands.executeCommand(`${ResultsView.viewId}.focus`);
    if (preserveFocus) await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const out = vscode.Uri.joinPath(this.extensionUri, 'out');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [out, media] };
    const asUri = (base: vscode.Uri, ...parts: string[]) => view.webview.asWebviewUri(vscode.Uri.joinPath(base, ...parts)).toString();
    view.webview.html = webviewHtml({
      cspSource: view.webview.cspSource,
      scriptUri: asUri(out, 'webview.js'),
      styleUris: [asUri(out, 'katex', 'katex.min.css'), asUri(media, 'results.css')],
    });
    view.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message));
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  private onMessage(message: unknown): void {
    if (!isIpcMessage(message)) return;
    const { actions } = this;
    // Refs come from a page that renders untrusted text: check their shape before acting on them.
    const withFormula = (run: (ref: FormulaRef) => unknown) => (params: unknown) => isFormulaRef(params) && run(params);
    const withPaper = (run: (ref: PaperRef) => unknown) => (params: unknown) => isPaperRef(params) && run(params);
    onIpc(readyCommand, message, () => void this.view?.webview.postMessage(ipcMessage(stateNotification, this.state)));
    onIpc(openSourceCommand, message, withFormula((ref) => actions.openSource(ref)));
    onIpc(moreLikeThisCommand, message, withFormula((ref) => actions.moreLikeThis(ref)));
    onIpc(insertCiteCommand, message, withPaper((ref) => actions.insertCite(ref)));
    onIpc(copyBibtexCommand, message, withPaper((ref) => actions.copyBibtex(ref)));
    onIpc(openUrlCommand, message, withPaper((ref) => actions.openUrl(ref)));
    onIpc(buildIndexCommand, message, () => actions.buildIndex());
    onIpc(selectIndexCommand, message, () => actions.selectIndex());
    onIpc(searchAtCursorCommand, message, () => actions.searchAtCursor());
  }

  dispose(): void {
    this.registration.dispose();
    this.stateEmitter.dispose();
  }
}
