// The choices after "Train Model on Library": the better new models are offered first, and each choice
// switches exactly the models it names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainModelResult } from '../../../src/engine/protocol';
import { trainChoices } from '../../../src/extension/train-report';

const scores = { mAP: 0.5, precisionAt10: 0.4, rankingLoss: 0.3 };
const trained = (better: boolean, symbolicBetter?: boolean): Extract<TrainModelResult, { kind: 'trained' }> => ({
  kind: 'trained',
  model: '/lib/.formula-lens/models/see.onnx',
  better,
  default: scores,
  finetuned: scores,
  steps: 10,
  trainPapers: 8,
  heldOutPapers: 2,
  ...(symbolicBetter !== undefined && {
    symbolic: { model: '/lib/.formula-lens/models/symbolic.onnx', better: symbolicBetter, default: scores, finetuned: scores, steps: 10 },
  }),
});
const summary = (result: ReturnType<typeof trained>) => trainChoices(result).map(({ label, see, symbolic }) => `${label}:${see ? 'S' : '-'}${symbolic ? 'Y' : '-'}`);

test('with the SEE alone, the better choice comes first', () => {
  assert.deepEqual(summary(trained(true)), ['Use new model:S-', 'Keep current:--']);
  assert.deepEqual(summary(trained(false)), ['Keep current:--', 'Use new model:S-']);
});

test('when one of two new models is better, using just that one is recommended', () => {
  assert.deepEqual(summary(trained(false, true)), ['Use new symbolic model:-Y', 'Use new models:SY', 'Keep current:--']);
  assert.deepEqual(summary(trained(true, false)), ['Use new SEE:S-', 'Use new models:SY', 'Keep current:--']);
});

test('when both or neither are better, both switch together or neither does', () => {
  assert.deepEqual(summary(trained(true, true)), ['Use new models:SY', 'Keep current:--']);
  assert.deepEqual(summary(trained(false, false)), ['Keep current:--', 'Use new models:SY']);
});
