// Hybrid ranking: per-signal candidates, weighted fusion of all three scores, tags, weights file, and the
// `embed --encoder hybrid` vector whose dot product is the fused dense score.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
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
  const hits = index.search(query, { weights: { bitmap: 0.3, symbolic: 0.3, lexical: 0.4 }, candidatesPerSignal: 1 });
  const byId = new Map(hits.map((hit) => [hit.formulaId, hit]));
  assert.deepEqual(byId.get(1)?.foundBy, ['bitmap']);
  assert.deepEqual(byId.get(2)?.foundBy, ['symbolic']);
  assert.deepEqual(byId.get(3)?.foundBy, ['lexical']);
  assert.ok(!byId.has(4), 'found by no signal');
  assert.equal(hits[0].formulaId, 3, 'the exact lexical match has the largest weighted score');
});

test('the fused score is the weighted sum of every signal score, not only the proposing one', () => {
  const both = [...formulas, { id: 5, paperId: 'both', latex: '\\operatorname{softmax}(x)', bitmap: unit(0), symbolic: unit(20) }];
  const weights = { bitmap: 0.5, symbolic: 0.2, lexical: 0.3 };
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
  const fusion = { bitmap: 0.2, symbolic: 0.5, lexical: 0.3 };
  assert.deepEqual(weightsFor('symbolic', fusion), { bitmap: 0, symbolic: 1, lexical: 0 });
  assert.deepEqual(weightsFor('hybrid', fusion), fusion);
  const symbolic = index.search(query, { weights: weightsFor('symbolic', fusion), count: 1 });
  assert.equal(symbolic[0].formulaId, 2);
  assert.deepEqual(symbolic[0].foundBy, ['symbolic']);
  const filtered = index.search(query, { weights: fusion, accept: (_, paper) => paper !== 'words' });
  assert.ok(filtered.every((hit) => hit.paperId !== 'words'));
});

test('formulas without a vector score 0 on that signal; a query without one skips it', () => {
  const index = HybridIndex.build([{ id: 7, paperId: 'p', latex: 'x' }, ...formulas]);
  const hits = index.search({ latex: 'x' }, { weights: { bitmap: 0.4, symbolic: 0.4, lexical: 0.2 } });
  assert.deepEqual(hits.map((hit) => hit.formulaId), [7, 3]);
  assert.deepEqual(hits[0].scores, { bitmap: 0, symbolic: 0, lexical: hits[0].scores.lexical });
  assert.throws(() => HybridIndex.build([{ id: 1, paperId: 'p', latex: 'x', bitmap: new Float32Array(3) }, { id: 2, paperId: 'p', latex: 'y', bitmap: new Float32Array(4) }]), RangeError);
});

test('the hybrid vector dot product is the fused dense score', () => {
  const weights = { bitmap: 0.36, symbolic: 0.64, lexical: 0 };
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
    assert.deepEqual(read.value, { weights: { bitmap: 0.25, symbolic: 0.5, lexical: 0.25 }, defaultMode: 'hybrid' });
    writeFileSync(file, JSON.stringify({ weights: { bitmap: -1, symbolic: 2, lexical: 1 } }));
    assert.equal(readFusionConfig(file).ok, false);
    writeFileSync(file, '\u0000garbage');
    assert.equal(readFusionConfig(file).ok, false);
    assert.equal(readFusionConfig(path.join(dir, 'missing.json')).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
