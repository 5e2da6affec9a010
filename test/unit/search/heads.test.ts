// Heads (lexical.ts's headSlots): a frequent term proposes candidates from its postings of the largest impact, the
// candidates are scored exactly; a shared index stores each formula's term counts for that (search/postings.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HybridIndex, onlySignal } from '../../../src/core/search/hybrid';
import { HEAD_REFERENCE_LENGTH, headImpact, headSlots, LexicalIndex } from '../../../src/core/search/lexical';
import { decodeFormulaTerms, encodeFormulaTerms, keyHalves, postingKeyValue } from '../../../src/core/search/postings';
import { StructureIndex } from '../../../src/core/search/structural';

test('a head holds the postings of the largest impact (more occurrences, a shorter formula), ties to the lower id, in list order', () => {
  const ids = [10, 11, 12, 13, 14, 15];
  const counts = [1, 3, 1, 1, 1, 2];
  const lengths = [40, 40, 10, 10, 300, 40];
  assert.ok(headImpact(3, 40, HEAD_REFERENCE_LENGTH) > headImpact(1, 40, HEAD_REFERENCE_LENGTH));
  assert.ok(headImpact(1, 10, HEAD_REFERENCE_LENGTH) > headImpact(1, 40, HEAD_REFERENCE_LENGTH));
  // 11 (three times), 15 (twice), then 12 and 13 tie (once in 10 terms)
  assert.deepEqual([...headSlots(ids, counts, lengths, 3, HEAD_REFERENCE_LENGTH)], [1, 2, 5], 'the tie goes to the lower id');
  assert.deepEqual([...headSlots(ids, counts, lengths, 4, HEAD_REFERENCE_LENGTH)], [1, 2, 3, 5]);
  assert.deepEqual([...headSlots(ids, counts, lengths, 6, HEAD_REFERENCE_LENGTH)], [0, 1, 2, 3, 4, 5], 'a short list is its own head');
  assert.deepEqual([...headSlots(ids, counts, lengths, 99, HEAD_REFERENCE_LENGTH)], [0, 1, 2, 3, 4, 5]);
});

test("a frequent term's first stage covers its head only; a rare term's covers its list; the candidates' scores are exact", () => {
  // `x` is in every formula; `\zeta` in one long formula that shares nothing else with the query
  const formulas = [
    ...Array.from({ length: 30 }, (_, i) => ({ id: i + 1, paperId: `p${i}`, latex: i % 3 === 0 ? 'x' : `x + y_{${i}} + z_{${i}} + w_{${i}}` })),
    { id: 100, paperId: 'zeta', latex: 'x + \\zeta(a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8)' },
  ];
  const lexical = LexicalIndex.build(formulas, 'project', 'bm25', 4);
  const query = lexical.query('x + \\zeta');
  const all = lexical.scoreAll(query);
  const heads = lexical.scoreHeads(query);
  const zeta = lexical.positionOf(100)!;
  // its rare terms' lists hold it; the heads of `x` and `+` (shorter formulas) do not
  assert.ok(heads[zeta]! > 0 && heads[zeta]! < all[zeta]!, `${heads[zeta]} of ${all[zeta]}`);
  const onlyX = [...Array(formulas.length).keys()].filter((position) => position !== zeta && all[position]! > 0);
  const headed = onlyX.filter((position) => heads[position]! > 0);
  assert.ok(headed.length > 0 && headed.length < onlyX.length, `some of x's formulas are in its heads, not all (${headed.length} of ${onlyX.length})`);
  for (const position of headed) assert.ok(heads[position]! <= all[position]!);

  process.env.FORMULA_LENS_HEAD_POSTINGS = '4'; // what the index builds with
  let view: HybridIndex;
  try {
    view = HybridIndex.build(formulas);
  } finally {
    delete process.env.FORMULA_LENS_HEAD_POSTINGS;
  }
  const hits = view.search({ latex: 'x + \\zeta' }, { weights: onlySignal('lexical'), candidatesPerSignal: 3 });
  assert.equal(hits[0]?.formulaId, 100, 'the rare term finds its formula');
  for (const hit of hits) assert.equal(hit.scores.lexical, all[lexical.positionOf(hit.formulaId)!], 'scores are exact');
});

test("the structure index keeps its heads in its sidecar bytes, which another head size does not read", () => {
  const formulas = Array.from({ length: 20 }, (_, i) => ({ id: i, latex: `x^{${i % 4}} + y = ${i}` }));
  const index = StructureIndex.build(formulas, {}, 5);
  const bytes = index.serialize();
  const copy = StructureIndex.deserialize(bytes, 5);
  assert.ok(copy);
  const query = index.query('x^{2} + y = 3');
  assert.deepEqual([...copy.scoreHeads(query)], [...index.scoreHeads(query)]);
  assert.notDeepEqual([...index.scoreHeads(query)], [...index.scoreAll(query)], 'the heads leave formulas out');
  assert.equal(StructureIndex.deserialize(bytes, 6), undefined, 'built with other heads');
});

test("a formula's term counts round-trip by key, keys ascending as signed 64-bit integers; damaged bytes are refused", () => {
  const counts = new Map([['x', 3], ['\\alpha', 1], ['x ^ 2', 2], ['=', 70000]]);
  const bytes = encodeFormulaTerms('lexical', counts, 9);
  const decoded = decodeFormulaTerms(bytes);
  assert.ok(decoded);
  assert.equal(decoded.length, 9);
  const expected = [...counts]
    .map(([term, count]) => ({ key: postingKeyValue('lexical', term), count: Math.min(count, 0xffff) }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  assert.ok(expected.some(({ key }) => key < 0n) && expected.some(({ key }) => key >= 0n), 'keys of both signs');
  assert.deepEqual(
    [...decoded.high].map((high, i) => ({ high, low: decoded.low[i], count: decoded.counts[i] })),
    expected.map(({ key, count }) => ({ ...keyHalves(key), count })),
  );
  assert.equal(decodeFormulaTerms(bytes.subarray(0, bytes.length - 1)), undefined);
  assert.equal(decodeFormulaTerms(Buffer.alloc(2)), undefined);
  assert.deepEqual(decodeFormulaTerms(encodeFormulaTerms('structure', new Map(), 0)), { length: 0, high: new Int32Array(), low: new Uint32Array(), counts: new Uint16Array() });
});

test('a negative key splits into a signed high half and an unsigned low half', () => {
  assert.deepEqual(keyHalves(-1n), { high: -1, low: 0xffffffff });
  assert.deepEqual(keyHalves((5n << 32n) | 7n), { high: 5, low: 7 });
  assert.deepEqual(keyHalves(-(1n << 63n)), { high: -0x80000000, low: 0 });
});
