// What the buttons of the results view do. Papers are looked up by id in the results the controller
// holds, never taken from the webview, so a hostile index cannot make a button open anything else.
import * as vscode from 'vscode';
import type { FormulaRef, PaperRef } from '../webview/protocol';
import type { Ctx } from './ctx';
import type { ResultActions } from './results-view';
import { paperUrl } from './view-model';

export function resultActions(ctx: Ctx): ResultActions {
  const paperOf = ({ paperId }: PaperRef) => ctx.search.paper(paperId);
  const hitOf = (ref: FormulaRef) => paperOf(ref)?.formulas[ref.formula];
  const citeTarget = () => ctx.search.lastEditor ?? vscode.window.activeTextEditor;
  return {
    async openSource(ref) {
      const hit = hitOf(ref);
      if (!hit?.sourceFile) return;
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
      await ctx.bibtex.insertCite(match.paper, editor);
    },
    async copyBibtex(ref) {
      const match = paperOf(ref);
      if (match) await ctx.bibtex.copyBibtex(match.paper, citeTarget()?.document);
    },
    async openUrl(ref) {
      const match = paperOf(ref);
      const url = match && paperUrl(match.paper);
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    },
    async moreLikeThis(ref) {
      const match = paperOf(ref);
      const hit = hitOf(ref);
      if (match && hit) await ctx.search.searchFormulaNow({ ...hit.formula, macros: match.paper.macros }, match.paper.id);
    },
    buildIndex: () => vscode.commands.executeCommand('formulaLens.buildIndex'),
    selectIndex: () => vscode.commands.executeCommand('formulaLens.selectIndex'),
    searchAtCursor: () => vscode.commands.executeCommand('formulaLens.searchAtCursor'),
  };
}
