// The postings an index run writes into a shared index (index/postgres/postings.ts): after every kind of run
// (a first one, removals and replacements, many small ones, one over a database indexed before it had postings,
// one rolled back) the stored blocks, heads, document frequencies, counts, raw structure terms and formulas' term
// counts are exactly what a computation from scratch over the database's formulas gives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'pg';
import { PostgresIndexRun, type IndexRunOptions } from '../../src/core/index/postgres/catalogue';
import { MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../src/core/index/postgres/schema';
import type { CatalogueUpdate } from '../../src/core/index/catalogue';
import { indexPapers, type PaperFormulas } from '../../src/core/search/build';
import { defaultLibraryFile, readDefaultLibrary } from '../../src/core/search/default-library';
import { HEAD_REFERENCE_LENGTH, headSlots } from '../../src/core/search/lexical';
import { decodeFormulaTerms, decodePostingBlock, formulaPostings, keyHalves, postingKey, postingKeyValue, type PostingSignal } from '../../src/core/search/postings';
import { connectedClient, startPostgres, type PostgresServer } from '../helpers/postgres-server';

// heads of 8 postings, so that this small library's frequent terms have heads (and removals reach into them)
process.env.FORMULA_LENS_HEAD_POSTINGS = '8';

let server: PostgresServer;
const freshDatabase = () => server.freshDatabase('postings');

before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

const library = readDefaultLibrary(defaultLibraryFile()!);
if (!library.ok) throw new Error(library.reason);
const bundled = library.value;

const macros = '\\newcommand{\\R}{\\mathbb{R}}';
const special: PaperFormulas[] = [
  {
    paper: { id: 'long-control-word', title: 'A very long control word', authors: ['L. Ong'], library: 'lab' },
    // a term far longer than a btree row may be: terms are stored by their hash
    // and a formula without terms, which counts in the index's formulas all the same
    formulas: [{ latex: `\\${'a'.repeat(4000)} + x^2`, inline: false }, { latex: '', inline: true }],
  },
  {
    paper: { id: 'with-macros', title: 'Macros', authors: ['M. Acro'], library: 'lab', macros },
    formulas: [{ latex: 'f: \\R \\to \\R', inline: false }, { latex: '\\R^n \\times \\R', inline: true }],
  },
];

/** One index run through PostgresIndexRun: the changes, then commit (or rollback). */
async function indexRun(location: string, changes: CatalogueUpdate[], options: IndexRunOptions = {}, end: 'commit' | 'rollback' = 'commit'): Promise<void> {
  const client = await connectedClient(location);
  try {
    const run = await PostgresIndexRun.begin(client, location, options);
    assert.ok(run.ok, run.ok ? '' : run.reason.message);
    for (const change of changes) {
      const updated = await run.value.update(change);
      assert.ok(updated.ok, updated.ok ? '' : updated.reason.message);
    }
    await (end === 'commit' ? run.value.commit() : run.value.rollback());
  } finally {
    await client.end();
  }
}

/** A first run over papers, written in batches of 500 formulas as the indexer does. */
async function firstRun(location: string, papers: PaperFormulas[], options: IndexRunOptions = {}): Promise<void> {
  const client = await connectedClient(location);
  try {
    const run = await PostgresIndexRun.begin(client, location, options);
    assert.ok(run.ok, run.ok ? '' : run.reason.message);
    assert.ok((await indexPapers(run.value, papers, { batchFormulas: 500 })).ok);
    await run.value.commit();
  } finally {
    await client.end();
  }
}

interface StoredPostings {
  /** Blocks per term key. */
  blocks: Map<string, number>;
  /** Every term key with postings. */
  terms: Set<string>;
  formulas: number;
}

/**
 * Compares everything the postings hold with a computation from scratch over the database's formulas (with their
 * papers' macros): every term's (formula, length, count) list, the blocks' bounds, the document frequencies, the
 * index's counts and each formula's raw structure terms.
 */
async function assertPostingsComplete(location: string, what: string): Promise<StoredPostings> {
  const client = await connectedClient(location);
  try {
    const formulas = await client.query<{ id: string; latex: string; macros: string | null }>(
      'SELECT f.id, f.latex, p.macros FROM formulas f JOIN papers p ON p.row = f.paper ORDER BY f.id',
    );
    const expected = new Map<string, string[]>();
    const expectedRaw = new Map<string, unknown>();
    const postingsOf = new Map<string, ReturnType<typeof formulaPostings>>();
    let lexicalLength = 0;
    let structureLength = 0;
    for (const { id, latex, macros } of formulas.rows) {
      const postings = formulaPostings(latex, macros ?? undefined);
      postingsOf.set(id, postings);
      for (const signal of ['lexical', 'structure'] as PostingSignal[]) {
        for (const [term, count] of postings[signal].counts) {
          const key = postingKey(signal, term);
          const list = expected.get(key) ?? [];
          list.push(`${id}:${postings[signal].length}:${count}`);
          expected.set(key, list);
        }
      }
      lexicalLength += postings.lexical.length;
      structureLength += postings.structure.length;
      expectedRaw.set(id, postings.structure.raw);
    }

    const stored = new Map<string, string[]>();
    const blocks = new Map<string, number>();
    const lastOf = new Map<string, number>();
    const rows = await client.query<{ term: string; first_formula: string; last_formula: string; formulas: number; block: Buffer }>(
      'SELECT term, first_formula, last_formula, formulas, block FROM postings ORDER BY term, first_formula',
    );
    for (const { term, first_formula, last_formula, formulas: count, block } of rows.rows) {
      const decoded = decodePostingBlock(block);
      assert.ok(decoded, `${what}: a block of ${term} decodes`);
      const ids = [...decoded.formulaIds];
      assert.ok(ids.length > 0, `${what}: no empty block (${term})`);
      assert.equal(count, ids.length, `${what}: the block's formulas (${term})`);
      assert.equal(Number(first_formula), ids[0], `${what}: the block's first formula (${term})`);
      assert.equal(Number(last_formula), ids[ids.length - 1], `${what}: the block's last formula (${term})`);
      ids.forEach((id, i) => assert.ok(i === 0 ? id > (lastOf.get(term) ?? 0) : id > ids[i - 1]!, `${what}: ids ascend within and across blocks (${term})`));
      lastOf.set(term, ids[ids.length - 1]!);
      blocks.set(term, (blocks.get(term) ?? 0) + 1);
      const list = stored.get(term) ?? [];
      ids.forEach((id, i) => list.push(`${id}:${decoded.lengths[i]}:${decoded.counts[i]}`));
      stored.set(term, list);
    }
    const differing = [...new Set([...expected.keys(), ...stored.keys()])].filter(
      (term) => JSON.stringify(expected.get(term)) !== JSON.stringify(stored.get(term)),
    );
    assert.deepEqual(
      differing.slice(0, 3).map((term) => ({ term, expected: expected.get(term)?.slice(0, 10), stored: stored.get(term)?.slice(0, 10) })),
      [],
      `${what}: ${differing.length} of ${expected.size} terms' postings differ`,
    );

    const frequencies = await client.query<{ term: string; formulas: number }>('SELECT term, formulas FROM term_frequencies');
    const storedFrequencies = new Map(frequencies.rows.map(({ term, formulas }) => [term, formulas]));
    assert.equal(storedFrequencies.size, expected.size, `${what}: one document frequency per term, none stale`);
    for (const [term, list] of expected) assert.equal(storedFrequencies.get(term), list.length, `${what}: the document frequency of ${term}`);

    const state = await client.query<{ formulas: string; lexical_length: string; structure_length: string; postings_ready: boolean }>(
      'SELECT formulas, lexical_length, structure_length, postings_ready FROM index_state',
    );
    assert.deepEqual(
      state.rows.map((row) => ({ ...row, formulas: Number(row.formulas), lexical_length: Number(row.lexical_length), structure_length: Number(row.structure_length) })),
      [{ formulas: formulas.rows.length, lexical_length: lexicalLength, structure_length: structureLength, postings_ready: true }],
      `${what}: the index's counts`,
    );

    const raws = await client.query<{ formula: string; raw: string }>('SELECT formula, raw FROM structure_terms ORDER BY formula');
    assert.deepEqual(raws.rows.map(({ formula }) => formula), formulas.rows.map(({ id }) => id), `${what}: a raw structure row per formula`);
    for (const { formula, raw } of raws.rows) assert.deepEqual(JSON.parse(raw), expectedRaw.get(formula), `${what}: the raw structure terms of formula ${formula}`);

    // heads: a term in more formulas than the head size has the postings headSlots chooses from its whole list
    const headSize = (await client.query<{ head_postings: number }>('SELECT head_postings FROM index_state')).rows[0]!.head_postings;
    assert.equal(headSize, 8, `${what}: the heads' size`);
    const expectedHeads = new Map<string, string[]>();
    for (const [term, list] of expected) {
      if (list.length <= headSize) continue;
      const [ids, lengths, counts] = [0, 1, 2].map((part) => list.map((posting) => Number(posting.split(':')[part])));
      expectedHeads.set(term, [...headSlots(ids!, counts!, lengths!, headSize, HEAD_REFERENCE_LENGTH)].map((i) => list[i]!));
    }
    const heads = await client.query<{ term: string; formulas: number; block: Buffer }>('SELECT term, formulas, block FROM posting_heads');
    const storedHeads = new Map(heads.rows.map(({ term, formulas: count, block }) => {
      const decoded = decodePostingBlock(block)!;
      assert.equal(count, decoded.formulaIds.length, `${what}: the head's formulas (${term})`);
      return [term, [...decoded.formulaIds].map((id, i) => `${id}:${decoded.lengths[i]}:${decoded.counts[i]}`)];
    }));
    assert.ok(expectedHeads.size > 20, `${what}: many terms have heads (${expectedHeads.size})`);
    assert.deepEqual(storedHeads, expectedHeads, `${what}: the heads`);

    // each formula's term counts in both signals
    const termCounts = await client.query<{ formula: string; lexical: Buffer; structure: Buffer }>('SELECT formula, lexical, structure FROM formula_terms ORDER BY formula');
    assert.deepEqual(termCounts.rows.map(({ formula }) => formula), formulas.rows.map(({ id }) => id), `${what}: term counts per formula`);
    for (const row of termCounts.rows) {
      const postings = postingsOf.get(row.formula)!;
      for (const signal of ['lexical', 'structure'] as PostingSignal[]) {
        const decoded = decodeFormulaTerms(row[signal])!;
        const expectedCounts = [...postings[signal].counts]
          .map(([term, count]) => ({ ...keyHalves(postingKeyValue(signal, term)), count }))
          .sort((a, b) => a.high - b.high || a.low - b.low);
        assert.deepEqual(
          { length: decoded.length, keys: [...decoded.high].map((high, i) => ({ high, low: decoded.low[i], count: decoded.counts[i] })) },
          { length: postings[signal].length, keys: expectedCounts },
          `${what}: the ${signal} term counts of formula ${row.formula}`,
        );
      }
    }
    return { blocks, terms: new Set(expected.keys()), formulas: formulas.rows.length };
  } finally {
    await client.end();
  }
}

/** Everything the postings hold, as text to compare. */
async function postingsSnapshot(client: Client): Promise<string> {
  const tables = [
    "SELECT term, first_formula, last_formula, formulas, encode(block, 'hex') AS block FROM postings ORDER BY term, first_formula",
    'SELECT term, formulas FROM term_frequencies ORDER BY term',
    'SELECT formula, raw FROM structure_terms ORDER BY formula',
    "SELECT term, formulas, encode(block, 'hex') AS block FROM posting_heads ORDER BY term",
    "SELECT formula, encode(lexical, 'hex') AS lexical, encode(structure, 'hex') AS structure FROM formula_terms ORDER BY formula",
    'SELECT * FROM index_state',
    'SELECT count(*) FROM formulas',
  ];
  const found = [];
  for (const sql of tables) found.push((await client.query(sql)).rows);
  return JSON.stringify(found);
}

/** Terms of the macros paper's formulas that only the expansion of \\R gives. */
const expandedTerms = special[1]!.formulas.flatMap(({ latex }) => {
  const plain = formulaPostings(latex).lexical.counts;
  return [...formulaPostings(latex, macros).lexical.counts.keys()].filter((term) => !plain.has(term)).map((term) => postingKey('lexical', term));
});

async function blocksPerTerm(location: string): Promise<Map<string, number>> {
  const client = await connectedClient(location);
  try {
    const found = await client.query<{ term: string; blocks: string }>('SELECT term, count(*) AS blocks FROM postings GROUP BY term');
    return new Map(found.rows.map(({ term, blocks }) => [term, Number(blocks)]));
  } finally {
    await client.end();
  }
}

const mostBlocks = (stored: StoredPostings) => Math.max(...stored.blocks.values());

const shared = { location: '' };
const firstPapers = [...bundled.slice(0, 60), ...special];

test('a first run writes every formula\'s postings, also for a 4000-letter control word, a formula without terms and a paper\'s macros', async () => {
  shared.location = freshDatabase();
  await firstRun(shared.location, firstPapers);
  const stored = await assertPostingsComplete(shared.location, 'first run');
  assert.equal(stored.formulas, firstPapers.reduce((sum, { formulas }) => sum + formulas.length, 0));
  assert.equal(mostBlocks(stored), 1, 'one flush at the commit: one block per term');
  assert.ok(expandedTerms.length > 0 && expandedTerms.every((term) => stored.terms.has(term)), 'the paper\'s macros are expanded');
});

test('a run that removes 10 papers and replaces one rewrites only what it must, and drops terms left without formulas', async () => {
  const before = await assertPostingsComplete(shared.location, 'before removing');
  const replaced = bundled[30]!;
  await indexRun(shared.location, [
    { remove: bundled.slice(5, 15).map(({ paper }) => paper.id) },
    { add: [{ paper: replaced.paper, formulas: [...replaced.formulas.slice(1), { latex: '\\zeta(s) = \\sum_{n \\ge 1} n^{-s}', inline: false }] }] },
  ]);
  const afterwards = await assertPostingsComplete(shared.location, 'after removing and replacing');
  const removedFormulas = bundled.slice(5, 15).reduce((sum, { formulas }) => sum + formulas.length, 0);
  assert.equal(afterwards.formulas, before.formulas - removedFormulas);
  assert.ok([...before.terms].some((term) => !afterwards.terms.has(term)), 'some terms lost all their formulas');
  assert.ok([...afterwards.terms].some((term) => !before.terms.has(term)), 'the replacement brought new terms');
});

test('many small runs on common terms append a block each, and a term reaching 16 blocks has them merged', async () => {
  const history = new Map<string, number[]>();
  for (let i = 0; i < 20; i++) {
    const paper = (n: number, variant = ''): PaperFormulas => ({
      paper: { id: `small-${n}`, title: `Small ${n}`, authors: ['S. Mall'], library: 'lab' },
      formulas: [
        { latex: `x = ${n}${variant}`, inline: true },
        { latex: `x^2 + y^2 = z_{${n}}`, inline: false },
        { latex: `\\alpha_{${n}} + x = y${variant}`, inline: false },
      ],
    });
    const changes: CatalogueUpdate[] = [{ add: [paper(i)] }];
    if (i % 6 === 5) changes.push({ remove: [`small-${i - 3}`] });
    if (i % 6 === 2 && i > 2) changes.push({ add: [paper(i - 1, ' + 1')] });
    await indexRun(shared.location, changes);
    const stored = i % 5 === 4 ? (await assertPostingsComplete(shared.location, `small run ${i}`)).blocks : await blocksPerTerm(shared.location);
    for (const [term, blocks] of stored) history.set(term, [...(history.get(term) ?? []), blocks]);
  }
  const counts = [...history.values()];
  assert.ok(counts.every((blocks) => blocks.every((count) => count < 16)), 'blocks per term stay under 16');
  // a run adds one block per term it touches: the 16th is merged with the 15 before it
  const merged = counts.find((blocks) => blocks.some((count, i) => count === 15 && blocks[i + 1] === 1));
  assert.ok(merged, 'some term went from 15 blocks to 1');
  assert.deepEqual(merged.slice(merged.indexOf(15) - 3, merged.indexOf(15) + 3), [12, 13, 14, 15, 1, 2]);
});

test('a rolled-back run leaves the postings as they were', async () => {
  const observer = await connectedClient(shared.location);
  const client = await connectedClient(shared.location);
  try {
    const before = await postingsSnapshot(observer);
    const run = await PostgresIndexRun.begin(client, shared.location);
    assert.ok(run.ok);
    assert.ok((await run.value.update({ remove: [bundled[20]!.paper.id, 'with-macros'], add: [bundled[70]!] })).ok);
    assert.ok((await run.value.update({ remove: [bundled[21]!.paper.id] })).ok);
    assert.notEqual(await postingsSnapshot(client), before, 'the run wrote postings');
    await run.value.rollback();
    assert.equal(await postingsSnapshot(observer), before);
  } finally {
    await Promise.all([observer.end(), client.end()]);
  }
  await assertPostingsComplete(shared.location, 'after a rolled-back run');
});

test('a run that keeps few postings in memory flushes and merges within the run, and removes in rounds', async () => {
  const location = freshDatabase();
  const small = { flushPostings: 20_000 };
  await firstRun(location, [...bundled.slice(100, 160), ...special], small);
  const first = await assertPostingsComplete(location, 'first run, small flushes');
  assert.ok(mostBlocks(first) > 1 && mostBlocks(first) < 16, `flushed and merged within the run: ${mostBlocks(first)} blocks`);
  await indexRun(location, [{ remove: bundled.slice(100, 130).map(({ paper }) => paper.id) }, { add: bundled.slice(160, 170) }], small);
  await assertPostingsComplete(location, 'removals in rounds');
});

test('merged blocks are split at the largest block size; a removal, or a merge, rewrites only the blocks it must', async () => {
  const location = freshDatabase();
  const options = { flushPostings: 5_000, largestBlock: 300 };
  await firstRun(location, bundled.slice(100, 160), options);
  await assertPostingsComplete(location, 'first run, blocks of at most 300');
  // xmin: the transaction that wrote the row, so a block written again shows
  const sizes = async () => {
    const client = await connectedClient(location);
    try {
      return (await client.query<{ term: string; first_formula: string; formulas: number; xmin: string }>('SELECT term, first_formula, formulas, xmin FROM postings')).rows;
    } finally {
      await client.end();
    }
  };
  const before = await sizes();
  assert.ok(before.every(({ formulas }) => formulas <= 300), 'no block over the size');
  assert.ok(before.filter(({ formulas }) => formulas === 300).length > 10, 'frequent terms have full blocks');
  await indexRun(location, [{ remove: [bundled[159]!.paper.id] }], options);
  await assertPostingsComplete(location, 'after removing the last paper');
  const key = ({ term, first_formula }: { term: string; first_formula: string }) => `${term}:${first_formula}`;
  const after = new Map((await sizes()).map((row) => [key(row), row.formulas]));
  const unchanged = before.filter((row) => after.get(key(row)) === row.formulas);
  assert.ok(unchanged.filter(({ formulas }) => formulas === 300).length > 10, 'full blocks before the removed paper stay as they were');

  // 17 small runs give the common terms 17 small blocks after their full ones: the merge rewrites only those
  const full = (await sizes()).filter(({ formulas }) => formulas === 300);
  for (let run = 0; run < 17; run++) {
    const paper: PaperFormulas = { paper: { id: `tail-${run}`, title: 'Tail', authors: [], library: 'lab' }, formulas: [{ latex: `x_${run} = y + z`, inline: false }] };
    await firstRun(location, [paper], options);
  }
  const merged = await sizes();
  await assertPostingsComplete(location, 'after merging the small blocks');
  const kept = new Set(merged.map((row) => `${key(row)}:${row.xmin}`));
  assert.ok(full.every((row) => kept.has(`${key(row)}:${row.xmin}`)), 'no full block was written again');
  assert.ok(merged.some((row) => !before.some((old) => key(old) === key(row)) && row.formulas > 1), 'small blocks were merged');
});

test('a database indexed at schema 2 gets its postings in its next index run; an empty one is ready at once', async () => {
  const location = freshDatabase();
  const client = await connectedClient(location);
  const papers = [...bundled.slice(200, 215), special[1]!];
  try {
    for (const migration of MIGRATIONS.filter(({ version }) => version <= 2)) await client.query(migration.sql);
    await client.query('CREATE TABLE formula_lens_schema (version integer NOT NULL)');
    await client.query('INSERT INTO formula_lens_schema (version) VALUES (2)');
    for (const { paper, formulas } of papers) {
      const row = await client.query<{ row: string }>(
        'INSERT INTO papers (id, library, title, authors, macros) VALUES ($1, $2, $3, $4, $5) RETURNING row',
        [paper.id, paper.library, paper.title, JSON.stringify(paper.authors ?? []), paper.macros ?? null],
      );
      await client.query(
        'INSERT INTO formulas (paper, latex, inline) SELECT $1, latex, inline FROM unnest($2::text[], $3::boolean[]) WITH ORDINALITY AS f(latex, inline, n) ORDER BY n',
        [row.rows[0]!.row, formulas.map(({ latex }) => latex), formulas.map(({ inline }) => inline)],
      );
    }
  } finally {
    await client.end();
  }
  const progress: [number, number][] = [];
  await indexRun(location, [{ remove: [papers[0]!.paper.id] }, { add: [bundled[215]!] }], { onBackfill: (done, total) => progress.push([done, total]) });
  const storedBefore = papers.reduce((sum, { formulas }) => sum + formulas.length, 0);
  assert.deepEqual([progress[0], progress[progress.length - 1]], [[0, storedBefore], [storedBefore, storedBefore]], 'the backfill reports its progress over the stored formulas');
  assert.ok(progress.every(([done], i) => i === 0 || done > progress[i - 1]![0]), 'and it only goes forward');
  const stored = await assertPostingsComplete(location, 'backfilled');
  assert.ok(expandedTerms.every((term) => stored.terms.has(term)), 'the stored paper\'s macros are expanded');
  const check = await connectedClient(location);
  try {
    assert.equal(await schemaVersion(check), SCHEMA_VERSION);
  } finally {
    await check.end();
  }

  const empty = freshDatabase();
  const fresh = await connectedClient(empty);
  try {
    for (const migration of MIGRATIONS.filter(({ version }) => version <= 2)) await fresh.query(migration.sql);
    await fresh.query('CREATE TABLE formula_lens_schema (version integer NOT NULL)');
    await fresh.query('INSERT INTO formula_lens_schema (version) VALUES (2)');
    const run = await PostgresIndexRun.begin(fresh, empty);
    assert.ok(run.ok);
    assert.equal((await fresh.query('SELECT postings_ready FROM index_state')).rows[0].postings_ready, true);
    await run.value.rollback();
  } finally {
    await fresh.end();
  }
});
