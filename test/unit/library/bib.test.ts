import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultBibLimits, fileFieldPaths, findArxivId, parseBib } from '../../../src/core/library/bib';
import { junkBib } from '../../helpers/junk-bib';

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

const goodEntry = (key: string) => `@article{${key},\n  title = {Paper ${key}},\n  author = {Doe, Jane},\n  year = {2001}\n}\n`;

test('10 MB of junk around good entries: the entries are kept, the junk costs a few report lines and seconds', async () => {
  const junk = junkBib(5_000_000);
  const bib = [goodEntry('first'), junk, goodEntry('middle'), junkBib(5_000_000, 2), goodEntry('last')].join('\n');
  const started = performance.now();
  const parsed = await parseBib(bib, '/lib/junk.bib');
  const seconds = (performance.now() - started) / 1000;
  // The whole-file parse took hours on this (41.6 s for 300 KB, growing superlinearly); cut into entries, about 1 s.
  assert.ok(seconds < 30, `${seconds.toFixed(1)} s`);
  const good = parsed.entries.filter((entry) => entry.metadata.title.startsWith('Paper '));
  assert.deepEqual(good.map((entry) => [entry.key, entry.metadata.title]), [['first', 'Paper first'], ['middle', 'Paper middle'], ['last', 'Paper last']]);
  // Random text makes a well-formed entry now and then, as BibTeX would read it too.
  assert.ok(parsed.entries.length - good.length < 10, `${parsed.entries.length} entries`);
  assert.ok(parsed.problems.length > 2 && parsed.problems.length <= 110, `${parsed.problems.length} problems`);
  assert.match(parsed.problems.at(-1)!.problem, /^\d+ more problems at lines \d+–\d+, not listed one by one$/);
  assert.ok(parsed.problems.some((problem) => /^not an entry: \d+ "@" starting no @type\{key, …\} at lines? \d+/.test(problem.problem)));
});

test('an entry over the size limit and the rest of a file over the time budget are reported, not parsed', async () => {
  const long = `@article{long, title = {${'x'.repeat(500)}}}`;
  const sized = await parseBib([goodEntry('a'), long, goodEntry('b')].join('\n'), '/lib/a.bib', { ...defaultBibLimits, maxEntryChars: 300 });
  assert.deepEqual(sized.entries.map((entry) => entry.key), ['a', 'b']);
  assert.deepEqual(sized.problems.map(({ key, problem }) => [key, problem]), [['long', '@article at line 7 is over the 300-character limit of one entry (skipped)']]);
  const timed = await parseBib([goodEntry('a'), goodEntry('b')].join('\n'), '/lib/a.bib', { ...defaultBibLimits, timeBudgetMs: 0 });
  assert.deepEqual(timed.entries, []);
  assert.deepEqual(timed.problems.map((problem) => problem.problem), ['parsing stopped at line 1, over its 0 s budget: the entries from there on were not read']);
});

test('entry by entry as BibTeX reads them: @string, parentheses, comments, addresses, an entry left open', async () => {
  const bib = [
    '% contact: jane@example.org',
    '@string{defined = {Defined}}',
    '@comment{jabref-meta: databaseType:bibtex;}',
    '@article(paren, title = defined # { in parentheses})',
    'Some free text between entries.',
    '@article{open, title = {Never closed (see @article{inner, title = {x}})',
    '@misc{after, title = {After the open one}, note = {x@y}}',
  ].join('\n');
  const parsed = await parseBib(bib, '/lib/a.bib');
  assert.deepEqual(parsed.entries.map((entry) => [entry.key, entry.metadata.title]), [['paren', 'Defined in parentheses'], ['after', 'After the open one']]);
  assert.deepEqual(parsed.problems.map(({ key, problem }) => [key, problem]), [['open', 'broken entry: @article at line 6 is not closed (a missing "}")']]);
});
