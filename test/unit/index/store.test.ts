import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { MetadataStore } from '../../../src/core/index/metadata';
import { FormulaIndex } from '../../../src/core/index/store';
import { INDEX_FORMAT_VERSION, type IndexOptions, type PaperToAdd } from '../../../src/core/index/types';

const options: IndexOptions = {};
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-index-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const freshFolder = () => path.join(scratch, `index-${++folders}`);

function paper(id: string, formulas: number, extra: Partial<PaperToAdd['paper']> = {}): PaperToAdd {
  return {
    paper: { id, title: `Paper ${id}`, authors: ['A. Author'], library: 'main', ...extra },
    formulas: Array.from({ length: formulas }, (_, i) => ({
      latex: `x_{${id}}^{${i}}`,
      file: 'main.tex',
      line: 10 + i,
      section: 'Intro',
      env: 'equation',
      inline: false,
    })),
  };
}

function open(directory: string, overrides: Partial<IndexOptions> = {}) {
  const opened = FormulaIndex.open(directory, { ...options, ...overrides });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  return opened.value;
}

/** The live formulas of an index by paper id, in id order. */
const formulasByPaper = (index: FormulaIndex) => {
  const byPaper = new Map<string, string[]>();
  for (const formula of index.allFormulas()) byPaper.set(formula.paperId, [...(byPaper.get(formula.paperId) ?? []), formula.latex]);
  return byPaper;
};

test('papers and formulas are stored with their locations and metadata, and survive a reload', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const a = paper('a', 20, { year: '2019', doi: '10.1/x' });
  const b = paper('b', 20);
  assert.deepEqual(index.update({ add: [a, b] }), { ok: true, value: { added: 2, removed: 0 } });
  const seventh = [...index.allFormulas()].find((formula) => formula.latex === 'x_{b}^{7}')!;
  assert.equal(index.paperIdOf(seventh.id), 'b');
  const stored = index.formulas([seventh.id]).get(seventh.id);
  assert.deepEqual(
    { latex: stored?.latex, line: stored?.line, file: stored?.file, inline: stored?.inline, paperId: stored?.paperId },
    { latex: 'x_{b}^{7}', line: 17, file: 'main.tex', inline: false, paperId: 'b' },
  );
  const before = formulasByPaper(index);
  index.close();

  const { index: reopened, notices } = open(directory);
  assert.deepEqual(notices, []);
  assert.deepEqual(formulasByPaper(reopened), before);
  assert.equal(reopened.paper('a')?.doi, '10.1/x');
  assert.equal(reopened.stats().formulas, 40);
  reopened.close();
});

test('removing a paper removes its formulas, durably, and only the committed generation stays on disk', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const papers = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => paper(id, 10));
  index.update({ add: papers });
  assert.deepEqual(index.update({ remove: ['p2', 'unknown'] }), { ok: true, value: { added: 0, removed: 1 } });
  assert.equal(formulasByPaper(index).has('p2'), false);
  assert.equal(index.formulaCount, 40);
  index.close();

  const { index: reopened } = open(directory);
  assert.equal(reopened.paper('p2'), undefined);
  assert.equal(formulasByPaper(reopened).has('p2'), false);
  reopened.update({ remove: ['p3'] });
  const stats = reopened.stats();
  assert.equal(stats.formulas, 30);
  assert.deepEqual(readdirSync(directory).filter((name) => name.startsWith('metadata-')), [`metadata-${stats.generation}.sqlite`]);
  reopened.close();
});

test('adding a paper again replaces it', () => {
  const { index } = open(freshFolder());
  index.update({ add: [paper('a', 5)] });
  index.update({ add: [paper('a', 3, { title: 'Second version' })] });
  assert.equal(index.stats().formulas, 3);
  assert.equal(index.paper('a')?.title, 'Second version');
  index.close();
});

test('filters by year, library and excluded paper', () => {
  const { index } = open(freshFolder());
  index.update({
    add: [
      paper('old', 10, { year: '2001' }),
      paper('new', 10, { year: '2021' }),
      paper('other', 10, { year: '2021', library: 'other' }),
      paper('undated', 10),
    ],
  });
  const papersOf = (filter: Parameters<typeof index.acceptor>[0]) => {
    const accept = index.acceptor(filter) ?? (() => true);
    return [...new Set([...index.allFormulas()].filter((formula) => accept(formula.id)).map((formula) => formula.paperId))].sort();
  };
  assert.deepEqual(papersOf({}), ['new', 'old', 'other', 'undated']);
  assert.deepEqual(papersOf({ yearFrom: 2010 }), ['new', 'other']);
  assert.deepEqual(papersOf({ yearTo: 2010 }), ['old']);
  assert.deepEqual(papersOf({ libraries: ['other'] }), ['other']);
  assert.deepEqual(papersOf({ excludePapers: ['new', 'old'] }), ['other', 'undated']);
  index.close();
});

