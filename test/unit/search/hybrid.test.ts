// Hybrid ranking: per-signal candidates, weighted fusion of all three scores, tags, weights file, and the
// `embed --encoder hybrid` vector whose dot product is the fused dense score.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { numericSignature } from '../../../src/core/latex/numeric-signature';
import { HybridIndex, hybridVector, readFusionConfig, weightsFor, type HybridFormula } from '../../../src/core/search/hybrid';

/** A unit vector along axis `axis`, tilted towards axis 63 by `tilt`. */
function unit(axis: number, tilt = 0): Float32Array {
  const vector = new Float32Array(64);
  vector[axis] = Math.cos(tilt);
  vector[63] += Math.sin(tilt);
  return vector;
}

const formulas: HybridFormula[] = [
  { id: 1, paperId: 'pictures', latex: 'E = m c^2', bitmap: unit(0), symbolic: unit(5) },
  { id: 2, paperId: 'symbols', latex: 'a^2 + b^2 = c^2', bitmap: unit(6), symbolic: unit(1) },
  { id: 3, paperId: 'words', latex: '\\operatorname{softmax}(x)', bitmap: unit(7), symbolic: unit(8) },
  { id: 4, paperId: 'words', latex: '\\zeta(s) = \\sum_n n^{-s}', bitmap: unit(9), symbolic: unit(10) },
];
const query = { latex: '\\operatorname{softmax}(x)', bitmap: unit(0, 0.1), symbolic: unit(1, 0.1) };

test('each signal finds its own candidate and the tag says which', () => {
  const index = HybridIndex.build(formulas);
  const hits = index.search(query, { weights: { bitmap: 0.3, symbolic: 0.3, lexical: 0.4, canonical: 0, numeric: 0, structure: 0 }, candidatesPerSignal: 1 });
  const byId = new Map(hits.map((hit) => [hit.formulaId, hit]));
  assert.deepEqual(byId.get(1)?.foundBy, ['bitmap']);
  assert.deepEqual(byId.get(2)?.foundBy, ['symbolic']);
  assert.deepEqual(byId.get(3)?.foundBy, ['lexical']);
  assert.ok(!byId.has(4), 'found by no signal');
  assert.equal(hits[0].formulaId, 3, 'the exact lexical match has the largest weighted score');
});

test('the fused score is the weighted sum of every signal score, not only the proposing one', () => {
  const both = [...formulas, { id: 5, paperId: 'both', latex: '\\operatorname{softmax}(x)', bitmap: unit(0), symbolic: unit(20) }];
  const weights = { bitmap: 0.5, symbolic: 0.2, lexical: 0.3, canonical: 0, numeric: 0, structure: 0 };
  const hits = HybridIndex.build(both).search(query, { weights, candidatesPerSignal: 2 });
  const hit = hits.find((h) => h.formulaId === 5)!;
  assert.deepEqual(hit.foundBy.sort(), ['bitmap', 'lexical']);
  const expected = 0.5 * hit.scores.bitmap + 0.2 * hit.scores.symbolic + 0.3 * hit.scores.lexical;
  assert.ok(Math.abs(hit.score - expected) < 1e-6);
  assert.ok(Math.abs(hit.scores.bitmap - Math.cos(0.1)) < 1e-5 && Math.abs(hit.scores.lexical - 1) < 1e-5);
  assert.equal(hits[0].formulaId, 5, 'found by two signals, best fused');
});

test('a single-signal mode ranks by that signal alone; filters drop papers', () => {
  const index = HybridIndex.build(formulas);
  const fusion = { bitmap: 0.2, symbolic: 0.5, lexical: 0.3, canonical: 0, numeric: 0, structure: 0 };
  assert.deepEqual(weightsFor('symbolic', fusion), { bitmap: 0, symbolic: 1, lexical: 0, canonical: 0, numeric: 0, structure: 0 });
  assert.deepEqual(weightsFor('hybrid', fusion), fusion);
  const symbolic = index.search(query, { weights: weightsFor('symbolic', fusion), count: 1 });
  assert.equal(symbolic[0].formulaId, 2);
  assert.deepEqual(symbolic[0].foundBy, ['symbolic']);
  const filtered = index.search(query, { weights: fusion, accept: (_, paper) => paper !== 'words' });
  assert.ok(filtered.every((hit) => hit.paperId !== 'words'));
});

test('formulas without a vector score 0 on that signal; a query without one skips it', () => {
  const index = HybridIndex.build([{ id: 7, paperId: 'p', latex: 'x' }, ...formulas]);
  const hits = index.search({ latex: 'x' }, { weights: { bitmap: 0.4, symbolic: 0.4, lexical: 0.2, canonical: 0, numeric: 0, structure: 0 } });
  assert.deepEqual(hits.map((hit) => hit.formulaId), [7, 3]);
  assert.deepEqual(hits[0].scores, { bitmap: 0, symbolic: 0, lexical: hits[0].scores.lexical, canonical: 0, numeric: 0, structure: 0 });
  assert.throws(() => HybridIndex.build([{ id: 1, paperId: 'p', latex: 'x', bitmap: new Float32Array(3) }, { id: 2, paperId: 'p', latex: 'y', bitmap: new Float32Array(4) }]), RangeError);
});

/** The side keys of a formula's numeric signature, as an index stores them. */
function sides(latex: string): HybridFormula['numeric'] {
  const signature = numericSignature(latex);
  assert.ok(signature.ok, latex);
  return signature.value;
}

