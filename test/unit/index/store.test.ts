import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import type { IndexOptions, PaperToAdd } from '../../../src/core/index/types';
import { randomUnitVector } from '../../helpers/unit-vectors';
import { seededRandom } from '../../../src/core/seeded-random';

const dimensions = 16;
const options: IndexOptions = { modelFingerprint: 'a'.repeat(64), dimensions };
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-index-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const freshFolder = () => path.join(scratch, `index-${++folders}`);

function paper(id: string, formulas: number, seed: number, extra: Partial<PaperToAdd['paper']> = {}): PaperToAdd {
  const random = seededRandom(seed);
  return {
    paper: { id, title: `Paper ${id}`, authors: ['A. Author'], library: 'main', ...extra },
    formulas: Array.from({ length: formulas }, (_, i) => ({
      latex: `x_{${id}}^{${i}}`,
      file: 'main.tex',
      line: 10 + i,
      section: 'Intro',
      env: 'equation',
      inline: false,
      embedding: randomUnitVector(random, dimensions),
    })),
  };
}

function open(directory: string, overrides: Partial<IndexOptions> = {}) {
  const opened = FormulaIndex.open(directory, { ...options, ...overrides });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  return opened.value;
}

test('a formula finds itself first, with its location, and survives a reload', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const a = paper('a', 20, 1, { year: '2019', doi: '10.1/x' });
  const b = paper('b', 20, 2);
  assert.deepEqual(index.update({ add: [a, b] }), { ok: true, value: { added: 2, removed: 0 } });
  const query = b.formulas[7].embedding;
  const before = index.nearest(query, 5, 50);
  const [best] = before;
  assert.equal(best.paperId, 'b');
  assert.ok(best.score > 0.999, `score ${best.score}`);
  const stored = index.formulas([best.formulaId]).get(best.formulaId);
  assert.deepEqual(
    { latex: stored?.latex, line: stored?.line, file: stored?.file, inline: stored?.inline },
    { latex: 'x_{b}^{7}', line: 17, file: 'main.tex', inline: false },
  );
  index.close();

  const { index: reopened, notices } = open(directory);
  assert.deepEqual(notices, []);
  assert.deepEqual(reopened.nearest(query, 5, 50), before);
  assert.equal(reopened.paper('a')?.doi, '10.1/x');
  assert.equal(reopened.stats().formulas, 40);
  reopened.close();
});

test('removing a paper removes its formulas from results, durably; heavy removal compacts the graph', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const papers = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id, i) => paper(id, 10, 10 + i));
  index.update({ add: papers });
  assert.deepEqual(index.update({ remove: ['p2', 'unknown'] }), { ok: true, value: { added: 0, removed: 1 } });
  assert.equal(index.stats().deletedPoints, 10, 'one paper of five: marked, not yet compacted');
  const query = papers[1].formulas[0].embedding;
  assert.ok(index.nearest(query, 40, 100).every((hit) => hit.paperId !== 'p2'));
  assert.equal(index.nearest(query, 100, 100).length, 40);
  index.close();

  const { index: reopened } = open(directory);
  assert.equal(reopened.paper('p2'), undefined);
  assert.ok(reopened.nearest(query, 40, 100).every((hit) => hit.paperId !== 'p2'));
  reopened.update({ remove: ['p3'] });
  const stats = reopened.stats();
  assert.equal(stats.deletedPoints, 0, 'past a quarter deleted, the graph is rebuilt without them');
  assert.equal(stats.formulas, 30);
  assert.equal(reopened.nearest(query, 100, 100).length, 30);
  assert.deepEqual(
    readdirSync(directory).filter((name) => name.startsWith('vectors-')),
    [`vectors-${stats.generation}.hnsw`],
    'only the committed generation stays on disk',
  );
  reopened.close();
});

test('adding a paper again replaces it', () => {
  const { index } = open(freshFolder());
  index.update({ add: [paper('a', 5, 1)] });
  index.update({ add: [paper('a', 3, 2, { title: 'Second version' })] });
  assert.equal(index.stats().formulas, 3);
  assert.equal(index.paper('a')?.title, 'Second version');
  index.close();
});

