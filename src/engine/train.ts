// The engine's "Train Model on Library" request: runs the core's trainOnLibrary (training/finetune.py as a
// child process), relays its progress as notifications, and cancels it with the request's token.
import type { CancellationToken, MessageConnection } from 'vscode-jsonrpc';
import { trainOnLibrary, type HeldOutMeasures } from '../core/library/train';
import {
  logNotification,
  trainModelRequest,
  trainProgressNotification,
  type HeldOutScores,
  type TrainModelParams,
  type TrainModelResult,
  type TrainProgress,
} from './protocol';
import { onCheckedRequest } from './params';
import { trainModelParams } from './request-params';

const scores = (measures: HeldOutMeasures): HeldOutScores => ({
  mAP: measures.mAP,
  precisionAt10: measures['P@10'],
  rankingLoss: measures.ranking_loss,
});

export async function trainModel(
  params: TrainModelParams,
  token: CancellationToken,
  onProgress: (progress: TrainProgress) => void,
  log: (line: string) => void,
): Promise<TrainModelResult> {
  const abort = new AbortController();
  const cancellation = token.onCancellationRequested(() => abort.abort());
  try {
    const result = await trainOnLibrary({
      folders: params.folders,
      workDir: params.workDir,
      out: params.out,
      cacheDir: params.cacheDir,
      init: params.init,
      symbolicOut: params.symbolicOut,
      steps: params.steps,
      minutes: params.minutes,
      signal: abort.signal,
      log,
      onProgress: ({ fraction, message }) => onProgress({ out: params.out, progress: fraction, message }),
    });
    if (!result.ok) return { kind: 'failed', reason: result.reason.message, cause: result.reason.kind };
    const report = result.value;
    return {
      kind: 'trained',
      model: params.out,
      better: report.better,
      default: scores(report.default),
      finetuned: scores(report.finetuned),
      steps: report.steps,
      trainPapers: report.train.papers,
      heldOutPapers: report.heldOut.papers,
      ...(report.symbolic && {
        symbolic: {
          model: report.symbolic.model,
          better: report.symbolic.better,
          default: scores(report.symbolic.default),
          finetuned: scores(report.symbolic.finetuned),
          steps: report.symbolic.steps,
        },
      }),
    };
  } finally {
    cancellation.dispose();
  }
}

export function registerTrainHandlers(connection: MessageConnection): void {
  const log = (message: string) => void connection.sendNotification(logNotification, { level: 'info', message });
  onCheckedRequest(connection, trainModelRequest, trainModelParams, (params, token) =>
    trainModel(params, token, (progress) => void connection.sendNotification(trainProgressNotification, progress), log),
  );
}
