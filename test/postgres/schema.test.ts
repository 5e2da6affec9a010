import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { connectPostgres, PostgresPool } from '../../src/core/index/postgres/connect';
import { isPostgresLocation, parsePostgresLocation, redact } from '../../src/core/index/postgres/location';
import { postgresGeneration } from '../../src/core/index/postgres/catalogue';
import { migrate, SCHEMA_VERSION, schemaVersion } from '../../src/core/index/postgres/schema';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { repoRoot, tsxArgs } from '../helpers/paths';
import { spawnSync } from 'node:child_process';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

/** A fresh database for one test, reached as the server's superuser. */
let databases = 0;
function freshDatabase(): string {
  const name = `t${++databases}`;
  server.psql(`CREATE DATABASE ${name}`);
  return `postgres://${server.user}@${server.host}:${server.port}/${name}`;
}

async function connected(location: string) {
  const client = await connectPostgres(location);
  assert.ok(client.ok, client.ok ? '' : client.reason);
  return client.value;
}

test('a location with a password, an unknown parameter or no database is refused with a way out', () => {
  const withPassword = parsePostgresLocation('postgres://lab:s3cret@db.example.org/papers');
  assert.ok(!withPassword.ok);
  assert.match(withPassword.reason, /PGPASSWORD|pgpass/);
  assert.doesNotMatch(withPassword.reason, /s3cret/);
  assert.ok(!parsePostgresLocation('postgres://lab@db.example.org/papers?sslmod=require').ok);
  assert.ok(!parsePostgresLocation('postgres://lab@db.example.org/papers?sslmode=sometimes').ok);
  assert.ok(!parsePostgresLocation('postgres://lab@db.example.org/').ok);
  assert.ok(parsePostgresLocation('postgresql://lab@db.example.org:5433/papers?sslmode=verify-full').ok);
  assert.equal(redact('postgres://lab:s3cret@db/papers'), 'postgres://lab:***@db/papers');
  assert.ok(isPostgresLocation('POSTGRES://db/papers'));
  assert.ok(!isPostgresLocation('/home/me/postgres/index'));
});

