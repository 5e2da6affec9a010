// A shared index in PostgreSQL against a folder index of the same library: the same rankings in every mode that
// does not weigh the bitmap signal, index runs that searchers see entirely or not at all (and never wait for), one
// index run at a time, and the CLI's index, search and info through a postgres:// location.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { PostgresIndexRun } from '../../src/core/index/postgres/catalogue';
import { FormulaIndex } from '../../src/core/index/store';
import { indexPapers, type PaperFormulas } from '../../src/core/search/build';
import { defaultLibraryFile, readDefaultLibrary } from '../../src/core/search/default-library';
import { SearchSession, type SessionResponse } from '../../src/core/search/session';
import { databasePasswordsRequest, searchRequest, type IndexSelection, type SearchResult } from '../../src/engine/protocol';
import { startEngine } from '../helpers/engine';
import { repoRoot, tsxArgs } from '../helpers/paths';
import { connectedClient, startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { makeFixtureLibrary } from '../unit/library/fixture-library';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-shared-'));
// What searchers derive from a database (structure postings) is cached here, not in the user's cache.
process.env.FORMULA_LENS_CACHE = path.join(scratch, 'cache');
const folderIndex = path.join(scratch, 'folder-index');
const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');

let server: PostgresServer;
const freshDatabase = () => server.freshDatabase('shared');

/** Adds the papers in one index run (committed unless told otherwise). */
async function indexInto(location: string, papers: PaperFormulas[], end: 'commit' | 'rollback' = 'commit'): Promise<void> {
  const client = await connectedClient(location);
  try {
    const run = await PostgresIndexRun.begin(client, location);
    assert.ok(run.ok, run.ok ? '' : run.reason.message);
    assert.ok((await indexPapers(run.value, papers, { batchFormulas: 500 })).ok);
    await (end === 'commit' ? run.value.commit() : run.value.rollback());
  } finally {
    await client.end();
  }
}

// 60 papers of the bundled library (a few thousand formulas): real formulas, many near-duplicates.
const library = readDefaultLibrary(defaultLibraryFile()!);
if (!library.ok) throw new Error(library.reason);
const papers = library.value.slice(0, 60);
const formulaOf = (paper: number, formula: number) => papers[paper]!.formulas[formula % papers[paper]!.formulas.length]!.latex;
const queries = [
  formulaOf(0, 0),
  formulaOf(3, 2),
  formulaOf(10, 5),
  formulaOf(25, 1),
  formulaOf(40, 7).replace(/x/g, 'y'),
  '\\sum_{i=1}^n x_i^2 \\leq C',
  '\\nabla f(x) = 0',
  'E = mc^2',
];

let shared: string;
before(async () => {
  server = await startPostgres();
  shared = freshDatabase();
  const opened = FormulaIndex.open(folderIndex);
  assert.ok(opened.ok);
  assert.ok((await indexPapers(opened.value.index, papers, { batchFormulas: 500 })).ok);
  opened.value.index.close();
  await indexInto(shared, papers);
});
after(() => {
  server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** What a ranking shows: papers in order, each with its formulas, scores rounded below float noise. */
function ranking(response: SessionResponse) {
  return response.papers.map(({ paper, score, formulas }) => ({
    paper: paper.id,
    score: score.toFixed(5),
    formulas: formulas.map(({ formula, score }) => `${formula.latex} ${score.toFixed(5)}`),
  }));
}

async function search(session: SearchSession, location: string, latex: string, mode?: string): Promise<SessionResponse> {
  const found = await session.search({ query: { latex, display: true }, indexes: [location], mode, model: 'see', k: 10, formulasPerPaper: 3 });
  assert.ok(found.ok, found.ok ? '' : found.reason.message);
  assert.deepEqual(found.value.problems, []);
  return found.value;
}

test('the shared index ranks like the folder index of the same library: the default mode, lexical and structure', async () => {
  const session = new SearchSession();
  try {
    for (const mode of [undefined, 'lexical', 'structure']) {
      for (const latex of queries) {
        const local = ranking(await search(session, folderIndex, latex, mode));
        const remote = ranking(await search(session, shared, latex, mode));
        assert.ok(local.length > 0, `${latex}: something is found`);
        assert.deepEqual(remote, local, `${mode ?? 'default'} mode, ${latex}`);
      }
    }
    const refused = await session.search({ query: { latex: 'x^2', display: true }, indexes: [shared], mode: 'bitmap', model: tinyEncoder });
    assert.ok(refused.ok, refused.ok ? '' : refused.reason.message);
    assert.match(refused.value.problems.join('\n'), /bitmap signal is not available for a PostgreSQL index/);
  } finally {
    await session.dispose();
  }
});

const newPaper: PaperFormulas = {
  paper: { id: 'new-paper', title: 'A new paper', authors: ['N. Ew'], library: 'lab' },
  formulas: [{ latex: '\\Xi_{\\aleph} \\circledast \\Upsilon = \\beth', inline: false, env: 'equation' }],
};
const newQuery = '\\Xi_{\\aleph} \\circledast \\Upsilon = \\beth';
const finds = (response: SessionResponse, id: string) => response.papers.some(({ paper }) => paper.id === id);

test('searches go on during an index run and see it only once committed; a run that dies leaves the previous state; one run at a time', async () => {
  const location = freshDatabase();
  await indexInto(location, papers.slice(0, 10));
  const session = new SearchSession();
  const writer = await connectedClient(location);
  const second = await connectedClient(location);
  try {
    assert.ok(!finds(await search(session, location, newQuery, 'lexical'), 'new-paper'));
    const run = await PostgresIndexRun.begin(writer, location);
    assert.ok(run.ok);
    assert.ok((await indexPapers(run.value, [newPaper])).ok);
    // written, not committed: a searcher (also a fresh one) sees the previous state, without waiting for the run
    assert.ok(!finds(await search(session, location, newQuery, 'lexical'), 'new-paper'));
    const fresh = new SearchSession();
    assert.ok(!finds(await search(fresh, location, newQuery, 'lexical'), 'new-paper'));
    await fresh.dispose();
    const busy = await PostgresIndexRun.begin(second, location);
    assert.ok(!busy.ok);
    assert.equal(busy.reason.kind, 'busy');
    await run.value.commit();
    assert.ok(finds(await search(session, location, newQuery, 'lexical'), 'new-paper'));

    // a run whose connection is cut (the indexer killed) is rolled back by the server
    const doomed = await connectedClient(location);
    const dying = await PostgresIndexRun.begin(doomed, location);
    assert.ok(dying.ok);
    assert.ok((await dying.value.update({ remove: ['new-paper'] })).ok);
    server.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${location.split('/').pop()}' AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`);
    await doomed.end().catch(() => undefined);
    assert.ok(finds(await search(session, location, newQuery, 'lexical'), 'new-paper'));
  } finally {
    await Promise.all([writer.end(), second.end(), session.dispose()]);
  }
});

test('the CLI indexes a library into a database, searches it like a folder index of the same library, and tells what it holds', () => {
  const location = freshDatabase();
  const fixture = makeFixtureLibrary({ archives: true });
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, tsxArgs('src/cli/main.ts', ...args), { encoding: 'utf8', cwd: repoRoot, env: { ...process.env } });
  try {
    const folder = path.join(scratch, 'fixture-index');
    const common = ['--library', 'main', '--cache', fixture.cacheDir];
    const intoFolder = cli('index', fixture.dir, '--index', folder, ...common);
    assert.equal(intoFolder.status, 0, intoFolder.stderr);
    const intoDatabase = cli('index', fixture.dir, '--index', location, ...common);
    assert.equal(intoDatabase.status, 0, intoDatabase.stderr);
    assert.match(intoDatabase.stderr, /5 papers indexed/);
    const again = cli('index', fixture.dir, '--index', location, ...common);
    assert.match(again.stderr, /0 papers indexed .* 5 unchanged/);
    assert.doesNotMatch(again.stderr, /computing the postings/);
    // postings of an earlier version are computed again by the next run, which says so with its progress
    server.psql("UPDATE index_state SET postings_format = 'structure 0, postings 0'", new URL(location).pathname.slice(1));
    const recomputed = cli('index', fixture.dir, '--index', location, ...common);
    assert.equal(recomputed.status, 0, recomputed.stderr);
    assert.match(recomputed.stderr, /computing the postings of the \d+ formulas already in the database[^\n]*\n(  \d+\/\d+ formulas\n)+/);

    const info = cli('info', '--index', location, '--json');
    assert.equal(info.status, 0, info.stderr);
    const stats = JSON.parse(info.stdout) as { papers: number; formulas: number; generation: number; libraries: { name: string }[] };
    assert.equal(stats.papers, 5);
    assert.ok(stats.formulas > 5);
    assert.equal(stats.generation, 3);
    assert.deepEqual(stats.libraries.map(({ name }) => name), ['main']);

    const shown = (index: string) => {
      const found = cli('search', '\\nabla f(x)', '--index', index, '--json');
      assert.equal(found.status, 0, found.stderr);
      const { papers } = JSON.parse(found.stdout) as { papers: { paper: { id: string }; score: number; formulas: { formula: { latex: string } }[] }[] };
      return papers.map(({ paper, score, formulas }) => [paper.id, score.toFixed(5), formulas.map(({ formula }) => formula.latex)]);
    };
    const local = shown(folder);
    assert.ok(local.length > 0);
    assert.deepEqual(shown(location), local);

    const exported = (index: string) => {
      const written = cli('export', '--index', index, '--no-embeddings');
      assert.equal(written.status, 0, written.stderr);
      return written.stdout;
    };
    assert.equal(exported(location), exported(folder));
    assert.equal(cli('export', '--index', location).status, 2, 'embeddings of a shared index are refused as bad usage');

    const withPassword = cli('search', 'x', '--index', location.replace(`${server.user}@`, `${server.user}:s3cret@`));
    assert.equal(withPassword.status, 1);
    assert.match(withPassword.stderr, /PGPASSWORD/);
    assert.doesNotMatch(withPassword.stderr, /s3cret/);
  } finally {
    fixture.remove();
  }
});

/** The CLI's search, run alongside (not blocking this process): the papers it shows. */
function cliSearch(location: string, latex: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxArgs('src/cli/main.ts', 'search', latex, '--index', location, '--encoder', 'lexical', '--json'), { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(out) as { papers: { paper: { id: string } }[] }).papers.map(({ paper }) => paper.id)) : reject(new Error(err))));
  });
}

