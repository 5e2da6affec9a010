import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readArgument, translateMacros } from '../../../src/core/render/macros';

test('starred \\newcommand and \\renewcommand become the plain forms MathJax 3 knows', () => {
  assert.deepEqual(translateMacros('\\newcommand*{\\bracks}[1]{\\left(#1\\right)}\n\\renewcommand*{\\vec}[1]{\\boldsymbol{#1}}'), [
    { ok: true, tex: '\\newcommand{\\bracks}[1]{\\left(#1\\right)}' },
    { ok: true, tex: '\\newcommand{\\vec}[1]{\\boldsymbol{#1}}' },
  ]);
});

test('\\providecommand defines only if undefined: the name travels with the definition', () => {
  assert.deepEqual(translateMacros('\\providecommand{\\SET}[1]{\\{#1\\}}'), [
    { ok: true, tex: '\\newcommand{\\SET}[1]{\\{#1\\}}', providing: '\\SET' },
  ]);
});

test('\\DeclareMathOperator(*) becomes \\operatorname(*), with or without braces around the name', () => {
  assert.deepEqual(translateMacros('\\DeclareMathOperator*{\\argmin}{arg\\,min}\n\\DeclareMathOperator\\Var{Var}'), [
    { ok: true, tex: '\\newcommand{\\argmin}{\\operatorname*{arg\\,min}}' },
    { ok: true, tex: '\\newcommand{\\Var}{\\operatorname{Var}}' },
  ]);
});

test('definitions MathJax cannot use, and redefinitions of \\left, are dropped with a reason', () => {
  const [symbol, left, broken] = translateMacros(
    '\\DeclareMathSymbol{\\zeta}{\\mathalpha}{egreeki}{"10}\n\\renewcommand{\\left}{\\mathopen{}\\mathclose\\bgroup\\originalleft}\n\\DeclareMathOperator{\\x',
  );
  assert.equal(symbol?.ok, false);
  assert.equal(left?.ok, false);
  assert.equal(broken?.ok, false);
});

test('\\def, \\let and mathtools definitions pass through; \\gdef becomes \\def; blank lines vanish', () => {
  assert.deepEqual(translateMacros('\\def\\A{{\\cal A}}\n\n\\let\\o=\\omega\n\\gdef\\B{b}\n\\DeclarePairedDelimiter{\\abs}{\\lvert}{\\rvert}'), [
    { ok: true, tex: '\\def\\A{{\\cal A}}' },
    { ok: true, tex: '\\let\\o=\\omega' },
    { ok: true, tex: '\\def\\B{b}' },
    { ok: true, tex: '\\DeclarePairedDelimiter{\\abs}{\\lvert}{\\rvert}' },
  ]);
});

test('readArgument reads groups with nested and escaped braces, and single tokens', () => {
  assert.deepEqual(readArgument('{a{b}\\}c} rest', 0), { content: 'a{b}\\}c', end: 9 });
  assert.deepEqual(readArgument('  \\name{x}', 0), { content: '\\name', end: 7 });
  assert.equal(readArgument('{unclosed', 0), undefined);
});

test('\\DeclareMathSymbol letters: declared fonts are read as OML (math italic), the standard ones by name', () => {
  assert.deepEqual(
    translateMacros(
      [
        '\\DeclareMathSymbol{\\varIota}{\\mathalpha}{egreeki}{"49}',
        '\\DeclareMathSymbol{\\altlambda}{\\mathalpha}{greek}{"15}',
        '\\DeclareMathSymbol{\\Dlt}{\\mathord}{letters}{\'1}',
        '\\DeclareMathSymbol{\\Rm}{\\mathalpha}{operators}{`R}',
      ].join('\n'),
    ),
    [
      { ok: true, tex: '\\newcommand{\\varIota}{I}' },
      { ok: true, tex: '\\newcommand{\\altlambda}{λ}' },
      { ok: true, tex: '\\newcommand{\\Dlt}{Δ}' },
      { ok: true, tex: '\\newcommand{\\Rm}{\\mathrm{R}}' },
    ],
  );
  // Renaming MathJax's own glyph changes nothing; symbol fonts and binary operators are not guessed.
  for (const line of [
    '\\DeclareMathSymbol{\\lambda}{\\mathalpha}{egreeki}{"15}',
    '\\DeclareMathSymbol{\\boxtimes}{\\mathbin}{AMSa}{"02}',
    '\\DeclareMathSymbol{\\odd}{\\mathord}{symbols}{"20}',
    '\\DeclareMathSymbol{\\blank}{\\mathalpha}{egreeki}{"7F}',
    '\\DeclareMathSymbol{\\x}{\\mathalpha}',
  ]) {
    assert.equal(translateMacros(line)[0]?.ok, false, line);
  }
});

test('\\mathchardef of a roman or math-italic slot becomes that character', () => {
  assert.deepEqual(translateMacros('\\mathchardef\\mhyphen="2D\n\\mathchardef\\ital="7141\n\\mathchardef\\big="0350'), [
    { ok: true, tex: '\\newcommand{\\mhyphen}{\\mathord{\\text{-}}}' },
    { ok: true, tex: '\\newcommand{\\ital}{A}' },
    { ok: false, source: '\\mathchardef\\big="0350', reason: 'family 3 is not translated' },
  ]);
});

test('xparse commands with mandatory arguments and one leading optional one become \\newcommand', () => {
  assert.deepEqual(
    translateMacros(
      '\\NewDocumentCommand{\\Law}{o}{ \\mu\\IfValueT{#1}{_{#1}} }\n\\DeclareDocumentCommand\\pair{O{0} m}{(#1,#2)}\n\\ProvideDocumentCommand{\\two}{mm}{#1#2}',
    ),
    [
      { ok: true, tex: '\\newcommand{\\Law}[1][-NoValue-]{ \\mu\\IfValueT{#1}{_{#1}} }' },
      { ok: true, tex: '\\newcommand{\\pair}[2][0]{(#1,#2)}' },
      { ok: true, tex: '\\newcommand{\\two}[2]{#1#2}', providing: '\\two' },
    ],
  );
  assert.equal(translateMacros('\\NewDocumentCommand{\\f}{m o}{#1#2}')[0]?.ok, false);
  assert.equal(translateMacros('\\NewDocumentCommand{\\f}{s m}{#2}')[0]?.ok, false);
});

test('\\DeclareRobustCommand defines like \\newcommand', () => {
  assert.deepEqual(translateMacros('\\DeclareRobustCommand{\\vect}[1]{\\mathbf{#1}}'), [{ ok: true, tex: '\\newcommand{\\vect}[1]{\\mathbf{#1}}' }]);
});