test('migrations run once, in one transaction, also when two indexers start together', async () => {
  const location = freshDatabase();
  const [first, second] = [await connected(location), await connected(location)];
  try {
    assert.equal(await schemaVersion(first), 0);
    const results = await Promise.all([migrate(first), migrate(second)]);
    assert.deepEqual(
      results.map((result) => (result.ok ? result.value : result.reason)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [{ from: 0, to: SCHEMA_VERSION }, { from: SCHEMA_VERSION, to: SCHEMA_VERSION }],
    );
    assert.equal(await schemaVersion(first), SCHEMA_VERSION);
    assert.equal(server.psql('SELECT count(*) FROM formula_lens_schema', location.split('/').pop()), '1');
  } finally {
    await Promise.all([first.end(), second.end()]);
  }
});

test('a database of a newer schema is refused, and left as it is', async () => {
  const location = freshDatabase();
  const client = await connected(location);
  try {
    assert.ok((await migrate(client)).ok);
    await client.query('UPDATE formula_lens_schema SET version = $1', [SCHEMA_VERSION + 1]);
    const refused = await migrate(client);
    assert.ok(!refused.ok);
    assert.match(refused.reason, /Update Formula Lens/);
    assert.equal(await schemaVersion(client), SCHEMA_VERSION + 1);
  } finally {
    await client.end();
  }
});

test('connection failures say what is wrong: no server, no database, a refused login', async () => {
  const noServer = await connectPostgres('postgres://nobody@127.0.0.1:1/papers', { timeoutMs: 5000 });
  assert.ok(!noServer.ok);
  assert.match(noServer.reason, /No PostgreSQL server answers/);
  const noDatabase = await connectPostgres(`postgres://${server.user}@${server.host}:${server.port}/missing_db`);
  assert.ok(!noDatabase.ok);
  assert.match(noDatabase.reason, /does not exist/);
});

test("the roles of docs/postgres.md work: the reader reads and cannot write, the writer migrates", async () => {
  const docs = readFileSync(path.join(repoRoot, 'docs', 'postgres.md'), 'utf8');
  const rolesSql = docs.match(/## Roles[\s\S]*?```sql\n([\s\S]*?)```/)?.[1];
  assert.ok(rolesSql, 'docs/postgres.md has a roles SQL block');
  server.psql('CREATE DATABASE formula_lens');
  server.psql(rolesSql, 'formula_lens');
  // Passwords as the docs tell members to give them: from the environment, not the location.
  const base = `${server.host}:${server.port}/formula_lens`;
  const writer = await connectPostgres(`postgres://formula_lens_writer@${base}`, { password: 'change-me-writer' });
  assert.ok(writer.ok, writer.ok ? '' : writer.reason);
  const reader = await connectPostgres(`postgres://formula_lens_reader@${base}`, { password: 'change-me-reader' });
  assert.ok(reader.ok, reader.ok ? '' : reader.reason);
  try {
    assert.ok((await migrate(writer.value)).ok);
    await writer.value.query(`INSERT INTO papers (id, library, title, authors) VALUES ('p1', 'lab', 'A paper', '[]')`);
    assert.equal((await reader.value.query('SELECT title FROM papers')).rows[0].title, 'A paper');
    await assert.rejects(reader.value.query(`DELETE FROM papers`), /permission denied/);
    await assert.rejects(migrate(reader.value), /permission denied/);
  } finally {
    await Promise.all([writer.value.end(), reader.value.end()]);
  }
});

test('formula-lens db-init creates the schema, then finds it current; a reader role is refused cleanly', () => {
  const location = freshDatabase();
  const run = (...args: string[]) => spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'db-init', ...args), { encoding: 'utf8' });
  const created = run(location);
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`schema 0 → ${SCHEMA_VERSION}`));
  const again = run(location);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /current/);
  server.psql('CREATE ROLE stranger LOGIN');
  const refused = run(location.replace(`${server.user}@`, 'stranger@'));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /nothing was changed|permission denied/);
  assert.equal(run('/tmp/not-a-database').status, 2);
});

test('a query that outlasts the connection\'s query timeout fails instead of holding its caller', async () => {
  const location = freshDatabase();
  const client = await connectPostgres(location, { queryTimeoutMs: 300 });
  assert.ok(client.ok, client.ok ? '' : client.reason);
  const started = Date.now();
  try {
    // A server that stops answering looks like this to the client: a query with no reply.
    await assert.rejects(client.value.query('SELECT pg_sleep(30)'), /timeout/i);
    assert.ok(Date.now() - started < 20_000, 'the query was not cut short');
  } finally {
    await client.value.end().catch(() => undefined);
  }
});

test('the generation check before a search gives up within its own timeout when the server does not answer it', async () => {
  const location = freshDatabase();
  const [holder, searcher] = [await connected(location), await connected(location)];
  try {
    assert.ok((await migrate(holder)).ok);
    // An exclusive lock stands in for a server that stops answering: the check's SELECT waits on it.
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE index_state IN ACCESS EXCLUSIVE MODE');
    const started = Date.now();
    await assert.rejects(postgresGeneration(searcher, 300), /timeout/i);
    assert.ok(Date.now() - started < 10_000);
    await holder.query('ROLLBACK');
  } finally {
    await Promise.all([holder.end(), searcher.end().catch(() => undefined)]);
  }
});

test('a search waiting for a pooled connection gets an answer when the connections being opened fail', async () => {
  const pool = new PostgresPool('postgres://nobody@127.0.0.1:1/papers', { timeoutMs: 5000 }, 1);
  try {
    // the second waits for the first's connection, which fails: it must then try its own, not wait forever
    const answers = await Promise.race([
      Promise.all([pool.acquire(), pool.acquire()]),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref()),
    ]);
    assert.notEqual(answers, 'hung');
    for (const answer of answers as Awaited<ReturnType<PostgresPool['acquire']>>[]) {
      assert.ok(!answer.ok);
      assert.match(answer.reason, /No PostgreSQL server answers/);
    }
  } finally {
    pool.end();
  }
});
