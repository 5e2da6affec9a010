// The library's automatic updates (issue 8): watches the `formulaLens.library.paths` folders and, once
// changes settle, re-indexes them in the engine (incremental: unchanged papers are skipped by content
// hash, removed ones dropped) through the IndexBuilder's queue, so they never overlap another build.
import * as vscode from 'vscode';
import type { BuildIndexResult } from '../engine/protocol';
import type { IndexBuilder } from './build-index';
import { Config } from './config';
import { isLibraryChange } from './library-changes';

/** Changes closer together than this make one update (a git checkout, an unpacked archive, a save burst). */
export const watchDebounceMs = 1500;

export class LibraryWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private readonly configListener: vscode.Disposable;
  private debounce: NodeJS.Timeout | undefined;
  /** An automatic update is queued and not started yet: later changes join it. */
  private updateQueued = false;
  private readonly updateEmitter = new vscode.EventEmitter<BuildIndexResult>();
  /** Fires after each automatic update (the integration tests follow the watcher through it). */
  readonly onDidUpdate = this.updateEmitter.event;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly builder: IndexBuilder,
  ) {
    this.configListener = vscode.workspace.onDidChangeConfiguration((event) => Config.affectsLibrary(event) && this.watch());
    this.watch();
  }

  private watch(): void {
    this.unwatch();
    if (!this.config.watchLibrary) return;
    for (const folder of this.config.libraryPaths) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '**/*'));
      const changed = (uri: vscode.Uri) => isLibraryChange(folder, uri.fsPath) && this.scheduleUpdate();
      this.watchers.push(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed));
    }
  }

  private scheduleUpdate(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.update(), watchDebounceMs);
  }

  private update(): void {
    if (this.updateQueued) return;
    this.updateQueued = true;
    void this.builder.settled().then(async () => {
      this.updateQueued = false;
      const folders = this.config.libraryPaths;
      if (folders.length === 0 || !this.config.watchLibrary) return;
      this.log.info(`library changed: updating the index of ${folders.join(', ')}`);
      this.updateEmitter.fire(await this.builder.build(folders, { interactive: false }));
    });
  }

  private unwatch(): void {
    clearTimeout(this.debounce);
    for (const disposable of this.watchers) disposable.dispose();
    this.watchers = [];
  }

  dispose(): void {
    this.unwatch();
    this.configListener.dispose();
    this.updateEmitter.dispose();
  }
}
