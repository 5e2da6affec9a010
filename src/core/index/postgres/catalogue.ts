// The catalogue of a shared index in PostgreSQL: read as a snapshot, written by index runs.
//
// A searcher loads papers and formulas in one REPEATABLE READ transaction (a consistent state, whatever an index run
// does meanwhile; MVCC, so it never waits for one) and ranks them in memory with the same code as a folder's index,
// reloading when `index_state.generation` has moved. An index run is one transaction under an advisory lock: one
// indexer at a time, and searchers see the run entirely or not at all; a run that dies is rolled back by the server.
// Every value travels as a query parameter.
import type { ClientBase } from 'pg';
import type { Catalogue, CatalogueUpdate, CatalogueWriter } from '../catalogue';
import type { IndexError, IndexStats, IndexedPaper, StoredFormula } from '../types';
import { errorMessage, fail, ok, type Result } from '../../result';
import { PostingsWriter, type PostingsWriterOptions } from './postings';
import { migrate, SCHEMA_VERSION, schemaVersion } from './schema';

/** Any constant: the advisory lock one index run of a database holds. */
const indexRunLock = 0x466c4978; // "FlIx"

export interface PaperRecord {
  row: string;
  id: string;
  library: string;
  title: string;
  authors: string[];
  year: string | null;
  venue: string | null;
  bib_key: string | null;
  doi: string | null;
  url: string | null;
  eprint: string | null;
  source_path: string | null;
  macros: string | null;
  content_hash: string | null;
  license: string | null;
}

export interface FormulaRecord {
  id: string;
  paper: string;
  latex: string;
  file: string | null;
  line: number | null;
  section: string | null;
  env: string | null;
  inline: boolean;
}

export const paperColumns = 'row, id, library, title, authors, year, venue, bib_key, doi, url, eprint, source_path, macros, content_hash, license';

/** A stored paper as the folder index gives it (absent fields left out, not undefined). */
export function paperFromRecord(record: PaperRecord): IndexedPaper {
  const paper: IndexedPaper = {
    id: record.id,
    library: record.library,
    title: record.title,
    authors: record.authors,
    year: record.year ?? undefined,
    venue: record.venue ?? undefined,
    key: record.bib_key ?? undefined,
    doi: record.doi ?? undefined,
    url: record.url ?? undefined,
    eprint: record.eprint ?? undefined,
    sourcePath: record.source_path ?? undefined,
    macros: record.macros ?? undefined,
    contentHash: record.content_hash ?? undefined,
    license: record.license ?? undefined,
  };
  for (const key of Object.keys(paper) as (keyof IndexedPaper)[]) if (paper[key] === undefined) delete paper[key];
  return paper;
}

export function formulaFromRecord(record: FormulaRecord, paperId: string): StoredFormula {
  const formula: StoredFormula = {
    id: Number(record.id),
    paperId,
    latex: record.latex,
    file: record.file ?? undefined,
    line: record.line ?? undefined,
    section: record.section ?? undefined,
    env: record.env ?? undefined,
    inline: record.inline,
  };
  for (const key of Object.keys(formula) as (keyof StoredFormula)[]) if (formula[key] === undefined) delete formula[key];
  return formula;
}

/** Why the database's schema cannot be read by this version, or undefined when it can. */
export async function schemaProblem(client: ClientBase, display: string): Promise<IndexError | undefined> {
  const version = await schemaVersion(client);
  if (version === 0) return { kind: 'missing', message: `No Formula Lens index in ${display}: index a library into it (formula-lens index <folders> --index ${display}).` };
  if (version > SCHEMA_VERSION) return { kind: 'format-mismatch', message: `${display} holds an index of schema ${version}; this version reads schema ${SCHEMA_VERSION}. Update Formula Lens.` };
  if (version < SCHEMA_VERSION) return { kind: 'format-mismatch', message: `${display} holds an index of the older schema ${version}: migrate it with the writer role (formula-lens db-init ${display}).` };
  return undefined;
}

