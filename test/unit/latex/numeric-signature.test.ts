import { build } from 'esbuild';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { NumericSignatureIndex } from '../../../src/core/latex/numeric-signature-index';
import {
  numericSignature,
  numericSimilarity,
  signatureSides,
  type NumericSignature,
  type NumericSignatureResult,
} from '../../../src/core/latex/numeric-signature';
import { seededRandom } from '../../../src/core/seeded-random';
import { repoRoot } from '../../helpers/paths';

function signed(latex: string, macros = ''): NumericSignature {
  const result = numericSignature(latex, macros);
  assert.ok(result.ok, `${latex}: no signature (${result.ok ? '' : `${result.reason}: ${result.detail}`})`);
  return result.value;
}

const sideKeys = (signature: NumericSignature): string[] => signature.sides.map((side) => side.key);

test('the sigmoid, written two ways, gets one signature', () => {
  const a = signed('\\frac{1}{1+e^{-z}}');
  const b = signed('(1+\\exp(-x))^{-1}');
  assert.equal(a.key, b.key);
  assert.equal(numericSimilarity(a, b), 1);
  assert.equal(a.sides[0].variables, 1);
  assert.equal(a.sides[0].values.length, 12); // six points, re and im
});

test('notation variants of one function meet', () => {
  const pairs: [string, string, string?][] = [
    ['a - b + c', 'c + a - b'], // reordered terms: variables are matched by role, not by first appearance
    ['x_i - y_j', 'u_k - v_k'], // renamed indices
    ['\\frac{a}{b} + c', 'c + a/b'],
    ['\\left(x+y\\right)^2', '(y+x)^{2}'],
    ['\\sqrt{t} \\cdot s', 's\\, t^{1/2}'],
    ['2 e^{\\ln x}', 'x + x'],
    ['\\cos^2 r + \\sin^2 r + r', '1 + q'],
    ['\\mathbf{w}^\\top\\mathbf{x} + b', '\\boldsymbol{w}^\\top\\boldsymbol{x}+b'],
    ['\\frac{\\exp(x_i)}{\\sum_j \\exp(x_j)}', '\\frac{e^{z_k}}{\\sum_{l} e^{z_l}}'],
    ['\\sum_{i=1}^n w_i x_i', '\\sum_{j=1}^{N} x_j w_j'],
    ['\\mathrm{e}^{-\\lambda t}', '\\exp(-t\\lambda)'],
    ['e^{i\\pi x} + 1', '1 + \\exp(\\pi\\, i t)'], // beside an exponential, i is the imaginary unit
    ['\\frac{\\text{d}\\rho}{\\text{d}t} = -\\rho', '(\\text{d}\\rho)/(\\text{d}t) = -\\rho'], // a short \text is a name
    ['(x^0)^2-\\sum_{i=1}^{n}(x^i)^2', '(x^0)^2-\\sum_{j=1}^{n}(x^j)^2'], // elsewhere an index
    ['\\sigmoid{z}', '(1+\\exp(-x))^{-1}', '\\newcommand{\\sigmoid}[1]{\\frac{1}{1+e^{-#1}}}'],
  ];
  for (const [left, right, macros] of pairs) {
    assert.equal(signed(left, macros).key, signed(right).key, `${left} ≡ ${right}`);
  }
});

test('different functions do not meet', () => {
  const pairs: [string, string][] = [
    ['x^2', 'x^3'],
    ['a - b', 'a + b'],
    ['\\frac{1}{1+e^{-z}}', '\\frac{1}{1+e^{z}}'],
    ['\\sin x', '\\cos x'],
    ['x^2 y', 'x y'],
    ['\\log(1+x)', '\\log x'],
    ['\\frac{a}{b} + c', '\\frac{a+c}{b}'],
  ];
  for (const [left, right] of pairs) {
    const a = signed(left);
    const b = signed(right);
    assert.notEqual(a.key, b.key, `${left} ≢ ${right}`);
    assert.equal(numericSimilarity(a, b), 0);
  }
});

test('relations split a formula into sides, which meet other formulas one by one', () => {
  const definition = signed('\\sigma(z) = \\frac{1}{1+e^{-z}}');
  const sigmoid = signed('(1+\\exp(-x))^{-1}');
  assert.equal(definition.sides.length, 2);
  assert.ok(sideKeys(definition).includes(sigmoid.sides[0].key));
  assert.equal(numericSimilarity(definition, sigmoid), 2 / 3);
  // the side order does not matter, nor which relation joins them
  assert.equal(signed('x^2 = y + 1').key, signed('q + 1 \\leq p^2').key);
  // aligned rows: `&` goes, a row continuing with `=` adds its sides
  assert.deepEqual(sideKeys(signed('f &= a^2 + b \\\\ &= c^3')), [signed('a^2+b').sides[0].key, signed('c^3').sides[0].key]);
  // prose after the formula is cut off
  assert.equal(signed('x^2 - 1, \\quad \\text{for all } x > 0').key, signed('t^2 - 1').key);
  assert.equal(signed('y^2 - 1 \\text{ if } y > 0').key, signed('t^2 - 1').key);
});

test('signatures are deterministic and do not depend on the formulas computed before', () => {
  const first = signed('\\frac{x^2 + 1}{y}');
  signed('x_i + y_j x^T'); // the engine would remember x as a list and y as a matrix across formulas
  numericSignature('\\int_0^1 f(x) dx');
  assert.deepEqual(signed('\\frac{x^2 + 1}{y}'), first);
});

