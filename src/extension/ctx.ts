// The one object that owns the extension's running state: engine client, log, config.
// Every command receives it; nothing else keeps global state (rust-analyzer's ctx.ts).
import * as vscode from 'vscode';
import { Config } from './config';
import { EngineClient } from './engine-client';

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly log: vscode.LogOutputChannel;
  readonly engine: EngineClient;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extensionContext: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Formula Lens', { log: true });
    this.engine = new EngineClient(extensionContext.extensionPath, this.log, () => this.config.engineRestartDelayMs);
    this.disposables.push(this.log, this.engine);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (Config.affectsEngine(event) && this.engine.state === 'running') void this.engine.restart();
      }),
    );
  }

  dispose(): void {
    for (const disposable of this.disposables.reverse()) disposable.dispose();
  }
}
