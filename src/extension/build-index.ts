// Indexing the library folders into the library's index folder (core/library/home.ts: where `formula-lens index`
// puts it, so both update the same index). The engine does the work; this shows its progress (papers, formulas,
// time left), writes the per-entry report to the output channel, adds the index to the searched locations
// and searches the formula at the cursor again. Builds queue here, one at a time, whoever asks (the Build
// Index command, Train Model on Library, the LibraryWatcher's automatic updates).
import * as vscode from 'vscode';
import { errorMessage } from '../core/result';
import { libraryHome } from '../core/library/home';
import { buildIndexRequest, indexProgressNotification, type BuildIndexResult } from '../engine/protocol';
import { BuildProgress, buildReportLines } from './build-progress';
import type { Config } from './config';
import { indexLocationWrite } from './config-writes';
import type { EngineClient } from './engine-client';
import type { SearchController } from './search-controller';
import type { StatusBar } from './status-bar';

export interface BuildOptions {
  /** A cancellable notification (the command), or the quiet status-bar progress of automatic updates. */
  interactive: boolean;
}

export class IndexBuilder {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: EngineClient,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly statusBar: StatusBar,
    private readonly search: SearchController,
  ) {}

  /** Indexes `folders` once the builds before it are done. */
  build(folders: string[], options: BuildOptions): Promise<BuildIndexResult> {
    const build = this.queue.then(() => this.run(folders, options));
    this.queue = build.catch(() => undefined);
    return build;
  }

  /** Settles once the builds queued so far are done (an automatic update gathers changes until then). */
  settled(): Promise<unknown> {
    return this.queue;
  }

  /** Indexes `folders`, reports the outcome, and searches again. */
  private async run(folders: string[], { interactive }: BuildOptions): Promise<BuildIndexResult> {
    const home = libraryHome(folders[0]!);
    const indexDir = home.index;
    const location = interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    const result = await vscode.window.withProgress(
      { location, title: interactive ? 'Formula Lens: indexing' : 'Formula Lens: updating the index', cancellable: interactive },
      async (progress, token) => {
        const connection = await this.engine.connect();
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
            { folders, indexDir, cacheDir: home.cache, model: this.config.model, executionProvider: this.config.executionProvider },
            token,
          );
        } catch (error) {
          return { kind: 'failed', reason: errorMessage(error) } as const;
        } finally {
          updates.dispose();
        }
      },
    );
    for (const line of buildReportLines(folders, result)) (result.kind === 'failed' ? this.log.error : this.log.info).call(this.log, line);
    if (result.kind === 'failed') {
      // An automatic update that fails (say, the model is not installed) must not pop up at every save.
      this.statusBar.setStatus({ kind: 'error', message: `updating the index failed: ${result.reason}` });
      if (interactive) {
        const failed = vscode.window.showErrorMessage(`Formula Lens: indexing failed: ${result.reason}`, 'Show log');
        void failed.then((choice) => choice && this.log.show());
      }
      return result;
    }
    this.statusBar.setStatus({ kind: 'idle' });
    if (interactive) {
      const done = result.cancelled ? 'Indexing stopped; what was finished is kept' : 'Indexed';
      void vscode.window
        .showInformationMessage(
          `Formula Lens: ${done}: ${result.indexed} papers (${result.formulas} formulas), ${result.unchanged} unchanged, ${result.failed} failed.`,
          'Show report',
        )
        .then((choice) => choice && this.log.show());
    }
    await this.config.write(indexLocationWrite(this.config.indexLocations, indexDir));
    const editor = this.search.lastEditor ?? vscode.window.activeTextEditor;
    if (editor && (interactive || result.indexed + result.removed > 0)) await this.search.searchAtCursorNow(editor);
    return result;
  }
}
