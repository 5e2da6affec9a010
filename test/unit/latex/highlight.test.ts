// "Show why": the structure alignment's matched symbols of a formula, and its LaTeX with those symbols coloured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import katex from 'katex';
import { HIGHLIGHT_COLOUR, highlightSymbols } from '../../../src/core/latex/highlight';
import { formulaLayout, layoutNodes, symbolKey } from '../../../src/core/latex/structure';
import { StructureIndex } from '../../../src/core/search/structural';

const colourOpen = `\\textcolor{${HIGHLIGHT_COLOUR}}{`;

/** The source spans that were coloured, in order. */
function coloured(latex: string): string[] {
  const spans: string[] = [];
  for (let at = latex.indexOf(colourOpen); at >= 0; at = latex.indexOf(colourOpen, at + 1)) {
    let depth = 1;
    let end = at + colourOpen.length;
    for (; end < latex.length && depth > 0; end++) depth += latex[end] === '{' ? 1 : latex[end] === '}' ? -1 : 0;
    spans.push(latex.slice(at + colourOpen.length, end - 1));
  }
  return spans;
}

/** The LaTeX with the colour taken out again (a bare argument keeps the braces it was given). */
function uncoloured(latex: string): string {
  let out = '';
  for (let at = 0; at < latex.length; ) {
    if (!latex.startsWith(colourOpen, at)) {
      out += latex[at++];
      continue;
    }
    at += colourOpen.length;
    for (let depth = 1; ; at++) {
      depth += latex[at] === '{' ? 1 : latex[at] === '}' ? -1 : 0;
      if (depth === 0) break;
      out += latex[at];
    }
    at++;
  }
  return out;
}

/** Whether `rewritten` is `latex` with the colour wrapped around spans and, at most, braces added around them. */
function sameUnderneath(rewritten: string, latex: string): boolean {
  const plain = uncoloured(rewritten);
  let k = 0;
  for (const char of plain) {
    if (char === latex[k]) k++;
    else if (char !== '{' && char !== '}') return false;
  }
  return k === latex.length;
}

/** Every symbol key of the formula's layout tree: the most a match can colour. */
function allKeys(latex: string, macros = ''): Set<string> {
  const tree = formulaLayout(latex, macros);
  return new Set(tree ? layoutNodes(tree).map(symbolKey) : []);
}

const renders = (latex: string, macros: Record<string, string> = {}) => katex.renderToString(latex, { throwOnError: true, trust: false, displayMode: true, macros: { ...macros } });

test('the gradient step in other names: the matched symbols are the update, coloured in the candidate as written', () => {
  const candidate = '\\mathbf{x} \\leftarrow \\mathbf{x} - \\eta \\nabla f(\\mathbf{x})';
  const index = StructureIndex.build([
    { id: 1, latex: 'a^2 + b^2 = c^2' },
    { id: 2, latex: candidate },
    { id: 3, latex: '\\sum_{i=1}^n x_i' },
  ]);
  const query = index.query('\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)');
  const matched = index.matchedSymbols(query, 1);
  for (const key of ['V!x', 'R!\\leftarrow', 'O!-', 'V!\\eta', 'O!\\nabla', 'V!f']) assert.ok(matched.has(key), key);
  assert.ok(!matched.has('V!\\theta') && !matched.has('V!L'), 'the formula side, in its own names');
  assert.ok(index.align(query, 1) > 0);

  const highlighted = highlightSymbols(candidate, matched);
  assert.deepEqual(coloured(highlighted), ['x', '\\leftarrow', 'x', '-', '\\eta', '\\nabla', 'f', 'x']);
  assert.equal(uncoloured(highlighted), candidate, 'everything else byte for byte');
  assert.match(highlighted, /\\mathbf\{\\textcolor\{[^}]+\}\{x\}\}/, 'a style keeps its base symbol coloured inside it');
  assert.match(highlighted, / \\textcolor\{[^}]+\}\{\\leftarrow\} /, 'a relation is not braced: it keeps its spacing');
  assert.match(renders(highlighted), new RegExp(`class="mrel"[^>]*style="color:${HIGHLIGHT_COLOUR}`));
});

test('nothing matched, or nothing of this formula: the LaTeX comes back unchanged', () => {
  const latex = 'x^2 + \\frac{1}{2}';
  assert.equal(highlightSymbols(latex, new Set()), latex);
  assert.equal(highlightSymbols(latex, new Set(['V!y', 'R!='])), latex);
  const index = StructureIndex.build([{ id: 1, latex: '\\alpha \\beta' }]);
  assert.equal(index.matchedSymbols(index.query('x + y = 1'), 0).size, 0);
});

