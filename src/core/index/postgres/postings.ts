// The postings of a shared index, written by its index runs (search/postings.ts defines what is stored; searchers
// fetch only their query's terms). Each term's postings are blocks of formula ids ascending, in disjoint id ranges:
// new formulas get larger ids than every stored one, so a run appends one block per term it touched, and a term
// left with many small blocks has them merged into full ones (largestBlock), so a search reads few rows per term.
// Removing formulas rewrites only the blocks whose id range holds them. A term in more formulas than the head size
// also has its head (posting_heads), which the run's end brings up to date from the old head and the run's new
// postings, or from the whole list when a removed formula was in it; and every formula has its term counts
// (formula_terms). Everything happens in the run's transaction: a rolled-back run leaves the postings as they were,
// and nothing here outlives the run.
import type { ClientBase } from 'pg';
import { HEAD_REFERENCE_LENGTH, headPostings, headSlots } from '../../search/lexical';
import {
  decodePostingBlock,
  encodeFormulaTerms,
  encodePostingBlock,
  formulaPostings,
  postingKey,
  postingKeyValue,
  POSTINGS_FORMAT,
  type FormulaPostings,
  type PostingBlock,
  type PostingSignal,
} from '../../search/postings';

/** A stored formula as its postings need it: its id, its LaTeX and its paper's macros. */
export interface PostingsFormula {
  id: number;
  latex: string;
  macros?: string;
}

export interface PostingsWriterOptions {
  /** Postings kept in memory before they are written (default 8 million, some 200 MB). */
  flushPostings?: number;
  /** The most postings one block holds (default largestBlock; tests make it small). */
  largestBlock?: number;
  /** Postings a frequent term's head holds (default lexical.ts's headPostings()). */
  headPostings?: number;
  /**
   * Called as the run computes the postings of the formulas stored before it (a database indexed by an earlier
   * version), with the formulas done and their total, before the run's own changes.
   */
  onBackfill?: (done: number, total: number) => void;
}

/**
 * Fewer, larger flushes mean fewer small blocks to merge: with 1.5 million a first run of 500,000 formulas was still
 * loading after 14 minutes, slowing as rare terms' short lists were merged again every 16 flushes.
 */
const defaultFlushPostings = 8_000_000;
/** A term with this many blocks after its last one at least half full has those merged (and split again at largestBlock). */
const mergeAtBlocks = 16;
/**
 * The most postings one block holds. Bounded, so that removing a paper rewrites a block of this size per term it
 * had, not a frequent term's whole list (some 700,000 postings at a million formulas).
 */
const largestBlock = 65_536;
/** Formulas read (a backfill, a removal) and computed at a time. */
const formulaBatch = 5000;
/** Bounds of one statement, so that none is huge. */
const statementRows = 10_000;
const statementBytes = 16 * 1024 * 1024;
const statementKeys = 50_000;
/** Terms whose blocks are read at a time to merge or rewrite them (a common term's block holds most formulas). */
const termsAtOnce = 500;
/** Postings of whole lists read at a time to choose heads from (some 10 bytes each, three times that decoded). */
const headPostingsAtOnce = 4_000_000;
/** Term keys hashed once per run and kept (an index run hashes every formula's terms for its term counts). */
const keptKeys = 1_000_000;
/** A block stores a count as uint16; no real formula repeats a term that often, but a wrapped count would be wrong. */
const largestCount = 0xffff;

const signals: readonly PostingSignal[] = ['lexical', 'structure'];

/** A term's postings by its text, per signal, hashed into keys only when written (once per term, not per posting). */
type TermLists = Record<PostingSignal, Map<string, number[]>>;
const noTerms = (): TermLists => ({ lexical: new Map(), structure: new Map() });

/** What index_state counts of the index: BM25's formula count and the summed lengths behind its mean lengths. */
interface IndexCounts {
  formulas: number;
  lexicalLength: number;
  structureLength: number;
}

interface BlockRow {
  term: string;
  block: PostingBlock;
}

