// What "Train Model on Library" tells the user at the end: both models' held-out scores in one line.
// vscode-free (unit-tested).
import type { HeldOutScores, TrainModelResult } from '../engine/protocol';

const scoreText = (scores: HeldOutScores) => `mAP ${scores.mAP.toFixed(3)}, ranking loss ${scores.rankingLoss.toFixed(3)}`;

export function trainResultMessage(result: Extract<TrainModelResult, { kind: 'trained' }>): string {
  const verdict = result.better ? 'The new model is better' : 'The new model is not better';
  return (
    `Formula Lens: ${verdict} on ${result.heldOutPapers} held-out papers ` +
    `(trained on ${result.trainPapers} papers, ${result.steps} steps). ` +
    `Default: ${scoreText(result.default)}. New: ${scoreText(result.finetuned)}.`
  );
}
