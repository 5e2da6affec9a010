// MathJax typesetting in this thread: per-document macros, shims, unknown commands and hostile input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderInThisThread } from '../../../src/core/render';
import { Typesetter } from '../../../src/core/render/typeset';

const typesetter = new Typesetter();
const svgOf = (latex: string, macros = '', display = true) => typesetter.typeset({ latex, macros, display }).svg;
const ink = (pixels: Uint8Array) => pixels.reduce((sum, value) => sum + value, 0);

test("one document's macros never change another's, nor survive into the next formula", () => {
  const standard = svgOf('\\vec{x}');
  const redefined = svgOf('\\vec{x}', '\\renewcommand{\\vec}[1]{\\mathbf{#1}}');
  assert.notEqual(redefined, standard);
  assert.equal(svgOf('\\vec{x}'), standard);
  // A definition inside a formula is gone by the next formula of the same document.
  svgOf('\\def\\vec#1{\\tilde{#1}} \\vec{y}', '\\newcommand{\\R}{\\mathbb{R}}');
  assert.equal(svgOf('\\vec{x}', '\\newcommand{\\R}{\\mathbb{R}}'), standard);
  assert.deepEqual(typesetter.typeset({ latex: '\\R', display: true }).issues, [{ kind: 'unknown-macro', detail: '\\R' }]);
});

test('document definitions in LaTeX forms MathJax lacks still work', () => {
  const macros = '\\DeclareMathOperator*{\\argmin}{arg\\,min}\n\\newcommand*{\\norm}[1]{\\lVert #1 \\rVert}\n\\providecommand{\\set}[1]{\\{#1\\}}';
  const result = typesetter.typeset({ latex: '\\argmin_x \\norm{x} + \\set{y}', macros, display: true });
  assert.deepEqual(result.issues, []);
  assert.equal(svgOf('\\argmin_x', macros), svgOf('\\operatorname*{arg\\,min}_x'));
});

test('\\providecommand leaves a command MathJax already has alone', () => {
  assert.equal(svgOf('\\alpha', '\\providecommand{\\alpha}{Z}'), svgOf('\\alpha'));
});

test('shims stand in for common package commands', () => {
  const result = typesetter.typeset({
    latex: '\\bm{x} + \\nicefrac{1}{2} + \\mathbbm{1} + f\\xspace \\vcentcolon= \\llbracket a \\rrbracket \\scalebox{0.5}{y} \\textsc{abc}',
    display: true,
  });
  assert.deepEqual(result.issues, []);
  assert.equal(svgOf('\\bm{x}'), svgOf('\\boldsymbol{x}'));
});

test('an unknown command is typeset as its upright name and marks the result degraded', async () => {
  const result = await renderInThisThread({ latex: 'a + \\frobnicate{b}', display: true });
  assert.equal(result.degraded, true);
  assert.deepEqual(result.issues, [{ kind: 'unknown-macro', detail: '\\frobnicate' }]);
  assert.match(typesetter.typeset({ latex: '\\frobnicate', display: true }).svg, /data-mml-node="mtext"/);
  assert.ok(ink(result.pixels) > 0);
});

test('an unknown environment typesets its body as a group', () => {
  const result = typesetter.typeset({ latex: '\\begin{widget} x + y \\end{widget}', display: true });
  assert.deepEqual(result.issues, [{ kind: 'unknown-environment', detail: 'widget' }]);
  assert.equal(result.svg, svgOf('x + y'));
});

test('a MathJax error never shows a red error box: the source is typeset as plain text', async () => {
  const failed = typesetter.typeset({ latex: '\\frac{a}{b', display: true });
  assert.equal(failed.issues[0]?.kind, 'mathjax-error');
  assert.doesNotMatch(failed.svg, /merror|data-mjx-error|fill="red"/);
  assert.match(failed.svg, /data-mml-node="mtext"/);
  assert.ok(ink((await renderInThisThread({ latex: '\\frac{a}{b', display: true })).pixels) > 0);
  // The same failure gives the same SVG every time (MathJax numbers the glyph ids of each conversion).
  assert.equal(typesetter.typeset({ latex: '\\frac{a}{b', display: true }).svg, failed.svg);
});

