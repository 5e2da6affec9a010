// Typed access to the extension's settings, one getter per setting (rust-analyzer's config.ts).
import * as vscode from 'vscode';

const section = 'formulaLens';

export class Config {
  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(section);
  }

  /** Milliseconds the engine waits before its first restart after a crash; doubles per crash. */
  get engineRestartDelayMs(): number {
    return this.raw.get<number>('engine.restartDelayMs', 500);
  }

  /** Whether a settings change needs the engine restarted to take effect. */
  static affectsEngine(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(`${section}.engine`);
  }
}