function assertNoSignature(result: NumericSignatureResult, reason: string, what: string): void {
  assert.equal(result.ok, false, `${what}: expected no signature`);
  if (!result.ok) assert.equal(result.reason, reason, `${what}: ${result.detail}`);
}

test('formulas that are not numeric expressions get a typed reason', () => {
  assertNoSignature(numericSignature('\\int_0^1 f(x)\\,dx'), 'unsupported', 'an integral');
  assertNoSignature(numericSignature('\\frac{\\partial f}{\\partial x}'), 'unsupported', 'a derivative');
  assertNoSignature(numericSignature('\\sum_{k=1}^{\\infty} \\frac{1}{k^2}'), 'unsupported', 'an infinite series');
  assertNoSignature(numericSignature('\\sum_{k=1}^{10^9} k'), 'unsupported', 'a long finite sum');
  assertNoSignature(numericSignature('\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}'), 'not-an-expression', 'a matrix');
  assertNoSignature(numericSignature('x'), 'not-an-expression', 'a lone symbol');
  assertNoSignature(numericSignature('x \\in \\mathbb{R}'), 'not-an-expression', 'a membership of lone symbols');
  assertNoSignature(numericSignature(''), 'not-an-expression', 'nothing');
  assertNoSignature(numericSignature('a_1 + a_2 + a_3 + b_1 + b_2 + b_3 + c_1 + c_2 + c_3 + d_1 + d_2'), 'too-many-variables', 'eleven variables');
});

test('hostile input gives a reason, never a throw or a hang', () => {
  assertNoSignature(numericSignature('x+'.repeat(5000)), 'too-long', 'a huge formula');
  assertNoSignature(numericSignature('('.repeat(500) + 'x' + ')'.repeat(500)), 'too-long', 'deep parentheses');
  assertNoSignature(numericSignature('\\frac{'.repeat(40) + '1' + '}{2}'.repeat(40)), 'too-long', 'deep fractions');
  const bomb = ['\\def\\a{xx}', ...'bcdefghijklmnop'.split('').map((c, n) => `\\def\\${c}{\\${'abcdefghijklmnop'[n]}\\${'abcdefghijklmnop'[n]}}`)].join('\n');
  assertNoSignature(numericSignature('\\p', bomb), 'too-long', 'a macro bomb');
  const random = seededRandom(7);
  for (let n = 0; n < 30; n++) {
    const garbage = String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 0x3000)));
    const result = numericSignature(garbage);
    assert.equal(typeof result.ok, 'boolean');
  }
  for (const text of ['\\', '}{', '^_^', '\\frac', '\\left(', '\\sqrt[', '\\begin{cases', '$$x$$', '\\\\\\\\', '=', '&&&']) {
    assert.equal(typeof numericSignature(text).ok, 'boolean', text);
  }
});

test('the time budget interrupts a slow evaluation, and the next formula still works', () => {
  const slow = '\\sum_{a=1}^{200}\\sum_{b=1}^{200}\\sum_{c=1}^{200} a b c x'; // 8 million terms: minutes uninterrupted
  assertNoSignature(numericSignature(slow, '', { timeBudgetMs: 100 }), 'time-budget', 'a triple sum of 8 million terms');
  assert.equal(signed('\\frac{1}{1+e^{-z}}').key, signed('(1+\\exp(-x))^{-1}').key);
});

test('signatureSides shows the sides as compute-engine reads them', () => {
  const sides = signatureSides('\\hat\\theta_t = \\theta_{t-1} - \\eta g_t');
  assert.ok(sides.ok);
  assert.equal(sides.value.length, 2);
  assert.ok(!sides.value.some((side) => side.includes('_')), 'subscripted symbols are plain names');
});

test('the index ranks formulas sharing rarer side functions higher', () => {
  const formulas = ['\\frac{1}{1+e^{-z}}', 'y = x^2', 'u^2', 'q^2 = \\frac{1}{1+e^{-t}}', '\\int f', 'w^2'];
  const index = NumericSignatureIndex.build(formulas.map((latex, id) => {
    const result = numericSignature(latex);
    return { id: id * 10, signature: result.ok ? result.value : undefined };
  }));
  assert.equal(index.size, 6);
  assert.equal(index.signed, 5);
  const scores = index.scoreAll(signed('(1+\\exp(-s))^{-1}'));
  assert.equal(scores[0], 1);
  assert.ok(scores[3] > 0 && scores[3] < 1);
  assert.equal(scores[1], 0);
  assert.equal(scores[4], 0);
  const square = index.scoreAll(signed('a^2'));
  assert.equal(square[2], 1);
  assert.ok(square[1] === 1 && square[5] === 1, 'a lone variable side is not a side');
  assert.ok(square[3] < scores[3], 'the common x² shares less than the rarer sigmoid');
  assert.deepEqual([...index.scoreAll(undefined)], [0, 0, 0, 0, 0, 0]);
  assert.equal(index.formulaIds[3], 30);
});

test('compute-engine loads in the esbuild CommonJS bundle as it does under tsx', async () => {
  const entry = `import { numericSignature } from './src/core/latex/numeric-signature';
    process.stdout.write(JSON.stringify(numericSignature('(1+\\\\exp(-x))^{-1}')));`;
  const bundled = await build({
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'ts' },
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false, logLevel: 'silent',
  });
  const run = spawnSync(process.execPath, ['-'], { input: bundled.outputFiles[0].text, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), numericSignature('(1+\\exp(-x))^{-1}'));
});