/** Writes the postings of one index run; `finish` before the run commits. */
export class PostingsWriter {
  /** Postings of added formulas not yet written: (formula id, length, count) triples, ids ascending. */
  private pending = noTerms();
  private pendingPostings = 0;
  /** The largest formula id added, to keep each term's postings ascending. */
  private lastAdded = 0;
  /** The smallest formula id this run added: postings from it on are the run's. */
  private firstAdded: number | undefined;
  /** Formulas this run removed, and the terms they had (their heads may hold them). */
  private readonly removedIds = new Set<number>();
  private readonly removedTerms = new Set<string>();
  /** Terms this run gave postings that were then in more formulas than the head size. */
  private readonly grownTerms = new Set<string>();
  private readonly keys = new Map<string, bigint>();

  private constructor(
    private readonly client: ClientBase,
    private readonly counts: IndexCounts,
    private readonly flushPostings: number,
    private readonly blockSize: number,
    private readonly headSize: number,
  ) {}

  /**
   * The writer of a run that holds the index-run lock. A database indexed before it had postings gets them here,
   * from every stored formula, so that the run ends with complete postings whatever it changes.
   */
  static async start(client: ClientBase, options: PostingsWriterOptions = {}): Promise<PostingsWriter> {
    const state = await client.query<{ formulas: string; lexical_length: string; structure_length: string; postings_ready: boolean; postings_format: string | null; head_postings: number | null }>(
      'SELECT formulas, lexical_length, structure_length, postings_ready, postings_format, head_postings FROM index_state',
    );
    const stored = state.rows[0];
    if (!stored) throw new Error('the index has no index_state row');
    const headSize = Math.max(1, options.headPostings ?? headPostings());
    // heads of another size are made again with everything else: a size changes for experiments, not in a lab's runs
    const ready = postingsUsable(stored) && stored.head_postings === headSize;
    const counts: IndexCounts = ready
      ? { formulas: Number(stored.formulas), lexicalLength: Number(stored.lexical_length), structureLength: Number(stored.structure_length) }
      : { formulas: 0, lexicalLength: 0, structureLength: 0 };
    const writer = new PostingsWriter(client, counts, Math.max(1, options.flushPostings ?? defaultFlushPostings), Math.max(2, options.largestBlock ?? largestBlock), headSize);
    if (!ready) await writer.backfill(options.onBackfill);
    return writer;
  }

  /** Takes new formulas, ids ascending and larger than any stored: their raw structure terms and term counts now, their postings by the next flush. */
  async add(formulas: readonly PostingsFormula[]): Promise<void> {
    if (!formulas.length) return;
    const ids: number[] = [];
    const raws: string[] = [];
    const termCounts: Buffer[] = [];
    for (const { id, latex, macros } of formulas) {
      if (id <= this.lastAdded) throw new Error(`formula ${id} came after formula ${this.lastAdded}: postings are appended in id order`);
      // blocks and searches hold ids as int32; past it a formula would silently drop out of every search
      if (id > 0x7fffffff) throw new Error(`formula id ${id} is past the 2,147,483,647 a shared index's postings hold: export and index the library into a new database`);
      this.lastAdded = id;
      this.firstAdded ??= id;
      const postings = formulaPostings(latex, macros);
      for (const signal of signals) {
        const { counts, length } = postings[signal];
        const lists = this.pending[signal];
        for (const [term, count] of counts) {
          const list = lists.get(term);
          if (list) list.push(id, length, Math.min(count, largestCount));
          else lists.set(term, [id, length, Math.min(count, largestCount)]);
        }
        this.pendingPostings += counts.size;
      }
      this.count(postings, 1);
      ids.push(id);
      raws.push(JSON.stringify(postings.structure.raw));
      for (const signal of signals) termCounts.push(encodeFormulaTerms(signal, postings[signal].counts, postings[signal].length, this.keyOf));
    }
    // one json parameter: node-postgres writes a text[] of this size several times slower
    await this.client.query(
      `INSERT INTO structure_terms (formula, raw)
       SELECT f.formula, r.raw::text FROM unnest($1::bigint[]) WITH ORDINALITY AS f(formula, n)
         JOIN json_array_elements($2::json) WITH ORDINALITY AS r(raw, n) ON r.n = f.n`,
      [ids, `[${raws.join(',')}]`],
    );
    // both signals' counts of each formula, in one binary parameter cut up by the server (as insertBlocks)
    const starts: number[] = [];
    let at = 1;
    for (const bytes of termCounts) {
      starts.push(at);
      at += bytes.length;
    }
    await this.client.query(
      `INSERT INTO formula_terms (formula, lexical, structure)
       SELECT formula, substring($2::bytea FROM lexical_start FOR structure_start - lexical_start), substring($2::bytea FROM structure_start FOR structure_end - structure_start)
         FROM unnest($1::bigint[], $3::integer[], $4::integer[], $5::integer[]) AS t(formula, lexical_start, structure_start, structure_end)`,
      [ids, Buffer.concat(termCounts), starts.filter((_, i) => i % 2 === 0), starts.filter((_, i) => i % 2 === 1), [...starts.filter((_, i) => i % 2 === 0).slice(1), at]],
    );
    if (this.pendingPostings >= this.flushPostings) await this.flush();
  }

