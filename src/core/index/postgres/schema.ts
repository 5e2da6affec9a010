// The shared index's schema in PostgreSQL, versioned: each migration runs once, in order, in one transaction
// under an advisory lock, so two indexers starting together cannot both apply it, and a failed one leaves the
// previous version. A database migrated by a newer Formula Lens is refused rather than misread.
import type { ClientBase } from 'pg';
import { fail, ok, type Result } from '../../result';

/** Every migration, in order; a released one is never edited (add the next instead). */
export const MIGRATIONS: readonly { version: number; purpose: string; sql: string }[] = [
  {
    version: 1,
    purpose: 'the catalogue: papers and their formulas',
    sql: `
CREATE TABLE papers (
  row bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  library text NOT NULL,
  title text NOT NULL,
  authors jsonb NOT NULL,
  year text,
  venue text,
  bib_key text,
  doi text,
  url text,
  eprint text,
  source_path text,
  macros text,
  content_hash text,
  license text
);
CREATE TABLE formulas (
  id bigserial PRIMARY KEY,
  paper bigint NOT NULL REFERENCES papers(row) ON DELETE CASCADE,
  latex text NOT NULL,
  file text,
  line integer,
  section text,
  env text,
  inline boolean NOT NULL
);
CREATE INDEX formulas_paper ON formulas(paper);
`,
  },
  {
    version: 2,
    purpose: 'the generation: raised by every committed index run, so searchers know to reload',
    sql: `
CREATE TABLE index_state (generation bigint NOT NULL);
INSERT INTO index_state (generation) VALUES (0);
`,
  },
  {
    version: 3,
    purpose: "the lexical and structure signals' postings, so that a search reads only its terms' (index/postgres/postings.ts)",
    sql: `
CREATE TABLE postings (
  term bigint NOT NULL,           -- postingKey(signal, term text)
  first_formula bigint NOT NULL,  -- the block's smallest formula id
  last_formula bigint NOT NULL,   -- its largest
  formulas integer NOT NULL,      -- postings in the block
  block bytea NOT NULL,           -- encodePostingBlock: formula ids ascending
  PRIMARY KEY (term, first_formula)
);
CREATE TABLE term_frequencies (term bigint PRIMARY KEY, formulas integer NOT NULL); -- document frequency: the sum of its blocks' formulas
CREATE TABLE structure_terms (formula bigint PRIMARY KEY REFERENCES formulas(id) ON DELETE CASCADE, raw text NOT NULL); -- JSON of StoredRawTerm[]
ALTER TABLE index_state ADD COLUMN formulas bigint NOT NULL DEFAULT 0, -- every formula, also one without terms (BM25's count and mean length)
  ADD COLUMN lexical_length bigint NOT NULL DEFAULT 0,   -- the formulas' lexical lengths summed
  ADD COLUMN structure_length bigint NOT NULL DEFAULT 0, -- their structure lengths summed
  ADD COLUMN postings_ready boolean NOT NULL DEFAULT false,
  ADD COLUMN postings_format text; -- POSTINGS_FORMAT of the code that wrote them: another one's are computed again
-- a database indexed before has formulas without postings: its next index run computes them
UPDATE index_state SET postings_ready = NOT EXISTS (SELECT 1 FROM formulas);
`,
  },
  {
    version: 4,
    purpose: "frequent terms' heads and each formula's term counts, so that a search never reads a frequent term's whole list",
    sql: `
CREATE TABLE posting_heads (  -- a term in more formulas than head_postings: its head (lexical.ts's headSlots)
  term bigint PRIMARY KEY,
  formulas integer NOT NULL,  -- postings in the head
  block bytea NOT NULL        -- encodePostingBlock
);
CREATE TABLE formula_terms (  -- encodeFormulaTerms: a formula's length, term keys and counts per signal
  formula bigint PRIMARY KEY REFERENCES formulas(id) ON DELETE CASCADE,
  lexical bytea NOT NULL,
  structure bytea NOT NULL
);
-- kept in the row (compressed when it can be), not out of line: a search reads hundreds of formulas' counts
ALTER TABLE formula_terms ALTER COLUMN lexical SET STORAGE MAIN, ALTER COLUMN structure SET STORAGE MAIN;
-- blocks are not compressed: ascending ids barely compress (70 MB of the corpus's long blocks to 66), and pglz
-- made writing them a third slower; the postings are computed again by the next run (postings_format)
ALTER TABLE postings ALTER COLUMN block SET STORAGE EXTERNAL;
ALTER TABLE posting_heads ALTER COLUMN block SET STORAGE EXTERNAL;
ALTER TABLE index_state ADD COLUMN head_postings integer; -- the heads' size
-- postings of schema 3 have neither: the next index run computes them all again (postings_format)
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Any constant: the advisory lock that serialises migrations of one database. */
const migrationLock = 0x466c4c73; // "FlLs"

/** The database's schema version (0 when Formula Lens never wrote to it). */
export async function schemaVersion(client: ClientBase): Promise<number> {
  const table = await client.query<{ exists: boolean }>(`SELECT to_regclass('formula_lens_schema') IS NOT NULL AS exists`);
  if (!table.rows[0].exists) return 0;
  const version = await client.query<{ version: number }>('SELECT version FROM formula_lens_schema');
  return version.rows[0]?.version ?? 0;
}

/** Brings the schema to SCHEMA_VERSION; says which versions it applied. Needs a role that may create tables. */
export async function migrate(client: ClientBase): Promise<Result<{ from: number; to: number }, string>> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
    await client.query('CREATE TABLE IF NOT EXISTS formula_lens_schema (version integer NOT NULL)');
    const from = await schemaVersion(client);
    if (from > SCHEMA_VERSION) {
      await client.query('ROLLBACK');
      return fail(`The database holds a Formula Lens index of schema ${from}; this version reads schema ${SCHEMA_VERSION} and older. Update Formula Lens.`);
    }
    for (const migration of MIGRATIONS.filter(({ version }) => version > from)) await client.query(migration.sql);
    if (from === 0) await client.query('INSERT INTO formula_lens_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    else await client.query('UPDATE formula_lens_schema SET version = $1', [SCHEMA_VERSION]);
    await client.query('COMMIT');
    return ok({ from, to: SCHEMA_VERSION });
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