test('two engines and the CLI search one database while an index run updates it, and see the run once it is committed', async () => {
  const location = freshDatabase();
  await indexInto(location, papers.slice(0, 20));
  const engines = [startEngine(), startEngine()];
  const writer = await connectedClient(location);
  const indexes: IndexSelection = { locations: [location], includeDefault: false, model: { kind: 'custom', path: tinyEncoder }, executionProvider: 'cpu', searchMode: 'lexical' };
  const engineSearch = (engine: (typeof engines)[number]): Promise<SearchResult> =>
    engine.connection.sendRequest(searchRequest, { formula: { latex: newQuery, display: true }, k: 5, indexes });
  const found = (result: SearchResult) => {
    assert.equal(result.kind, 'results', JSON.stringify(result));
    return result.kind === 'results' && result.papers.some(({ paper }) => paper.id === 'new-paper');
  };
  try {
    const run = await PostgresIndexRun.begin(writer, location);
    assert.ok(run.ok);
    assert.ok((await indexPapers(run.value, [newPaper, ...papers.slice(20, 30)])).ok);
    const [first, second, cli] = await Promise.all([engineSearch(engines[0]!), engineSearch(engines[1]!), cliSearch(location, newQuery)]);
    assert.deepEqual([found(first), found(second), cli.includes('new-paper')], [false, false, false]);
    assert.ok(first.kind === 'results' && first.indexName === location.split('/').pop());
    await run.value.commit();
    const committed = await Promise.all([engineSearch(engines[0]!), engineSearch(engines[1]!), cliSearch(location, newQuery)]);
    assert.deepEqual([found(committed[0]), found(committed[1]), committed[2].includes('new-paper')], [true, true, true]);
  } finally {
    await writer.end();
    await Promise.all(engines.map((engine) => engine.stop()));
  }
});