test('alignment tabs in a bare display body (a mislabelled eqnarray) are typeset as eqnarray', () => {
  const result = typesetter.typeset({ latex: 'a & = & b \\\\ c & = & d', display: true, env: 'equation' });
  assert.deepEqual(result.issues, []);
});

test('hostile: 10,000 nested braces yield a bitmap, reported too deep', async () => {
  const result = await renderInThisThread({ latex: '{'.repeat(10_000) + 'x' + '}'.repeat(10_000), display: true });
  assert.equal(result.issues[0]?.kind, 'too-deep');
  assert.equal(result.pixels.length, 32 * 333);
});

test('hostile: a recursive \\def is stopped by MathJax and yields a bitmap', async () => {
  const result = await renderInThisThread({ latex: '\\def\\loop{\\loop x}\\loop', display: true });
  assert.equal(result.issues[0]?.kind, 'mathjax-error');
  assert.ok(ink(result.pixels) > 0);
  const viaMacros = await renderInThisThread({ latex: '\\a', macros: '\\def\\a{\\b}\n\\def\\b{\\a}', display: true });
  assert.equal(viaMacros.issues[0]?.kind, 'mathjax-error');
});

test('hostile: a 4,000-character formula renders faithfully', async () => {
  const term = '\\frac{x_{i}^{2}}{1+y_{j}} + ';
  const terms = term.repeat(Math.floor(4000 / term.length));
  const latex = terms + 'z'.repeat(4000 - terms.length);
  assert.equal(latex.length, 4000);
  const result = await renderInThisThread({ latex, display: true });
  assert.equal(result.degraded, false, JSON.stringify(result.issues));
  assert.ok(ink(result.pixels) > 10_000);
});

test('hostile: invalid UTF-8 yields a bitmap and says so', async () => {
  const latex = Buffer.from([0x61, 0x2b, 0xc3, 0x28, 0xff, 0x62]).toString('utf8');
  const result = await renderInThisThread({ latex, display: false });
  assert.equal(result.issues[0]?.kind, 'invalid-text');
  assert.ok(ink(result.pixels) > 0);
});

test('hostile: non-Latin text in \\text{} renders without degradation', async () => {
  const result = await renderInThisThread({ latex: 'p(x) = \\text{Вероятность 概率 احتمال}', display: true });
  assert.equal(result.degraded, false, JSON.stringify(result.issues));
  assert.ok(ink(result.pixels) > 0);
});

test('equation numbers are not drawn: \\tag, \\eqno and \\leqno leave the formula as without them', () => {
  assert.equal(svgOf('x = 1 \\tag{3.1}'), svgOf('x = 1'));
  assert.equal(svgOf('x = 1 \\tag*{(a)}'), svgOf('x = 1'));
  assert.equal(svgOf('x = 1 \\eqno(2.1)'), svgOf('x = 1'));
  assert.equal(svgOf('a = b \\leqno{(*)} \\cr c = d', ''), svgOf('a = b \\cr c = d'));
  const aligned = typesetter.typeset({ latex: 'a &= b \\tag{1} \\\\ c &= d \\tag{2}', display: true, env: 'align' });
  assert.deepEqual(aligned.issues, []);
  assert.equal(aligned.svg, typesetter.typeset({ latex: 'a &= b \\\\ c &= d', display: true, env: 'align' }).svg);
});