test('bad input is refused with a typed error and leaves the index unchanged', () => {
  const { index } = open(freshFolder());
  const result = index.update({ add: [paper('c', 1), paper('c', 1)] });
  assert.equal(!result.ok && result.reason.kind, 'invalid-input');
  assert.equal(index.update({ add: [paper('', 1)] }).ok, false);
  assert.equal(index.stats().formulas, 0);
  index.close();
});

test('an index of the earlier format (embeddings in the catalogue) is refused with the way out, or started afresh when asked', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  index.update({ add: [paper('a', 3)] });
  const { generation } = index.stats();
  index.close();
  const database = MetadataStore.open(path.join(directory, `metadata-${generation}.sqlite`), 'write');
  database.writeManifest({ formatVersion: 1, generation });
  database.close();
  for (const refused of [FormulaIndex.open(directory, options), FormulaIndex.openForReading(directory)]) {
    assert.equal(!refused.ok && refused.reason.kind, 'format-mismatch');
    assert.match(!refused.ok ? refused.reason.message : '', new RegExp(`Index format 1 \\(this version reads ${INDEX_FORMAT_VERSION}\\).*index again.*--rebuild`));
  }
  const { index: rebuilt, notices } = open(directory, { onMismatch: 'rebuild' });
  assert.equal(rebuilt.stats().formulas, 0);
  assert.equal(rebuilt.stats().formatVersion, INDEX_FORMAT_VERSION);
  assert.match(notices.join('\n'), /started a new, empty index/);
  assert.ok(rebuilt.stats().generation > generation, 'the new index numbers its generations on from the old one');
  rebuilt.close();
});

test('damaged metadata gives a clear error with the way out, never a crash', () => {
  for (const damage of ['garbage', 'truncated'] as const) {
    const directory = freshFolder();
    const { index } = open(directory);
    index.update({ add: [paper('a', 200)] });
    index.close();
    const database = path.join(directory, `metadata-${index.stats().generation}.sqlite`);
    if (damage === 'garbage') writeFileSync(database, Buffer.alloc(8192, 0x5a));
    else writeFileSync(database, readFileSync(database).subarray(0, 6000));
    const result = FormulaIndex.open(directory, options);
    assert.equal(result.ok, false, damage);
    assert.equal(!result.ok && result.reason.kind, 'corrupt');
    assert.match(!result.ok ? result.reason.message : '', /metadata.*damaged.*--rebuild/s);
  }
});

test('one writer at a time: a second writer is told who writes; readers open meanwhile and keep their generation', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const a = paper('a', 5);
  index.update({ add: [a] });
  const second = FormulaIndex.open(directory, options);
  assert.equal(!second.ok && second.reason.kind, 'busy');
  assert.match(!second.ok ? second.reason.message : '', new RegExp(`being written by process ${process.pid}`));
  const readers = [1, 2, 3].map(() => FormulaIndex.openForReading(directory));
  for (const reader of readers) {
    assert.ok(reader.ok, reader.ok ? '' : reader.reason.message);
    assert.equal(reader.value.index.stats().papers, 1);
  }
  const [first] = readers.map((reader) => reader.ok && reader.value.index);
  assert.ok(first);
  index.update({ add: [paper('b', 5)] });
  assert.equal(first.isCurrent(), false, 'a newer generation is committed');
  assert.equal(first.stats().papers, 1, 'a reader keeps the generation it opened, though the writer removed its files');
  assert.equal(first.formulas([1]).get(1)?.latex, 'x_{a}^{0}');
  assert.throws(() => first.update({ remove: ['a'] }), /opened for reading/);
  for (const reader of readers) if (reader.ok) reader.value.index.close();
  const latest = FormulaIndex.openForReading(directory);
  assert.ok(latest.ok);
  assert.equal(latest.value.index.stats().papers, 2);
  assert.equal(latest.value.index.isCurrent(), true);
  latest.value.index.close();
  index.close();
  assert.deepEqual(readdirSync(path.join(directory, 'readers')), [], 'closed readers leave no links');
  open(directory).index.close();
});

