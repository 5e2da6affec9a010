// Activation only: build the context and register commands. The engine starts on first need.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';

/** What the extension exports: its context, for the integration tests. */
export interface FormulaLensApi {
  ctx: Ctx;
  /** Milliseconds `activate` took, measured inside the extension host. */
  activationMs: number;
}

export function activate(extensionContext: vscode.ExtensionContext): FormulaLensApi {
  const started = performance.now();
  const ctx = new Ctx(extensionContext);
  extensionContext.subscriptions.push(ctx, ...registerCommands(ctx));
  return { ctx, activationMs: performance.now() - started };
}

export function deactivate(): void {}
