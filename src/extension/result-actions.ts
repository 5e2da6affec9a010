// What the buttons of the results view do. Papers are looked up by id in the results the controller
// holds, never taken from the webview, so a hostile index cannot make a button open anything else.
import * as vscode from 'vscode';
import type { FormulaRef, PaperRef } from '../webview/protocol';
import type { BibtexActions } from './bibtex-actions';
import type { ResultActions } from './results-view';
import type { SearchController } from './search-controller';
import { paperUrl } from './view-model';

const latexWorkshop = 'James-Yu.latex-workshop';

/**
 * Opens a PDF at a page: in LaTeX Workshop's viewer when it is installed (its PDF editor, which opens at the start: the
 * page is said in the status bar), else in the system's viewer with `#page=N`, which most viewers honour.
 */
async function openPdfAt(file: string, page: number): Promise<void> {
  const uri = vscode.Uri.file(file);
  vscode.window.setStatusBarMessage(`Formula Lens: the formula is on page ${page} of ${uri.path.split('/').pop()}`, 15_000);
  if (vscode.extensions.getExtension(latexWorkshop)) {
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, 'latex-workshop-pdf-hook', vscode.ViewColumn.Beside);
      return;
    } catch {
      // An older LaTeX Workshop without its PDF editor: the system viewer below.
    }
  }
  await vscode.env.openExternal(uri.with({ fragment: `page=${page}` }));
}

/** What the buttons act through (the extension's Ctx): read when a button is pressed, as the view is made
 * before the search controller that fills it. */
export interface ActionTargets {
  readonly search: SearchController;
  readonly bibtex: BibtexActions;
}

export function resultActions(targets: ActionTargets): ResultActions {
  const paperOf = ({ paperId }: PaperRef) => targets.search.paper(paperId);
  const hitOf = (ref: FormulaRef) => paperOf(ref)?.formulas[ref.formula];
  const citeTarget = () => targets.search.lastEditor ?? vscode.window.activeTextEditor;
  return {
    async openSource(ref) {
      const hit = hitOf(ref);
      if (!hit?.sourceFile) return;
      if (hit.pdf) return openPdfAt(hit.sourceFile, hit.pdf.page);
      const line = Math.max(0, (hit.line ?? 1) - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(hit.sourceFile), {
        selection: new vscode.Range(line, 0, line, 0),
        viewColumn: vscode.ViewColumn.Beside,
      });
    },
    async insertCite(ref) {
      const match = paperOf(ref);
      const editor = citeTarget();
      if (!match) return;
      if (!editor) {
        void vscode.window.showWarningMessage('Formula Lens: open the document to cite in, then try again.');
        return;
      }
      await targets.bibtex.insertCite(match.paper, editor);
    },
    async copyBibtex(ref) {
      const match = paperOf(ref);
      if (match) await targets.bibtex.copyBibtex(match.paper, citeTarget()?.document);
    },
    async openUrl(ref) {
      const match = paperOf(ref);
      const url = match && paperUrl(match.paper);
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    },
    async moreLikeThis(ref) {
      const match = paperOf(ref);
      const hit = hitOf(ref);
      if (match && hit) await targets.search.searchFormulaNow({ ...hit.formula, macros: match.paper.macros }, { excludePaper: match.paper.id });
    },
    buildIndex: () => vscode.commands.executeCommand('formulaLens.buildIndex'),
    selectIndex: () => vscode.commands.executeCommand('formulaLens.selectIndex'),
    searchAtCursor: () => vscode.commands.executeCommand('formulaLens.searchAtCursor'),
  };
}
