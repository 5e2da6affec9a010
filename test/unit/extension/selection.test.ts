import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formulaFromSelection } from '../../../src/extension/selection';

test('a selection is searched without its math delimiters', () => {
  assert.deepEqual(formulaFromSelection(' x^2 + y^2 ', 'M'), { latex: 'x^2 + y^2', macros: 'M', display: true, env: 'equation' });
  assert.deepEqual(formulaFromSelection('$a+b$', ''), { latex: 'a+b', macros: '', display: false, env: 'inline' });
  assert.deepEqual(formulaFromSelection('$$a$$', ''), { latex: 'a', macros: '', display: true, env: '$$' });
  assert.deepEqual(formulaFromSelection('\\[ a \\]', ''), { latex: 'a', macros: '', display: true, env: '\\[' });
  assert.deepEqual(formulaFromSelection('\\(a\\)', ''), { latex: 'a', macros: '', display: false, env: 'inline' });
  assert.deepEqual(formulaFromSelection('\\begin{align*} a &= b \\end{align*}', ''), { latex: 'a &= b', macros: '', display: true, env: 'align*' });
  assert.deepEqual(formulaFromSelection('\\$5', ''), { latex: '\\$5', macros: '', display: true, env: 'equation' });
});

test('an empty selection or bare delimiters give no formula', () => {
  for (const selected of ['', '   ', '$$', '$', '\\[\\]', '$ $']) assert.equal(formulaFromSelection(selected, ''), undefined, selected);
});
