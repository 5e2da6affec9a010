// Runs first (the index loads suites in name order): the extension must still be inactive here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { recordMeasurement } from './report';
import { activateByOpeningPaper, formulaLens } from './helpers';

/** Native modules only the engine process may load: loading them in the extension host risks it on a native crash. */
const engineOnlyPackages = ['onnxruntime-node', 'onnxruntime-common', 'sharp', '@img', 'hnswlib-node'];
const isEngineOnly = (file: string) => engineOnlyPackages.some((name) => file.includes(`/node_modules/${name}/`));

/** Files mapped into this process (the extension host), from /proc/self/maps. */
function mappedFiles(): Set<string> {
  const lines = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return new Set(lines.map((line) => line.split(/\s+/).slice(5).join(' ')).filter((file) => file.startsWith('/')));
}

describe('activation', () => {
  it('runs in VS Code 1.100', () => {
    assert.match(vscode.version, /^1\.100\./);
  });

  it('activates when a .tex file opens, and reports how long activate() took', async function () {
    assert.equal(formulaLens().isActive, false, 'nothing should activate the extension before a .tex file opens');
    const opened = performance.now();
    const api = await activateByOpeningPaper();
    const openToActiveMs = performance.now() - opened;
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'latex');
    // Observed right after activation, before cursor tracking's debounce could ask the engine anything.
    assert.equal(api.ctx.engine.state, 'stopped', 'activation must not start the engine');
    assert.ok(Number.isFinite(api.activationMs) && api.activationMs >= 0, `activationMs: ${api.activationMs}`);
    recordMeasurement(this, 'activationMs', api.activationMs);
    recordMeasurement(this, 'openToActiveMs', openToActiveMs);
    console.log(`    activate() took ${api.activationMs.toFixed(1)} ms; open → active ${openToActiveMs.toFixed(0)} ms`);
  });

  it('loads no native module (onnxruntime-node, sharp, hnswlib-node) into the extension host', async () => {
    await activateByOpeningPaper();
    const mapped = mappedFiles();
    assert.ok(mapped.has(process.execPath), '/proc/self/maps should list the runtime binary (the check reads it right)');
    assert.deepEqual([...mapped].filter(isEngineOnly), []);
    assert.deepEqual(Object.keys(require.cache).filter(isEngineOnly), []);
  });
});