test('tricky formulas, every symbol matched, still typeset in KaTeX and read the same underneath', () => {
  const macros = { '\\norm': '\\left\\|#1\\right\\|', '\\vx': '\\mathbf{x}', '\\hat': '\\widehat', '\\ensuremath': '#1' };
  const macroDefinitions = '\\newcommand{\\norm}[1]{\\left\\|#1\\right\\|}\n\\newcommand{\\vx}{\\mathbf{x}}\n\\renewcommand{\\hat}{\\widehat}';
  const formulas = [
    'x^2 + x_i + x^\\alpha + 10^{-3} + 3.14 r^2',
    '\\frac12 + \\frac{a}{b} + \\binom nk + {a \\over b} + \\tfrac1x',
    '\\sqrt[3]{x} + \\sqrt x + \\mathbf x + \\vec{v} + \\hat y + \\bar{z}^2',
    'e^{i\\pi} + \\exp(z) + \\mathbb{R}^n + \\mathrm{d}x + \\mathbb E[X]',
    '\\operatorname*{argmax}_x f(x) + \\operatorname{softmax}(z) + \\max_{i} a_i + \\lim_{n \\to \\infty} a_n',
    '\\sum_{i=1}^n x_i + \\sum x + \\int_0^1 f(x)\\,dx + \\prod\\limits_{k} p_k',
    '\\left( x + y \\right) + \\big| x \\big| + \\left\\{ a \\right. + \\langle u, v \\rangle',
    'f(x) = \\begin{cases} x & \\text{if } x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}',
    '\\begin{array}{cc} a & b \\\\ c & d \\end{array} \\tag{a}',
    '\\begin{aligned} x &= y + 1 \\\\ y &:= x \\cdot 2 \\end{aligned}',
    'a \\gets b, \\quad x\' = f\'\'(x), \\quad \\alpha\\beta\\gamma',
    '\\frac{\\partial u}{\\partial t} = \\partial_t u + \\nabla \\cdot F + \\operatorname{div} G',
    '\\overset{a}{=} \\xrightarrow[n]{x} \\underbrace{a+b}_{c} \\stackrel{d}{\\to}',
    '\\textcolor{red}{x} + \\color{blue} y + \\mathbf{x}^\\top \\mathbf{x}',
    '\\norm{x - y} + \\vx + x + \\hat K_n',
    '\\hskip 1cm x \\hspace*{2mm} y \\kern-3mu z \\mkern 2 mu w + \\c r + \\frak D',
    '\\begin{aligned} a &= 1 \\\\[3mm] b &= 2 \\end{aligned}',
    '\\raisebox{-.5pt}{x} + \\rule{1pt}{2pt} + \\det\\nolimits_{x} y + z^\\ensuremath{\\alpha}',
  ];
  for (const latex of formulas) {
    const highlighted = highlightSymbols(latex, allKeys(latex, macroDefinitions), macroDefinitions);
    assert.doesNotThrow(() => renders(latex, macros), latex);
    assert.notEqual(highlighted, latex, latex);
    assert.doesNotThrow(() => renders(highlighted, macros), highlighted);
    assert.ok(sameUnderneath(highlighted, latex), highlighted);
  }
});

test('literal arguments, macro names and commands stay as written; limits stay on their operator', () => {
  const keys = new Set(['V!x', 'V!c', 'V!e', 'V!q', 'V!a', 'V!m', 'L!\\sum', 'O!\\frac', 'V!r', 'V!d']);
  assert.equal(highlightSymbols('\\begin{array}{cc} c \\end{array}', keys), `\\begin{array}{cc} ${colourOpen}c} \\end{array}`);
  assert.equal(highlightSymbols('\\label{eq:x} \\text{max}', keys), '\\label{eq:x} \\text{max}');
  assert.equal(highlightSymbols('\\operatorname{max} \\textcolor{red}{a}', keys), `\\operatorname{max} \\textcolor{red}{${colourOpen}a}}`);
  assert.equal(highlightSymbols('\\vx + x', keys, '\\newcommand{\\vx}{\\mathbf{x}}'), `\\vx + ${colourOpen}x}`);
  const redefined = '\\newcommand{\\vx}{\\mathbf{x}}\n\\renewcommand{\\hat}{\\widehat}';
  assert.equal(highlightSymbols('\\vx = \\hat x', new Set(['R!=', 'V!x']), redefined), `\\vx ${colourOpen}=} \\hat {${colourOpen}x}}`, 'after a macro that may take an argument, braced');
  assert.equal(highlightSymbols('\\frac{a}{d}', keys), `\\frac{${colourOpen}a}}{${colourOpen}d}}`);
  assert.equal(highlightSymbols('\\sum_{i} x + \\sum x', keys), `\\sum_{i} ${colourOpen}x} + ${colourOpen}\\sum} ${colourOpen}x}`);
  assert.equal(highlightSymbols('\\mathrm{d} r', keys), `${colourOpen}\\mathrm{d}} ${colourOpen}r}`, 'a literal symbol is coloured whole');
});

test('a number is read as the tree reads it: its digits together, or one digit as a bare script', () => {
  assert.equal(highlightSymbols('12.5 + 3', new Set(['N!12.5'])), `${colourOpen}12.5} + 3`);
  assert.equal(highlightSymbols('x^22', new Set(['N!2'])), `x^{${colourOpen}2}}${colourOpen}2}`);
  assert.equal(highlightSymbols('e^{x} + e', new Set(['C!e'])), `${colourOpen}e}^{x} + e`, "e under a superscript is Euler's number");
});

test('cost is bounded: long and deeply nested formulas return at once', () => {
  const keys = new Set(['V!x', 'O!+']);
  const long = Array.from({ length: 12_000 }, () => 'x').join('+');
  let started = performance.now();
  const highlighted = highlightSymbols(long, keys);
  assert.ok(performance.now() - started < 2000);
  assert.ok(coloured(highlighted).length <= 4000, 'only the tokens the tree reads');
  assert.equal(uncoloured(highlighted), long);
  const nested = `${'{'.repeat(10_000)}x${'}'.repeat(10_000)}`;
  started = performance.now();
  assert.ok(sameUnderneath(highlightSymbols(nested, keys), nested));
  assert.ok(performance.now() - started < 2000);
  const tooLong = 'x'.repeat(60_000);
  assert.equal(highlightSymbols(tooLong, keys), tooLong);
});
