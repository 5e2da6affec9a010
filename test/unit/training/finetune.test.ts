// Custom training end to end: training/finetune.py reads a SEE's weights back from its ONNX export, and
// `formula-lens train` fine-tunes a freshly exported SEE for a few steps on a small generated library,
// reports both models on the held-out papers, writes the new ONNX and re-embeds an index with it;
// cancelling leaves no model behind.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { modelFingerprint } from '../../../src/core/encode/models';
import { FormulaIndex } from '../../../src/core/index/store';
import { trainOnLibrary } from '../../../src/core/library/train';
import { repoRoot, tsxArgs } from '../../helpers/paths';

const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const skip = hasTorch ? false : `${python} lacks torch/onnx (CI installs python3-torch python3-onnx)`;

let dir = '';
let library = '';
let initial = '';

/** Six papers, each writing all its formulas around its own symbol: formulas of one paper look alike. */
function writeLibrary(folder: string): void {
  const symbols = ['\\alpha', '\\beta', '\\Gamma', '\\sum_{k=1}^{n}', '\\int_0^1', '\\prod_{j}'];
  symbols.forEach((symbol, paper) => {
    const formulas = Array.from(
      { length: 6 },
      (_, j) => `\\begin{equation} ${symbol} x_{${j}} + ${symbol} y^{${j + 1}} = ${symbol} \\frac{${j + 2}}{z} \\end{equation}`,
    );
    mkdirSync(path.join(folder, `paper${paper}`), { recursive: true });
    writeFileSync(
      path.join(folder, `paper${paper}`, 'main.tex'),
      `\\documentclass{article}\\title{Paper ${paper}}\n\\begin{document}\n\\section{Main}\n${formulas.join('\n')}\n\\end{document}\n`,
    );
  });
}

/** A freshly initialised SEE, with batch-norm statistics and biases moved off their defaults so every weight counts. */
const exportFreshSee = (out: string) => `
import sys, torch
from pathlib import Path
sys.path.insert(0, 'training')
from encoders import build
from export import export_onnx
from finetune import load_onnx_weights
torch.manual_seed(3)
model = build('see')
with torch.no_grad():
    for name, tensor in model.state_dict().items():
        if tensor.dtype.is_floating_point:
            tensor.add_(torch.rand_like(tensor) * 0.1)
model.eval()
export_onnx(model, Path(${JSON.stringify(out)}), {})
loaded = build('see')
load_onnx_weights(loaded, Path(${JSON.stringify(out)}))
loaded.eval()
bitmaps = (torch.rand(4, 1, 32, 333) > 0.9).float()
print(float((model(bitmaps) - loaded(bitmaps)).abs().max()))
`;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-finetune-'));
  library = path.join(dir, 'library');
  writeLibrary(library);
  initial = path.join(dir, 'initial-see.onnx');
  if (hasTorch) {
    const difference = Number(execFileSync(python, ['-c', exportFreshSee(initial)], { cwd: repoRoot, encoding: 'utf8' }).trim());
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

test('cancelling stops the script and writes no model', { skip }, async () => {
  const out = path.join(dir, 'cancelled', 'see-finetuned.onnx');
  const controller = new AbortController();
  const result = await trainOnLibrary({
    folders: [library],
    workDir: path.join(dir, 'cancelled', 'work'),
    out,
    init: initial,
    steps: 100_000,
    cacheDir: path.join(dir, 'cache'),
    renderWorkers: 1,
    signal: controller.signal,
    // The first training step is under way once the script reports one.
    onProgress: ({ message }) => message.startsWith('step ') && controller.abort(),
  });
  assert.ok(!result.ok);
  assert.equal(result.reason.kind, 'cancelled');
  assert.ok(!existsSync(out));
});
