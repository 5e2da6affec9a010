import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followsCursorIn, isTrackedLanguage } from '../../../src/extension/tracked-documents';

test('the status bar item belongs to LaTeX and Markdown editors only', () => {
  for (const language of ['latex', 'tex', 'markdown']) assert.equal(isTrackedLanguage(language), true, language);
  for (const language of ['plaintext', 'typescript', 'bibtex', 'json', undefined]) assert.equal(isTrackedLanguage(language), false, language);
});

test('LaTeX is always followed, as the engine finds its math', () => {
  assert.equal(followsCursorIn('latex', 'Prose without math.'), true);
  assert.equal(followsCursorIn('tex', ''), true);
});

test('Markdown is followed (and may start the engine) only when it holds math', () => {
  for (const text of [
    'The mean is $\\mu$.',
    'Display:\n\n$$\na^2 + b^2\n$$\n',
    'Inline \\(x\\) math.',
    'Bracketed \\[ \\int f \\] math.',
    '\\begin{equation}\nE = mc^2\n\\end{equation}',
    '\\begin{align*} a &= b \\end{align*}',
  ]) {
    assert.equal(followsCursorIn('markdown', text), true, text);
  }
  for (const text of [
    '# Notes\n\nNothing mathematical here.',
    'It costs $ 5, or $ 10 with shipping.',
    'Run:\n\n```sh\n$ npm install\n$ echo "$HOME"\n```\n',
    'Inline code `$PATH` and `\\(`.',
    '<!-- $x$ in a comment -->',
    'An unclosed $x opener and nothing else.',
  ]) {
    assert.equal(followsCursorIn('markdown', text), false, text);
  }
});

test('other languages are not followed', () => {
  assert.equal(followsCursorIn('plaintext', 'The mean is $\\mu$.'), false);
});
