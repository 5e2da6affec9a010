// What the integration suites share: the extension under test, its fixture files, polling with a deadline.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineInfo } from '../../src/engine/protocol';
import type { FormulaLensApi } from '../../src/extension/main';

export const extensionId = 'formula-lens.formula-lens';

export function formulaLens(): vscode.Extension<FormulaLensApi> {
  const extension = vscode.extensions.getExtension<FormulaLensApi>(extensionId);
  if (!extension) throw new Error(`${extensionId} is not loaded in this extension host`);
  return extension;
}

/** A file of test/fixtures/workspace, found from the extension's own folder (works with or without a workspace). */
export function fixtureUri(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(formulaLens().extensionPath, 'test', 'fixtures', 'workspace', name));
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens the fixture paper in an editor and returns the extension's API once that activated it. */
export async function activateByOpeningPaper(): Promise<FormulaLensApi> {
  const document = await vscode.workspace.openTextDocument(fixtureUri('paper.tex'));
  await vscode.window.showTextDocument(document);
  return waitFor('the extension to activate', 30_000, () => (formulaLens().isActive ? formulaLens().exports : undefined));
}

export async function showEngineInfo(): Promise<EngineInfo> {
  return vscode.commands.executeCommand<EngineInfo>('formulaLens.showEngineInfo');
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
