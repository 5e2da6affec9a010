// Follows the cursor in .tex and .md editors and asks for a search when it rests in math. Every
// cursor move (typing included) restarts the debounce and cancels the running lookup, so a formula
// being typed is searched once, when typing pauses. Selecting text is not resting the cursor: a
// selection is searched on request ("Search Selection"). A Markdown file without math is not
// followed, so opening one does not start the engine.
import * as vscode from 'vscode';
import type { Config } from './config';
import type { SearchController } from './search-controller';
import { followsCursorIn } from './tracked-documents';

export class CursorTracker implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];
  /** Per document, whether its current version is followed: the Markdown math check scans the whole text. */
  private readonly followed = new WeakMap<vscode.TextDocument, { version: number; follows: boolean }>();

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
    if (!this.config.autoSearch || !this.follows(editor.document)) return;
    void this.search.scheduleAtCursor(editor);
  }

  private follows(document: vscode.TextDocument): boolean {
    const known = this.followed.get(document);
    if (known?.version === document.version) return known.follows;
    const follows = followsCursorIn(document.languageId, document.getText());
    this.followed.set(document, { version: document.version, follows });
    return follows;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