test('the canonical signal finds a formula again under renamed variables, where the lexical signal ranks it below a lookalike', () => {
  const renamed = [
    ...formulas,
    { id: 21, paperId: 'norms', latex: '\\left\\| u - v \\right\\|_2^2 \\leq \\epsilon' },
    { id: 22, paperId: 'lookalike', latex: '\\| x - y \\| = 0' },
  ];
  const index = HybridIndex.build(renamed);
  const query = { latex: '\\|x-y\\|_{2}^{2} \\le \\epsilon' };
  const lexical = index.search(query, { weights: { bitmap: 0, symbolic: 0, lexical: 1, canonical: 0, numeric: 0, structure: 0 } });
  assert.equal(lexical[0].formulaId, 22, 'as written, the variable names decide');
  assert.ok(!lexical.some((hit) => hit.foundBy.includes('canonical')), 'weight 0: the signal does not run');
  const canonical = index.search(query, { weights: { bitmap: 0, symbolic: 0, lexical: 0.5, canonical: 0.5, numeric: 0, structure: 0 } });
  assert.equal(canonical[0].formulaId, 21);
  assert.ok(canonical[0].foundBy.includes('canonical'));
  assert.ok(Math.abs(canonical[0].scores.canonical - 1) < 1e-6, 'the same canonical form, letters renamed in order of appearance');
});

test('the numeric signal finds the same function in other notation, weighs into the fused score, and is 0 without a signature', () => {
  const sigmoid = [
    ...formulas,
    { id: 11, paperId: 'logistic', latex: '(1+\\exp(-s))^{-1}', numeric: sides('(1+\\exp(-s))^{-1}') },
    { id: 12, paperId: 'mixed', latex: 'y = \\frac{1}{1+e^{-t}} + u^2', numeric: sides('y = \\frac{1}{1+e^{-t}} + u^2') },
    { id: 13, paperId: 'prose', latex: '\\frac{1}{1+e^{-z}} \\text{ holds}' },
  ];
  const index = HybridIndex.build(sigmoid);
  const query = { latex: '\\frac{1}{1+e^{-z}}', numeric: sides('\\frac{1}{1+e^{-z}}') };
  const weights = { bitmap: 0, symbolic: 0, lexical: 0.6, canonical: 0, numeric: 0.4, structure: 0 };
  const hits = index.search(query, { weights, candidatesPerSignal: 5 });
  const byId = new Map(hits.map((hit) => [hit.formulaId, hit]));
  const logistic = byId.get(11)!;
  assert.ok(logistic.foundBy.includes('numeric'), 'found by its signature');
  assert.equal(logistic.scores.numeric, 1);
  assert.ok(Math.abs(logistic.score - (0.6 * logistic.scores.lexical + 0.4)) < 1e-6, 'the weighted sum includes the numeric score');
  assert.ok(!byId.get(12)!.scores.numeric, 'no side shared: the sum of a sigmoid and u² is another function');
  const prose = byId.get(13)!;
  assert.deepEqual(prose.foundBy, ['lexical'], 'no signature: not a numeric candidate');
  assert.equal(prose.scores.numeric, 0);
  assert.equal(hits[0].formulaId, 11, 'the same function written otherwise ranks first');
  assert.ok(!index.search(query, { weights: { ...weights, numeric: 0 } }).some((hit) => hit.foundBy.includes('numeric')), 'weight 0: the signal does not run');
  assert.ok(!index.search({ latex: query.latex }, { weights }).some((hit) => hit.scores.numeric > 0), 'a query without a signature scores 0');
});

test('the hybrid vector dot product is the fused dense score', () => {
  const weights = { bitmap: 0.36, symbolic: 0.64, lexical: 0, canonical: 0, numeric: 0, structure: 0 };
  const a = hybridVector(unit(0), unit(1), weights);
  const b = hybridVector(unit(0, 0.5), unit(1, 0.2), weights);
  const dot = a.reduce((sum, value, i) => sum + value * b[i], 0);
  assert.equal(a.length, 128);
  assert.ok(Math.abs(dot - (0.36 * Math.cos(0.5) + 0.64 * Math.cos(0.2))) < 1e-6);
  assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-6, 'unit norm when the dense weights sum to 1');
});

test('the fusion file is read, normalised and checked', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fusion-'));
  try {
    const file = path.join(dir, 'fusion.json');
    writeFileSync(file, JSON.stringify({ weights: { bitmap: 1, symbolic: 2, lexical: 1 }, defaultMode: 'hybrid' }));
    const read = readFusionConfig(file);
    assert.ok(read.ok);
    assert.deepEqual(read.value, { weights: { bitmap: 0.25, symbolic: 0.5, lexical: 0.25, canonical: 0, numeric: 0, structure: 0 }, defaultMode: 'hybrid' }, 'a file without numeric weighs it 0');
    writeFileSync(file, JSON.stringify({ weights: { bitmap: 0, symbolic: 1, lexical: 6, numeric: 1 }, defaultMode: 'hybrid' }));
    assert.deepEqual(readFusionConfig(file), { ok: true, value: { weights: { bitmap: 0, symbolic: 0.125, lexical: 0.75, canonical: 0, numeric: 0.125, structure: 0 }, defaultMode: 'hybrid' } });
    writeFileSync(file, JSON.stringify({ weights: { bitmap: -1, symbolic: 2, lexical: 1 } }));
    assert.equal(readFusionConfig(file).ok, false);
    writeFileSync(file, JSON.stringify({ weights: { bitmap: 0, symbolic: 2, lexical: 1, numeric: 'high' } }));
    assert.equal(readFusionConfig(file).ok, false, 'a numeric weight that is there must be a number');
    writeFileSync(file, JSON.stringify({ weights: { symbolic: 2, lexical: 1, numeric: 1 } }));
    assert.equal(readFusionConfig(file).ok, false, 'only numeric may be absent');
    writeFileSync(file, '\u0000garbage');
    assert.equal(readFusionConfig(file).ok, false);
    assert.equal(readFusionConfig(path.join(dir, 'missing.json')).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