test('filters by year, library and excluded paper', () => {
  const { index } = open(freshFolder());
  index.update({
    add: [
      paper('old', 10, 1, { year: '2001' }),
      paper('new', 10, 2, { year: '2021' }),
      paper('other', 10, 3, { year: '2021', library: 'other' }),
      paper('undated', 10, 4),
    ],
  });
  const query = randomUnitVector(seededRandom(99), dimensions);
  const papersOf = (filter: Parameters<typeof index.nearest>[3]) =>
    [...new Set(index.nearest(query, 40, 100, filter).map((hit) => hit.paperId))].sort();
  assert.deepEqual(papersOf({}), ['new', 'old', 'other', 'undated']);
  assert.deepEqual(papersOf({ yearFrom: 2010 }), ['new', 'other']);
  assert.deepEqual(papersOf({ yearTo: 2010 }), ['old']);
  assert.deepEqual(papersOf({ libraries: ['other'] }), ['other']);
  assert.deepEqual(papersOf({ excludePapers: ['new', 'old'] }), ['other', 'undated']);
  index.close();
});

test('bad input is refused with a typed error and leaves the index unchanged', () => {
  const { index } = open(freshFolder());
  const wrongSize = paper('a', 2, 1);
  wrongSize.formulas[1].embedding = new Float32Array(dimensions + 1);
  const result = index.update({ add: [wrongSize] });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason.kind, 'invalid-input');
  const notANumber = paper('b', 1, 1);
  notANumber.formulas[0].embedding[3] = NaN;
  assert.equal(index.update({ add: [notANumber] }).ok, false);
  assert.equal(index.update({ add: [paper('c', 1, 1), paper('c', 1, 2)] }).ok, false);
  assert.equal(index.stats().formulas, 0);
  index.close();
});

test('an index built by another model is refused, or started afresh when asked', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  index.update({ add: [paper('a', 3, 1)] });
  index.close();
  const refused = FormulaIndex.open(directory, { ...options, modelFingerprint: 'b'.repeat(64) });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.reason.kind, 'model-mismatch');
  assert.match(!refused.ok ? refused.reason.message : '', /built by model aaaaaaaaaaaa \(current model bbbbbbbbbbbb\).*index again/);

  const reader = FormulaIndex.openForReading(directory, options);
  assert.ok(reader.ok);
  const { index: rebuilt, notices } = open(directory, { modelFingerprint: 'b'.repeat(64), onMismatch: 'rebuild' });
  assert.equal(rebuilt.stats().formulas, 0);
  assert.equal(rebuilt.stats().modelFingerprint, 'b'.repeat(64));
  assert.match(notices.join('\n'), /started a new, empty index/);
  assert.equal(reader.value.index.isCurrent(), false, 'the new index numbers its generations on from the old one');
  assert.equal(reader.value.index.stats().formulas, 3, 'a reader of the old index keeps reading it');
  reader.value.index.close();
  rebuilt.close();
});

test('a damaged vectors file is rebuilt from the metadata', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  const a = paper('a', 30, 1);
  index.update({ add: [a] });
  const vectors = path.join(directory, `vectors-${index.stats().generation}.hnsw`);
  index.close();
  truncateSync(vectors, 100);
  const { index: repaired, notices } = open(directory);
  assert.match(notices.join('\n'), /vectors file .* was unusable \(checksum mismatch/);
  assert.equal(repaired.nearest(a.formulas[4].embedding, 1, 50)[0].paperId, 'a');
  repaired.close();
  rmSync(path.join(directory, `vectors-${repaired.stats().generation}.hnsw`));
  const { index: fromNothing } = open(directory);
  assert.equal(fromNothing.stats().formulas, 30);
  fromNothing.close();
});

