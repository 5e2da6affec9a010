// Typed access to the extension's settings, one getter per setting (rust-analyzer's config.ts), and the one place that writes them.
import * as vscode from 'vscode';
import type { IndexSelection, SearchModeName } from '../engine/protocol';
import { defaultCiteCommand } from './cite-command';
import type { SettingWrite } from './config-writes';

const section = 'formulaLens';

/** "Select Index" value meaning the index shipped with the extension. */
export const defaultIndex = 'default';

const searchModes: readonly SearchModeName[] = ['bitmap', 'symbolic', 'lexical', 'structure', 'hybrid'];

export class Config {
  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(section);
  }

  /** Milliseconds the engine waits before its first restart after a crash; doubles per crash. */
  get engineRestartDelayMs(): number {
    return this.raw.get<number>('engine.restartDelayMs', 500);
  }

  /** Index folders to search (besides the default index). */
  get indexLocations(): string[] {
    return this.raw.get<string[]>('index.locations', []);
  }

  /** Whether results from the index shipped with the extension are shown. */
  get showDefaultIndex(): boolean {
    return this.raw.get<boolean>('index.showDefault', true);
  }

  /** Where the default index is built; undefined: the CLI's cache folder, so both share one copy. */
  get defaultIndexCache(): string | undefined {
    return this.raw.get<string>('index.defaultIndexCache', '').trim() || undefined;
  }

  get model(): IndexSelection['model'] {
    const kind = this.raw.get<string>('model', 'see');
    if (kind === 'custom') return { kind, path: this.raw.get<string>('customModelPath', '') };
    return { kind: kind === 'bee' ? 'bee' : 'see' };
  }

  /** A fine-tuned symbolic encoder .onnx (Train Model on Library writes one); undefined: the shipped model. */
  get symbolicModel(): string | undefined {
    return this.raw.get<string>('symbolicModelPath', '').trim() || undefined;
  }

  get executionProvider(): IndexSelection['executionProvider'] {
    return this.raw.get<string>('executionProvider', 'cpu') === 'cuda' ? 'cuda' : 'cpu';
  }

  /** Papers per search: a whole number ≥ 1, as the engine checks (VS Code does not enforce the setting's minimum). */
  get k(): number {
    const k = Math.round(this.raw.get<number>('search.k', 10));
    return Number.isFinite(k) ? Math.max(1, k) : 10;
  }

  /** How long the cursor must rest before a search. */
  get debounceMs(): number {
    return this.raw.get<number>('search.debounceMs', 300);
  }

  /** Whether resting the cursor in math searches by itself (commands work either way). */
  get autoSearch(): boolean {
    return this.raw.get<boolean>('search.auto', true);
  }

  get includeInlineMath(): boolean {
    return this.raw.get<boolean>('search.includeInlineMath', true);
  }

  /** The ranking signal(s); `auto` (undefined): the best on the validation split, as models/fusion.json says. */
  get searchMode(): SearchModeName | undefined {
    const mode = this.raw.get<string>('search.mode', 'auto');
    return searchModes.find((known) => known === mode);
  }

  /** The command Insert \cite writes in LaTeX (\citep, \autocite, …); each folder of a multi-root workspace may set its own. */
  citeCommand(document: vscode.Uri): string {
    return vscode.workspace.getConfiguration(section, document).get<string>('cite.command', defaultCiteCommand);
  }

  /** The library folders Build Index and the automatic updates index. */
  get libraryPaths(): string[] {
    return this.raw.get<string[]>('library.paths', []).filter((folder) => typeof folder === 'string' && folder.trim() !== '');
  }

  /** Whether changes in the library folders re-index the changed papers by themselves. */
  get watchLibrary(): boolean {
    return this.raw.get<boolean>('library.watch', true);
  }

  /** How long Train Model on Library trains. */
  get trainingMinutes(): number {
    return this.raw.get<number>('training.minutes', 10);
  }

  /** Every settings change the extension makes goes through here, to the user's (global) settings, in order. */
  async write(writes: SettingWrite[]): Promise<void> {
    for (const { setting, value } of writes) await this.raw.update(setting, value, vscode.ConfigurationTarget.Global);
  }

  /** The indexes a search covers: `only` (picked with "Select Index") or all configured ones. */
  indexSelection(only?: string): IndexSelection {
    return {
      locations: only === undefined ? this.indexLocations : only === defaultIndex ? [] : [only],
      includeDefault: only === undefined ? this.showDefaultIndex : only === defaultIndex,
      model: this.model,
      executionProvider: this.executionProvider,
      defaultIndexCache: this.defaultIndexCache,
      searchMode: this.searchMode,
      symbolicModel: this.symbolicModel,
    };
  }

  /** Whether a settings change alters the library folders or their watching. */
  static affectsLibrary(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(`${section}.library`);
  }

  static affectsCiteCommand(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(`${section}.cite.command`);
  }

  /** Whether a settings change needs the engine restarted to take effect. */
  static affectsEngine(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(`${section}.engine`);
  }
}
