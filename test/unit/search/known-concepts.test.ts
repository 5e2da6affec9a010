// The known-concept relevance set (bench/known-concepts.json) holds together against the bundled default library:
// every judged formula is in it, every query is judged usefully and none is a library formula copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formulaKey, readKnownConcepts } from '../../../bench/known-concepts';
import { defaultLibraryFile, readDefaultLibrary } from '../../../src/core/search/default-library';

const set = readKnownConcepts();

test('the set has at least 30 queries with unique ids, each an author-typed formula', () => {
  assert.ok(set.queries.length >= 30, `${set.queries.length} queries`);
  const ids = set.queries.map((query) => query.id);
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  for (const query of set.queries) assert.ok(query.query.trim() !== '' && query.concept.trim() !== '', query.id);
});

test('every grade is 1 or 2, every query has a grade-2 formula and judges each formula once', () => {
  for (const query of set.queries) {
    for (const judgment of query.relevant) assert.ok(judgment.grade === 1 || judgment.grade === 2, `${query.id}: grade ${judgment.grade}`);
    assert.ok(query.relevant.some((judgment) => judgment.grade === 2), `${query.id} has no grade-2 formula`);
    const keys = query.relevant.map((judgment) => formulaKey(judgment.paper, judgment.latex));
    assert.equal(new Set(keys).size, keys.length, `${query.id} judges a formula twice`);
  }
});

function readLibrary() {
  const file = defaultLibraryFile();
  assert.ok(file, 'data/default-library/papers.jsonl.gz is missing');
  const library = readDefaultLibrary(file);
  assert.ok(library.ok, library.ok ? '' : library.reason);
  return library.value;
}

test('every judged (paper id, LaTeX) is a formula of the bundled default library', () => {
  const formulas = new Set(readLibrary().flatMap(({ paper, formulas: located }) => located.map((formula) => formulaKey(paper.id, formula.latex))));
  const missing = set.queries.flatMap((query) =>
    query.relevant.filter((judgment) => !formulas.has(formulaKey(judgment.paper, judgment.latex))).map((judgment) => `${query.id}: ${judgment.paper} ${judgment.latex}`),
  );
  assert.deepEqual(missing, []);
});

test('no query is written exactly as a library formula (spacing aside)', () => {
  const compact = (latex: string) => latex.replace(/\s+/g, '');
  const written = new Set(readLibrary().flatMap(({ formulas }) => formulas.map((formula) => compact(formula.latex))));
  assert.deepEqual(set.queries.filter((query) => written.has(compact(query.query))).map((query) => query.id), []);
});
