// What "Train Model on Library" tells the user at the end: both models' held-out scores in one message, and
// the choices of which new models to use, the recommended (better) one first. vscode-free (unit-tested).
import type { HeldOutScores, TrainModelResult } from '../engine/protocol';

type Trained = Extract<TrainModelResult, { kind: 'trained' }>;

const scoreText = (scores: HeldOutScores) => `mAP ${scores.mAP.toFixed(3)}, ranking loss ${scores.rankingLoss.toFixed(3)}`;

export function trainResultMessage(result: Trained): string {
  const verdict = result.better ? 'The new model is better' : 'The new model is not better';
  const symbolic = result.symbolic
    ? ` Symbolic encoder: ${result.symbolic.better ? 'better' : 'not better'} (default: ${scoreText(result.symbolic.default)}; new: ${scoreText(result.symbolic.finetuned)}).`
    : '';
  return (
    `Formula Lens: ${verdict} on ${result.heldOutPapers} held-out papers ` +
    `(trained on ${result.trainPapers} papers, ${result.steps} steps). ` +
    `Default: ${scoreText(result.default)}. New: ${scoreText(result.finetuned)}.${symbolic}`
  );
}

/** Which new models a choice switches to. */
export interface TrainChoice {
  label: string;
  see: boolean;
  symbolic: boolean;
}

/** The buttons after training: the better new models first (all when all are better), then the others, then none. */
export function trainChoices(result: Trained): TrainChoice[] {
  const trained = result.symbolic !== undefined;
  const all: TrainChoice = { label: trained ? 'Use new models' : 'Use new model', see: true, symbolic: trained };
  const keep: TrainChoice = { label: 'Keep current', see: false, symbolic: false };
  const symbolicBetter = result.symbolic?.better ?? false;
  if (trained && result.better !== symbolicBetter) {
    const onlyBetter = result.better
      ? { label: 'Use new SEE', see: true, symbolic: false }
      : { label: 'Use new symbolic model', see: false, symbolic: true };
    return [onlyBetter, all, keep];
  }
  return result.better ? [all, keep] : [keep, all];
}
