// The catalogue: papers and formulas (LaTeX, location, the paper's macros) in SQLite (node-sqlite3-wasm: WebAssembly,
// so it loads unchanged in Electron's Node, with real file I/O and SQLite's rollback journal). It holds no
// embeddings and no model identity: every signal's data is a sidecar derived from it (search/bitmap-store.ts,
// search/hybrid-store.ts, search/numeric-store.ts), so switching a model never touches it.
import type { Database as SqliteDatabase, SQLiteValue, Statement } from 'node-sqlite3-wasm';
import { requireNative } from '../native';
import type { FormulaLocation, IndexedPaper, PaperToAdd, PdfPlacement, StoredFormula } from './types';

const schema = `
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
  row INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  library TEXT NOT NULL,
  title TEXT NOT NULL,
  authors TEXT NOT NULL,
  year TEXT,
  venue TEXT,
  bib_key TEXT,
  doi TEXT,
  url TEXT,
  eprint TEXT,
  source_path TEXT,
  macros TEXT,
  content_hash TEXT,
  license TEXT
);
CREATE TABLE IF NOT EXISTS formulas (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  paper INTEGER NOT NULL REFERENCES papers(row) ON DELETE CASCADE,
  latex TEXT NOT NULL,
  file TEXT,
  line INTEGER,
  section TEXT,
  env TEXT,
  inline INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS formulas_paper ON formulas(paper);
CREATE TABLE IF NOT EXISTS pdf_formulas (
  formula INTEGER PRIMARY KEY REFERENCES formulas(id) ON DELETE CASCADE,
  page INTEGER NOT NULL,
  box TEXT NOT NULL,
  number TEXT,
  crop BLOB
);
`;

/**
 * The formula columns, with the PDF placement of formulas read from PDFs. A catalogue written before PDFs were
 * indexed has no pdf_formulas table (a writer adds it; a reader does without), so the format stays 2.
 */
const formulaColumns = (withPdf: boolean) =>
  withPdf
    ? 'f.id, f.paper, f.latex, f.file, f.line, f.section, f.env, f.inline, p.page, p.box, p.number, p.crop FROM formulas f LEFT JOIN pdf_formulas p ON p.formula = f.id'
    : 'f.id, f.paper, f.latex, f.file, f.line, f.section, f.env, f.inline FROM formulas f';

/** The manifest keys. */
export interface Manifest {
  formatVersion: number;
  /** Increases with every committed update; names the database file. */
  generation: number;
}

/** A paper as kept in memory for filtering and grouping. */
export interface PaperRow {
  row: number;
  paper: IndexedPaper;
  /** The year as a number, for range filters. */
  yearNumber?: number;
}

const text = (value: SQLiteValue | undefined): string | undefined =>
  value === null || value === undefined ? undefined : String(value);

function paperFromRow(row: Record<string, SQLiteValue>): PaperRow {
  const paper: IndexedPaper = {
    id: String(row.id),
    library: String(row.library),
    title: String(row.title),
    authors: JSON.parse(String(row.authors)) as string[],
    year: text(row.year),
    venue: text(row.venue),
    key: text(row.bib_key),
    doi: text(row.doi),
    url: text(row.url),
    eprint: text(row.eprint),
    sourcePath: text(row.source_path),
    macros: text(row.macros),
    contentHash: text(row.content_hash),
    license: text(row.license),
  };
  for (const key of Object.keys(paper) as (keyof IndexedPaper)[]) if (paper[key] === undefined) delete paper[key];
  return paperRow(Number(row.row), paper);
}

/** A paper's year as a number (`2019`, `2019a`, `2019-05` all give 2019), or undefined when it has none. */
export function yearNumber(year: string | undefined): number | undefined {
  const number = year === undefined ? NaN : Number.parseInt(year, 10);
  return Number.isFinite(number) ? number : undefined;
}

/** A paper with its row and its year as a number (for range filters). */
export function paperRow(row: number, paper: IndexedPaper): PaperRow {
  return { row, paper, yearNumber: yearNumber(paper.year) };
}

function formulaFromRow(row: Record<string, SQLiteValue>, paperId: string): StoredFormula {
  const formula: StoredFormula = {
    id: Number(row.id),
    paperId,
    latex: String(row.latex),
    file: text(row.file),
    line: row.line === null ? undefined : Number(row.line),
    section: text(row.section),
    env: text(row.env),
    inline: row.inline === 1,
  };
  if (row.page !== null && row.page !== undefined) {
    formula.pdf = { page: Number(row.page), box: JSON.parse(String(row.box)) as PdfPlacement['box'] };
    if (row.number !== null) formula.pdf.number = String(row.number);
    if (row.crop instanceof Uint8Array) formula.pdf.crop = row.crop;
  }
  for (const key of Object.keys(formula) as (keyof FormulaLocation)[]) if (formula[key] === undefined) delete formula[key];
  return formula;
}

