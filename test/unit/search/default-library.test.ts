import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import {
  defaultIndexDirectory,
  defaultLibraryFile,
  librarySha256,
  openDefaultIndex,
  readDefaultLibrary,
  type BundledRecord,
} from '../../../src/core/search/default-library';
import { BitmapSidecar } from '../../../src/core/search/bitmap-store';
import { searchSimilar } from '../../../src/core/search/search';
import { repoRoot } from '../../helpers/paths';
import { HashingEmbedder } from './hashing-embedder';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-default-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const record = (id: string, latex: string[]): BundledRecord => ({
  id,
  title: `Title ${id}`,
  authors: ['An Author'],
  year: 2020,
  url: `https://example.org/${id}`,
  source: 'github:example/repo',
  path: `${id}.tex`,
  license: 'CC-BY-4.0',
  macros: '\\newcommand{\\R}{\\mathbb{R}}',
  formulas: latex.map((body) => ({ latex: body, env: 'equation', section: 'Intro', inline: false })),
});

function writeLibrary(name: string, records: BundledRecord[]): string {
  const file = path.join(scratch, name);
  writeFileSync(file, gzipSync(records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  return file;
}

test('the bundled library ships only openly licensed texts, each with an attribution row, and stays small', () => {
  const file = defaultLibraryFile(path.join(repoRoot, 'src', 'core', 'search'));
  assert.ok(file, 'data/default-library/papers.jsonl.gz is in the repository');
  assert.ok(statSync(file).size < 5 * 1024 * 1024);
  const papers = readDefaultLibrary(file);
  assert.ok(papers.ok, papers.ok ? '' : papers.reason);
  const attribution = readFileSync(path.join(path.dirname(file), 'ATTRIBUTION.md'), 'utf8');
  const openLicence = /creativecommons\.org\/(licenses\/by(-sa)?\/|publicdomain\/zero)|^CC-BY(-SA)?-4\.0|^GFDL|GPL|MIT|Apache|BSD/;
  for (const { paper, formulas } of papers.value) {
    assert.match(paper.license ?? '', openLicence, `${paper.id}: ${paper.license}`);
    assert.doesNotMatch(paper.license ?? '', /(^|[^A-Z])(NC|ND)-/, `${paper.id}: ${paper.license}`);
    const source = paper.sourcePath!.startsWith('github:') ? paper.sourcePath!.split('/').slice(0, 2).join('/') : paper.sourcePath!.split('/')[0];
    assert.ok(attribution.includes(`| ${source} |`), `${paper.id}: ${source} has an attribution row`);
    assert.ok(formulas.length > 0 && formulas.every((formula) => formula.latex.length > 0));
  }
  assert.ok(papers.value.some(({ paper }) => paper.id.startsWith('gh:d2l-ai/d2l-en')), 'includes d2l');
});

test('the default index is built on first use with progress, rendering nothing, then reused; a new library file has its own', async () => {
  const cacheRoot = path.join(scratch, 'cache');
  const embedder = new HashingEmbedder();
  const first = writeLibrary('v1.jsonl.gz', [record('a', ['x^2 + y^2', 'e^{i\\pi}']), record('b', ['\\R^n'])]);
  const progress: number[] = [];
  const built = await openDefaultIndex({ cacheRoot, libraryFile: first, onProgress: (p) => progress.push(p.formulasDone) });
  assert.ok(built.ok, built.ok ? '' : built.reason.message);
  assert.equal(built.value.built, true);
  assert.equal(progress.at(-1), 3);
  assert.equal(built.value.index.directory, defaultIndexDirectory(librarySha256(first), cacheRoot));
  assert.deepEqual(readdirSync(built.value.index.directory).filter((name) => name.startsWith('bitmap-')), [], 'no bitmap sidecar');
  // A bitmap search builds the sidecar on first use.
  const bitmap = await BitmapSidecar.open(built.value.index, embedder);
  const found = await searchSimilar(built.value.index, bitmap!, { latex: 'x^2 + y^2', display: true }, { k: 1 });
  assert.ok(found.ok);
  assert.equal(found.value.papers[0].paper.id, 'a');
  assert.equal(found.value.papers[0].paper.library, 'default');
  assert.equal(found.value.papers[0].paper.macros, '\\newcommand{\\R}{\\mathbb{R}}');
  built.value.index.close();

  const reused = await openDefaultIndex({ cacheRoot, libraryFile: first });
  assert.ok(reused.ok && !reused.value.built);
  reused.value.index.close();

  const second = writeLibrary('v2.jsonl.gz', [record('a', ['x^2 + y^2', 'e^{i\\pi}']), record('c', ['\\int f'])]);
  const updated = await openDefaultIndex({ cacheRoot, libraryFile: second });
  assert.ok(updated.ok && updated.value.built);
  assert.notEqual(updated.value.index.directory, built.value.index.directory);
  assert.deepEqual(updated.value.index.papers().map((p) => p.id).sort(), ['a', 'c']);
  updated.value.index.close();
});

test('a damaged library file is a typed error', async () => {
  const garbage = path.join(scratch, 'garbage.jsonl.gz');
  writeFileSync(garbage, 'definitely not gzip');
  const result = await openDefaultIndex({ cacheRoot: path.join(scratch, 'cache2'), libraryFile: garbage });
  assert.equal(!result.ok && result.reason.kind, 'corrupt');
  const notJson = path.join(scratch, 'bad.jsonl.gz');
  writeFileSync(notJson, gzipSync('{"id": "x", "formulas": []}\n{oops\n'));
  const parsed = readDefaultLibrary(notJson);
  assert.match(!parsed.ok ? parsed.reason : '', /record 2/);
});
