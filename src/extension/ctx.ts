// The one object that owns the extension's running state: engine client, log, config, view, search,
// index builds. Every command receives it; nothing else keeps global state (rust-analyzer's ctx.ts).
// The parts it owns get the pieces they need, never the Ctx, so none of them imports this module back;
// only the commands (commands.ts, train-model.ts), which nothing here imports, receive the whole Ctx.
import * as vscode from 'vscode';
import { indexProgressNotification } from '../engine/protocol';
import { BibtexActions } from './bibtex-actions';
import { IndexBuilder } from './build-index';
import { Config } from './config';
import { CursorTracker } from './cursor-tracker';
import { DatabasePasswords } from './database-passwords';
import { EngineClient } from './engine-client';
import { LibraryWatcher } from './library-watcher';
import { resultActions } from './result-actions';
import { ResultsView } from './results-view';
import { SearchController } from './search-controller';
import { StatusBar } from './status-bar';

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly log: vscode.LogOutputChannel;
  readonly engine: EngineClient;
  readonly statusBar = new StatusBar();
  readonly results: ResultsView;
  readonly search: SearchController;
  readonly bibtex: BibtexActions;
  /** The one queue every index build goes through. */
  readonly builder: IndexBuilder;
  readonly library: LibraryWatcher;
  readonly databasePasswords: DatabasePasswords;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extensionContext: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Formula Lens', { log: true });
    this.engine = new EngineClient(extensionContext.extensionPath, this.log, () => this.config.engineRestartDelayMs);
    this.disposables.push(this.log, this.engine);
    this.databasePasswords = new DatabasePasswords(extensionContext.secrets, () => this.config.indexLocations, this.engine, this.log);
    this.disposables.push(this.databasePasswords);
    this.results = new ResultsView(extensionContext.extensionUri, resultActions(this));
    this.search = new SearchController(this.engine, this.config, this.results, this.statusBar, this.log);
    this.bibtex = new BibtexActions(this.engine, this.config);
    this.disposables.push(this.statusBar, this.results, this.search, new CursorTracker(this.search, this.config));
    this.builder = new IndexBuilder(this.engine, this.config, this.log, this.statusBar, this.search);
    this.library = new LibraryWatcher(this.config, this.log, this.builder);
    this.disposables.push(this.library);
    this.disposables.push(
      this.engine.onDidChangeState((state) => {
        this.statusBar.setEngineState(state);
        if (state === 'running') void this.followIndexProgress();
        const { current } = this.results;
        const empty = current.kind === 'empty';
        if (state === 'failed') this.results.setState({ kind: 'empty', reason: 'engineDown' });
        else if (state === 'starting' && empty) this.results.setState({ kind: 'empty', reason: 'engineStarting' });
        else if (state === 'running' && empty && (current.reason === 'engineDown' || current.reason === 'engineStarting')) {
          this.results.setState({ kind: 'empty', reason: 'idle' });
        }
      }),
    );
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (Config.affectsEngine(event) && this.engine.state === 'running') void this.engine.restart();
        if (Config.affectsCiteCommand(event)) this.search.refreshCiteLabel();
      }),
    );
  }

  /** Index builds in the engine (the user's, or the default index on first use) show in the status bar. */
  private async followIndexProgress(): Promise<void> {
    const connection = await this.engine.connect();
    connection.onNotification(indexProgressNotification, (update) => {
      const { progress } = update;
      this.statusBar.setStatus(progress < 1 ? { kind: 'indexing', progress } : { kind: 'idle' });
      if (update.defaultIndex) this.search.defaultIndexProgress(update);
    });
  }

  dispose(): void {
    for (const disposable of this.disposables.reverse()) disposable.dispose();
  }
}
