import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FormulaLensApi } from '../../src/extension/main';
import { recordMeasurement } from './report';
import { activateByOpeningPaper, processAlive, showEngineInfo, waitFor } from './helpers';

describe('engine', () => {
  let api: FormulaLensApi;
  before(async () => {
    api = await activateByOpeningPaper();
  });

  // Activation leaves it stopped (see activation.test.ts); the first request, or cursor tracking, starts it.
  it('starts on demand, in its own process', async () => {
    const info = await showEngineInfo();
    assert.notEqual(info.pid, process.pid, 'the engine must not run in the extension host');
    assert.equal(info.pid, api.ctx.engine.pid);
    assert.equal(api.ctx.engine.state, 'running');
    assert.ok(processAlive(info.pid));
  });

  it('is restarted by the client after it is killed', async function () {
    const killed = (await showEngineInfo()).pid;
    const started = performance.now();
    process.kill(killed, 'SIGKILL');
    const restarted = await waitFor('a new engine process', 20_000, () => {
      const pid = api.ctx.engine.pid;
      return pid !== undefined && pid !== killed ? pid : undefined;
    });
    const info = await showEngineInfo();
    assert.equal(info.pid, restarted);
    recordMeasurement(this, 'crashToAnswerMs', performance.now() - started);
    assert.equal(processAlive(killed), false);
  });

  it('gets a new process from the Restart Engine command, and the old one exits', async () => {
    const before = (await showEngineInfo()).pid;
    await vscode.commands.executeCommand('formulaLens.restartEngine');
    const after = (await showEngineInfo()).pid;
    assert.notEqual(after, before);
    await waitFor('the old engine to exit', 10_000, () => (processAlive(before) ? undefined : true));
  });
});
