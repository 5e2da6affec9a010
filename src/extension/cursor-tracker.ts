// Follows the cursor in .tex and .md editors and asks for a search when it rests in math. Every
// cursor move (typing included) restarts the debounce and cancels the running lookup, so a formula
// being typed is searched once, when typing pauses. Selecting text is not resting the cursor: a
// selection is searched on request ("Search Selection").
import * as vscode from 'vscode';
import type { Config } from './config';
import { isTrackedDocument, type SearchController } from './search-controller';

export class CursorTracker implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly search: SearchController,
    private readonly config: Config,
  ) {
    this.subscriptions = [
      vscode.window.onDidChangeTextEditorSelection(({ textEditor, selections }) => {
        if (selections.every((selection) => selection.isEmpty)) this.track(textEditor);
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => editor && this.track(editor)),
    ];
  }

  private track(editor: vscode.TextEditor): void {
    if (!this.config.autoSearch || !isTrackedDocument(editor.document)) return;
    void this.search.scheduleAtCursor(editor);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
