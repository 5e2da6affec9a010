import assert from 'node:assert/strict';
import { test } from 'node:test';
import { citationText, citeButtonLabel } from '../../../src/extension/cite-command';

test('LaTeX documents get the configured cite command', () => {
  assert.equal(citationText('knuth84', 'latex', '\\cite'), '\\cite{knuth84}');
  assert.equal(citationText('knuth84', 'latex', '\\citep'), '\\citep{knuth84}');
  assert.equal(citationText('knuth84', 'tex', '\\autocite'), '\\autocite{knuth84}');
  assert.equal(citationText('knuth84', 'latex', '\\textcite*'), '\\textcite*{knuth84}');
  assert.equal(citationText('knuth84', 'latex', ' \\parencite '), '\\parencite{knuth84}');
});

test('a setting that is not one command falls back to \\cite', () => {
  for (const command of ['', 'citep', '\\cite{x}\\input', '\\cite p', '\\\\cite']) {
    assert.equal(citationText('k', 'latex', command), '\\cite{k}', JSON.stringify(command));
  }
});

test('Markdown documents get a Pandoc citation, whatever the setting', () => {
  assert.equal(citationText('knuth84', 'markdown', '\\citep'), '[@knuth84]');
});

test('the Insert button says what it writes: the configured command, or a Pandoc citation in Markdown', () => {
  assert.equal(citeButtonLabel('latex', '\\citep'), 'Insert \\citep');
  assert.equal(citeButtonLabel('latex', '\\cite{x}\\input'), 'Insert \\cite');
  assert.equal(citeButtonLabel('markdown', '\\citep'), 'Insert [@key]');
});