test('ifthen and xparse conditionals print the branch LaTeX would; an undecidable condition fails visibly', () => {
  const macros = '\\newcommand{\\Prob}[2][]{\\ifthenelse{\\equal{#1}{}}{P\\left[#2\\right]}{P_{#1}\\left[#2\\right]}}';
  assert.equal(svgOf('\\Prob{A}', macros), svgOf('P\\left[A\\right]'));
  assert.equal(svgOf('\\Prob[x]{A}', macros), svgOf('P_{x}\\left[A\\right]'));
  assert.equal(svgOf('\\ifthenelse{\\not\\equal{a}{b} \\and \\equal{ c}{c }}{Y}{N}'), svgOf('Y'));
  assert.equal(svgOf('\\ifthenelse{\\equal{a}{b} \\or \\equal{c}{d}}{Y}{N}'), svgOf('N'));
  const undecided = typesetter.typeset({ latex: '\\ifthenelse{\\boolean{draft}}{Y}{N}', display: true });
  assert.equal(undecided.issues[0]?.kind, 'mathjax-error');
  const law = '\\NewDocumentCommand{\\Law}{o}{ \\mu\\IfValueT{#1}{_{#1}} }\n\\NewDocumentCommand{\\Pick}{o m}{\\IfNoValueTF{#1}{#2}{#1}}';
  assert.equal(svgOf('\\Law + \\Law[t]', law), svgOf('\\mu + \\mu_{t}'));
  assert.equal(svgOf('\\Pick{a} \\Pick[b]{a}', law), svgOf('a b'));
});

test('\\qopname (old amsopn operators) and text-mode \\boldmath print what LaTeX prints', () => {
  assert.equal(svgOf('\\argmin_x f', '\\def\\argmin{\\qopname\\relax n{argmin}}'), svgOf('\\operatorname*{argmin}_x f'));
  assert.equal(svgOf('\\qopname\\relax o{sgn} x'), svgOf('\\operatorname{sgn} x'));
  assert.equal(svgOf('\\mbox{\\boldmath $x$} + x'), svgOf('\\mbox{$\\boldsymbol{x}$} + x'));
  // \unboldmath and the end of the text group both end it.
  assert.equal(svgOf('\\mbox{\\boldmath$a$\\unboldmath{} $b$} \\mbox{$c$}'), svgOf('\\mbox{$\\boldsymbol{a}${} $b$} \\mbox{$c$}'));
  // In math mode \boldmath is an error in LaTeX too: it stays unknown.
  assert.deepEqual(typesetter.typeset({ latex: '\\boldmath x', display: true }).issues, [{ kind: 'unknown-macro', detail: '\\boldmath' }]);
});

test('package symbols declared in a document font (\\DeclareMathSymbol) typeset as the letter of that slot', () => {
  const macros = '\\DeclareMathSymbol{\\varIota}{\\mathalpha}{egreeki}{"49}\n\\DeclareMathSymbol{\\lambda}{\\mathalpha}{egreeki}{"15}';
  const result = typesetter.typeset({ latex: '\\varIota + \\lambda', macros, display: true });
  assert.deepEqual(result.issues, []);
  assert.equal(result.svg, svgOf('I + \\lambda'));
});

test('layout commands that print nothing, and amsmath capital accents, render without degradation', () => {
  const result = typesetter.typeset({
    latex: '\\setlength{\\abovedisplayskip}{3pt} a \\relax \\enskip b \\medskip \\bigskip \\nobreak \\index{b} \\allowdisplaybreaks[2] \\slash c',
    display: true,
  });
  assert.deepEqual(result.issues, []);
  assert.equal(svgOf('\\Ddot{X} + \\Tilde{\\Hat{A}}'), svgOf('\\ddot{X} + \\tilde{\\hat{A}}'));
  assert.equal(svgOf('x \\colonequals \\widebar{A}'), svgOf('x \\coloneqq \\overline{A}'));
  assert.equal(svgOf('a = b. \\qed'), svgOf('a = b. \\quad\\square'));
  // LaTeX 2e font switches in text: the rest of the group in that font.
  assert.equal(svgOf('\\text{a {\\ttfamily b} \\bfseries c}'), svgOf('\\text{a {\\tt b} \\bf c}'));
});
