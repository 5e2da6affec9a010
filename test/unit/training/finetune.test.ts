// Custom training end to end: training/finetune.py reads a SEE's weights back from its ONNX export, and
// `formula-lens train` fine-tunes a freshly exported SEE for a few steps on a small generated library,
// reports both models on the held-out papers, writes the new ONNX and re-embeds an index with it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { modelFingerprint } from '../../../src/core/encode/models';
import { FormulaIndex } from '../../../src/core/index/store';
import { repoRoot, tsxArgs } from '../../helpers/paths';
import { exportFreshSee, noTorchReason as skip, writeLibrary } from './finetune-fixture';

let dir = '';
let library = '';
let initial = '';

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-finetune-'));
  library = path.join(dir, 'library');
  writeLibrary(library);
  initial = path.join(dir, 'initial-see.onnx');
  if (!skip) {
    const difference = exportFreshSee(initial);
    assert.ok(difference < 1e-4, `weights read back from the ONNX give embeddings ${difference} away from the original`);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('formula-lens train fine-tunes a few steps, reports both models on held-out papers and re-embeds the index', { skip }, () => {
  const out = path.join(dir, 'models', 'see-finetuned.onnx');
  const index = path.join(dir, 'index');
  const run = spawnSync(
    process.execPath,
    tsxArgs('src/cli/main.ts', 'train', library, '--init', initial, '--steps', '3', '--out', out, '--index', index, '--use', '--workers', '1'),
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^held out: 2 papers, 12 formulas \(trained on 4 papers, 24 formulas, 3 steps in [\d.]+ s\)$/m);
  assert.match(run.stdout, /^default +mAP [01]\.\d{4} +P@10 [01]\.\d{4} +ranking loss [01]\.\d{4}$/m);
  assert.match(run.stdout, /^finetuned +mAP [01]\.\d{4} +P@10 [01]\.\d{4} +ranking loss [01]\.\d{4}$/m);
  assert.match(run.stdout, /^re-embedded 36 formulas of 6 papers into /m);
  assert.match(run.stderr, /^ *\d+% step 3: loss [\d.]+$/m, 'the script progress is relayed as plain lines off a terminal');

  const report = JSON.parse(readFileSync(path.join(dir, 'models', 'see-finetuned.work', 'report.json'), 'utf8'));
  assert.equal(report.steps, 3);
  assert.equal(report.fingerprint, modelFingerprint(out));
  assert.notEqual(report.fingerprint, modelFingerprint(initial), 'training changed the weights');
  const split = JSON.parse(readFileSync(path.join(dir, 'models', 'see-finetuned.work', 'split.json'), 'utf8'));
  assert.equal(split.test.length, 2);
  assert.equal(split.train.length, 4);

  const opened = FormulaIndex.open(index, { modelFingerprint: modelFingerprint(out), dimensions: 64, onMismatch: 'refuse' });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  assert.equal(opened.value.index.papers().length, 6);
  opened.value.index.close();
});
