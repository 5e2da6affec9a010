// The engine's Train Model request, as the editor sends it: progress notifications from the training
// script, held-out scores of both models in the result, and cancellation through the request's token
// (the current model untouched, no new one written). Also the end-of-training message the editor shows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { trainModelRequest, trainProgressNotification, type TrainModelParams, type TrainProgress } from '../../../src/engine/protocol';
import { trainResultMessage } from '../../../src/extension/train-report';
import { tsxArgs } from '../../helpers/paths';
import { exportFreshSee, noTorchReason as skip, writeLibrary } from './finetune-fixture';

let dir = '';
let connection: MessageConnection;
let stop: () => Promise<void> = async () => {};
const updates: TrainProgress[] = [];

const params = (name: string, budget: { steps: number }): TrainModelParams => ({
  folders: [path.join(dir, 'library')],
  out: path.join(dir, name, 'see-finetuned.onnx'),
  symbolicOut: path.join(dir, name, 'symbolic-finetuned.onnx'),
  workDir: path.join(dir, name, 'work'),
  cacheDir: path.join(dir, 'cache'),
  init: path.join(dir, 'initial-see.onnx'),
  ...budget,
});

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-train-engine-'));
  if (skip) return;
  writeLibrary(path.join(dir, 'library'));
  exportFreshSee(path.join(dir, 'initial-see.onnx'));
  const child = spawn(process.execPath, tsxArgs('src/engine/main.ts'), { stdio: ['pipe', 'pipe', 'pipe'] });
  connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onNotification(trainProgressNotification, (update) => updates.push(update));
  connection.listen();
  stop = async () => {
    connection.dispose();
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
  };
});
after(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the engine trains on the library with progress and returns both models held-out scores', { skip }, async () => {
  const request = params('trained', { steps: 2 });
  const result = await connection.sendRequest(trainModelRequest, request);
  assert.equal(result.kind, 'trained', JSON.stringify(result));
  if (result.kind !== 'trained') return;
  assert.equal(result.model, request.out);
  assert.ok(existsSync(request.out));
  assert.equal(result.steps, 2);
  assert.deepEqual([result.trainPapers, result.heldOutPapers], [4, 2]);
  assert.equal(result.symbolic?.model, request.symbolicOut);
  assert.ok(existsSync(request.symbolicOut!));
  assert.equal(result.symbolic?.steps, 2);
  for (const scores of [result.default, result.finetuned, result.symbolic!.default, result.symbolic!.finetuned]) {
    assert.ok(scores.mAP > 0 && scores.mAP <= 1);
    assert.ok(scores.rankingLoss >= 0 && scores.rankingLoss <= 1);
  }
  const mine = updates.filter((update) => update.out === request.out);
  assert.ok(mine.some((update) => /^step 2: loss [\d.]+$/.test(update.message)), 'the script\'s step lines are relayed');
  assert.deepEqual(mine.map((update) => update.progress), [...mine.map((update) => update.progress)].sort((a, b) => a - b), 'progress only grows');
  assert.equal(mine.at(-1)!.progress, 1);
  assert.match(trainResultMessage(result), /^Formula Lens: The new model is (not )?better on 2 held-out papers \(trained on 4 papers, 2 steps\)\. Default: mAP [01]\.\d{3}, ranking loss [01]\.\d{3}\. New: mAP [01]\.\d{3}, ranking loss [01]\.\d{3}\. Symbolic encoder: (not )?better \(default: mAP /);
});

test('cancelling the request stops the training and writes no model', { skip }, async () => {
  const request = params('cancelled', { steps: 100_000 });
  const source = new CancellationTokenSource();
  const started = connection.onNotification(trainProgressNotification, (update) => {
    if (update.out === request.out && update.message.startsWith('step ')) source.cancel();
  });
  const result = await connection.sendRequest(trainModelRequest, request, source.token);
  started.dispose();
  assert.deepEqual(result.kind === 'failed' && result.cause, 'cancelled', JSON.stringify(result));
  assert.ok(!existsSync(request.out) && !existsSync(request.symbolicOut!));
});
