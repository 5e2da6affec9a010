// "Build Index": indexes the library folders (`formulaLens.library.paths`; asked for, and saved there,
// when empty) into the library's index folder (core/library/home.ts: where `formula-lens index` puts it, so both
// update the same index). The engine does the work; this shows its progress (papers, formulas, time
// left), writes the per-entry report to the output channel, adds the index to the searched locations
// and searches the formula at the cursor again. Builds queue in the LibraryWatcher, one at a time.
import * as vscode from 'vscode';
import { buildIndexRequest, indexProgressNotification, type BuildIndexResult } from '../engine/protocol';
import { BuildProgress, buildReportLines } from './build-progress';
import type { Ctx } from './ctx';
import { errorMessage } from '../core/result';
import { libraryHome } from '../core/library/home';

export interface BuildOptions {
  /** A cancellable notification (the command), or the quiet status-bar progress of automatic updates. */
  interactive: boolean;
  /** Start afresh when another model built the index (after the model setting changed to a new model). */
  rebuild?: boolean;
}

/** The command: the configured library folders, or the ones the user picks now (then saved as the setting). */
export async function buildIndex(ctx: Ctx): Promise<BuildIndexResult | undefined> {
  let folders = ctx.config.libraryPaths;
  if (folders.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Formula Lens: the folders of your library (.bib files with LaTeX sources or e-prints beside them)',
      openLabel: 'Index These Folders',
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: true,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked?.length) return undefined;
    folders = picked.map((folder) => folder.fsPath);
    await vscode.workspace.getConfiguration('formulaLens').update('library.paths', folders, vscode.ConfigurationTarget.Global);
  }
  return ctx.library.build(folders, { interactive: true });
}

/** Indexes `folders`, reports the outcome, and searches again (called through LibraryWatcher.build). */
export async function runBuild(ctx: Ctx, folders: string[], { interactive, rebuild }: BuildOptions): Promise<BuildIndexResult> {
  const home = libraryHome(folders[0]!);
  const indexDir = home.index;
  const location = interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
  const result = await vscode.window.withProgress(
    { location, title: interactive ? 'Formula Lens: indexing' : 'Formula Lens: updating the index', cancellable: interactive },
    async (progress, token) => {
      const connection = await ctx.engine.connect();
      const wording = new BuildProgress();
      let reported = 0;
      const updates = connection.onNotification(indexProgressNotification, (update) => {
        if (update.indexDir !== indexDir) return;
        progress.report({ message: wording.message(update), increment: (update.progress - reported) * 100 });
        reported = update.progress;
      });
      try {
        return await connection.sendRequest(
          buildIndexRequest,
          { folders, indexDir, cacheDir: home.cache, model: ctx.config.model, executionProvider: ctx.config.executionProvider, rebuild },
          token,
        );
      } catch (error) {
        return { kind: 'failed', reason: errorMessage(error) } as const;
      } finally {
        updates.dispose();
      }
    },
  );
  for (const line of buildReportLines(folders, result)) (result.kind === 'failed' ? ctx.log.error : ctx.log.info).call(ctx.log, line);
  if (result.kind === 'failed') {
    // An automatic update that fails (say, the model is not installed) must not pop up at every save.
    ctx.statusBar.setStatus({ kind: 'error', message: `updating the index failed: ${result.reason}` });
    if (interactive) {
      const failed = vscode.window.showErrorMessage(`Formula Lens: indexing failed: ${result.reason}`, 'Show log');
      void failed.then((choice) => choice && ctx.log.show());
    }
    return result;
  }
  ctx.statusBar.setStatus({ kind: 'idle' });
  if (interactive) {
    const done = result.cancelled ? 'Indexing stopped; what was finished is kept' : 'Indexed';
    void vscode.window
      .showInformationMessage(
        `Formula Lens: ${done}: ${result.indexed} papers (${result.formulas} formulas), ${result.unchanged} unchanged, ${result.failed} failed.`,
        'Show report',
      )
      .then((choice) => choice && ctx.log.show());
  }
  const locations = ctx.config.indexLocations;
  if (!locations.includes(indexDir)) {
    await vscode.workspace.getConfiguration('formulaLens').update('index.locations', [...locations, indexDir], vscode.ConfigurationTarget.Global);
  }
  const editor = ctx.search.lastEditor ?? vscode.window.activeTextEditor;
  if (editor && (interactive || result.indexed + result.removed > 0)) await ctx.search.searchAtCursorNow(editor);
  return result;
}
