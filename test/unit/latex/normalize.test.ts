import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeFormula } from '../../../src/core/latex';

test('labels, tags, \\nonumber and \\notag go; alignment & and \\\\ stay', () => {
  const body = '\\label{eq:a} a &= b \\nonumber \\\\\n c &= d \\tag*{(1)} \\notag\\\\\n e &= f \\tag{2}';
  assert.equal(normalizeFormula(body, true), 'a &= b \\\\\nc &= d \\\\\ne &= f');
});

test('comments go, escaped \\% stays, and \\\\% is a row break before a comment', () => {
  assert.equal(normalizeFormula('a = 50\\% % the rate\n + b', true), 'a = 50\\%\n+ b');
  assert.equal(normalizeFormula('a \\\\% end of row\n b', true), 'a \\\\\nb');
});

test('the punctuation ending a displayed sentence goes, with the spacing before it', () => {
  const cases: [string, string][] = [
    ['x = 1,', 'x = 1'],
    ['x = 1 .', 'x = 1'],
    ['x = 1\\,.', 'x = 1'],
    ['x = 1 \\quad ;', 'x = 1'],
    ['x = 1 \\text{.}', 'x = 1'],
    ['x = 1. \\label{e}', 'x = 1'],
    ['a &= b, \\\\ c &= d. \\\\', 'a &= b, \\\\ c &= d'],
    ['\\left\\{ a \\right.', '\\left\\{ a \\right.'],
    ['\\dot{x} = \\.x', '\\dot{x} = \\.x'],
    ['1 + 2 + \\cdots.', '1 + 2 + \\cdots'],
  ];
  for (const [body, expected] of cases) assert.equal(normalizeFormula(body, true), expected, body);
});

test('inline formulas keep their punctuation but lose labels and comments', () => {
  assert.equal(normalizeFormula('f(x) = x^2,', false), 'f(x) = x^2,');
  assert.equal(normalizeFormula('  a   +\tb % c\n', false), 'a + b');
});

test('whitespace is tidied: runs collapse, blank lines go, line breaks stay', () => {
  assert.equal(normalizeFormula('\n  a   &=  b \\\\\n\n   c &= d  \n', true), 'a &= b \\\\\nc &= d');
});

test('an empty or label-only body normalises to the empty string', () => {
  assert.equal(normalizeFormula('  \\label{x} % only a label\n', true), '');
  assert.equal(normalizeFormula('.', true), '');
});

// Quadratic trailing-space stripping would take minutes here; the timeout is a hang guard, not a speed goal.
test('long runs of spacing cost linear time', { timeout: 10_000 }, () => {
  const body = 'x' + '\\,'.repeat(200_000) + 'y' + ' \\quad'.repeat(200_000) + '.';
  assert.equal(normalizeFormula(body, true), 'x' + '\\,'.repeat(200_000) + 'y');
});
