// Custom training end to end: training/finetune.py reads a SEE's weights back from its ONNX export, and
// `formula-lens train` fine-tunes a freshly exported SEE and the shipped symbolic encoder for a few steps on
// a small generated library, reports old and new models on the held-out papers, writes the new ONNX files,
// re-embeds an index with them, and the new symbolic model then searches it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { modelFingerprint } from '../../../src/core/encode/models';
import { symbolicModelPath } from '../../../src/core/encode/symbolic';
import { FormulaIndex } from '../../../src/core/index/store';
import { readSymbolicVectors, SYMBOLIC_VECTORS_FILE } from '../../../src/core/search/hybrid-store';
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
  assert.match(run.stdout, /^symbolic encoder \(3 steps\):\ndefault +mAP [01]\.\d{4} .*\nfinetuned +mAP [01]\.\d{4} .*\nnew symbolic model: .*see-finetuned\.symbolic\.onnx/m);
  assert.match(run.stdout, /^embedded 36 formulas with the new symbolic model beside /m);
  assert.match(run.stderr, /^ *\d+% symbolic step 3: loss [\d.]+$/m);
  assert.match(run.stderr, /^ *\d+% step 3: loss [\d.]+$/m, 'the script progress is relayed as plain lines off a terminal');

  const report = JSON.parse(readFileSync(path.join(dir, 'models', 'see-finetuned.work', 'report.json'), 'utf8'));
  assert.equal(report.steps, 3);
  assert.equal(report.fingerprint, modelFingerprint(out));
  assert.notEqual(report.fingerprint, modelFingerprint(initial), 'training changed the weights');
  const symbolicOut = path.join(dir, 'models', 'see-finetuned.symbolic.onnx');
  assert.equal(report.symbolic.steps, 3);
  assert.equal(report.symbolic.fingerprint, modelFingerprint(symbolicOut));
  assert.notEqual(report.symbolic.fingerprint, modelFingerprint(symbolicModelPath()!), 'training changed the symbolic weights');
  assert.ok(report.symbolic.parity < 1e-4);
  assert.equal(readSymbolicVectors(path.join(index, SYMBOLIC_VECTORS_FILE), report.symbolic.fingerprint).size, 36, 'the index has vectors of the new symbolic model');
  const split = JSON.parse(readFileSync(path.join(dir, 'models', 'see-finetuned.work', 'split.json'), 'utf8'));
  assert.equal(split.test.length, 2);
  assert.equal(split.train.length, 4);

  const opened = FormulaIndex.open(index, { onMismatch: 'refuse' });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  assert.equal(opened.value.index.papers().length, 6);
  opened.value.index.close();

  const search = spawnSync(
    process.execPath,
    tsxArgs('src/cli/main.ts', 'search', '\\alpha x_{1} + \\alpha y^{2}', '--index', index, '--model', out, '--encoder', 'symbolic', '--symbolic-model', symbolicOut, '--json'),
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(search.status, 0, search.stderr);
  assert.ok(JSON.parse(search.stdout).papers.length > 0);

  // `embed` takes the new symbolic model too, and its vectors are not the shipped model's.
  const embedWith = (...extra: string[]) => {
    const run = spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'embed', '--encoder', 'symbolic', ...extra), {
      cwd: repoRoot, encoding: 'utf8', input: JSON.stringify({ latex: '\\alpha x_{1} + \\alpha y^{2}' }) + '\n', timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    return (JSON.parse(run.stdout) as { embedding: number[] }).embedding;
  };
  const [mine, theirs] = [embedWith('--symbolic-model', symbolicOut), embedWith()];
  assert.equal(mine.length, 64);
  assert.ok(mine.some((value, i) => Math.abs(value - theirs[i]!) > 1e-6), 'the fine-tuned symbolic model embeds differently');
});

test('formula-lens train refuses a symbolic starting model that is not one, with the reason', { skip }, () => {
  const run = spawnSync(
    process.execPath,
    tsxArgs('src/cli/main.ts', 'train', library, '--init', initial, '--symbolic-init', initial, '--steps', '1', '--out', path.join(dir, 'wrong', 'see.onnx'), '--workers', '1'),
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(run.status, 1);
  assert.match(run.stderr, /initial-see\.onnx is not a symbolic encoder exported by training\/symbolic\.py/);
  assert.ok(!existsSync(path.join(dir, 'wrong', 'see.onnx')) && !existsSync(path.join(dir, 'wrong', 'see.symbolic.onnx')), 'nothing was trained or written');
});
