import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CancellationToken } from 'vscode-jsonrpc';
import { LatestOnly } from '../../../src/extension/latest-only';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('only the last job of a burst runs, after the quiet period', async () => {
  const latest = new LatestOnly();
  const ran: number[] = [];
  const done = [1, 2, 3].map((n) => latest.schedule(async () => void ran.push(n), 20));
  await Promise.all(done);
  assert.deepEqual(ran, [3]);
});

test('a new job cancels the running one through its token', async () => {
  const latest = new LatestOnly();
  let firstToken: CancellationToken | undefined;
  let release!: () => void;
  const first = latest.schedule(async (token) => {
    firstToken = token;
    await new Promise<void>((resolve) => (release = resolve));
  }, 0);
  await tick(5);
  assert.equal(firstToken?.isCancellationRequested, false);
  const second = latest.schedule(async (token) => assert.equal(token.isCancellationRequested, false), 0);
  assert.equal(firstToken?.isCancellationRequested, true);
  release();
  await Promise.all([first, second]);
});

test('a failing job does not break the next one, and cancel() drops a waiting job', async () => {
  const latest = new LatestOnly();
  await latest.schedule(async () => {
    throw new Error('engine down');
  }, 0);
  let ran = false;
  const waiting = latest.schedule(async () => void (ran = true), 10);
  latest.cancel();
  await waiting;
  await tick(20);
  assert.equal(ran, false);
});