test("the roles of docs/postgres.md: the writer indexes, the reader searches and cannot index, passwords from PGPASSWORD", () => {
  const docs = readFileSync(path.join(repoRoot, 'docs', 'postgres.md'), 'utf8');
  const rolesSql = docs.match(/## Roles[\s\S]*?```sql\n([\s\S]*?)```/)?.[1];
  assert.ok(rolesSql);
  server.psql('CREATE DATABASE formula_lens');
  server.psql(rolesSql, 'formula_lens');
  server.requirePassword('formula_lens_writer');
  server.requirePassword('formula_lens_reader');
  const location = (role: string) => `postgres://formula_lens_${role}@${server.host}:${server.port}/formula_lens`;
  const fixture = makeFixtureLibrary({ archives: true });
  const cli = (password: string, ...args: string[]) =>
    spawnSync(process.execPath, tsxArgs('src/cli/main.ts', ...args), { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, PGPASSWORD: password } });
  try {
    const common = ['--library', 'main', '--cache', fixture.cacheDir];
    const written = cli('change-me-writer', 'index', fixture.dir, '--index', location('writer'), ...common);
    assert.equal(written.status, 0, written.stderr);
    const found = cli('change-me-reader', 'search', '\\nabla f(x)', '--index', location('reader'), '--json');
    assert.equal(found.status, 0, found.stderr);
    assert.ok((JSON.parse(found.stdout) as { papers: unknown[] }).papers.length > 0);
    const refused = cli('change-me-reader', 'index', fixture.dir, '--index', location('reader'), ...common);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /writer role/);
    assert.doesNotMatch(refused.stderr + found.stderr + written.stderr, /change-me/);
    assert.equal(cli('not-the-password', 'info', '--index', location('reader')).status, 1, 'the password is asked for');
  } finally {
    fixture.remove();
  }
});

