import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedBibFiles } from '../../../src/extension/bib-files';

test('LaTeX documents name their .bib files with \\bibliography and \\addbibresource', () => {
  const text = [
    '\\addbibresource[label=x]{refs.bib}',
    '% \\bibliography{old}',
    '\\bibliography{ refs, ../shared/more }',
    '50\\% done \\addglobalbib{g.bib}',
  ].join('\n');
  assert.deepEqual(namedBibFiles(text, 'latex', '/p/doc'), ['/p/doc/refs.bib', '/p/shared/more.bib', '/p/doc/g.bib']);
  assert.deepEqual(namedBibFiles('no bibliography here', 'latex', '/p'), []);
});

test('Markdown documents name theirs in the front matter', () => {
  assert.deepEqual(namedBibFiles('---\ntitle: x\nbibliography: "refs.bib"\n---\n# A', 'markdown', '/m'), ['/m/refs.bib']);
  assert.deepEqual(namedBibFiles('---\nbibliography: [a.bib, b.bib]\n---\n', 'markdown', '/m'), ['/m/a.bib', '/m/b.bib']);
  assert.deepEqual(namedBibFiles('---\nbibliography:\n  - a.bib\n  - sub/b.bib\nother: 1\n---\n', 'markdown', '/m'), ['/m/a.bib', '/m/sub/b.bib']);
  assert.deepEqual(namedBibFiles('text\n---\nbibliography: a.bib\n---\n', 'markdown', '/m'), [], 'front matter only at the top');
});
