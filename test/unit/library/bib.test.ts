import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileFieldPaths, findArxivId, parseBib } from '../../../src/core/library/bib';

test('a broken entry is reported with its key and parsing recovers after it', async () => {
  const bib = [
    '@article{good1, title = {First}, author = {Doe, Jane}, year = 2001}',
    '@article{broken, title = {Never closed, author = {X}',
    '',
    '@article{good2, title = {Second}, year = {2002}}',
  ].join('\n');
  const parsed = await parseBib(bib, '/lib/refs.bib');
  assert.deepEqual(parsed.entries.map((entry) => entry.key), ['good1', 'good2']);
  assert.equal(parsed.problems.length, 1);
  assert.equal(parsed.problems[0]!.key, 'broken');
  assert.match(parsed.problems[0]!.problem, /^broken entry: /);
});

test('binary garbage gives problems, not an exception', async () => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919) % 256)).toString('latin1');
  const parsed = await parseBib(garbage, '/lib/garbage.bib');
  assert.deepEqual(parsed.entries, []);
  assert.ok(parsed.problems.length > 0);
});

test('metadata: title, authors (with accents), year, DOI, URL, key', async () => {
  const bib = '@article{k, title = {On {$\\alpha$}-Stable Laws}, author = {M{\\"u}ller, Anna and de Vries, Jan}, year = {1999}, doi = {10.1/x}, url = {https://example.org/p}}';
  const [entry] = (await parseBib(bib, '/lib/a.bib')).entries;
  assert.deepEqual(entry!.metadata, {
    title: 'On α-Stable Laws',
    authors: ['Anna Müller', 'Jan de Vries'],
    year: '1999',
    key: 'k',
    doi: '10.1/x',
    url: 'https://example.org/p',
  });
});

test('the arXiv id comes from eprint, arxiv URLs, arXiv DOIs and "arXiv:" mentions', async () => {
  const bib = [
    '@misc{a, eprint = {2101.00001v2}, archivePrefix = {arXiv}}',
    '@misc{b, url = {https://arxiv.org/pdf/hep-th/0301001v1.pdf}}',
    '@misc{c, doi = {10.48550/arXiv.2305.12345}}',
    '@misc{d, journal = {arXiv preprint arXiv:1706.03762}}',
    '@misc{e, eprint = {12345}, archivePrefix = {HAL}}',
  ].join('\n');
  const ids = (await parseBib(bib, '/lib/a.bib')).entries.map((entry) => entry.metadata.eprint);
  assert.deepEqual(ids, ['2101.00001', 'hep-th/0301001', '2305.12345', '1706.03762', undefined]);
  assert.equal(findArxivId('math.AG/0601001'), 'math.AG/0601001');
  assert.equal(findArxivId('not an id 1234'), undefined);
});

test('file fields in JabRef, Zotero and Mendeley styles resolve against the bib folder', async () => {
  assert.deepEqual(fileFieldPaths('paper.pdf'), ['paper.pdf']);
  assert.deepEqual(fileFieldPaths(':papers/a.pdf:PDF;Source:src/a:Directory'), ['papers/a.pdf', 'src/a']);
  assert.deepEqual(fileFieldPaths('Full Text PDF:/home/u/Zotero/storage/AB/a.pdf:application/pdf'), ['/home/u/Zotero/storage/AB/a.pdf']);
  assert.deepEqual(fileFieldPaths(':C\\:/Users/me/a.pdf:pdf'), ['C:/Users/me/a.pdf']);
  const [entry] = (await parseBib('@misc{k, file = {:sub/a.tex:TeX}, source = {../src/k}}', '/lib/refs.bib')).entries;
  assert.deepEqual(entry!.files, ['/lib/sub/a.tex']);
  assert.equal(entry!.source, '/src/k');
});