  /** A term's key, hashed once per run for the most common terms. */
  private readonly keyOf = (signal: PostingSignal, term: string): bigint => {
    const text = signal === 'lexical' ? `l${term}` : `s${term}`;
    let key = this.keys.get(text);
    if (key === undefined) {
      key = postingKeyValue(signal, term);
      if (this.keys.size >= keptKeys) this.keys.clear();
      this.keys.set(text, key);
    }
    return key;
  };

  /** Takes the postings of these papers' formulas out; call it before the papers are deleted (it reads their formulas). */
  async removePapers(paperIds: readonly string[]): Promise<void> {
    if (!paperIds.length) return;
    await this.flush(); // the removed formulas may be pending
    const gone = await this.client.query<{ id: string }>(
      'SELECT f.id FROM formulas f JOIN papers p ON p.row = f.paper WHERE p.id = ANY($1::text[]) ORDER BY f.id',
      [paperIds],
    );
    let removed = noTerms();
    let removedPostings = 0;
    for (let start = 0; start < gone.rows.length; start += formulaBatch) {
      const ids = gone.rows.slice(start, start + formulaBatch).map(({ id }) => id);
      for (const { id, latex, macros } of await this.formulasWithIds(ids)) {
        this.removedIds.add(id);
        const postings = formulaPostings(latex, macros);
        for (const signal of signals) {
          const lists = removed[signal];
          for (const term of postings[signal].counts.keys()) {
            const list = lists.get(term);
            if (list) list.push(id);
            else lists.set(term, [id]);
          }
          removedPostings += postings[signal].counts.size;
        }
        this.count(postings, -1);
      }
      if (removedPostings >= this.flushPostings) {
        await this.dropPostings(removed);
        removed = noTerms();
        removedPostings = 0;
      }
    }
    await this.dropPostings(removed);
  }

  /** Writes what is pending, the heads and the index's counts, and marks the postings complete; the run then commits. */
  async finish(): Promise<void> {
    await this.flush();
    await this.refreshHeads();
    await this.client.query(
      'UPDATE index_state SET formulas = $1, lexical_length = $2, structure_length = $3, postings_ready = true, postings_format = $4, head_postings = $5',
      [this.counts.formulas, this.counts.lexicalLength, this.counts.structureLength, POSTINGS_FORMAT, this.headSize],
    );
  }

