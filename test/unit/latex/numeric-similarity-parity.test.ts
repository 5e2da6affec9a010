// training/symbolic_fusion.py weighs the numeric signal on the validation split with its own implementation
// of the similarity; it must score exactly as NumericSignatureIndex does in the product.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { numericSignature } from '../../../src/core/latex/numeric-signature';
import { NumericSignatureIndex } from '../../../src/core/latex/numeric-signature-index';
import { repoRoot } from '../../helpers/paths';

const python = '/usr/bin/python3';

/** Why the Python side cannot run here, or false. */
function noTorch(): string | false {
  if (!existsSync(python)) return `needs ${python}`;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? false : `needs PyTorch in ${python} (training/symbolic_fusion.py imports it): sudo apt-get install python3-torch`;
}

// Sigmoids in three notations, shared and unshared sides, a repeated side, and formulas without a signature.
const formulas = [
  '\\frac{1}{1+e^{-z}}',
  '(1+\\exp(-x))^{-1}',
  'q = \\frac{1}{1+e^{-t}} = \\sigma(t)',
  'y = x^2 + 1',
  'a^2 + 1 = b^2 + 1',
  'u^2 + 1, \\; \\sin(u) + \\cos(u)',
  '\\sin(w) + \\cos(w)',
  '\\int_0^1 f(x)\\,dx',
  '\\text{for all } x',
  'e^{i\\pi} + 1 = 0',
];

/** The signed formulas' side keys, as `formula-lens signatures` writes them (null without a signature). */
const collection = formulas.map((latex) => {
  const signature = numericSignature(latex);
  return signature.ok ? signature.value.sides.map((side) => side.key) : null;
});

test('symbolic_fusion.py scores numeric signatures as NumericSignatureIndex does', { skip: noTorch() }, () => {
  assert.ok(collection.filter(Boolean).length >= 7 && collection.includes(null), 'the fixture has signed and unsigned formulas');
  const index = NumericSignatureIndex.build(collection.map((sides, id) => ({ id, signature: sides ? { sides: sides.map((key) => ({ key })) } : undefined })));
  const expected = collection.map((sides) => Array.from(index.scoreAll(sides ? { sides: sides.map((key) => ({ key })) } : undefined)));
  assert.ok(expected[0][1] === 1 && expected[0][2] > 0 && expected[0][2] < 1, 'shared sides across notations');

  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(repoRoot, 'training'))})`,
    'from symbolic_fusion import NumericSimilarity',
    'similarity = NumericSimilarity(json.load(sys.stdin))',
    'n = len(similarity.keys)',
    "print(json.dumps({'block': similarity.block(list(range(n))).tolist(), 'pairs': [[similarity.pair(a, b) for b in range(n)] for a in range(n)]}))",
  ].join('\n');
  const run = spawnSync(python, ['-c', script], { input: JSON.stringify(collection), encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const actual = JSON.parse(run.stdout) as { block: number[][]; pairs: number[][] };
  for (const [name, matrix] of Object.entries(actual)) {
    matrix.forEach((row, a) =>
      row.forEach((value, b) => assert.ok(Math.abs(value - expected[a][b]) < 1e-6, `${name}[${a}][${b}]: Python ${value}, TypeScript ${expected[a][b]} (${formulas[a]} vs ${formulas[b]})`)),
    );
  }
});
