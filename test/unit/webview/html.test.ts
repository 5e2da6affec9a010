import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderViewState } from '../../../src/webview/html';
import { MathRenderer } from '../../../src/webview/math';
import type { ViewPaperResult, ViewState } from '../../../src/webview/protocol';

const math = new MathRenderer();
const render = (state: ViewState) => renderViewState(state, (formula) => math.render(formula));

function result(title: string, latex: string, overrides: Partial<ViewPaperResult['paper']> = {}, hasSource = false): ViewPaperResult {
  return {
    paper: { id: 'p"1', title, authors: ['Ada <Lovelace>'], year: 1843, hasUrl: true, ...overrides },
    formulas: [
      {
        formula: { latex, macros: '', display: true, env: 'equation' },
        section: 'Notes & <Sketches>',
        similarity: 0.8765,
        signals: [{ signal: 'lexical', weight: 0.5, similarity: 0.9 }, { signal: 'structure', weight: 0.5, similarity: 0.853 }],
        hasSource,
      },
    ],
  };
}

const query = { latex: 'e^{i\\pi} + 1 = 0', macros: '', display: true };

test('a hostile title and formula from an index render as inert text', () => {
  const html = render({
    kind: 'results',
    citeLabel: 'Insert \\cite',
    query,
    indexName: 'idx<script>',
    results: [result('<img src=x onerror=alert(1)>', '\\href{javascript:alert(1)}{x}')],
  });
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the title is shown as text');
  assert.ok(!/<img|<script|<a\s|\shref\s*=/i.test(html), 'no element or link comes from the index');
  assert.ok(html.includes('<mtext>\\href</mtext>'), 'KaTeX (trust: false) shows \\href as inert text');
  assert.ok(html.includes('data-paper="p&quot;1"'), 'attribute values are escaped');
  assert.ok(html.includes('Ada &lt;Lovelace&gt; · 1843'));
  assert.ok(html.includes('§ Notes &amp; &lt;Sketches&gt;'));
});

test('results show the query, titles, typeset formulas and one button per action', () => {
  const html = render({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'library', results: [result('Euler', 'x^2'), result('', 'y', { id: 'p2', hasUrl: false }, true)] });
  assert.equal(html.match(/class="katex"/g)?.length, 3, 'query and both formulas typeset by KaTeX');
  assert.ok(html.includes('<h3 class="title" title="Euler">Euler</h3>'));
  assert.ok(html.includes('<h3 class="title" title="Untitled">Untitled</h3>'));
  assert.equal(html.match(/data-action="insertCite"/g)?.length, 2);
  assert.equal(render({ kind: 'results', query, indexName: 'library', citeLabel: 'Insert \\citep', results: [result('Euler', 'x^2')] }).match(/>Insert \\citep</g)?.length, 1, 'the button says what it writes');
  assert.equal(html.match(/data-action="openUrl"/g)?.length, 1, 'only papers with a URL get "Open paper"');
  assert.equal(html.match(/data-action="openSource"/g)?.length, 1, 'only local papers get "Open source"');
  assert.ok(html.includes('data-action="moreLikeThis" data-paper="p2" data-formula="0"'));
  assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handlers');
});

test('each formula shows its score once, with a tooltip naming the signals and what 1.0 means; papers show none', () => {
  const html = render({ kind: 'results', query, indexName: 'i', citeLabel: 'Insert \\cite', results: [result('Euler', 'x^2')] });
  assert.equal(html.match(/0\.88/g)?.length, 2, 'the score, and once more in its own tooltip');
  assert.match(html, /<span class="score" title="Score 0\.88 = lexical 0\.90 × weight 0\.50 \+ structure 0\.85 × weight 0\.50\. 1\.0: as alike as your formula to itself[^"]*">score 0\.88<\/span>/);
  assert.doesNotMatch(html.slice(0, html.indexOf('<ol class="formulas">')), /score|similarity/, 'the paper header has no score');
});

test('each empty state says why, with a button where one helps', () => {
  assert.match(render({ kind: 'empty', reason: 'noIndex' }), /No index to search yet.*data-action="buildIndex".*data-action="selectIndex"/);
  assert.match(render({ kind: 'empty', reason: 'noFormula' }), /No formula at the cursor/);
  assert.match(render({ kind: 'empty', reason: 'engineStarting' }), /engine is starting/);
  assert.match(render({ kind: 'empty', reason: 'engineDown', detail: 'exit <1>' }), /not running.*exit &lt;1&gt;/);
  assert.match(render({ kind: 'error', message: 'bad <b>' }), /role="alert">bad &lt;b&gt;</);
  assert.match(render({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'i', results: [] }), /No similar formulas found/);
});