  /**
   * The heads of the terms this run changed that are in more formulas than the head size, as headSlots chooses
   * them from the whole list: from the old head and the run's new postings (a posting of the whole list that is
   * in neither was not in the old head, so it is not in the new one), or from the whole list when the term had no
   * head or a removed formula was in it. Heads of terms no longer that frequent are dropped.
   */
  private async refreshHeads(): Promise<void> {
    // only removals make a term less frequent; only the run's terms are looked up (by key, not a scan of them all)
    const removed = [...this.removedTerms];
    await this.client.query(
      `DELETE FROM posting_heads h WHERE h.term = ANY($1::bigint[])
         AND NOT EXISTS (SELECT 1 FROM term_frequencies t WHERE t.term = h.term AND t.formulas > $2)`,
      [removed, this.headSize],
    );
    const added = this.firstAdded ?? Number.MAX_SAFE_INTEGER;
    const changed = await this.client.query<{ term: string; formulas: number }>(
      'SELECT term, formulas FROM term_frequencies WHERE term = ANY($1::bigint[]) AND formulas > $2 ORDER BY term',
      [[...new Set([...this.grownTerms, ...removed])], this.headSize],
    );
    let chunk: string[] = [];
    let postings = 0;
    const write = async () => {
      if (chunk.length) await this.writeHeads(chunk, added);
      chunk = [];
      postings = 0;
    };
    for (const { term, formulas } of changed.rows) {
      if (chunk.length && postings + formulas > headPostingsAtOnce) await write();
      chunk.push(term);
      postings += formulas;
    }
    await write();
  }

  /** The heads of these terms, chosen again (refreshHeads) and written. */
  private async writeHeads(terms: readonly string[], added: number): Promise<void> {
    const oldHeads = await this.client.query<{ term: string; block: Buffer }>('SELECT term, block FROM posting_heads WHERE term = ANY($1::bigint[])', [terms]);
    const kept = new Map<string, PostingBlock>();
    for (const { term, block } of oldHeads.rows) {
      const head = decoded(term, block);
      if (!head.formulaIds.some((id) => this.removedIds.has(id))) kept.set(term, head);
    }
    const stored = await this.client.query<{ term: string; block: Buffer }>(
      `SELECT term, first_formula, block FROM postings WHERE term = ANY($1::bigint[]) AND last_formula >= $2
       UNION ALL
       SELECT term, first_formula, block FROM postings WHERE term = ANY($3::bigint[]) AND last_formula < $2
       ORDER BY term, first_formula`,
      [terms, added, terms.filter((term) => !kept.has(term))],
    );
    // each list ascending: the old head's ids are all below the run's
    const blocksOf = new Map<string, PostingBlock[]>();
    for (const { term, block } of stored.rows) {
      const postings = decoded(term, block);
      const blocks = blocksOf.get(term) ?? (kept.has(term) ? [kept.get(term)!] : []);
      // a merged block holds older postings too: those the head needs are in the old head already
      blocks.push(kept.has(term) ? fromId(postings, added) : postings);
      blocksOf.set(term, blocks);
    }
    // a kept head without new postings stays as it is (a run that only removes formulas the head does not hold)
    const heads: BlockRow[] = [];
    for (const [term, blocks] of blocksOf) {
      const list = concatenated(blocks);
      heads.push({ term, block: picked(list, headSlots(list.formulaIds, list.counts, list.lengths, this.headSize, HEAD_REFERENCE_LENGTH)) });
    }
    await this.client.query('DELETE FROM posting_heads WHERE term = ANY($1::bigint[])', [heads.map(({ term }) => term)]);
    await this.insertBlocks(heads, 'posting_heads');
  }

  /** Every stored formula's postings, in id order, from nothing (whatever a database marked incomplete holds is not trusted). */
  private async backfill(onProgress?: (done: number, total: number) => void): Promise<void> {
    for (const table of ['postings', 'posting_heads', 'term_frequencies', 'structure_terms', 'formula_terms']) await this.client.query(`DELETE FROM ${table}`);
    const total = Number((await this.client.query<{ count: string }>('SELECT count(*) FROM formulas')).rows[0]!.count);
    if (total) onProgress?.(0, total);
    for (let after = 0, done = 0; ; ) {
      const batch = await this.formulasAfter(after);
      if (!batch.length) return;
      await this.add(batch);
      after = batch[batch.length - 1]!.id;
      done += batch.length;
      onProgress?.(done, total);
    }
  }

  /** Up to `formulaBatch` stored formulas after this id, in id order. */
  private async formulasAfter(id: number): Promise<PostingsFormula[]> {
    return this.storedFormulas('f.id > $1 ORDER BY f.id LIMIT $2', [id, formulaBatch]);
  }

  private async formulasWithIds(ids: readonly string[]): Promise<PostingsFormula[]> {
    return this.storedFormulas('f.id = ANY($1::bigint[]) ORDER BY f.id', [ids]);
  }