test('an index of the layout before generations opens, and moves to generations on first open', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const a = paper('a', 6);
  index.update({ add: [a] });
  const { generation } = index.stats();
  index.close();
  // The earlier layout: the same database as metadata.sqlite, no CURRENT, a dead owner's locks left behind.
  renameSync(path.join(directory, `metadata-${generation}.sqlite`), path.join(directory, 'metadata.sqlite'));
  rmSync(path.join(directory, 'CURRENT'));
  mkdirSync(path.join(directory, 'metadata.sqlite.lock'));
  writeFileSync(path.join(directory, 'metadata.sqlite-journal'), ''); // what its locking mode leaves, not hot
  writeFileSync(path.join(directory, 'owner.lock'), '999999999');
  const reader = FormulaIndex.openForReading(directory);
  assert.ok(reader.ok, reader.ok ? '' : reader.reason.message);
  assert.equal(reader.value.index.stats().generation, generation);
  assert.equal(reader.value.index.formulaCount, a.formulas.length);
  reader.value.index.close();
  assert.deepEqual(readdirSync(directory).filter((name) => name.startsWith('metadata') || name === 'owner.lock'), [`metadata-${generation}.sqlite`]);
  const { index: writer } = open(directory);
  writer.update({ add: [paper('b', 2)] });
  assert.equal(writer.stats().formulas, 8);
  writer.close();
});

test('asked to rebuild, a damaged index starts afresh instead of failing', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  index.update({ add: [paper('a', 5)] });
  index.close();
  writeFileSync(path.join(directory, `metadata-${index.stats().generation}.sqlite`), 'not a database, just text '.repeat(400));
  const { index: fresh, notices } = open(directory, { onMismatch: 'rebuild' });
  assert.equal(fresh.stats().formulas, 0);
  assert.match(notices.join('\n'), /damaged.*started a new, empty index/);
  fresh.update({ add: [paper('b', 2)] });
  assert.equal(fresh.stats().papers, 1);
  fresh.close();
});

test('an index opens for reading; a missing one is a typed error', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  index.update({ add: [paper('a', 4)] });
  index.close();
  const existing = FormulaIndex.openForReading(directory);
  assert.ok(existing.ok);
  assert.equal([...existing.value.index.allFormulas()].length, 4);
  existing.value.index.close();
  const missing = FormulaIndex.openForReading(freshFolder());
  assert.equal(!missing.ok && missing.reason.kind, 'missing');
});

test('a writer can wait for another writer to close the index', async () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const { spawn } = await import('node:child_process');
  const { tsxArgs } = await import('../../helpers/paths');
  // Another process asks to write with a wait; we close while it waits.
  const script = `const { FormulaIndex } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/index/store'))});
    const r = FormulaIndex.open(${JSON.stringify(directory)}, { lockWaitMs: 8000 });
    process.stdout.write(r.ok ? 'opened' : r.reason.kind); if (r.ok) r.value.index.close();`;
  const child = spawn(process.execPath, [...tsxArgs('test/helpers/paths.ts').slice(0, 2), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  index.close();
  await new Promise((resolve) => child.on('close', resolve));
  assert.equal(output, 'opened');
});

test('a PDF formula keeps its page, box, number and crop; it goes with its paper; a catalogue from before PDFs still reads', async () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const crop = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const fromPdf = paper('pdf', 2);
  fromPdf.formulas[0]!.pdf = { page: 3, box: { left: 1.5, bottom: 2, right: 30, top: 12.25 }, number: '(4)', crop };
  index.update({ add: [fromPdf, paper('tex', 1)] });
  const [first, second] = [...index.allFormulas()];
  assert.deepEqual(first!.pdf, { page: 3, box: { left: 1.5, bottom: 2, right: 30, top: 12.25 }, number: '(4)', crop });
  assert.equal(second!.pdf, undefined);
  assert.deepEqual(index.formulas([first!.id]).get(first!.id)?.pdf?.page, 3);
  index.update({ remove: ['pdf'] });
  const { generation } = index.stats();
  index.close();

  const { Database } = (await import('node-sqlite3-wasm')).default;
  const database = new Database(path.join(directory, `metadata-${generation}.sqlite`));
  assert.deepEqual(database.all('SELECT formula FROM pdf_formulas'), [], 'removing the paper removed its placements');
  database.exec('DROP TABLE pdf_formulas');
  database.close();
  const reader = FormulaIndex.openForReading(directory);
  assert.ok(reader.ok);
  assert.deepEqual([...reader.value.index.allFormulas()].map((formula) => formula.latex), ['x_{tex}^{0}']);
  reader.value.index.close();
});
