// Searching a shared index on the server's postings (index/postgres/shared-search.ts) against a folder index of the
// same library searched in memory: the same papers, formulas, scores (5 decimals) and highlighted symbols in the
// default mode, lexical and structure, with filters and the query's own paper left out, before and after a run that
// removes and replaces papers; a search never waits for an index run in progress; and a database without postings
// yet is searched on its snapshot.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from 'pg';
import { PostgresIndexRun } from '../../src/core/index/postgres/catalogue';
import { migrate, MIGRATIONS } from '../../src/core/index/postgres/schema';
import { SharedIndexReader } from '../../src/core/index/postgres/shared-search';
import { FormulaIndex } from '../../src/core/index/store';
import type { HitFilter } from '../../src/core/index/types';
import { indexPapers, type PaperFormulas } from '../../src/core/search/build';
import { defaultLibraryFile, readDefaultLibrary } from '../../src/core/search/default-library';
import { readFusionConfig, weightsFor, type SearchMode } from '../../src/core/search/hybrid';
import { searchHybrid, type HybridSearchResponse } from '../../src/core/search/hybrid-search';
import { openHybridIndex } from '../../src/core/search/hybrid-store';
import { SearchSession } from '../../src/core/search/session';
import { connectedClient, startPostgres, type PostgresServer } from '../helpers/postgres-server';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-shared-search-'));
const folder = path.join(scratch, 'folder');
// What a snapshot search derives from a database is cached here, not in the user's cache.
process.env.FORMULA_LENS_CACHE = path.join(scratch, 'cache');
// Heads of 24 postings for both indexes, so that in this small library a frequent term proposes candidates from its
// head, as `=` does in a large one.
process.env.FORMULA_LENS_HEAD_POSTINGS = '24';
const library = readDefaultLibrary(defaultLibraryFile()!);
if (!library.ok) throw new Error(library.reason);
const papers = library.value.slice(0, 50).map((entry, i) => ({ ...entry, paper: { ...entry.paper, year: String(2000 + (i % 25)) } }));
const formulaOf = (paper: number, formula: number) => papers[paper]!.formulas[formula % papers[paper]!.formulas.length]!.latex;
const queries = [
  formulaOf(0, 0),
  formulaOf(3, 2),
  formulaOf(12, 5),
  formulaOf(33, 7).replace(/x/g, 'y'),
  '\\sum_{i=1}^n x_i^2 \\leq C',
  'a + b = b + a',
  '\\nabla f(x) = 0',
  '\\Xi_{\\aleph} \\circledast \\Upsilon',
];
const filters: HitFilter[] = [{}, { excludePapers: [papers[0]!.paper.id, papers[3]!.paper.id] }, { yearFrom: 2010, yearTo: 2020 }];
const fusionFile = readFusionConfig();
if (!fusionFile.ok) throw new Error(fusionFile.reason);
const fusion = fusionFile.value.weights;

