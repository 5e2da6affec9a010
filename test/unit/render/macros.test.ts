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