export class MetadataStore {
  private formulasById: Statement | undefined;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly withPdf: boolean,
  ) {}

  /**
   * Opens a database; throws SQLite's error when the file is damaged (`check` reads it all to find out).
   * `read`: a committed generation, never written. `write`: read-write, created when absent, with SQLite's rollback
   * journal. `scratch`: a generation being written, which a crash discards: no journal on disk and no fsync (the
   * committer syncs the file once).
   */
  static open(file: string, access: 'read' | 'write' | 'scratch', { check = false } = {}): MetadataStore {
    const { Database } = requireNative<typeof import('node-sqlite3-wasm')>('node-sqlite3-wasm');
    const db = new Database(file, { readOnly: access === 'read' });
    try {
      // Every connection opens a path of its own (generations.ts): holding SQLite's lock for the connection's life
      // keeps its page cache valid between statements (otherwise every read re-takes the lock, a mkdir in this VFS,
      // and re-reads pages from disk).
      db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -32000');
      if (access === 'scratch') db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF');
      if (check) {
        const result = db.get('PRAGMA quick_check') as { quick_check: string } | null;
        if (result?.quick_check !== 'ok') throw new Error(`integrity check failed: ${result?.quick_check ?? 'no answer'}`);
      }
      if (access !== 'read') db.exec(schema);
      const withPdf = Boolean(db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'pdf_formulas'"));
      return new MetadataStore(db, withPdf);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    this.formulasById?.finalize();
    this.formulasById = undefined;
    if (this.db.isOpen) this.db.close();
  }

  /** The manifest, or undefined for a fresh database. */
  manifest(): Manifest | undefined {
    const rows = this.db.all('SELECT key, value FROM manifest') as { key: string; value: string }[];
    if (rows.length === 0) return undefined;
    const values = Object.fromEntries(rows.map((row) => [row.key, row.value]));
    return { formatVersion: Number(values.formatVersion), generation: Number(values.generation ?? 0) };
  }

  writeManifest(manifest: Manifest): void {
    const statement = this.db.prepare('INSERT OR REPLACE INTO manifest (key, value) VALUES (?, ?)');
    try {
      for (const [key, value] of Object.entries(manifest)) statement.run([key, String(value)]);
    } finally {
      statement.finalize();
    }
  }

  /** Runs `body` in one transaction: all of it is committed, or none (also across a crash). */
  transaction<T>(body: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  papers(): PaperRow[] {
    return (this.db.all('SELECT * FROM papers ORDER BY row') as Record<string, SQLiteValue>[]).map(paperFromRow);
  }

  /** Every formula id with its paper row, for the in-memory label → paper map. */
  formulaPapers(): { id: number; paper: number }[] {
    return this.db.all('SELECT id, paper FROM formulas') as { id: number; paper: number }[];
  }

  /** Deletes papers and their formulas; returns the ids of the deleted formulas. */
  removePapers(paperIds: string[]): number[] {
    const removed: number[] = [];
    for (const id of paperIds) {
      const formulas = this.db.all(
        'SELECT f.id FROM formulas f JOIN papers p ON f.paper = p.row WHERE p.id = ?',
        id,
      ) as { id: number }[];
      removed.push(...formulas.map((formula) => formula.id));
      this.db.run('DELETE FROM papers WHERE id = ?', id);
    }
    return removed;
  }

  /** Inserts a paper and its formulas; returns the paper row and the new formula ids, in order. */
  insertPaper({ paper, formulas }: PaperToAdd): { row: number; formulaIds: number[] } {
    const inserted = this.db.run(
      `INSERT INTO papers (id, library, title, authors, year, venue, bib_key, doi, url, eprint, source_path, macros, content_hash, license)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        paper.id,
        paper.library,
        paper.title,
        JSON.stringify(paper.authors),
        paper.year ?? null,
        paper.venue ?? null,
        paper.key ?? null,
        paper.doi ?? null,
        paper.url ?? null,
        paper.eprint ?? null,
        paper.sourcePath ?? null,
        paper.macros ?? null,
        paper.contentHash ?? null,
        paper.license ?? null,
      ],
    );
    const row = Number(inserted.lastInsertRowid);
    const statement = this.db.prepare(
      'INSERT INTO formulas (paper, latex, file, line, section, env, inline) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const placement = formulas.some((formula) => formula.pdf)
      ? this.db.prepare('INSERT INTO pdf_formulas (formula, page, box, number, crop) VALUES (?, ?, ?, ?, ?)')
      : undefined;
    try {
      const formulaIds = formulas.map((formula) => {
        const result = statement.run([
          row,
          formula.latex,
          formula.file ?? null,
          formula.line ?? null,
          formula.section ?? null,
          formula.env ?? null,
          formula.inline ? 1 : 0,
        ]);
        const id = Number(result.lastInsertRowid);
        const { pdf } = formula;
        if (pdf) placement!.run([id, pdf.page, JSON.stringify(pdf.box), pdf.number ?? null, pdf.crop ?? null]);
        return id;
      });
      return { row, formulaIds };
    } finally {
      statement.finalize();
      placement?.finalize();
    }
  }

  /** The stored formulas with these ids (in no particular order); unknown ids are skipped. */
  formulas(ids: number[], paperIdOfRow: (row: number) => string): StoredFormula[] {
    if (ids.length === 0) return [];
    // One statement for any number of ids, prepared once: search calls this on every query.
    this.formulasById ??= this.db.prepare(
      `SELECT ${formulaColumns(this.withPdf)} WHERE f.id IN (SELECT value FROM json_each(?))`,
    );
    const rows = this.formulasById.all([JSON.stringify(ids)]) as Record<string, SQLiteValue>[];
    return rows.map((row) => formulaFromRow(row, paperIdOfRow(Number(row.paper))));
  }

  /** Visits every formula, in id order, without holding them all in memory. */
  *allFormulas(paperIdOfRow: (row: number) => string): Generator<StoredFormula> {
    const statement = this.db.prepare(`SELECT ${formulaColumns(this.withPdf)} ORDER BY f.id`);
    try {
      for (const row of statement.iterate() as Iterable<Record<string, SQLiteValue>>) yield formulaFromRow(row, paperIdOfRow(Number(row.paper)));
    } finally {
      statement.finalize();
    }
  }
}