test("the engine takes a shared index's password from the editor (VS Code's secret storage), never needing PGPASSWORD", async () => {
  const location = freshDatabase();
  await indexInto(location, papers.slice(0, 5));
  server.psql("CREATE ROLE lab_member LOGIN PASSWORD 'lab-secret'");
  server.requirePassword('lab_member');
  server.psql(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO lab_member`, location.split('/').pop());
  const member = location.replace(`${server.user}@`, 'lab_member@');
  const { PGPASSWORD: _, ...environment } = process.env;
  const engine = startEngine({ ...environment, PGPASSFILE: path.join(scratch, 'no-pgpass') });
  const indexes: IndexSelection = { locations: [member], includeDefault: false, model: { kind: 'custom', path: tinyEncoder }, executionProvider: 'cpu', searchMode: 'lexical' };
  const search = () => engine.connection.sendRequest(searchRequest, { formula: { latex: formulaOf(0, 0), display: true }, k: 5, indexes });
  try {
    const refused = await search();
    assert.equal(refused.kind, 'noIndex');
    assert.match(refused.kind === 'noIndex' ? refused.reason : '', /asks for a password and none was given.*Set Database Password/);
    await engine.connection.sendRequest(databasePasswordsRequest, { passwords: [{ location: member, password: 'lab-secret' }] });
    const found = await search();
    assert.ok(found.kind === 'results' && found.papers.length > 0, JSON.stringify(found));
    // a wrong one replaces it, and the index held open with the right one is let go
    await engine.connection.sendRequest(databasePasswordsRequest, { passwords: [{ location: member, password: 'wrong' }] });
    const wrong = await search();
    assert.match(wrong.kind === 'noIndex' ? wrong.reason : '', /refused the login/);
    assert.doesNotMatch(JSON.stringify(wrong), /wrong|lab-secret/);
    await assert.rejects(engine.connection.sendRequest(databasePasswordsRequest, { passwords: [{ location: member, password: 42 }] } as never), (error: Error) => {
      assert.match(error.message, /password must be a string/);
      return true;
    });
  } finally {
    await engine.stop();
  }
});
