// The lexical signal: canonical-token n-gram TF-IDF with the same weighting as the Python baseline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LexicalIndex, termCounts, topByScore } from '../../../src/core/search/lexical';

const formulas = [
  { id: 10, latex: '\\alpha + \\beta = \\gamma' },
  { id: 11, latex: '\\alpha+\\beta' },
  { id: 12, latex: '\\int_0^1 f(x)\\,dx' },
  { id: 13, latex: '\\R^n', macros: '\\newcommand{\\R}{\\mathbb{R}}' },
];

test('terms are the 1- to 3-grams of the tokens, counted', () => {
  const counts = termCounts(['a', '+', 'a']);
  assert.deepEqual(Object.fromEntries(counts), { a: 2, '+': 1, 'a +': 1, '+ a': 1, 'a + a': 1 });
});

test('a formula is its own best match with cosine 1, and unrelated formulas score 0', () => {
  const index = LexicalIndex.build(formulas);
  const hits = index.nearest(index.query('\\alpha + \\beta = \\gamma'), 10);
  assert.equal(hits[0].formulaId, 10);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-6);
  assert.equal(hits[1].formulaId, 11);
  assert.ok(hits[1].score > 0 && hits[1].score < 1);
  assert.ok(!hits.some((hit) => hit.formulaId === 12), 'no shared term, no hit');
});

test('the query is tokenized like the index: document macros expand, spacing does not matter', () => {
  const index = LexicalIndex.build(formulas);
  const [hit] = index.nearest(index.query('\\mathbb{R}^n'), 1);
  assert.equal(hit.formulaId, 13);
  assert.ok(Math.abs(hit.score - 1) < 1e-6);
});

test('scores equal the TF-IDF cosine computed by hand (smoothed idf, raw counts, L2 norm)', () => {
  const corpus = [{ id: 1, latex: 'a' }, { id: 2, latex: 'a b' }, { id: 3, latex: 'c' }];
  const index = LexicalIndex.build(corpus, 'project', 'tfidf');
  const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
  // formula 2: terms a, b, "a b"; query "a" shares only "a".
  const vector2 = [idf(2), idf(1), idf(1)];
  const expected = idf(2) / Math.hypot(...vector2);
  const score = index.scoreAll(index.query('a'))[1];
  assert.ok(Math.abs(score - expected) < 1e-6, `${score} vs ${expected}`);
});

test('unseen query terms lower the score instead of being ignored; filters and counts apply', () => {
  const index = LexicalIndex.build(formulas);
  const [plain] = index.nearest(index.query('\\alpha+\\beta'), 1);
  const [noisy] = index.nearest(index.query('\\alpha+\\beta+\\zeta'), 1);
  assert.equal(plain.formulaId, 11);
  assert.ok(noisy.score < plain.score);
  assert.deepEqual(index.nearest(index.query('\\alpha'), 1, (id) => id !== 10).map((hit) => hit.formulaId), [11]);
});

test('hostile input gives no hits rather than an error', () => {
  const index = LexicalIndex.build(formulas);
  for (const latex of ['', '\\', '{'.repeat(5000), '\u0000\uFFFD', 'x'.repeat(60_000)]) {
    assert.deepEqual(index.nearest(index.query(latex), 5).filter((hit) => hit.formulaId === 12), []);
  }
  assert.equal(LexicalIndex.build([]).nearest(LexicalIndex.build([]).query('x'), 3).length, 0);
});

test('top-k selection equals a full sort, ties broken by the lower id', () => {
  let seed = 3;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const scores = Float32Array.from({ length: 2000 }, () => (random() < 0.2 ? 0 : Math.round(random() * 50) / 50));
  const ids = Int32Array.from({ length: 2000 }, (_, i) => 5000 - i);
  const accept = (id: number) => id % 7 !== 0;
  const expected = [...scores.keys()]
    .filter((i) => scores[i] > 0 && accept(ids[i]))
    .sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b])
    .map((i) => ({ formulaId: ids[i], score: scores[i] }));
  for (const count of [0, 1, 10, 333, 5000]) assert.deepEqual(topByScore(scores, ids, count, accept), expected.slice(0, count));
});

test('the product weighs terms by BM25, normalised by the query against itself: a formula of the query\'s very terms scores 1', () => {
  const corpus = [{ id: 1, latex: 'a' }, { id: 2, latex: 'a b' }, { id: 3, latex: 'c' }];
  const index = LexicalIndex.build(corpus);
  const idf = (df: number) => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
  const averageLength = (1 + 3 + 1) / 3; // terms: a | a, b, "a b" | c
  const bm25 = (count: number, length: number) => (count * 2.2) / (count + 1.2 * (0.25 + (0.75 * length) / averageLength));
  // query "a" against formula 2 (three terms) over the query against itself (one term)
  const expected = (idf(2) * bm25(1, 3)) / (idf(2) * bm25(1, 1));
  const scores = index.scoreAll(index.query('a'));
  assert.ok(Math.abs(scores[1] - expected) < 1e-5, `${scores[1]} vs ${expected}`);
  assert.ok(Math.abs(scores[0] - 1) < 1e-5, 'the same terms: 1');
  assert.equal(scores[2], 0);
});
