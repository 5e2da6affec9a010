// One status bar item with the lens's state: engine starting or down, indexing progress, what the
// last search found. Clicking it shows the results view. It shows only while a LaTeX or Markdown
// editor is active: other editors have no use for it.
import * as vscode from 'vscode';
import type { EngineState } from './engine-client';
import { isTrackedLanguage } from './tracked-documents';

export type LensStatus =
  | { kind: 'idle' }
  | { kind: 'searching' }
  | { kind: 'results'; papers: number }
  | { kind: 'noFormula' }
  | { kind: 'noIndex' }
  | { kind: 'indexing'; progress: number }
  | { kind: 'error'; message: string };

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('formulaLens.status', vscode.StatusBarAlignment.Right, 100);
  private readonly editorSubscription = vscode.window.onDidChangeActiveTextEditor((editor) => this.showFor(editor));
  private engineState: EngineState = 'stopped';
  private status: LensStatus = { kind: 'idle' };

  constructor() {
    this.item.name = 'Formula Lens';
    this.item.command = 'formulaLens.showResults';
    this.update();
    this.showFor(vscode.window.activeTextEditor);
  }

  private showFor(editor: vscode.TextEditor | undefined): void {
    if (isTrackedLanguage(editor?.document.languageId)) this.item.show();
    else this.item.hide();
  }

  setEngineState(state: EngineState): void {
    this.engineState = state;
    this.update();
  }

  setStatus(status: LensStatus): void {
    this.status = status;
    this.update();
  }

  /** The item's text, for the integration tests. */
  get text(): string {
    return this.item.text;
  }

  private update(): void {
    const [text, tooltip, alarm] = this.describe();
    this.item.text = text;
    this.item.tooltip = `Formula Lens: ${tooltip}`;
    this.item.backgroundColor = alarm ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  private describe(): [text: string, tooltip: string, alarm?: boolean] {
    if (this.engineState === 'failed') return ['$(error) Formula Lens: engine down', 'the engine keeps stopping; see its log', true];
    if (this.engineState === 'starting') return ['$(sync~spin) Formula Lens', 'the engine is starting'];
    const status = this.status;
    switch (status.kind) {
      case 'idle':
        return ['$(symbol-operator) Formula Lens', 'put the cursor in a formula'];
      case 'searching':
        return ['$(sync~spin) Formula Lens', 'searching'];
      case 'results':
        return [`$(symbol-operator) ${status.papers} ${status.papers === 1 ? 'paper' : 'papers'}`, 'show the similar formulas'];
      case 'noFormula':
        return ['$(symbol-operator) Formula Lens', 'no formula at the cursor'];
      case 'noIndex':
        return ['$(circle-slash) Formula Lens: no index', 'no index to search yet'];
      case 'indexing':
        return [`$(sync~spin) Indexing ${Math.round(status.progress * 100)}%`, 'building the index'];
      case 'error':
        return ['$(warning) Formula Lens', status.message, true];
    }
  }

  dispose(): void {
    this.editorSubscription.dispose();
    this.item.dispose();
  }
}
