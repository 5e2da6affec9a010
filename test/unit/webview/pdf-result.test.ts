// A result read from a PDF: the view shows its crop (a data: PNG) with its page instead of typesetting the LaTeX
// written back from its glyphs, and "Open PDF"; a crop that is not base64 falls back to typesetting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PaperMatch } from '../../../src/engine/protocol';
import { viewPaperResult } from '../../../src/extension/view-model';
import { renderViewState } from '../../../src/webview/html';

const plainMath = (formula: { latex: string }) => `<code>${formula.latex}</code>`;
const query = { latex: 'x', macros: '', display: true };

function match(pdf: NonNullable<PaperMatch['formulas'][number]['pdf']>, sourceFile?: string): PaperMatch {
  return {
    paper: { id: 'bib:descent', title: 'Gradient Descent', authors: [], year: 2020, macros: '', key: 'descent' },
    similarity: 0.9,
    formulas: [{ formula: { latex: '\\theta_{t + 1}', display: true, env: 'pdf' }, section: null, similarity: 0.9, signals: [], pdf, ...(sourceFile ? { sourceFile } : {}) }],
  };
}

const render = (paper: PaperMatch) => renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'i', results: [viewPaperResult(paper)] }, plainMath);

test('a PDF formula shows its crop, its page and number, and Open PDF; cite and BibTeX as for any paper', () => {
  const html = render(match({ page: 3, number: '(4)', crop: 'iVBORw0KGgo=' }, '/papers/descent.pdf'));
  assert.match(html, /<img class="pdf-crop" src="data:image\/png;base64,iVBORw0KGgo=" alt="Formula \(4\) on page 3 of the PDF" width="333" height="32">/);
  assert.doesNotMatch(html, /<code>\\theta/, 'the written-back LaTeX is not typeset');
  assert.match(html, /<span class="pdf-page" title="read from the PDF">p\. 3 \(4\)<\/span>/);
  assert.match(html, /data-action="openSource"[^>]*aria-label="Open the PDF at page 3"[^>]*>Open PDF</);
  assert.match(html, /data-action="insertCite"/);
  assert.match(html, /data-action="copyBibtex"/);
});

test('a crop that is not base64 is not put in the page: the formula is typeset instead; no local PDF, no Open', () => {
  const hit = viewPaperResult(match({ page: 2, crop: '" onerror="alert(1)' }));
  assert.deepEqual(hit.formulas[0]!.pdf, { page: 2 });
  const html = render(match({ page: 2, crop: '" onerror="alert(1)' }));
  assert.doesNotMatch(html, /<img|onerror/);
  assert.match(html, /<code>\\theta_\{t \+ 1\}<\/code>/);
  assert.match(html, /p\. 2/);
  assert.doesNotMatch(html, /openSource/);
});
