// "Formula Lens: Train Model on Library": the engine fine-tunes the default SEE and the symbolic encoder on
// the library folders (`formulaLens.library.paths`) for `formulaLens.training.minutes`, with cancellable
// progress from the training script. At the end the held-out scores of old and new models are shown; using
// the new SEE switches formulaLens.model to its file and re-embeds the library's index through Build Index,
// using the new symbolic model sets formulaLens.symbolicModelPath (its vectors are made on the next search).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { trainModelRequest, trainProgressNotification, type TrainModelResult } from '../engine/protocol';
import { trainedModelWrites } from './config-writes';
import type { Ctx } from './ctx';
import { trainChoices, trainResultMessage } from './train-report';
import { errorMessage } from '../core/result';
import { libraryHome } from '../core/library/home';

export async function trainModelOnLibrary(ctx: Ctx): Promise<TrainModelResult | undefined> {
  const folders = ctx.config.libraryPaths;
  if (folders.length === 0) {
    const choice = await vscode.window.showInformationMessage('Formula Lens: choose your library folders first (Build Index asks for them).', 'Build Index');
    if (choice) await vscode.commands.executeCommand('formulaLens.buildIndex');
    return undefined;
  }
  const home = libraryHome(folders[0]!);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const out = path.join(home.models, `see-finetuned-${stamp}.onnx`);
  const symbolicOut = path.join(home.models, `symbolic-finetuned-${stamp}.onnx`);
  const minutes = ctx.config.trainingMinutes;
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
          { folders, out, symbolicOut, workDir: out.replace(/\.onnx$/, '.work'), cacheDir: home.cache, minutes },
          token,
        );
      } catch (error) {
        return { kind: 'failed', reason: errorMessage(error), cause: 'script-failed' } as const;
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
  ctx.log.info(`${message} Model: ${result.model}${result.symbolic ? `, symbolic model: ${result.symbolic.model}` : ''}`);
  const choices = trainChoices(result);
  const label = await vscode.window.showInformationMessage(message, ...choices.map((choice) => choice.label));
  const choice = choices.find((known) => known.label === label);
  await ctx.config.write(trainedModelWrites(choice, result.model, result.symbolic?.model));
  // The catalogue does not depend on the model: this build reads only changed papers, and builds the new model's
  // bitmap sidecar when the default search mode weighs it (else the first search that weighs it builds it).
  if (choice?.see) await ctx.builder.build(folders, { interactive: true });
  return result;
}