test('damaged metadata gives a clear error with the way out, never a crash', () => {
  for (const damage of ['garbage', 'truncated'] as const) {
    const directory = freshFolder();
    const { index } = open(directory);
    index.update({ add: [paper('a', 200, 1)] });
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
  const a = paper('a', 5, 1);
  index.update({ add: [a] });
  const second = FormulaIndex.open(directory, options);
  assert.equal(!second.ok && second.reason.kind, 'busy');
  assert.match(!second.ok ? second.reason.message : '', new RegExp(`being written by process ${process.pid}`));
  const readers = [1, 2, 3].map(() => FormulaIndex.openForReading(directory, options));
  for (const reader of readers) {
    assert.ok(reader.ok, reader.ok ? '' : reader.reason.message);
    assert.equal(reader.value.index.stats().papers, 1);
  }
  const [first] = readers.map((reader) => reader.ok && reader.value.index);
  assert.ok(first);
  index.update({ add: [paper('b', 5, 2)] });
  assert.equal(first.isCurrent(), false, 'a newer generation is committed');
  assert.equal(first.stats().papers, 1, 'a reader keeps the generation it opened, though the writer removed its files');
  assert.equal(first.nearest(a.formulas[2].embedding, 1, 50)[0].paperId, 'a');
  assert.equal(first.formulas([1]).get(1)?.latex, 'x_{a}^{0}');
  assert.throws(() => first.update({ remove: ['a'] }), /opened for reading/);
  for (const reader of readers) if (reader.ok) reader.value.index.close();
  const latest = FormulaIndex.openForReading(directory, options);
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
  const a = paper('a', 6, 1);
  index.update({ add: [a] });
  const { generation } = index.stats();
  index.close();
  // The earlier layout: the same database as metadata.sqlite, no CURRENT, a dead owner's locks left behind.
  renameSync(path.join(directory, `metadata-${generation}.sqlite`), path.join(directory, 'metadata.sqlite'));
  rmSync(path.join(directory, 'CURRENT'));
  mkdirSync(path.join(directory, 'metadata.sqlite.lock'));
  writeFileSync(path.join(directory, 'metadata.sqlite-journal'), ''); // what its locking mode leaves, not hot
  writeFileSync(path.join(directory, 'owner.lock'), '999999999');
  const reader = FormulaIndex.openForReading(directory, options);
  assert.ok(reader.ok, reader.ok ? '' : reader.reason.message);
  assert.equal(reader.value.index.stats().generation, generation);
  assert.equal(reader.value.index.nearest(a.formulas[3].embedding, 1, 50)[0].paperId, 'a');
  reader.value.index.close();
  assert.deepEqual(readdirSync(directory).filter((name) => name.startsWith('metadata') || name === 'owner.lock'), [`metadata-${generation}.sqlite`]);
  const { index: writer } = open(directory);
  writer.update({ add: [paper('b', 2, 2)] });
  assert.equal(writer.stats().formulas, 8);
  writer.close();
});

test('asked to rebuild, a damaged index starts afresh instead of failing', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  index.update({ add: [paper('a', 5, 1)] });
  index.close();
  writeFileSync(path.join(directory, `metadata-${index.stats().generation}.sqlite`), 'not a database, just text '.repeat(400));
  const { index: fresh, notices } = open(directory, { onMismatch: 'rebuild' });
  assert.equal(fresh.stats().formulas, 0);
  assert.match(notices.join('\n'), /damaged.*started a new, empty index/);
  fresh.update({ add: [paper('b', 2, 2)] });
  assert.equal(fresh.stats().papers, 1);
  fresh.close();
});

test('an index opens for reading with the model it was built with; a missing one is a typed error', () => {
  const directory = freshFolder();
  const { index } = open(directory);
  index.update({ add: [paper('a', 4, 1)] });
  index.close();
  const existing = FormulaIndex.openForReading(directory);
  assert.ok(existing.ok);
  assert.equal(existing.value.index.stats().modelFingerprint, options.modelFingerprint);
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
    const r = FormulaIndex.open(${JSON.stringify(directory)}, { modelFingerprint: '${'a'.repeat(64)}', dimensions: ${dimensions}, lockWaitMs: 8000 });
    process.stdout.write(r.ok ? 'opened' : r.reason.kind); if (r.ok) r.value.index.close();`;
  const child = spawn(process.execPath, [...tsxArgs('test/helpers/paths.ts').slice(0, 2), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  index.close();
  await new Promise((resolve) => child.on('close', resolve));
  assert.equal(output, 'opened');
});