  /** Stored formulas with their papers' macros. */
  private async storedFormulas(selection: string, values: unknown[]): Promise<PostingsFormula[]> {
    const found = await this.client.query<{ id: string; latex: string; macros: string | null }>(
      `SELECT f.id, f.latex, p.macros FROM formulas f JOIN papers p ON p.row = f.paper WHERE ${selection}`,
      values,
    );
    return found.rows.map(({ id, latex, macros }) => ({ id: Number(id), latex, macros: macros ?? undefined }));
  }

  private count({ lexical, structure }: FormulaPostings, sign: 1 | -1): void {
    this.counts.formulas += sign;
    this.counts.lexicalLength += sign * lexical.length;
    this.counts.structureLength += sign * structure.length;
  }

  /** Appends one block per pending term, raises the terms' document frequencies, and merges terms with too many blocks. */
  private async flush(): Promise<void> {
    if (!this.pendingPostings) return;
    const rows: BlockRow[] = [];
    for (const signal of signals) {
      for (const [term, triples] of this.pending[signal]) {
        const key = postingKey(signal, term);
        for (const block of split(blockOfTriples(triples), this.blockSize)) rows.push({ term: key, block });
      }
    }
    this.pending = noTerms();
    this.pendingPostings = 0;
    await this.insertBlocks(rows);
    const added = new Map<string, number>(); // a term once per statement: a long list came in several blocks
    for (const { term, block } of rows) added.set(term, (added.get(term) ?? 0) + block.formulaIds.length);
    for (const chunk of chunks([...added], statementKeys)) {
      const counted = await this.client.query<{ term: string; headed: boolean }>(
        `INSERT INTO term_frequencies (term, formulas) SELECT * FROM unnest($1::bigint[], $2::integer[])
         ON CONFLICT (term) DO UPDATE SET formulas = term_frequencies.formulas + EXCLUDED.formulas
         RETURNING term, formulas > $3 AS headed`,
        [chunk.map(([term]) => term), chunk.map(([, formulas]) => formulas), this.headSize],
      );
      for (const { term, headed } of counted.rows) if (headed) this.grownTerms.add(term);
    }
    await this.mergeCrowdedTerms([...added.keys()]);
  }

  /**
   * New block rows of postings (or heads), a bounded number of rows and bytes per statement. The blocks travel as one
   * binary parameter cut up by the server: node-postgres writes a bytea[] as hex text, several times slower.
   */
  private async insertBlocks(rows: readonly BlockRow[], into: 'postings' | 'posting_heads' = 'postings'): Promise<void> {
    let chunk: BlockRow[] = [];
    let bytes = 0;
    const write = async () => {
      if (!chunk.length) return;
      const encoded = chunk.map(({ block }) => encodePostingBlock(block));
      const starts: number[] = [];
      let at = 1; // substring counts from 1
      for (const block of encoded) {
        starts.push(at);
        at += block.length;
      }
      await this.client.query(
        `INSERT INTO ${into === 'postings' ? 'postings (term, first_formula, last_formula, formulas, block)' : 'posting_heads (term, formulas, block)'}
         SELECT term, ${into === 'postings' ? 'first_formula, last_formula, ' : ''}formulas, substring($5::bytea FROM start FOR formulas * 10)
           FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::integer[], $6::integer[]) AS b(term, first_formula, last_formula, formulas, start)`,
        [
          chunk.map(({ term }) => term),
          chunk.map(({ block }) => block.formulaIds[0]),
          chunk.map(({ block }) => block.formulaIds[block.formulaIds.length - 1]),
          chunk.map(({ block }) => block.formulaIds.length),
          Buffer.concat(encoded),
          starts,
        ],
      );
      chunk = [];
      bytes = 0;
    };
    for (const row of rows) {
      chunk.push(row);
      bytes += row.block.formulaIds.length * 10;
      if (chunk.length >= statementRows || bytes >= statementBytes) await write();
    }
    await write();
  }

  // The statements below name rows per term through LATERAL subqueries, so that each is an index lookup whatever the
  // planner believes of the tables (it cannot see the run's own rows), and delete the rows they read by ctid (no
  // other transaction writes postings during a run: the index-run lock).

