// "Build Index": indexes the library folders the user picks into `<first folder>/.formula-lens/index`
// (where `formula-lens index` puts it, so both update the same index), with progress in a cancellable
// notification (and the status bar, see Ctx), then adds that index to the searched locations and
// searches the formula at the cursor again.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildIndexRequest, indexProgressNotification, type BuildIndexResult } from '../engine/protocol';
import type { Ctx } from './ctx';

export async function buildIndex(ctx: Ctx): Promise<BuildIndexResult | undefined> {
  const folders = await vscode.window.showOpenDialog({
    title: 'Formula Lens: the folders of your library (.bib files with LaTeX sources or e-prints beside them)',
    openLabel: 'Index These Folders',
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: true,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  if (!folders?.length) return undefined;
  const home = path.join(folders[0]!.fsPath, '.formula-lens');
  const indexDir = path.join(home, 'index');
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Formula Lens: indexing', cancellable: true },
    async (progress, token) => {
      const connection = await ctx.engine.connect();
      let reported = 0;
      const updates = connection.onNotification(indexProgressNotification, (update) => {
        if (update.indexDir !== indexDir) return;
        progress.report({ message: `${update.phase} ${Math.round(update.progress * 100)}%`, increment: (update.progress - reported) * 100 });
        reported = update.progress;
      });
      try {
        return await connection.sendRequest(
          buildIndexRequest,
          {
            folders: folders.map((folder) => folder.fsPath),
            indexDir,
            cacheDir: path.join(home, 'cache'),
            model: ctx.config.model,
            executionProvider: ctx.config.executionProvider,
          },
          token,
        );
      } catch (error) {
        return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) } as const;
      } finally {
        updates.dispose();
      }
    },
  );
  ctx.statusBar.setStatus({ kind: 'idle' });
  if (result.kind === 'failed') {
    ctx.log.error(`indexing failed: ${result.reason}`);
    void vscode.window.showErrorMessage(`Formula Lens: indexing failed: ${result.reason}`, 'Show log').then((choice) => choice && ctx.log.show());
    return result;
  }
  const done = result.cancelled ? 'Indexing stopped; what was finished is kept' : 'Indexed';
  void vscode.window.showInformationMessage(
    `Formula Lens: ${done}: ${result.indexed} papers (${result.formulas} formulas), ${result.unchanged} unchanged, ${result.failed} failed.`,
  );
  const locations = ctx.config.indexLocations;
  if (!locations.includes(indexDir)) {
    await vscode.workspace.getConfiguration('formulaLens').update('index.locations', [...locations, indexDir], vscode.ConfigurationTarget.Global);
  }
  const editor = ctx.search.lastEditor ?? vscode.window.activeTextEditor;
  if (editor) await ctx.search.searchAtCursorNow(editor);
  return result;
}
