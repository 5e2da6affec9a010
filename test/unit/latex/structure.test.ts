import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formulaLayout, layoutString, leafRootPaths, operatorTree, symbolPairs, typedKey, type OperatorNode } from '../../../src/core/latex/structure';
import { StructureIndex } from '../../../src/core/search/structural';
import { HybridIndex, onlySignal } from '../../../src/core/search/hybrid';
import { topByScore } from '../../../src/core/search/lexical';

const shape = (latex: string) => layoutString(formulaLayout(latex));

test('layouts that mean the same get one tree', () => {
  const same: [string, string][] = [
    ['\\exp(z)', 'e^{z}'],
    ['\\partial_t u', '\\frac{\\partial u}{\\partial t}'],
    ['\\frac{\\partial}{\\partial t} u', '\\frac{\\partial u}{\\partial t}'],
    ['\\frac{1}{\\sqrt{x}}', 'x^{-1/2}'],
    ['\\operatorname{div} F', '\\nabla \\cdot F'],
    ['a/b', '\\frac{a}{b}'],
    ['\\mathbf{x}_i', 'x_i'],
    ['\\left( a + b \\right)', '(a+b)'],
    ['a \\gets b', 'a \\leftarrow b'],
  ];
  for (const [left, right] of same) assert.equal(shape(left), shape(right), `${left} vs ${right}`);
  assert.notEqual(shape('x^2'), shape('x_2'));
  assert.notEqual(shape('\\frac{a}{b}'), shape('\\frac{b}{a}'));
});

test('the tree places symbols by relation; rows and cells are their own baselines', () => {
  assert.equal(shape('\\theta_{t+1} = \\sum_{i=1}^n x_i'), '\\theta[b:t[n:+[n:1]] n:=[n:\\sum[b:i[n:=[n:1]] a:n n:x[b:i]]]]');
  assert.equal(shape('\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}'), '\\rows[e:a[n:=[n:b]] e:c[n:=[n:d]]]');
  assert.equal(shape('\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}'), '\\pmatrix[e:a e:b e:c e:d]');
  assert.equal(shape('\\sqrt[3]{x+1}'), '\\sqrt[w:x[n:+[n:1]] a:3]');
});

test('typed keys reduce variables and numbers, and assignments to one class', () => {
  const pairs = (latex: string) => symbolPairs(formulaLayout(latex)!, 2).map(({ from, to, path }) => `${typedKey(from)} ${typedKey(to)} ${path}`).sort();
  assert.deepEqual(pairs('x \\leftarrow y - 2'), pairs('\\theta := \\phi - 3'));
  assert.notDeepEqual(pairs('x = y - 2'), pairs('x = y + 2'));
});

test('hostile formulas cost bounded time and still give a tree or nothing', () => {
  const hostile = ['{'.repeat(10_000) + 'x' + '}'.repeat(10_000), 'x+'.repeat(50_000), '\\undefined{\\foo}^{\\bar}_' , '}}}{{{^_^_', '\\frac', '\\sqrt[', '\\begin{cases}', '\\partial_'];
  for (const latex of hostile) {
    const started = performance.now();
    formulaLayout(latex);
    const index = StructureIndex.build([{ id: 1, latex }]);
    index.align(index.query(latex), 0);
    assert.ok(performance.now() - started < 2000, `${latex.slice(0, 20)}… took too long`);
  }
});

const library = [
  '\\mathbf{x} \\leftarrow \\mathbf{x} - \\eta \\nabla f(\\mathbf{x})',
  '(\\theta_2, \\theta_1)',
  '\\theta_t = \\gamma(t)',
  'p(\\theta_t \\mid x) = \\frac{p(x \\mid \\theta_t) p(\\theta_t)}{p(x)}',
  '\\sum_{i=1}^n \\theta_i^2 \\leq 1',
  'y = W x + b',
];

