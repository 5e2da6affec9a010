import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMacros, katexDefinition, katexSource, MathRenderer } from '../../../src/webview/math';

const macros = [
  '\\newcommand{\\R}{\\mathbb{R}}',
  '\\DeclareMathOperator*{\\argmin}{arg\\,min}',
  '\\DeclareMathOperator{\\tr}{tr}',
  '\\DeclarePairedDelimiter{\\abs}{\\lvert}{\\rvert}',
  '\\def\\vx{\\mathbf{x}}',
  '\\newcommand{\\broken}{\\frac{',
].join('\n');

test('document macros reach KaTeX, including ones KaTeX predefines or lacks', () => {
  const compiled = compileMacros(macros);
  for (const name of ['\\R', '\\argmin', '\\tr', '\\abs', '\\vx']) assert.ok(name in compiled, name);
  const html = new MathRenderer().render({ latex: '\\argmin_{x \\in \\R} \\abs{\\tr \\vx}', macros, display: true });
  assert.ok(html.includes('class="katex-display"'));
  assert.ok(!html.includes('latex-source'));
  assert.ok(html.includes('arg'), 'the operator name is typeset');
});

test('a formula KaTeX cannot typeset shows its LaTeX source, escaped', () => {
  const renderer = new MathRenderer();
  assert.equal(
    renderer.render({ latex: '\\frac{<b>', macros: '', display: false }),
    '<code class="latex-source" title="KaTeX could not typeset this formula">\\frac{&lt;b&gt;</code>',
  );
  const unknown = renderer.render({ latex: '\\notakatexcommand{x}', macros: '', display: true });
  assert.match(unknown, /latex-source/);
});

test('a macro that breaks a formula is retried without the macros', () => {
  const html = new MathRenderer().render({ latex: 'a + \\x', macros: '\\def\\x{\\frac{}', display: true });
  assert.ok(html.includes('latex-source') || html.includes('class="katex'), 'never throws');
  const recovers = new MathRenderer().render({ latex: 'a + b', macros: '\\def\\a{\\undefinedthing}\n\\let\\frac\\undefinedthing', display: true });
  assert.ok(recovers.includes('class="katex-display"'));
});

test('expansion is bounded: a self-expanding macro ends in the source fallback, not a hang', () => {
  const started = performance.now();
  const html = new MathRenderer().render({ latex: '\\loop', macros: '\\def\\loop{\\loop\\loop}', display: true });
  assert.match(html, /latex-source/);
  assert.ok(performance.now() - started < 2000);
});

test('multi-line environment bodies are wrapped for KaTeX', () => {
  assert.equal(katexSource('a &= b', 'align*'), '\\begin{aligned}a &= b\\end{aligned}');
  assert.equal(katexSource('a &=& b', 'eqnarray'), '\\begin{array}{rcl}a &=& b\\end{array}');
  assert.equal(katexSource('a', 'equation'), 'a');
  assert.equal(katexSource('a', undefined), 'a');
  const html = new MathRenderer().render({ latex: 'a &= b \\\\ c &= d', macros: '', display: true, env: 'align' });
  assert.ok(!html.includes('latex-source'));
  assert.equal(katexDefinition('\\DeclareMathOperator\\Var{Var}'), '\\newcommand{\\Var}{\\operatorname{Var}}');
});

test('common LaTeX and plain TeX commands KaTeX lacks still typeset', () => {
  const renderer = new MathRenderer();
  for (const latex of ['x = 1 \\mbox{ if } y', '\\ensuremath{a} + b \\eqno(1)', '\\pmatrix{a & b \\cr c & d}', '\\mathds{1}_{x > 0}']) {
    assert.doesNotMatch(renderer.render({ latex, macros: '', display: true }), /latex-source/, latex);
  }
});