  /**
   * Merges each of these terms' small blocks after its last block at least half full, once there are
   * `mergeAtBlocks` of them, into full ones. Only that tail is rewritten: the blocks before it keep their disjoint
   * id ranges below the tail's, so a frequent term's list is not rewritten whole at every merge (which made a first
   * run of a million formulas quadratic).
   */
  private async mergeCrowdedTerms(terms: readonly string[]): Promise<void> {
    const crowded: { term: string; after: string }[] = [];
    for (const chunk of chunks(terms, statementKeys)) {
      const found = await this.client.query<{ term: string; after: string }>(
        `SELECT t.term, f.after FROM unnest($1::bigint[]) AS t(term)
           CROSS JOIN LATERAL (SELECT coalesce(max(first_formula) FILTER (WHERE formulas >= $3), -1) AS after FROM postings WHERE term = t.term) f
          WHERE (SELECT count(*) FROM postings WHERE term = t.term AND first_formula > f.after) >= $2`,
        [chunk, mergeAtBlocks, Math.ceil(this.blockSize / 2)],
      );
      crowded.push(...found.rows);
    }
    for (const chunk of chunks(crowded, termsAtOnce)) {
      const tails = [chunk.map(({ term }) => term), chunk.map(({ after }) => after)];
      const stored = await this.client.query<{ term: string; row: string; block: Buffer }>(
        `SELECT t.term, p.ctid AS row, p.block FROM unnest($1::bigint[], $2::bigint[]) AS t(term, after)
           CROSS JOIN LATERAL (SELECT ctid, first_formula, block FROM postings WHERE term = t.term AND first_formula > t.after) p
          ORDER BY t.term, p.first_formula`,
        tails,
      );
      const blocksOf = new Map<string, PostingBlock[]>();
      for (const { term, block } of stored.rows) {
        const blocks = blocksOf.get(term) ?? [];
        blocks.push(decoded(term, block));
        blocksOf.set(term, blocks);
      }
      await this.client.query('DELETE FROM postings WHERE ctid = ANY($1::tid[])', [stored.rows.map(({ row }) => row)]);
      await this.insertBlocks([...blocksOf].flatMap(([term, blocks]) => split(concatenated(blocks), this.blockSize).map((block) => ({ term, block }))));
    }
  }

  /** Drops removed formulas (ids ascending per term) from the blocks holding them, and from the terms' document frequencies. */
  private async dropPostings(removed: TermLists): Promise<void> {
    const terms: { term: string; ids: number[] }[] = [];
    for (const signal of signals) for (const [term, ids] of removed[signal]) terms.push({ term: postingKey(signal, term), ids });
    for (const { term } of terms) this.removedTerms.add(term);
    for (const chunk of chunks(terms, termsAtOnce)) {
      const idsOf = new Map(chunk.map(({ term, ids }) => [term, ids]));
      const stored = await this.client.query<{ term: string; row: string; block: Buffer }>(
        `SELECT r.term, p.ctid AS row, p.block FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(term, low, high)
           CROSS JOIN LATERAL (SELECT ctid, block FROM postings WHERE term = r.term AND first_formula <= r.high AND last_formula >= r.low) p`,
        [chunk.map(({ term }) => term), chunk.map(({ ids }) => ids[0]), chunk.map(({ ids }) => ids[ids.length - 1])],
      );
      const rewritten: BlockRow[] = [];
      const replaced: string[] = [];
      const dropped = new Map<string, number>();
      for (const { term, row, block } of stored.rows) {
        const before = decoded(term, block);
        const after = withoutIds(before, idsOf.get(term)!);
        const lost = before.formulaIds.length - after.formulaIds.length;
        if (!lost) continue; // the block's range spans removed ids it does not hold
        dropped.set(term, (dropped.get(term) ?? 0) + lost);
        replaced.push(row);
        if (after.formulaIds.length) rewritten.push({ term, block: after });
      }
      if (!replaced.length) continue;
      await this.client.query('DELETE FROM postings WHERE ctid = ANY($1::tid[])', [replaced]);
      await this.insertBlocks(rewritten);
      await this.client.query(
        `UPDATE term_frequencies t SET formulas = t.formulas - d.formulas
           FROM unnest($1::bigint[], $2::integer[]) AS d(term, formulas) WHERE t.term = d.term`,
        [[...dropped.keys()], [...dropped.values()]],
      );
      await this.client.query('DELETE FROM term_frequencies WHERE term = ANY($1::bigint[]) AND formulas <= 0', [[...dropped.keys()]]);
    }
  }
}