test('the alignment unifies renamed variables: a gradient step finds the gradient step', () => {
  const index = StructureIndex.build(library.map((latex, id) => ({ id, latex })));
  const query = index.query('\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)');
  const ranked = library.map((_, position) => ({ position, score: index.align(query, position) })).sort((a, b) => b.score - a.score);
  assert.equal(ranked[0].position, 0, JSON.stringify(ranked));
  assert.ok(ranked[0].score > 1.3 * ranked[1].score && ranked[0].score <= 1, JSON.stringify(ranked));
  const self = index.query(library[3]);
  assert.ok(Math.abs(index.align(self, 3) - 1) < 1e-6, 'a formula aligns with itself fully');
  const firstStage = topByScore(index.scoreAll(self), index.formulaIds, 3, () => true);
  assert.equal(firstStage[0].formulaId, 3);
  assert.ok(firstStage[0].score > 0.9 && firstStage[0].score < 1.1, 'the first stage is normalised by the query itself');
});

test('the structure signal ranks in HybridIndex, says it found the hit, and is not built unless weighed', () => {
  const view = HybridIndex.build(library.map((latex, id) => ({ id, paperId: `paper-${id}`, latex })));
  const lexicalOnly = view.search({ latex: 'x_{k+1} = x_k - \\alpha \\nabla g(x_k)' }, { weights: onlySignal('lexical') });
  assert.ok(lexicalOnly.every((hit) => hit.scores.structure === 0));
  const hits = view.search({ latex: 'x_{k+1} = x_k - \\alpha \\nabla g(x_k)' }, { weights: onlySignal('structure') });
  assert.equal(hits[0].formulaId, 0);
  assert.ok(hits[0].foundBy.includes('structure'));
  assert.ok(hits[0].scores.structure > 0 && hits[0].scores.structure <= 1);
});

test('the structure index survives serialization: the same scores and alignments; damaged bytes are refused', () => {
  const index = StructureIndex.build(library.map((latex, id) => ({ id, latex })));
  const bytes = index.serialize();
  const copy = StructureIndex.deserialize(bytes);
  assert.ok(copy);
  const query = 'x_{k+1} = x_k - \\alpha \\nabla g(x_k)';
  assert.deepEqual(copy.scoreAll(copy.query(query)), index.scoreAll(index.query(query)));
  library.forEach((_, position) => assert.equal(copy.align(copy.query(query), position), index.align(index.query(query), position)));
  assert.equal(StructureIndex.deserialize(bytes.subarray(0, bytes.length - 3)), undefined, 'cut short');
  assert.equal(StructureIndex.deserialize(Buffer.from('{"version": 0}\n')), undefined, 'another format');
  assert.equal(StructureIndex.deserialize(Buffer.from('garbage')), undefined);
});

test('the operator tree: relations over sums over products over prefix operators and application; leaf-root paths', () => {
  const show = (node: OperatorNode): string => (node.children.length ? `${node.label}(${node.children.map(show).join(', ')})` : node.label);
  const tree = (latex: string) => show(operatorTree(formulaLayout(latex)!));
  assert.equal(tree('\\mathbf{x} \\leftarrow \\mathbf{x} - \\eta \\nabla f(\\mathbf{x})'), 'R!:=(V!*, +(V!*, neg(×(V!*, O!\\nabla(apply(V!*, V!*))))))');
  assert.equal(tree('a(b+c) = ab + ac'), 'R!:=(apply(V!*, +(V!*, V!*)), +(×(V!*, V!*), ×(V!*, V!*)))');
  // 1/n is n^{-1} (the layout's own rule); a big operator takes its limits and the rest of the product
  assert.equal(tree('\\frac{1}{n} \\sum_{i=1}^n x_i^2'), '×(power(V!*, neg(N!*)), L!\\sum(R!:=(V!*, ×(N!*, V!*)), power(index(V!*, V!*), N!*)))');
  const paths = leafRootPaths(operatorTree(formulaLayout('x = y + 1')!), 2);
  assert.deepEqual(paths, ['V!*<R!:=', 'V!*<+', 'V!*<+<R!:=', 'N!*<+', 'N!*<+<R!:=']);
  // bounded on hostile input
  const started = performance.now();
  operatorTree(formulaLayout('('.repeat(5000) + 'x' + ')'.repeat(5000))!);
  operatorTree(formulaLayout('x+'.repeat(10_000) + 'y')!);
  assert.ok(performance.now() - started < 2000);
});
