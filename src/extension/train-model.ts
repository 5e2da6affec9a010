// "Formula Lens: Train Model on Library": the engine fine-tunes the default SEE on the library folders
// (`formulaLens.library.paths`) for `formulaLens.training.minutes`, with cancellable progress from the
// training script. At the end both models' held-out scores are shown; "Use new model" switches
// formulaLens.model to the new file and re-embeds the library's index through Build Index.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { trainModelRequest, trainProgressNotification, type TrainModelResult } from '../engine/protocol';
import type { Ctx } from './ctx';
import { trainResultMessage } from './train-report';

const USE = 'Use new model';
const KEEP = 'Keep default';

export async function trainModelOnLibrary(ctx: Ctx): Promise<TrainModelResult | undefined> {
  const folders = ctx.config.libraryPaths;
  if (folders.length === 0) {
    const choice = await vscode.window.showInformationMessage('Formula Lens: choose your library folders first (Build Index asks for them).', 'Build Index');
    if (choice) await vscode.commands.executeCommand('formulaLens.buildIndex');
    return undefined;
  }
  const home = path.join(folders[0]!, '.formula-lens');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const out = path.join(home, 'models', `see-finetuned-${stamp}.onnx`);
  const minutes = vscode.workspace.getConfiguration('formulaLens').get<number>('training.minutes', 10);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Formula Lens: training on the library', cancellable: true },
    async (progress, token) => {
      const connection = await ctx.engine.connect();
      let reported = 0;
      const updates = connection.onNotification(trainProgressNotification, (update) => {
        if (update.out !== out) return;
        progress.report({ message: update.message, increment: Math.max(0, update.progress - reported) * 100 });
        reported = Math.max(reported, update.progress);
      });
      try {
        return await connection.sendRequest(
          trainModelRequest,
          { folders, out, workDir: out.replace(/\.onnx$/, '.work'), cacheDir: path.join(home, 'cache'), minutes },
          token,
        );
      } catch (error) {
        return { kind: 'failed', reason: error instanceof Error ? error.message : String(error), cause: 'script-failed' } as const;
      } finally {
        updates.dispose();
      }
    },
  );
  if (result.kind === 'failed') {
    ctx.log.info(`Train Model on Library: ${result.reason}`);
    if (result.cause === 'cancelled') void vscode.window.showInformationMessage('Formula Lens: training cancelled; the current model stays in use.');
    else void vscode.window.showErrorMessage(`Formula Lens: training failed: ${result.reason}`);
    return result;
  }
  const message = trainResultMessage(result);
  ctx.log.info(`${message} Model: ${result.model}`);
  const choice = await vscode.window.showInformationMessage(message, result.better ? USE : KEEP, result.better ? KEEP : USE);
  if (choice === USE) {
    const settings = vscode.workspace.getConfiguration('formulaLens');
    await settings.update('customModelPath', result.model, vscode.ConfigurationTarget.Global);
    await settings.update('model', 'custom', vscode.ConfigurationTarget.Global);
    await ctx.library.build(folders, { interactive: true, rebuild: true });
  }
  return result;
}