let server: PostgresServer;
let location: string;
let client: Client;
before(async () => {
  server = await startPostgres();
  location = server.freshDatabase('search');
  client = await connectedClient(location);
});
after(async () => {
  await client?.end();
  server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The same change to the folder index and, in one index run, to the database. */
async function change(add: PaperFormulas[], remove: string[] = []): Promise<void> {
  const opened = FormulaIndex.open(folder);
  assert.ok(opened.ok);
  if (remove.length) assert.ok(opened.value.index.update({ remove }).ok);
  assert.ok((await indexPapers(opened.value.index, add, { batchFormulas: 400 })).ok);
  opened.value.index.close();
  const run = await PostgresIndexRun.begin(client, location);
  assert.ok(run.ok, run.ok ? '' : run.reason.message);
  if (remove.length) assert.ok((await run.value.update({ remove })).ok);
  assert.ok((await indexPapers(run.value, add, { batchFormulas: 400 })).ok);
  await run.value.commit();
}

/** What a ranking shows: papers, formulas, scores below float noise, and what is highlighted. */
function shown(response: HybridSearchResponse) {
  return response.papers.map(({ paper, score, formulas }) => ({
    paper: paper.id,
    score: score.toFixed(5),
    formulas: formulas.map((formula) => `${formula.formula.latex} ${formula.score.toFixed(5)} ${formula.foundBy.join(',')} ${formula.highlightedLatex ?? ''}`),
  }));
}

/** Compares every mode, filter and query. */
async function assertRanksLikeFolder(reader: SharedIndexReader, when: string, candidatesPerSignal?: number): Promise<void> {
  const opened = FormulaIndex.openForReading(folder);
  assert.ok(opened.ok);
  const catalogue = opened.value.index;
  const view = await openHybridIndex(catalogue, undefined, { directory: folder });
  try {
    for (const mode of ['hybrid', 'lexical', 'structure'] as SearchMode[]) {
      const options = { mode, fusion, k: 10, formulasPerPaper: 3, candidatesPerSignal };
      for (const filter of filters) {
        for (const latex of queries) {
          const local = await searchHybrid(catalogue, view, {}, { latex, display: true }, { ...options, filter });
          const search = await reader.begin(client);
          assert.ok(search.ok && search.value, 'the shared search starts');
          const remote = await searchHybrid(search.value, search.value, {}, { latex, display: true }, { ...options, filter }).finally(() => search.value!.end());
          assert.ok(local.ok && remote.ok);
          const label = `${when}, ${mode}, ${JSON.stringify(filter)}, ${latex}`;
          if (latex === queries[0] && mode === 'hybrid' && !filter.excludePapers) assert.ok(local.value.papers.length > 0, `${label}: something is found`);
          assert.deepEqual(shown(remote.value), shown(local.value), label);
        }
      }
    }
  } finally {
    catalogue.close();
  }
}

test('a shared index ranks on its postings like a folder index of the same library, as runs add, remove and replace papers', async () => {
  assert.ok(weightsFor('hybrid', fusion).structure > 0, 'the default mode weighs the structure signal');
  await change(papers.slice(0, 40));
  const reader = new SharedIndexReader(location);
  await assertRanksLikeFolder(reader, 'first run');
  // cached postings give the same rankings as read ones
  await assertRanksLikeFolder(reader, 'first run again');
  // 20 candidates a signal, as a large index's 200 are a small share of it
  await assertRanksLikeFolder(new SharedIndexReader(location), 'first run, 20 candidates', 20);

  const replaced: PaperFormulas = { ...papers[5]!, formulas: [{ latex: '\\Xi_{\\aleph} \\circledast \\Upsilon = \\beth', inline: false }] };
  await change([replaced, ...papers.slice(40)], papers.slice(20, 30).map(({ paper }) => paper.id));
  await assertRanksLikeFolder(reader, 'after removing 10 papers, replacing one, adding 10');
  await assertRanksLikeFolder(reader, 'after the changes, 20 candidates', 20);
});

test('a search reads the committed state while an index run writes, and does not wait for it', async () => {
  const writer = await connectedClient(location);
  try {
    const run = await PostgresIndexRun.begin(writer, location);
    assert.ok(run.ok, run.ok ? '' : run.reason.message);
    const extra: PaperFormulas = { paper: { id: 'in-progress', title: 'Unfinished', authors: [], library: 'lab' }, formulas: [{ latex: '\\beth \\circledast \\gimel', inline: false }] };
    assert.ok((await indexPapers(run.value, [extra])).ok);
    const reader = new SharedIndexReader(location);
    const search = await reader.begin(client);
    assert.ok(search.ok && search.value);
    const found = await searchHybrid(search.value, search.value, {}, { latex: '\\beth \\circledast \\gimel', display: true }, { mode: 'hybrid', fusion, k: 5 }).finally(() => search.value!.end());
    assert.ok(found.ok);
    assert.ok(!found.value.papers.some(({ paper }) => paper.id === 'in-progress'), 'the uncommitted paper is not seen');
    await run.value.commit();
    const after = await reader.begin(client);
    assert.ok(after.ok && after.value);
    const foundAfter = await searchHybrid(after.value, after.value, {}, { latex: '\\beth \\circledast \\gimel', display: true }, { mode: 'hybrid', fusion, k: 5 }).finally(() => after.value!.end());
    assert.ok(foundAfter.ok);
    assert.equal(foundAfter.value.papers[0]?.paper.id, 'in-progress', 'the committed paper is found first');
  } finally {
    await writer.end();
  }
});

test('a database migrated to schema 4 before its next index run is searched on its snapshot, then on its postings once a run wrote them', async () => {
  const legacy = server.freshDatabase('legacy');
  const owner = await connectedClient(legacy);
  const session = new SearchSession();
  const find = async () => {
    const found = await session.search({ query: { latex: '\\beth \\circledast \\gimel', display: true }, indexes: [legacy], model: 'see', k: 3 });
    assert.ok(found.ok, found.ok ? '' : found.reason.message);
    assert.deepEqual(found.value.problems, []);
    return found.value.papers.map(({ paper }) => paper.id);
  };
  try {
    for (const migration of MIGRATIONS.filter(({ version }) => version <= 2)) await owner.query(migration.sql);
    await owner.query('CREATE TABLE formula_lens_schema (version integer NOT NULL); INSERT INTO formula_lens_schema (version) VALUES (2)');
    await owner.query(`INSERT INTO papers (id, library, title, authors) VALUES ('old', 'lab', 'Indexed at schema 2', '[]')`);
    await owner.query(`INSERT INTO formulas (paper, latex, inline) SELECT row, '\\beth \\circledast \\gimel', false FROM papers`);
    assert.ok((await migrate(owner)).ok);
    const reader = new SharedIndexReader(legacy);
    const begun = await reader.begin(owner);
    assert.ok(begun.ok && begun.value === undefined, 'no postings yet');
    assert.deepEqual(await find(), ['old'], 'found on the snapshot');

    const run = await PostgresIndexRun.begin(owner, legacy);
    assert.ok(run.ok, run.ok ? '' : run.reason.message);
    await run.value.commit();
    const ready = await reader.begin(owner);
    assert.ok(ready.ok && ready.value, 'the run wrote the postings');
    await ready.value.end();
    assert.deepEqual(await find(), ['old'], 'found on the postings');

    // postings written by a version that extracted other terms are not searched; the next run computes them again
    await owner.query(`UPDATE index_state SET postings_format = 'structure 0, postings 0', generation = generation + 1`);
    const stale = await reader.begin(owner);
    assert.ok(stale.ok && stale.value === undefined, 'postings of another format are not used');
    assert.deepEqual(await find(), ['old'], 'found on the snapshot again');
    const rerun = await PostgresIndexRun.begin(owner, legacy);
    assert.ok(rerun.ok, rerun.ok ? '' : rerun.reason.message);
    await rerun.value.commit();
    const again = await reader.begin(owner);
    assert.ok(again.ok && again.value, 'the run computed them again');
    await again.value.end();
  } finally {
    await session.dispose();
    await owner.end();
  }
});