/** Whether an index's stored postings are complete and of this code's format (else searches read the snapshot). */
export function postingsUsable(state: { postings_ready: boolean; postings_format: string | null }): boolean {
  return state.postings_ready && state.postings_format === POSTINGS_FORMAT;
}

/** (formula id, length, count) triples as a block. */
function blockOfTriples(triples: readonly number[]): PostingBlock {
  const n = triples.length / 3;
  const block: PostingBlock = { formulaIds: new Int32Array(n), lengths: new Int32Array(n), counts: new Uint16Array(n) };
  for (let i = 0; i < n; i++) {
    block.formulaIds[i] = triples[3 * i]!;
    block.lengths[i] = triples[3 * i + 1]!;
    block.counts[i] = triples[3 * i + 2]!;
  }
  return block;
}

function decoded(term: string, bytes: Uint8Array): PostingBlock {
  const block = decodePostingBlock(bytes);
  if (!block) throw new Error(`a stored posting block of term ${term} is damaged (${bytes.length} bytes)`);
  return block;
}

/** The block's postings at these indices (ascending). */
function picked(block: PostingBlock, indices: Int32Array): PostingBlock {
  return {
    formulaIds: Int32Array.from(indices, (i) => block.formulaIds[i]!),
    lengths: Int32Array.from(indices, (i) => block.lengths[i]!),
    counts: Uint16Array.from(indices, (i) => block.counts[i]!),
  };
}

/** The block's postings from formula `id` on (ids ascending: a view, not a copy). */
function fromId(block: PostingBlock, id: number): PostingBlock {
  const start = block.formulaIds.findIndex((formulaId) => formulaId >= id);
  const at = start < 0 ? block.formulaIds.length : start;
  return { formulaIds: block.formulaIds.subarray(at), lengths: block.lengths.subarray(at), counts: block.counts.subarray(at) };
}

/** A block cut into blocks of at most `size` postings, in order. */
function split(block: PostingBlock, size: number): PostingBlock[] {
  const parts: PostingBlock[] = [];
  for (let start = 0; start < block.formulaIds.length; start += size) {
    const end = start + size;
    parts.push({ formulaIds: block.formulaIds.subarray(start, end), lengths: block.lengths.subarray(start, end), counts: block.counts.subarray(start, end) });
  }
  return parts;
}

/** Blocks of one term, in id order, as one. */
function concatenated(blocks: readonly PostingBlock[]): PostingBlock {
  const n = blocks.reduce((sum, block) => sum + block.formulaIds.length, 0);
  const joined: PostingBlock = { formulaIds: new Int32Array(n), lengths: new Int32Array(n), counts: new Uint16Array(n) };
  let at = 0;
  for (const block of blocks) {
    joined.formulaIds.set(block.formulaIds, at);
    joined.lengths.set(block.lengths, at);
    joined.counts.set(block.counts, at);
    at += block.formulaIds.length;
  }
  return joined;
}

/** The block without these formulas (both in ascending id order). */
function withoutIds(block: PostingBlock, ids: readonly number[]): PostingBlock {
  const kept: number[] = [];
  let next = 0;
  for (let i = 0; i < block.formulaIds.length; i++) {
    const id = block.formulaIds[i]!;
    while (next < ids.length && ids[next]! < id) next++;
    if (ids[next] !== id) kept.push(i);
  }
  return {
    formulaIds: Int32Array.from(kept, (i) => block.formulaIds[i]!),
    lengths: Int32Array.from(kept, (i) => block.lengths[i]!),
    counts: Uint16Array.from(kept, (i) => block.counts[i]!),
  };
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
