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
    formulas: [{ formula: { latex: 'x', display: true, env: 'equation' }, section: null, similarity: 0.9, ...(foundBy ? { foundBy } : {}) }],
  };
}

test('a formula found by several signals carries a tag naming them; untagged results have none', () => {
  const query = { latex: 'x', macros: '', display: true };
  const tagged = renderViewState({ kind: 'results', query, indexName: 'i', results: [viewPaperResult(match(['bitmap', 'lexical']))] }, plainMath);
  assert.match(tagged, /<span class="found-by" title="found by the bitmap \+ lexical signals">found by bitmap \+ lexical<\/span>/);
  const single = renderViewState({ kind: 'results', query, indexName: 'i', results: [viewPaperResult(match(['symbolic']))] }, plainMath);
  assert.match(single, /title="found by the symbolic signal">found by symbolic</);
  const plain = renderViewState({ kind: 'results', query, indexName: 'i', results: [viewPaperResult(match())] }, plainMath);
  assert.doesNotMatch(plain, /found-by/);
  assert.equal(viewPaperResult(match()).formulas[0]!.foundBy, undefined);
});

test('a hostile signal name is escaped', () => {
  const hit = viewPaperResult(match());
  hit.formulas[0]!.foundBy = ['<img src=x>'];
  const html = renderViewState({ kind: 'results', query: { latex: 'x', macros: '', display: true }, indexName: 'i', results: [hit] }, plainMath);
  assert.doesNotMatch(html, /<img/);
});

test('while the default index is prepared the view says so, with its progress', () => {
  const html = renderViewState({ kind: 'empty', reason: 'preparingDefaultIndex', detail: 'Indexing the default library: 42%.' }, plainMath);
  assert.match(html, /data-reason="preparingDefaultIndex"/);
  assert.match(html, /default index is being prepared/);
  assert.match(html, /42%/);
});
