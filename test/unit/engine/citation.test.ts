import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseKey, bibtexEntry, findOrBuildCitation, uniqueKey } from '../../../src/engine/citation';
import type { PaperMeta } from '../../../src/engine/protocol';
import { junkBib } from '../../helpers/junk-bib';

// The parser's CommonJS build does not load; its ESM build does (as in the engine).
const parseBibtex = async (text: string) => (await import('@retorquere/bibtex-parser')).parse(text);

const paper: PaperMeta = {
  id: 'hep-th/0301001',
  title: 'Precanonical Quantization of Yang-Mills Fields & the {Schrödinger} Representation',
  authors: ['Igor V. Kanatchikov'],
  year: 2003,
  arxivId: 'hep-th/0301001',
  url: 'https://arxiv.org/abs/hep-th/0301001',
  macros: '',
};

test('a paper already in a .bib file is found by its arXiv id, whatever its key', async () => {
  const bib = '@article{kan03,\n  title = {Something else},\n  eprint = {hep-th/0301001}\n}\n';
  const result = await findOrBuildCitation({ paper, bibFiles: [{ path: '/p/refs.bib', text: bib }] });
  assert.deepEqual(result, { kind: 'found', key: 'kan03', bibPath: '/p/refs.bib', entry: bib.trim() });
});

test('a .bib with megabytes of junk around the entry: found in seconds', async () => {
  const entry = '@article{kan03,\n  title = {Something else},\n  eprint = {hep-th/0301001}\n}';
  const started = performance.now();
  const result = await findOrBuildCitation({ paper, bibFiles: [{ path: '/p/refs.bib', text: `${junkBib(2_000_000)}\n${entry}\n${junkBib(1_000_000, 2)}` }] });
  assert.ok(performance.now() - started < 20_000, 'the whole-file parse took hours on this');
  assert.deepEqual(result, { kind: 'found', key: 'kan03', bibPath: '/p/refs.bib', entry });
});

test('a paper is found by its title ignoring case, braces and punctuation', async () => {
  const bib = '@misc{k, title = {PRECANONICAL quantization of {Yang--Mills} fields and the Schr\\"odinger representation}}';
  const titled = { ...paper, arxivId: undefined, title: 'Precanonical quantization of Yang-Mills fields and the Schrödinger representation' };
  const result = await findOrBuildCitation({ paper: titled, bibFiles: [{ path: 'a.bib', text: bib }] });
  assert.equal(result.kind, 'found');
  assert.equal(result.key, 'k');
});

test('a missing paper gets an entry under a key no .bib file uses, and the entry parses back', async () => {
  const taken = '@misc{kanatchikov2003precanonical, title={Other}}\n@misc{Kanatchikov2003precanonicala, title={Other too}}';
  const result = await findOrBuildCitation({ paper, bibFiles: [{ path: 'a.bib', text: taken }, { path: 'b.bib', text: '@misc{broken, title={' }] });
  assert.equal(result.kind, 'missing');
  assert.equal(result.key, 'kanatchikov2003precanonicalb');
  const [entry] = (await parseBibtex(result.entry)).entries;
  assert.equal(entry?.key, result.key);
  assert.equal(entry?.type, 'article');
  assert.equal(entry?.fields.eprint, 'hep-th/0301001');
  assert.equal(entry?.fields.year, '2003');
  assert.deepEqual(entry?.fields.author, [{ lastName: 'Kanatchikov', firstName: 'Igor V.' }]);
  assert.match(result.entry, /title = \{\{Precanonical Quantization of Yang-Mills Fields \\& the \{Schrödinger\} Representation\}\}/);
});

test('entries stay well-formed for unbalanced braces and empty metadata', async () => {
  const odd: PaperMeta = { id: 'gh:x/y', title: 'A } broken { title 100%', authors: [], year: null, macros: '' };
  const entry = bibtexEntry(odd, baseKey(odd));
  assert.equal(baseKey(odd), 'broken');
  assert.match(entry, /^@misc\{broken,\n  title = \{\{A broken title 100\\%\}\},\n\}\n$/);
  assert.equal((await parseBibtex(entry)).errors.length, 0);
  const anonymous: PaperMeta = { id: 'gh:x/y', title: '', authors: [], year: null, macros: '' };
  assert.equal(baseKey(anonymous), 'papergh' + 'xy');
});

test('unique keys count on past z without repeating', async () => {
  const used = new Set(['k', ...Array.from({ length: 26 }, (_, i) => 'k' + String.fromCharCode(97 + i))]);
  assert.equal(uniqueKey('k', used), 'kaa');
  assert.equal(uniqueKey('K', new Set(['x'])), 'K');
});

test('the key the paper’s own library uses is found as is', async () => {
  const bib = '@book{hott, title = {Homotopy Type Theory}}';
  const result = await findOrBuildCitation({ paper: { ...paper, arxivId: undefined, key: 'hott' }, bibFiles: [{ path: 'a.bib', text: bib }] });
  assert.equal(result.kind, 'found');
  assert.equal(result.key, 'hott');
});