/** The committed generation of the database's index (raised by every index run). */
export async function postgresGeneration(client: ClientBase, timeoutMs?: number): Promise<number> {
  // node-postgres takes a per-query `query_timeout` (over the connection's) that its types do not declare.
  const query = { text: 'SELECT generation FROM index_state', ...(timeoutMs ? { query_timeout: timeoutMs } : {}) };
  const found = await client.query<{ generation: string }>(query);
  return Number(found.rows[0]?.generation ?? 0);
}

/** A consistent snapshot of a shared index's catalogue, in memory. */
export class PostgresCatalogue implements Catalogue {
  private constructor(
    readonly generation: number,
    private readonly papersById: ReadonlyMap<string, IndexedPaper>,
    private readonly formulaList: readonly StoredFormula[],
    private readonly formulasById: ReadonlyMap<number, StoredFormula>,
  ) {}

  /** Reads the committed state in one read-only REPEATABLE READ transaction; an index run in progress is not seen. */
  static async load(client: ClientBase, display: string): Promise<Result<PostgresCatalogue, IndexError>> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const problem = await schemaProblem(client, display);
      if (problem) return fail(problem);
      const generation = await postgresGeneration(client);
      const papers = await client.query<PaperRecord>(`SELECT ${paperColumns} FROM papers`);
      const formulas = await client.query<FormulaRecord>('SELECT id, paper, latex, file, line, section, env, inline FROM formulas ORDER BY id');
      const paperIdOfRow = new Map(papers.rows.map((record) => [record.row, record.id]));
      const formulaList = formulas.rows.map((record) => formulaFromRecord(record, paperIdOfRow.get(record.paper) ?? ''));
      return ok(
        new PostgresCatalogue(
          generation,
          new Map(papers.rows.map((record) => [record.id, paperFromRecord(record)])),
          formulaList,
          new Map(formulaList.map((formula) => [formula.id, formula])),
        ),
      );
    } finally {
      await client.query('COMMIT');
    }
  }

  paper(id: string): IndexedPaper | undefined {
    return this.papersById.get(id);
  }

  papers(): IndexedPaper[] {
    return [...this.papersById.values()];
  }

  allFormulas(): Iterable<StoredFormula> {
    return this.formulaList;
  }

  formulas(ids: number[]): Map<number, StoredFormula> {
    return new Map(ids.flatMap((id) => (this.formulasById.has(id) ? [[id, this.formulasById.get(id)!] as const] : [])));
  }
}

/** What `info` shows of a shared index, counted by the server (nothing loaded into memory). */
export async function postgresStats(client: ClientBase, display: string): Promise<Result<IndexStats, IndexError>> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const problem = await schemaProblem(client, display);
    if (problem) return fail(problem);
    const libraries = await client.query<{ name: string; papers: string; formulas: string }>(
      `SELECT p.library AS name, count(DISTINCT p.row) AS papers, count(f.id) AS formulas
         FROM papers p LEFT JOIN formulas f ON f.paper = p.row GROUP BY p.library ORDER BY p.library`,
    );
    const size = await client.query<{ bytes: string }>(
      `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c WHERE c.relname IN ('papers', 'formulas', 'index_state', 'postings', 'term_frequencies', 'structure_terms', 'posting_heads', 'formula_terms')`,
    );
    const counted = libraries.rows.map((row) => ({ name: row.name, papers: Number(row.papers), formulas: Number(row.formulas) }));
    return ok({
      formatVersion: SCHEMA_VERSION,
      papers: counted.reduce((sum, library) => sum + library.papers, 0),
      formulas: counted.reduce((sum, library) => sum + library.formulas, 0),
      libraries: counted.sort((a, b) => a.name.localeCompare(b.name)),
      bytesOnDisk: Number(size.rows[0]?.bytes ?? 0),
      generation: await postgresGeneration(client),
    });
  } finally {
    await client.query('COMMIT');
  }
}

