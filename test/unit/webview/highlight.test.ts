// "Show why" in the results view: the formula with its matched symbols coloured, the fallbacks when KaTeX
// refuses it, the legend and tooltip, and a colour that reads on light and dark themes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HIGHLIGHT_COLOUR, highlightSymbols } from '../../../src/core/latex/highlight';
import { formulaLayout, layoutNodes, symbolKey } from '../../../src/core/latex/structure';
import type { PaperMatch } from '../../../src/engine/protocol';
import { viewPaperResult } from '../../../src/extension/view-model';
import { highlightLegend, renderViewState } from '../../../src/webview/html';
import { MathRenderer } from '../../../src/webview/math';
import { sampleCorpusFormulas } from '../../helpers/corpus-sample';
import { corpusPath, noCorpusReason } from '../../helpers/paths';

const step = '\\mathbf{x} \\leftarrow \\mathbf{x} - \\eta \\nabla f(\\mathbf{x})';
const colourStyle = `color:${HIGHLIGHT_COLOUR}`;

function match(highlightedLatex?: string, latex = step): PaperMatch {
  return {
    paper: { id: 'p', title: 'T', authors: [], year: null, macros: '' },
    similarity: 0.9,
    formulas: [{ formula: { latex, display: true, env: 'equation' }, section: null, similarity: 0.9, signals: [], ...(highlightedLatex ? { highlightedLatex } : {}) }],
  };
}

const query = { latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', macros: '', display: true };
const math = new MathRenderer();
const render = (result: PaperMatch) => renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query, indexName: 'i', results: [viewPaperResult(result)] }, (formula) => math.render(formula));

test('a highlighted formula is typeset with its matched symbols coloured, with a legend and a tooltip', () => {
  const highlighted = highlightSymbols(step, new Set(['V!x', 'R!\\leftarrow', 'V!\\eta']));
  const html = render(match(highlighted));
  assert.equal(html.match(new RegExp(colourStyle, 'g'))?.length, 5, 'three x, the arrow and η');
  assert.ok(html.includes(`<p class="legend"><span class="highlight-swatch" aria-hidden="true"></span>${highlightLegend.replace("'", '&#39;')}.</p>`));
  assert.ok(html.includes(`<div class="math" title="${highlightLegend.replace("'", '&#39;')}">`));
  const plain = render(match());
  assert.ok(!plain.includes(colourStyle) && !plain.includes('class="legend"') && !plain.includes('title="Highlighted'), 'no highlight, no legend');
});

test('KaTeX refusing the highlighted LaTeX falls back to the formula as written, then to its source', () => {
  const broken = render(match(`\\textcolor{${HIGHLIGHT_COLOUR}}{\\frac}{1}`));
  assert.ok(broken.includes('class="katex-display"') && !broken.includes(colourStyle) && !broken.includes('latex-source'), 'the plain formula');
  const neither = render(match(`\\textcolor{${HIGHLIGHT_COLOUR}}{\\frac}{1}`, '\\frac{<b>'));
  assert.ok(neither.includes('<code class="latex-source" title="KaTeX could not typeset this formula">\\frac{&lt;b&gt;</code>'));
});

test('hostile highlighted LaTeX stays inert (trust off)', () => {
  const html = render(match('\\href{javascript:alert(1)}{x} \\htmlClass{evil}{y} \\includegraphics{z.png}'));
  assert.ok(!/<a\s|\shref\s*=|<img|class="evil"/i.test(html));
});

test('the view model carries the highlighted LaTeX to the view only when there is one', () => {
  assert.equal(viewPaperResult(match('\\textcolor{red}{x}')).formulas[0]!.formula.highlightedLatex, '\\textcolor{red}{x}');
  assert.ok(!('highlightedLatex' in viewPaperResult(match()).formulas[0]!.formula));
});

/** WCAG contrast ratio of two #rrggbb colours. */
function contrast(first: string, second: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((at) => {
      const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

/** The CSS colour names the highlight may use, as #rrggbb. */
const cssColours: Record<string, string> = { mediumorchid: '#ba55d3' };

test('the colour reads on the light, dark and high-contrast themes, and the legend swatch is the same colour', () => {
  const colour = cssColours[HIGHLIGHT_COLOUR];
  assert.ok(colour, `${HIGHLIGHT_COLOUR}: add its #rrggbb to cssColours`);
  // editor and side bar backgrounds of Light+/Light Modern, Dark+/Dark Modern, and the high-contrast themes
  for (const background of ['#ffffff', '#f3f3f3', '#f8f8f8', '#1e1e1e', '#252526', '#181818', '#1f1f1f', '#000000']) {
    assert.ok(contrast(colour, background) >= 3.5, `${HIGHLIGHT_COLOUR} on ${background}: ${contrast(colour, background).toFixed(2)}`);
  }
  const css = readFileSync(new URL('../../../media/results.css', import.meta.url), 'utf8');
  assert.match(css, new RegExp(`\\.highlight-swatch \\{[^}]*background: ${HIGHLIGHT_COLOUR};`));
});

test('corpus sample, every symbol matched: the coloured formula typesets wherever the plain one does', { skip: corpusPath() ? false : noCorpusReason }, () => {
  const renderer = new MathRenderer();
  let typeset = 0;
  let coloured = 0;
  for (const { latex, macros, env } of sampleCorpusFormulas(corpusPath()!, 600, 5)) {
    const tree = formulaLayout(latex, macros);
    const highlightedLatex = highlightSymbols(latex, new Set(tree ? layoutNodes(tree).map(symbolKey) : []), macros);
    if (renderer.render({ latex, macros, display: true, env }).includes('latex-source') || highlightedLatex === latex) continue;
    typeset++;
    if (renderer.render({ latex, macros, display: true, env, highlightedLatex }).includes(colourStyle)) coloured++;
  }
  assert.ok(typeset > 400, `${typeset} formulas`);
  assert.ok(coloured / typeset >= 0.995, `${coloured} of ${typeset} coloured`);
});
