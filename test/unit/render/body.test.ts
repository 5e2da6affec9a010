import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_NESTING, nestingDepth, repairEscapes, repairText, wrapBody } from '../../../src/core/render/body';

test('align-type bodies are wrapped as their display environment typesets them', () => {
  assert.equal(wrapBody('a&=b', 'align', true), '\\begin{align*}a&=b \\end{align*}');
  assert.equal(wrapBody('a&=b', 'eqnarray', true), '\\begin{eqnarray*}a&=b \\end{eqnarray*}');
  assert.equal(wrapBody('a&=b', 'alignat*', true), '\\begin{aligned}a&=b \\end{aligned}');
  assert.equal(wrapBody('a\\\\b', 'multline', true), '\\begin{gathered}a\\\\b \\end{gathered}');
  assert.equal(wrapBody('x', 'equation', true), 'x');
  // A body ending in a lone backslash cannot swallow the closing \end.
  assert.equal(wrapBody('a&=b \\\\\\', 'align', true), '\\begin{align*}a&=b \\\\\\ \\end{align*}');
  assert.equal(wrapBody('x', '$$', true), 'x');
  // Top-level-only environments become their inner forms in text style.
  assert.equal(wrapBody('a&=b', 'align', false), '\\begin{aligned}a&=b \\end{aligned}');
});

test('nesting depth counts groups, \\left…\\right and environments, not escaped braces', () => {
  assert.equal(nestingDepth('a'), 0);
  assert.equal(nestingDepth('{a{b}}'), 2);
  assert.equal(nestingDepth('\\{ \\} \\\\{x}'), 1);
  assert.equal(nestingDepth('\\left( \\frac{a}{b} \\right)'), 2);
  assert.equal(nestingDepth('\\begin{cases} {x} \\end{cases}'), 2);
  assert.equal(nestingDepth('{'.repeat(MAX_NESTING + 1)), MAX_NESTING + 1);
  assert.equal(nestingDepth('}}}{'), 1); // stray closers do not go negative
});

test('invalid text (broken UTF-8, lone surrogates, control characters) is replaced and reported', () => {
  const decoded = Buffer.from([0x78, 0xff, 0xfe, 0x2b, 0x79]).toString('utf8');
  const broken = repairText(decoded);
  assert.equal(broken.text, 'x\uFFFD\uFFFD+y');
  assert.equal(broken.issue?.kind, 'invalid-text');
  assert.equal(repairText('a\uD800b\u0007c').text, 'a\uFFFDb\uFFFDc');
  assert.deepEqual(repairText('x^2 \\text{日本語} 😀'), { text: 'x^2 \\text{日本語} 😀' });
});

test('Markdown-escaped row ends and delimiters are repaired; real display openers and row ends are left alone', () => {
  // `\\[10pt]` whose first backslash Markdown ate, in any TeX unit.
  assert.equal(repairEscapes('a &= b \\[10pt] c &= d \\[-2.5ex] e'), 'a &= b \\\\[10pt] c &= d \\\\[-2.5ex] e');
  assert.equal(repairEscapes('\\[4pt] x'), '\\\\[4pt] x');
  assert.equal(repairEscapes('a \\\\[4pt] b'), 'a \\\\[4pt] b');
  // `\[` not followed by a dimension stays what it was (a nested display, reported by the typesetter).
  assert.equal(repairEscapes('\\[ x \\]'), '\\[ x \\]');
  assert.equal(repairEscapes('\\left\\\\{ x \\right\\\\} \\middle\\\\}'), '\\left\\{ x \\right\\} \\middle\\}');
  // \jot is 3pt; a bare \jot is one of them.
  assert.equal(repairEscapes('a \\\\[2\\jot] b \\\\[\\jot] c \\[1.5\\jot] d'), 'a \\\\[6pt] b \\\\[3pt] c \\\\[4.5pt] d');
});
