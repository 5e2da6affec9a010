// `formula-lens search --encoder …` over a real index (tiny bitmap encoder fixture, shipped symbolic model):
// the JSON results carry each formula's signal tag; the symbolic vectors are kept beside the index once a mode weighs them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { symbolicModelPath } from '../../../src/core/encode/symbolic';
import { readFusionConfig } from '../../../src/core/search/hybrid';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers } from '../../../src/core/search/build';
import { SYMBOLIC_VECTORS_FILE } from '../../../src/core/search/hybrid-store';
import { repoRoot, tsxArgs } from '../../helpers/paths';

const model = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const shipped = symbolicModelPath();
const skip = shipped && existsSync(shipped) ? false : 'models/symbolic.onnx is not shipped in this checkout';
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-hybrid-cli-'));
const indexDir = path.join(scratch, 'index');
after(() => rmSync(scratch, { recursive: true, force: true }));

const formula = (latex: string) => ({ latex, inline: false, env: 'equation', section: 'Optimisation' });

before(async () => {
  const opened = FormulaIndex.open(indexDir);
  assert.ok(opened.ok);
  const papers = [
    { paper: { id: 'gd', title: 'Gradient methods', authors: [], library: 'test' }, formulas: [formula('\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)')] },
    { paper: { id: 'int', title: 'Integrals', authors: [], library: 'test' }, formulas: [formula('\\int_0^1 x^2 \\, dx = \\frac{1}{3}')] },
  ];
  assert.ok((await indexPapers(opened.value.index, papers)).ok);
  opened.value.index.close();
});

function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, tsxArgs('src/cli/main.ts', ...args));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('search --encoder hybrid and lexical tag each formula with the signals that found it', { skip }, async () => {
  const query = '\\int_0^1 x^2 \\, dx = \\frac{1}{3}';
  const hybrid = await cli('search', query, '--index', indexDir, '--model', model, '--encoder', 'hybrid', '--json');
  assert.equal(hybrid.status, 0, hybrid.stderr);
  const result = JSON.parse(hybrid.stdout) as { mode: string; papers: { paper: { id: string }; formulas: { foundBy: string[]; score: number }[] }[] };
  assert.equal(result.mode, 'hybrid');
  assert.equal(result.papers[0].paper.id, 'int');
  assert.ok(result.papers[0].formulas[0].foundBy.includes('lexical'));
  const fusion = readFusionConfig();
  assert.ok(fusion.ok);
  if (fusion.value.weights.structure > 0) assert.ok(result.papers[0].formulas[0].foundBy.includes('structure'));
  assert.equal(existsSync(path.join(indexDir, SYMBOLIC_VECTORS_FILE)), fusion.value.weights.symbolic > 0, 'symbolic vectors only when the fusion weighs them');

  const symbolic = await cli('search', query, '--index', indexDir, '--model', model, '--encoder', 'symbolic', '--json');
  assert.equal(symbolic.status, 0, symbolic.stderr);
  assert.ok(existsSync(path.join(indexDir, SYMBOLIC_VECTORS_FILE)), 'symbolic vectors kept beside the index');

  const lexical = await cli('search', query, '--index', indexDir, '--model', model, '--encoder', 'lexical', '--json');
  assert.equal(lexical.status, 0, lexical.stderr);
  const lexicalResult = JSON.parse(lexical.stdout) as typeof result;
  assert.deepEqual(lexicalResult.papers[0].formulas[0].foundBy, ['lexical']);
  assert.ok(Math.abs(lexicalResult.papers[0].formulas[0].score - 1) < 1e-6, 'the same tokens: cosine 1');
});