export interface IndexRunOptions extends PostingsWriterOptions {
  /** How long to wait for another index run of the database to finish (default 0: fail as busy at once). */
  lockWaitMs?: number;
}

/**
 * One index run of a shared index: a transaction holding the database's index-run lock, with the papers as the run
 * has them so far. It keeps the signals' postings in step with the formulas it adds and removes (postings.ts).
 * `commit` makes everything it wrote visible at once and raises the generation; `rollback` (or a dropped
 * connection) leaves the previous state.
 */
export class PostgresIndexRun implements CatalogueWriter {
  private open = true;

  private constructor(
    private readonly client: ClientBase,
    private readonly display: string,
    private readonly papersById: Map<string, IndexedPaper>,
    private readonly postings: PostingsWriter,
  ) {}

  /**
   * Migrates the schema when needed, then starts the run's transaction; fails as busy while another run holds the lock.
   * A database indexed before it had postings gets them computed here, before the run writes anything.
   */
  static async begin(client: ClientBase, display: string, options: IndexRunOptions = {}): Promise<Result<PostgresIndexRun, IndexError>> {
    try {
      const migrated = await migrate(client);
      if (!migrated.ok) return fail({ kind: 'format-mismatch', message: migrated.reason });
    } catch (error) {
      return fail({ kind: 'io', message: `Cannot prepare the index in ${display} (${errorMessage(error)}); index with the writer role.` });
    }
    await client.query('BEGIN');
    try {
      const waitMs = Math.max(0, Math.round(options.lockWaitMs ?? 0));
      const locked = waitMs > 0 ? await lockWithin(client, waitMs) : (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [indexRunLock])).rows[0].locked;
      if (!locked) {
        await client.query('ROLLBACK');
        return fail({ kind: 'busy', message: `Another index run is writing ${display}; try again when it has finished.` });
      }
      // Every statement of a run reads rows by key. The tables' statistics cannot see what the run itself wrote (a
      // first run starts from empty tables), so without this the planner scans the whole postings table for each
      // merge, more and more slowly as the run goes on: 209 scans of 89 million rows in the first 28 minutes of
      // loading a million formulas.
      await client.query('SET LOCAL enable_seqscan = off');
      const papers = await client.query<PaperRecord>(`SELECT ${paperColumns} FROM papers`);
      const postings = await PostingsWriter.start(client, options);
      return ok(new PostgresIndexRun(client, display, new Map(papers.rows.map((record) => [record.id, paperFromRecord(record)])), postings));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  paper(id: string): IndexedPaper | undefined {
    return this.papersById.get(id);
  }

  papers(): IndexedPaper[] {
    return [...this.papersById.values()];
  }

  /** Writes within the run's transaction: nothing is visible to searchers before `commit`. */
  async update({ add = [], remove = [] }: CatalogueUpdate): Promise<Result<{ added: number; removed: number }, IndexError>> {
    if (!this.open) return fail({ kind: 'invalid-input', message: `The index run of ${this.display} has ended.` });
    const ids = new Set<string>();
    for (const { paper } of add) {
      if (!paper.id) return fail({ kind: 'invalid-input', message: 'A paper has an empty id.' });
      if (ids.has(paper.id)) return fail({ kind: 'invalid-input', message: `Paper ${paper.id} is listed twice in one update.` });
      ids.add(paper.id);
    }
    const removed = remove.filter((id) => this.papersById.has(id) && !ids.has(id)).length;
    try {
      // a paper added again replaces the stored one (its formulas go with it: ON DELETE CASCADE)
      const gone = [...remove, ...ids].filter((id) => this.papersById.has(id));
      if (gone.length) {
        await this.postings.removePapers(gone);
        await this.client.query('DELETE FROM papers WHERE id = ANY($1::text[])', [gone]);
      }
      if (add.length) await this.insert(add);
    } catch (error) {
      return fail({ kind: 'io', message: `Writing the index in ${this.display} failed (${errorMessage(error)}); the run is rolled back.` });
    }
    for (const id of remove) this.papersById.delete(id);
    for (const { paper } of add) this.papersById.set(paper.id, paper);
    return ok({ added: add.length, removed });
  }

  /**
   * The papers and then their formulas, each in one statement; formula ids follow the papers' order, as in a folder
   * index. The formulas then go to the postings with the ids they were given.
   */
  private async insert(add: NonNullable<CatalogueUpdate['add']>): Promise<void> {
    const column = <T>(pick: (paper: IndexedPaper) => T | undefined) => add.map(({ paper }) => pick(paper) ?? null);
    const rows = await this.client.query<{ row: string; id: string }>(
      `INSERT INTO papers (id, library, title, authors, year, venue, bib_key, doi, url, eprint, source_path, macros, content_hash, license)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
       RETURNING row, id`,
      [
        column((paper) => paper.id), column((paper) => paper.library), column((paper) => paper.title),
        column((paper) => JSON.stringify(paper.authors ?? [])), column((paper) => paper.year), column((paper) => paper.venue),
        column((paper) => paper.key), column((paper) => paper.doi), column((paper) => paper.url), column((paper) => paper.eprint),
        column((paper) => paper.sourcePath), column((paper) => paper.macros), column((paper) => paper.contentHash), column((paper) => paper.license),
      ],
    );
    const rowOf = new Map(rows.rows.map((row) => [row.id, row.row]));
    const formulas = add.flatMap(({ paper, formulas }) => formulas.map((formula) => ({ row: rowOf.get(paper.id)!, formula, macros: paper.macros })));
    if (!formulas.length) return;
    const field = <T>(pick: (entry: (typeof formulas)[number]) => T | undefined) => formulas.map((entry) => pick(entry) ?? null);
    const inserted = await this.client.query<{ id: string }>(
      `INSERT INTO formulas (paper, latex, file, line, section, env, inline)
       SELECT paper, latex, file, line, section, env, inline
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::boolean[])
              WITH ORDINALITY AS f(paper, latex, file, line, section, env, inline, n)
        ORDER BY n
       RETURNING id`,
      [
        field((entry) => entry.row), field((entry) => entry.formula.latex), field((entry) => entry.formula.file), field((entry) => entry.formula.line),
        field((entry) => entry.formula.section), field((entry) => entry.formula.env), field((entry) => entry.formula.inline),
      ],
    );
    // RETURNING's order is not promised; the ids were drawn in the ORDER BY's order, so ascending they match the formulas
    const ids = inserted.rows.map(({ id }) => Number(id)).sort((a, b) => a - b);
    if (ids.length !== formulas.length) throw new Error(`${formulas.length} formulas were written, ${ids.length} ids came back`);
    await this.postings.add(formulas.map(({ formula, macros }, i) => ({ id: ids[i]!, latex: formula.latex, macros })));
  }

  /** Completes the postings, then makes the run visible to searchers, all at once; a failure leaves the previous state. */
  async commit(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    try {
      await this.postings.finish();
      await this.client.query('UPDATE index_state SET generation = generation + 1');
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Drops everything the run wrote. */
  async rollback(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.client.query('ROLLBACK');
  }
}

/** Takes the index-run lock, waiting up to `waitMs` for the run that holds it. */
async function lockWithin(client: ClientBase, waitMs: number): Promise<boolean> {
  await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${waitMs}ms`]);
  try {
    await client.query('SAVEPOINT index_run_lock');
    await client.query('SELECT pg_advisory_xact_lock($1)', [indexRunLock]);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== '55P03') throw error;
    await client.query('ROLLBACK TO SAVEPOINT index_run_lock');
    return false;
  } finally {
    await client.query(`SELECT set_config('lock_timeout', '0', true)`);
  }
}
