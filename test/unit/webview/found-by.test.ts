// The results view's "found by" tag (search modes that tag formulas) and the default index's preparing state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PaperMatch } from '../../../src/engine/protocol';
import { viewPaperResult } from '../../../src/extension/view-model';
import { renderViewState } from '../../../src/webview/html';

const plainMath = (formula: { latex: string }) => `<code>${formula.latex}</code>`;

function match(foundBy?: PaperMatch['formulas'][number]['foundBy']): PaperMatch {
  return {
    paper: { id: 'p', title: 'T', authors: [], year: null, macros: '' },
    similarity: 0.9,
    formulas: [{ formula: { latex: 'x', display: true, env: 'equation' }, section: null, similarity: 0.9, signals: [], ...(foundBy ? { foundBy } : {}) }],
  };
}

test('a formula found by several signals carries a tag naming them; untagged results have none', () => {
  const query = { latex: 'x', macros: '', display: true };
  const tagged = renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'i', results: [viewPaperResult(match(['bitmap', 'lexical']))] }, plainMath);
  assert.match(tagged, /<span class="found-by" title="found by the bitmap \+ lexical signals">found by bitmap \+ lexical<\/span>/);
  const single = renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'i', results: [viewPaperResult(match(['symbolic']))] }, plainMath);
  assert.match(single, /title="found by the symbolic signal">found by symbolic</);
  const plain = renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'i', results: [viewPaperResult(match())] }, plainMath);
  assert.doesNotMatch(plain, /found-by/);
  assert.equal(viewPaperResult(match()).formulas[0]!.foundBy, undefined);
});

test('a hostile signal name is escaped', () => {
  const hit = viewPaperResult(match());
  hit.formulas[0]!.foundBy = ['<img src=x>'];
  const html = renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query: { latex: 'x', macros: '', display: true }, indexName: 'i', results: [hit] }, plainMath);
  assert.doesNotMatch(html, /<img/);
});

test('while the default index is prepared the view shows the formula it will search, with the progress', () => {
  const query = { latex: 'e^{i\\pi} + 1 = 0', macros: '', display: true };
  const html = renderViewState({ kind: 'preparing', query, progress: 0.42, formulasDone: 5168, formulasTotal: 12304 }, plainMath);
  assert.match(html, /<section class="query"[^>]*>.*e\^\{i\\pi\} \+ 1 = 0/, 'the query formula is shown');
  assert.match(html, /Preparing the default index.*42%.*5168 of 12304 formulas/);
  assert.match(html, /<progress max="100" value="42">/);
});

test('after the preparation is cancelled the view says so and offers to search again', () => {
  const html = renderViewState({ kind: 'empty', reason: 'preparationStopped' }, plainMath);
  assert.match(html, /cancelled.*data-action="searchAtCursor"/);
});
