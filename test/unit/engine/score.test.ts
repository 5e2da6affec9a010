// The score the view shows (src/engine/score.ts): one scale in every search mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shownScore, shownSimilarity } from '../../../src/engine/score';

test('an embedding cosine that unrelated formulas reach shows as 0; only what is above it counts', () => {
  assert.equal(shownSimilarity('bitmap', 0.968), 0, 'the unrelated formula bitmap mode scored 0.968');
  assert.equal(shownSimilarity('bitmap', 1), 1, 'a formula drawn like the query');
  assert.ok(shownSimilarity('bitmap', 0.995) > 0.5);
  assert.equal(shownSimilarity('symbolic', 0.5), 0);
});

test('BM25 signals, already relative to the query itself, show as they are', () => {
  assert.equal(shownSimilarity('lexical', 0.3), 0.3);
  assert.equal(shownSimilarity('structure', 1.2), 1, 'capped at 1');
});

test('the score is the mode’s weighted sum, naming each weighed signal, heaviest first', () => {
  const score = shownScore({ lexical: 0.4, structure: 0.2, bitmap: 0.99 }, { bitmap: 0, symbolic: 0, lexical: 0.3, canonical: 0, numeric: 0, structure: 0.7 });
  assert.deepEqual(score.parts.map((part) => part.signal), ['structure', 'lexical']);
  assert.ok(Math.abs(score.value - (0.7 * 0.2 + 0.3 * 0.4)) < 1e-12);
});
