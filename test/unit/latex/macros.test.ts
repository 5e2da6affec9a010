import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectMacros, macroString, macrosUsedBy, shorthandsFrom } from '../../../src/core/latex';

const lines = (source: string) => macroString(collectMacros(source).definitions).split('\n');

test('every definition command is read into one line of LaTeX', () => {
  const source = String.raw`
\newcommand{\R}{\mathbb{R}}
\newcommand*\vx{\mathbf{x}}
\renewcommand{\vec}[1]{\boldsymbol{#1}}
\providecommand{\abs}[2][p]{\lvert #2 \rvert_{#1}}
\DeclareMathOperator{\tr}{tr}
\DeclareMathOperator*{\argmin}{arg\,min}
\DeclareRobustCommand{\norm}[1]{\lVert #1 \rVert}
\def\E{\mathbb{E}}
\def\ip#1#2{\langle #1, #2 \rangle}
\def\pair(#1,#2){(#1;#2)}
\let\eps=\varepsilon
\let\phi\varphi
\DeclarePairedDelimiter{\set}{\{}{\}}
\DeclarePairedDelimiterX{\inner}[2]{\langle}{\rangle}{#1,#2}
\newenvironment{proofsketch}{\begin{proof}[Sketch]}{\end{proof}}
`;
  assert.deepEqual(lines(source), [
    String.raw`\newcommand{\R}{\mathbb{R}}`,
    String.raw`\newcommand*\vx{\mathbf{x}}`,
    String.raw`\renewcommand{\vec}[1]{\boldsymbol{#1}}`,
    String.raw`\providecommand{\abs}[2][p]{\lvert #2 \rvert_{#1}}`,
    String.raw`\DeclareMathOperator{\tr}{tr}`,
    String.raw`\DeclareMathOperator*{\argmin}{arg\,min}`,
    String.raw`\DeclareRobustCommand{\norm}[1]{\lVert #1 \rVert}`,
    String.raw`\def\E{\mathbb{E}}`,
    String.raw`\def\ip#1#2{\langle #1, #2 \rangle}`,
    String.raw`\def\pair(#1,#2){(#1;#2)}`,
    String.raw`\let\eps=\varepsilon`,
    String.raw`\let\phi=\varphi`,
    String.raw`\DeclarePairedDelimiter{\set}{\{}{\}}`,
    String.raw`\DeclarePairedDelimiterX{\inner}[2]{\langle}{\rangle}{#1,#2}`,
    String.raw`\newenvironment{proofsketch}{\begin{proof}[Sketch]}{\end{proof}}`,
  ]);
});

test('multi-line definitions become one line, without their comments', () => {
  const source = '\\newcommand{\\loss}[1]{% the loss\n  \\mathcal{L}\\left(#1\\right)% no space\n}';
  assert.deepEqual(lines(source), ['\\newcommand{\\loss}[1]{ \\mathcal{L}\\left(#1\\right) }']);
});

test('definitions in comments or verbatim are not definitions', () => {
  const source = '% \\newcommand{\\A}{a}\n\\begin{verbatim}\n\\def\\B{b}\n\\end{verbatim}\n\\newcommand{\\C}{c}';
  assert.deepEqual(lines(source), ['\\newcommand{\\C}{c}']);
});

test('what cannot be read is skipped and reported, and reading carries on', () => {
  const collection = collectMacros('\\newcommand{\\broken}{\\frac{a}{b}\n\\let\\tilde{\n\\newcommand\n\\def\\ok{fine}');
  assert.deepEqual(collection.definitions.map((definition) => definition.name), ['\\ok']);
  assert.equal(collection.problems.length, 3);
  assert.match(collection.problems[0]!.reason, /newcommand: unbalanced or missing body/);
});

test('a later definition of a name replaces an earlier one, but \\providecommand never does', () => {
  const source = '\\newcommand{\\R}{R}\n\\renewcommand{\\R}{\\mathbb{R}}\n\\providecommand{\\R}{X}\n\\providecommand{\\N}{\\mathbb{N}}';
  assert.deepEqual(lines(source), ['\\renewcommand{\\R}{\\mathbb{R}}', '\\providecommand{\\N}{\\mathbb{N}}']);
});

test('shorthands: \\be/\\ee, aliases of them, environments in disguise; common ones unless redefined', () => {
  const { definitions } = collectMacros(String.raw`
\newcommand{\beq}{\begin{equation}}
\newcommand{\eeq}{\end{equation}}
\def\ba{\begin{align}}\def\ea{\end{align}}
\newcommand{\bal}{\ba}
\newcommand{\be}{\beta}
\newenvironment{eqn}{\begin{equation}}{\end{equation}}
`);
  const shorthands = shorthandsFrom(definitions);
  assert.deepEqual(shorthands.commands.get('beq'), { env: 'equation', opens: true });
  assert.deepEqual(shorthands.commands.get('eeq'), { env: 'equation', opens: false });
  assert.deepEqual(shorthands.commands.get('bal'), { env: 'align', opens: true });
  assert.equal(shorthands.commands.get('be'), undefined, '\\be is beta in this document');
  assert.deepEqual(shorthands.commands.get('bea'), { env: 'eqnarray', opens: true }, 'a common shorthand left undefined');
  assert.equal(shorthands.environments.get('eqn'), 'equation');
});

test('recursive and mutually recursive macros are text: collecting and resolving them terminates', { timeout: 10_000 }, () => {
  const { definitions } = collectMacros('\\def\\a{\\a}\n\\newcommand{\\b}{\\c}\n\\newcommand{\\c}{\\b}\n\\def\\d{\\d\\d}');
  assert.equal(definitions.length, 4);
  const shorthands = shorthandsFrom(definitions);
  for (const name of ['a', 'b', 'c', 'd']) assert.equal(shorthands.commands.get(name), undefined, name);
});

test('macrosUsedBy keeps the definitions formulas call, through other definitions, in order', () => {
  const macros = [
    '\\newcommand{\\R}{\\mathbb{R}}',
    '\\newcommand{\\vx}{\\mathbf{x}}',
    '\\newcommand{\\norm}[1]{\\lVert #1 \\rVert_{\\R}}',
    '\\def\\unused{u}',
    '\\def\\loop{\\loop}',
    '\\newenvironment{eqn}{\\begin{equation}}{\\end{equation}}',
  ].join('\n');
  assert.equal(macrosUsedBy(macros, ['\\norm{x} + \\loop']), [
    '\\newcommand{\\R}{\\mathbb{R}}',
    '\\newcommand{\\norm}[1]{\\lVert #1 \\rVert_{\\R}}',
    '\\def\\loop{\\loop}',
  ].join('\n'));
  assert.equal(macrosUsedBy(macros, ['\\begin{eqn} \\vx \\end{eqn}']).split('\n').length, 2);
  assert.equal(macrosUsedBy(macros, ['x + y']), '');
});

test('package internals (names with @) are left out of the macro string', () => {
  assert.deepEqual(lines('\\def\\@maketitle{x}\n\\newcommand{\\R}{\\mathbb{R}}'), ['\\newcommand{\\R}{\\mathbb{R}}']);
});
