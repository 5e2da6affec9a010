// Preparing the default index through the engine (issue 20): the request waits for the build and is
// cancellable; a cancel stops the build at its next batch (answered with RequestCancelled), leaves the cache
// unmarked as complete, and the next preparation resumes it. A stand-in library of 40,000 formulas, its catalogue
// written in batches of 1000 (nothing is rendered for the default mode), gives the cancel a build to stop.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { indexProgressNotification, isCancelledAnswer, prepareDefaultIndexRequest, type IndexSelection } from '../../../src/engine/protocol';
import { startEngine, type TestEngine } from '../../helpers/engine';
import { repoRoot } from '../../helpers/paths';
import { writeStandInLibrary } from '../../helpers/stand-in-library';

const scratch = mkdtempSync(path.join(tmpdir(), 'fl-engine-prepare-'));
const cacheRoot = path.join(scratch, 'cache');
const formulas = 40_000;
const indexes: IndexSelection = {
  locations: [],
  includeDefault: true,
  model: { kind: 'custom', path: path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx') },
  executionProvider: 'cpu',
  defaultIndexCache: cacheRoot,
};
let engine: TestEngine;

before(() => {
  const libraryFile = path.join(scratch, 'papers.jsonl.gz');
  writeStandInLibrary(libraryFile, formulas / 10, (paper) => Array.from({ length: 10 }, (_, i) => `x_{${paper}} + ${i}`));
  engine = startEngine({ ...process.env, FORMULA_LENS_DEFAULT_LIBRARY: libraryFile });
});
after(async () => {
  await engine.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('cancelling the preparation stops the default index build; the next preparation resumes and finishes it', { timeout: 120_000 }, async () => {
  const { connection } = engine;
  const done: number[] = [];
  connection.onNotification(indexProgressNotification, (update) => update.defaultIndex && update.formulasDone !== undefined && done.push(update.formulasDone));
  const source = new CancellationTokenSource();
  const started = new Promise<void>((resolve) => connection.onNotification(indexProgressNotification, (update) => update.defaultIndex && resolve()));
  const prepared = connection.sendRequest(prepareDefaultIndexRequest, { indexes }, source.token);
  await started;
  source.cancel();
  await assert.rejects(prepared, (error: unknown) => isCancelledAnswer(error), 'answered with RequestCancelled');
  const directory = readdirSync(cacheRoot).find((name) => name.startsWith('default-index-'));
  assert.ok(directory, `the build started in ${cacheRoot}`);
  assert.ok(!existsSync(path.join(cacheRoot, directory, 'library.sha256')), 'a stopped build is not marked complete');
  const stoppedAt = Math.max(...done);
  assert.ok(stoppedAt < formulas, `stopped before the end (${stoppedAt} of ${formulas} formulas)`);

  done.length = 0;
  assert.deepEqual(await connection.sendRequest(prepareDefaultIndexRequest, { indexes }), { kind: 'ready' });
  assert.ok(existsSync(path.join(cacheRoot, directory, 'library.sha256')), 'finished and marked complete');
  assert.ok(Math.max(...done) <= formulas - stoppedAt, 'the second build indexes only what the first left');
});
