// Many readers and one writer on one index, as separate processes: searches never fail while the library is
// indexed, and a writer killed at any moment leaves an index that opens, searches and completes on a rerun.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexLibrary } from '../../../src/core/library/index-library';
import { seededRandom } from '../../../src/core/seeded-random';
import { tsxArgs } from '../../helpers/paths';
import { makeFixtureLibrary } from '../library/fixture-library';
import { HashingEmbedder } from '../search/hashing-embedder';

const library = makeFixtureLibrary({ archives: true });
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL'); // those a failed test left running
  library.remove();
});
let folders = 0;
const freshIndex = () => path.join(library.cacheDir, '..', `index-${++folders}`);

/** Indexes the fixture library into `directory` in this process; returns what the index then holds. */
async function indexInProcess(directory: string) {
  const opened = FormulaIndex.open(directory);
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  const { index } = opened.value;
  try {
    const result = await indexLibrary([library.dir], index, new HashingEmbedder(), { library: 'main', cacheDir: library.cacheDir });
    assert.ok(result.ok, result.ok ? '' : result.reason.message);
    return contents(index);
  } finally {
    index.close();
  }
}

const contents = (index: FormulaIndex) => ({ papers: index.papers().map((paper) => paper.id).sort(), formulas: index.stats().formulas });

function readCommitted(directory: string) {
  const opened = FormulaIndex.openForReading(directory);
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  try {
    const { index } = opened.value;
    const ids = [...index.allFormulas()].slice(0, 3).map((formula) => formula.id);
    return { ...contents(index), hits: [...index.formulas(ids).values()] };
  } finally {
    opened.value.index.close();
  }
}

/** A TypeScript entry point in its own process, killed after the tests if still running. */
function spawnTs(entry: string, ...args: string[]): ChildProcess {
  const child = spawn(process.execPath, tsxArgs(entry, ...args), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** The library indexer of test/unit/library/index-child.ts in its own process, `delayMs` per embedding batch. */
const spawnWriter = (directory: string, delayMs: number) => spawnTs('test/unit/library/index-child.ts', library.dir, directory, library.cacheDir, String(delayMs));

function outputOf(child: ChildProcess): { text: string } {
  const output = { text: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  return output;
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

async function until(condition: () => boolean, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('8 searching processes and 1 indexing process at once: every search finds formulas; the index ends as a clean build', { timeout: 90_000 }, async () => {
  const clean = await indexInProcess(freshIndex());
  const directory = freshIndex();
  // An earlier version of one of the library's papers, so that searches find formulas before the run commits.
  const seeded = FormulaIndex.open(directory);
  assert.ok(seeded.ok);
  const stale = { latex: 'a^2 + b^2 = c^2', inline: false };
  seeded.value.index.update({ add: [{ paper: { id: clean.papers[0]!, title: 'Old', authors: [], library: 'main', contentHash: 'old' }, formulas: [stale] }] });
  seeded.value.index.close();

  const stopFile = path.join(directory, '..', 'stop-readers');
  const readers = Array.from({ length: 8 }, () => spawnTs('test/unit/index/reader-child.ts', directory, stopFile));
  const readerOutputs = readers.map(outputOf);
  const readersDone = Promise.all(readers.map(exited));
  await until(() => readerOutputs.every((output) => output.text.includes('ready') || output.text.includes('Error')), 'the readers’ first searches');

  const writer = spawnWriter(directory, 100);
  const writerOutput = outputOf(writer);
  const writerDone = await exited(writer);
  writeFileSync(stopFile, '');
  const readerEnds = await readersDone;
  assert.equal(writerDone.code, 0, writerOutput.text);
  assert.match(writerOutput.text, /committed \d+\n[\s\S]*finished/, 'the writer committed batches while the readers searched');
  readerEnds.forEach(({ code }, i) => {
    assert.equal(code, 0, `reader ${i}: ${readerOutputs[i]!.text}`);
    const [, searches, papers] = /searches (\d+), papers (\d+)/.exec(readerOutputs[i]!.text) ?? [];
    assert.ok(Number(searches) >= 2, `reader ${i} searched ${searches} times`);
    assert.equal(Number(papers), clean.papers.length, `reader ${i}'s last search, after the writer finished, sees its last commit`);
  });
  const { papers, formulas } = readCommitted(directory);
  assert.deepEqual({ papers, formulas }, clean);
});

test('a writer killed with SIGKILL at 5 random moments: the index opens and searches each time, and a rerun ends as a clean build', { timeout: 90_000 }, async () => {
  const clean = await indexInProcess(freshIndex());
  const random = seededRandom(18);
  for (let kill = 1; kill <= 5; ) {
    const directory = freshIndex();
    // After its first commit (so that there is something to search), somewhere in the next embedding or commit.
    const afterCommit = 1 + Math.floor(random() * 3);
    const delayMs = Math.floor(random() * 15);
    const writer = spawnWriter(directory, 10);
    const output = outputOf(writer);
    const ended = exited(writer);
    await until(() => output.text.includes(`committed ${afterCommit}\n`) || output.text.includes('finished'), `commit ${afterCommit}`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    writer.kill('SIGKILL');
    const { signal } = await ended;
    if (signal !== 'SIGKILL') continue; // it finished first: not a moment during an update, draw another
    const moment = `kill ${kill}, ${delayMs} ms after commit ${afterCommit}`;
    const killed = readCommitted(directory);
    assert.ok(killed.hits.length > 0, `${moment}: a search finds formulas`);
    assert.ok(killed.papers.length >= 1 && killed.papers.length <= clean.papers.length, `${moment}: ${killed.papers.length} papers`);
    assert.deepEqual(await indexInProcess(directory), clean, `${moment}: the rerun ends as a clean build`);
    const generationFiles = readdirSync(directory).filter((name) => /^metadata-/.test(name));
    assert.equal(generationFiles.length, 1, `${moment}: one committed generation stays (${generationFiles.join(', ')})`);
    assert.deepEqual(readdirSync(path.join(directory, 'readers')), [], `${moment}: no reader links stay`);
    rmSync(directory, { recursive: true });
    kill += 1;
  }
});

test('a reader killed with SIGKILL leaves nothing that blocks: the next opener removes its link', async () => {
  const directory = freshIndex();
  const clean = await indexInProcess(directory);
  const store = path.resolve(__dirname, '../../../src/core/index/store');
  const script = `const opened = require(${JSON.stringify(store)}).FormulaIndex.openForReading(${JSON.stringify(directory)});
    if (!opened.ok) throw new Error(opened.reason.message);
    process.stdout.write('open\\n');
    setInterval(() => {}, 1000);`;
  const reader = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(reader);
  const output = outputOf(reader);
  const ended = exited(reader);
  await until(() => output.text.includes('open'), 'the reader to open the index');
  reader.kill('SIGKILL');
  await ended;
  const readers = path.join(directory, 'readers');
  assert.deepEqual(readdirSync(readers).sort(), [`${reader.pid}-1.sqlite`, `${reader.pid}-1.sqlite.lock`], 'its link and SQLite lock folder stay');
  const { papers, formulas, hits } = readCommitted(directory);
  assert.deepEqual({ papers, formulas }, clean);
  assert.ok(hits.length > 0);
  assert.deepEqual(readdirSync(readers), [], 'the next reader removed them');
});
