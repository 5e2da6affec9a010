import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  detokenize,
  expandMacros,
  lex,
  lexWithSpans,
  maxFormulaChars,
  parseMacros,
  tokenizeFormula,
  type Token,
} from '../../../src/core/latex/tokenize';
import { sampleCorpusFormulas } from '../../helpers/corpus-sample';
import { corpusPath, noCorpusReason } from '../../helpers/paths';

function tokens(latex: string, macros = ''): Token[] {
  const result = tokenizeFormula(latex, macros);
  assert.ok(result.ok);
  return result.tokens;
}

test('lex splits commands, control symbols, letters, digits and symbols, dropping whitespace', () => {
  assert.deepEqual(lex(String.raw`\frac{a_1}{b^{22}} \, \| x \|`), [
    '\\frac', '{', 'a', '_', '1', '}', '{', 'b', '^', '{', '2', '2', '}', '}', '\\,', '\\|', 'x', '\\|',
  ]);
});

test('lex keeps \\begin{env}/\\end{env} as one token each and control space as "\\ "', () => {
  assert.deepEqual(lex(String.raw`\begin{ align* }a\ b\end{align*}`), ['\\begin{align*}', 'a', '\\ ', 'b', '\\end{align*}']);
});

test('lex drops comments, control characters and a trailing backslash; keeps non-ASCII by code point', () => {
  assert.deepEqual(lex('a % comment\nb\u0000\u0007 ∑𝔸 \\'), ['a', 'b', '∑', '𝔸']);
});

test('lexWithSpans gives the tokens of lex, each with the source span it was read from', () => {
  const latex = '\\alpha_{i} % note\n+ \\begin {cases} x\\ y 𝑥 \\\\ \\end{cases}\u0001';
  const { tokens, starts, ends } = lexWithSpans(latex);
  assert.deepEqual(tokens, lex(latex));
  assert.deepEqual(
    tokens.map((_, k) => latex.slice(starts[k], ends[k])),
    ['\\alpha', '_', '{', 'i', '}', '+', '\\begin {cases}', 'x', '\\ ', 'y', '𝑥', '\\\\', '\\end{cases}'],
  );
});

test('detokenize separates a control word from a following letter only', () => {
  const source = [ '\\alpha', 'b', '\\beta', '_', '1', '\\,', 'c' ];
  assert.equal(detokenize(source), '\\alpha b\\beta_1\\,c');
  assert.deepEqual(lex(detokenize(source)), source);
});

test('newcommand with parameters and an optional default expands', () => {
  const macros = String.raw`\newcommand{\norm}[2][2]{\|#2\|_{#1}}
\newcommand\vx{\mathbf{x}}`;
  assert.equal(detokenize(tokens(String.raw`\norm{\vx}+\norm[1]{y}`, macros)), String.raw`\|\mathbf{x}\|_{2}+\|y\|_{1}`);
});

test('def, let, DeclareMathOperator and DeclarePairedDelimiter expand', () => {
  const macros = [
    String.raw`\def\E#1{\mathbb{E}[#1]}`,
    String.raw`\let\eps=\varepsilon`,
    String.raw`\DeclareMathOperator*{\argmin}{arg\,min}`,
    String.raw`\DeclarePairedDelimiter{\abs}{\lvert}{\rvert}`,
  ].join('\n');
  assert.equal(
    detokenize(tokens(String.raw`\argmin_x \E{\abs*{x}} + \eps`, macros)),
    String.raw`\operatorname*{arg\,min}_x\mathbb{E}[\left\lvert x\right\rvert]+\varepsilon`,
  );
});

test('a macro redefining a builtin in terms of itself uses the builtin inside', () => {
  const macros = String.raw`\renewcommand{\vec}[1]{\vec{\mathbf{#1}}}`;
  assert.equal(detokenize(tokens(String.raw`\vec{v}`, macros)), String.raw`\vec{\mathbf{v}}`);
});

test('recursive and exploding definitions stop at the budget instead of hanging', () => {
  const loop = expandMacros(lex(String.raw`\a`), parseMacros(String.raw`\def\a{\b x}` + '\n' + String.raw`\def\b{\a y}`));
  assert.equal(loop.complete, false);
  const table = parseMacros(['\\def\\a{\\b\\b}', '\\def\\b{\\c\\c}', '\\def\\c{\\d\\d}', '\\def\\d{\\a\\a}'].join('\n'));
  const exploded = expandMacros(lex('\\a'), table, { maxExpansions: 100_000, maxTokens: 5_000 });
  assert.equal(exploded.complete, false);
  assert.ok(exploded.tokens.length <= 5_000 + 2, `${exploded.tokens.length} tokens`); // budget plus one body
});

test('unsupported definitions (delimited \\def, fragments) are skipped, not errors', () => {
  const table = parseMacros(String.raw`\def\pair(#1,#2){\langle #1 \rangle}
\let\tilde{
\DeclareMathSymbol{\foo}{\mathord}{letters}{"3B}
\newcommand{\ok}{1}`);
  assert.deepEqual([...table.keys()], ['\\ok']);
});

test('missing arguments at the end of a formula expand to nothing', () => {
  assert.equal(detokenize(tokens(String.raw`a+\f`, String.raw`\newcommand{\f}[2]{#1/#2}`)), 'a+/');
});

test('an over-long formula is refused with a typed error', () => {
  const result = tokenizeFormula('x'.repeat(maxFormulaChars + 1));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason, 'too-long');
});

test('binary garbage tokenizes without throwing and without control characters', () => {
  let garbage = '';
  for (let i = 0; i < 4096; i++) garbage += String.fromCharCode((i * 7919) % 65536);
  const result = tokenizeFormula(garbage, String.raw`\def\x{` + garbage);
  assert.ok(result.ok);
  for (const token of result.tokens) assert.ok(!/[\u0000-\u001f]/.test(token), JSON.stringify(token));
});

test('corpus sample: detokenize round-trips and macros expand', { skip: corpusPath() ? false : noCorpusReason }, () => {
  const sample = sampleCorpusFormulas(corpusPath()!, 5000, 7);
  let withMacros = 0;
  for (const formula of sample) {
    const result = tokenizeFormula(formula.latex, formula.macros);
    assert.ok(result.ok, formula.latex);
    assert.deepEqual(lex(detokenize(result.tokens)), result.tokens, formula.latex);
    if (formula.macros) withMacros++;
  }
  assert.ok(withMacros > 100, `only ${withMacros} sampled formulas have macros`);
});
