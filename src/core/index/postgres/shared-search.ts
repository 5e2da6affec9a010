// Searching a shared index on the server's postings (schema 4), without loading its catalogue: each search reads,
// in one REPEATABLE READ READ ONLY transaction (a consistent state whatever an index run does meanwhile; it never
// waits for one), the heads of its query's terms (a rare term's whole list), the term counts of the candidates they
// propose (to score them exactly), the raw structure terms of the candidates it aligns and the formulas it returns. The weights are computed here with the index's counts by the in-memory indexes' own functions
// (lexicalQuery, structureQuery, bm25Weight, alignRawTerms) and fused by theirs (proposeHits, finishHits), so a
// shared index ranks a library as a folder index of it does. What repeats between searches stays in memory per
// generation: the papers, and the most recently used terms' weighted postings (bounded in bytes).
import type { ClientBase } from 'pg';
import { LruCache } from '../../lru';
import { errorMessage, fail, ok, type Result } from '../../result';
import { finishHits, headPool, proposeHits, type HybridHit, type HybridQuery, type HybridSearchOptions, type ScoreRows, type SignalPools, type SignalScoreRows } from '../../search/hybrid';
import { bm25Idf, bm25Weight, lexicalQuery, lexicalTokens, termCounts, type LexicalTermSpace } from '../../search/lexical';
import { decodeFormulaTerms, decodePostingBlock, keyHalves, postingKey, storedRawTermText, type FormulaTermCounts, type PostingSignal, type StoredRawTerm } from '../../search/postings';
import { alignRawTerms, formulaTerms, intern, matchedRawSymbols, NO_SYMBOL, rawTermKey, structureQuery, type RawTerms, type StructureQuery } from '../../search/structural';
import type { IndexError, IndexedPaper, StoredFormula } from '../types';
import { formulaFromRecord, paperColumns, paperFromRecord, postgresGeneration, schemaProblem, type FormulaRecord, type PaperRecord } from './catalogue';
import { postingsUsable } from './postings';

/** The signals ranked on the server's postings; a mode weighing any other needs the catalogue in memory. */
export function rankedOnPostings(weights: HybridSearchOptions['weights']): boolean {
  return Object.entries(weights).every(([signal, weight]) => weight <= 0 || signal === 'lexical' || signal === 'structure');
}

/** A term's head (its whole list when no longer than the head size) with BM25 weights under one generation's counts. */
interface WeightedPostings {
  formulaIds: Int32Array;
  weights: Float32Array;
  /** Its document frequency. */
  formulas: number;
}

/** What one committed generation of the index holds that every search needs. */
interface Generation {
  generation: number;
  ready: boolean;
  formulas: number;
  /** A term in more formulas than this has its head stored. */
  headPostings: number;
  averageLength: Record<PostingSignal, number>;
  papers: Map<string, IndexedPaper>;
  paperIdOfRow: Map<string, string>;
  /** Formula ids from 0 to the largest (the score arrays' rows are formula ids). */
  rows: Int32Array;
  /** The paper of each formula id ('' for none). */
  paperOfFormula: string[];
  /** The most recently used terms' weighted postings, by key (bounded in bytes). */
  postings: LruCache<string, WeightedPostings>;
  /** Structure terms' document frequencies, by key (bounded in count). */
  frequencies: Map<string, number>;
}

export interface SharedSearchOptions {
  /** Bytes of weighted postings kept between searches (default 256 MiB). */
  cacheBytes?: number;
}

/** The searcher of one shared index: its connections come from `connect`, and it keeps what searches share. */
export class SharedIndexReader {
  /** The newest generation read; a search of an older one, still running, keeps its own (caches included). */
  private current: Generation | undefined;

  constructor(
    private readonly display: string,
    private readonly options: SharedSearchOptions = {},
  ) {}

  /**
   * Starts one search's read transaction on `client` (which the search holds until `end`), reading the generation's
   * papers again when an index run has committed since the last search. Undefined when the index has no postings
   * this code can use (written before schema 4, or by a version that extracted other terms), until its next index
   * run computes them.
   */
  async begin(client: ClientBase): Promise<Result<SharedIndexSearch | undefined, IndexError>> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const end = () => client.query('COMMIT').then(() => undefined);
    try {
      // The schema is checked again only when the generation moved: what another version's index run wrote raises it.
      let current = this.current;
      const generation = current && (await postgresGeneration(client));
      if (!current || generation !== current.generation) {
        const problem = await schemaProblem(client, this.display);
        if (problem) {
          await end();
          return fail(problem);
        }
        current = this.current = await this.readGeneration(client, generation ?? (await postgresGeneration(client)));
      }
      if (!current.ready) {
        await end();
        return ok(undefined);
      }
      return ok(new SharedIndexSearch(this, client, current, end));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return fail({ kind: 'io', message: `Cannot read ${this.display}: ${errorMessage(error)}` });
    }
  }

  private async readGeneration(client: ClientBase, generation: number): Promise<Generation> {
    const counts = await client.query<{ formulas: string; lexical_length: string; structure_length: string; postings_ready: boolean; postings_format: string | null; head_postings: number | null }>(
      'SELECT formulas, lexical_length, structure_length, postings_ready, postings_format, head_postings FROM index_state',
    );
    const state = counts.rows[0]!;
    const papers = await client.query<PaperRecord>(`SELECT ${paperColumns} FROM papers`);
    const paperIdOfRow = new Map(papers.rows.map((record) => [record.row, record.id]));
    // formulas of a paper are inserted together, so ranges of ids are few; read as ranges, spread per id
    const ranges = await client.query<{ paper: string; first: string; last: string }>(
      `SELECT paper, min(id) AS first, max(id) AS last
         FROM (SELECT paper, id, id - row_number() OVER (PARTITION BY paper ORDER BY id) AS run FROM formulas) runs
        GROUP BY paper, run`,
    );
    const largest = ranges.rows.reduce((max, range) => Math.max(max, Number(range.last)), 0);
    const paperOfFormula = new Array<string>(largest + 1).fill('');
    for (const range of ranges.rows) {
      const paper = paperIdOfRow.get(range.paper) ?? '';
      for (let id = Number(range.first); id <= Number(range.last); id++) paperOfFormula[id] = paper;
    }
    const formulas = Number(state.formulas);
    return {
      generation,
      ready: postingsUsable(state) && state.head_postings !== null,
      formulas,
      headPostings: state.head_postings ?? 0,
      averageLength: { lexical: Number(state.lexical_length) / Math.max(1, formulas), structure: Number(state.structure_length) / Math.max(1, formulas) },
      papers: new Map(papers.rows.map((record) => [record.id, paperFromRecord(record)])),
      paperIdOfRow,
      rows: Int32Array.from({ length: largest + 1 }, (_, id) => id),
      paperOfFormula,
      postings: new LruCache(this.options.cacheBytes ?? 256 * 1024 * 1024, (entry) => entry.formulaIds.byteLength + entry.weights.byteLength + 64),
      frequencies: new Map(),
    };
  }

  /** The weighted heads of terms (keys), from memory or the server; a term no formula has is left out. */
  async weightedPostings(client: ClientBase, signal: PostingSignal, keys: string[], generation: Generation): Promise<Map<string, WeightedPostings>> {
    const found = new Map<string, WeightedPostings>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const cached = generation.postings.get(key);
      if (cached) found.set(key, cached);
      else missing.push(key);
    }
    if (missing.length === 0) return found;
    // a frequent term's head, else its whole list, in id order (lookups by primary key: no plan depends on statistics)
    const frequencies = await client.query<{ term: string; formulas: number }>('SELECT term, formulas FROM term_frequencies WHERE term = ANY($1::bigint[])', [missing]);
    const byTerm = new Map(frequencies.rows.map(({ term, formulas }) => [term, { formulas, blocks: [] as Buffer[] }]));
    const headed = frequencies.rows.filter(({ formulas }) => formulas > generation.headPostings).map(({ term }) => term);
    const blocks = await client.query<{ term: string; block: Buffer }>(
      `SELECT term, -1 AS first, block FROM posting_heads WHERE term = ANY($1::bigint[])
       UNION ALL
       SELECT term, first_formula, block FROM postings WHERE term = ANY($2::bigint[])
       ORDER BY term, first`,
      [headed, frequencies.rows.filter(({ formulas }) => formulas <= generation.headPostings).map(({ term }) => term)],
    );
    for (const { term, block } of blocks.rows) byTerm.get(term)!.blocks.push(block);
    for (const term of headed) if (!byTerm.get(term)!.blocks.length) throw new Error(`the head of term ${term} is missing`);
    const averageLength = generation.averageLength[signal];
    for (const [term, { formulas, blocks: list }] of byTerm) {
      const decoded = list.map((bytes) => decodePostingBlock(bytes));
      if (decoded.some((block) => !block)) throw new Error(`damaged postings of term ${term}`);
      const size = decoded.reduce((sum, block) => sum + block!.formulaIds.length, 0);
      const idf = Math.fround(bm25Idf(generation.formulas, formulas));
      const entry: WeightedPostings = { formulaIds: new Int32Array(size), weights: new Float32Array(size), formulas };
      let slot = 0;
      for (const block of decoded) {
        for (let i = 0; i < block!.formulaIds.length; i++, slot++) {
          entry.formulaIds[slot] = block!.formulaIds[i]!;
          entry.weights[slot] = bm25Weight(idf, block!.counts[i]!, block!.lengths[i]!, averageLength);
        }
      }
      generation.postings.set(term, entry);
      generation.frequencies.set(term, formulas);
      found.set(term, entry);
    }
    return found;
  }

  /** Document frequencies of structure terms (keys), for the idf of candidates' raw terms: from memory or the server. */
  async documentFrequencies(client: ClientBase, keys: Iterable<string>, { frequencies }: Generation): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const known = frequencies.get(key);
      if (known === undefined) missing.push(key);
      else found.set(key, known);
    }
    if (missing.length) {
      const rows = await client.query<{ term: string; formulas: number }>('SELECT term, formulas FROM term_frequencies WHERE term = ANY($1::bigint[])', [missing]);
      if (frequencies.size + missing.length > 1_000_000) frequencies.clear(); // bounded: a million terms, ~100 MB
      for (const key of missing) found.set(key, 0);
      for (const row of rows.rows) found.set(row.term, row.formulas);
      for (const key of missing) frequencies.set(key, found.get(key)!);
    }
    return found;
  }
}

/** One search of a shared index: a read transaction on one connection, ended by `end`. */
export class SharedIndexSearch {
  private lastStructure: { latex: string; macros: string | undefined; query: StructureQuery; known: KnownTerm[]; alignment: AlignmentSpace } | undefined;
  private readonly rawTerms = new Map<number, StoredRawTerm[]>();
  private readonly termCounts = new Map<number, Record<PostingSignal, FormulaTermCounts>>();

  constructor(
    private readonly reader: SharedIndexReader,
    private readonly client: ClientBase,
    private readonly state: Generation,
    readonly end: () => Promise<void>,
  ) {}

  paper(id: string): IndexedPaper | undefined {
    return this.state.papers.get(id);
  }

  papers(): IndexedPaper[] {
    return [...this.state.papers.values()];
  }

  async formulas(ids: number[]): Promise<Map<number, StoredFormula>> {
    const rows = await this.client.query<FormulaRecord>('SELECT id, paper, latex, file, line, section, env, inline FROM formulas WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(rows.rows.map((record) => [Number(record.id), formulaFromRecord(record, this.state.paperIdOfRow.get(record.paper) ?? '')]));
  }

  /**
   * The lexical and structure signals' fusion, as HybridIndex.search ranks it (other signals are not on the server):
   * each signal proposes its candidates by its query terms' heads, and every candidate is scored exactly on every
   * query term from its term counts.
   */
  async search(query: HybridQuery, options: HybridSearchOptions): Promise<HybridHit[]> {
    if (!rankedOnPostings(options.weights)) throw new Error('a shared index ranks only the lexical and structure signals on its postings');
    const rows: ScoreRows = { ids: this.state.rows, paperId: (row) => this.state.paperOfFormula[row] ?? '', row: (id) => id };
    const signals: { signal: PostingSignal; terms: QueryTerm[] }[] = [];
    if (options.weights.lexical > 0) {
      const counts = termCounts(lexicalTokens(query.latex, query.macros));
      const { space, known } = await this.termSpace('lexical', counts.keys());
      const lexical = lexicalQuery(counts, { ...space, weighting: 'bm25' });
      signals.push({ signal: 'lexical', terms: queryTerms(lexical.terms, lexical.weights, known, 1) });
    }
    let structure: StructureQuery | undefined;
    if (options.weights.structure > 0) {
      structure = await this.structureQuery(query);
      signals.push({ signal: 'structure', terms: queryTerms(structure.terms, structure.weights, this.lastStructure!.known, structure.selfScore) });
    }
    const pools: SignalPools = {};
    const candidates = new Set<number>();
    for (const { signal, terms } of signals) {
      pools[signal] = headPool(headScores(terms, rows.ids.length), rows, options);
      for (const id of pools[signal]) candidates.add(id);
    }
    // the fusion weighs every signal's score of every candidate, whichever signal proposed it
    const ids = [...candidates].sort((a, b) => a - b);
    const counts = await this.formulaTermCounts(ids);
    const scores: SignalScoreRows = {};
    for (const { signal, terms } of signals) {
      const exact = (scores[signal] = new Float32Array(rows.ids.length));
      const order = byKey(terms);
      for (const id of ids) exact[id] = exactScore(counts.get(id)![signal], terms, order, this.state.averageLength[signal]);
    }
    const proposed = proposeHits(scores, rows, options, pools);
    const alignments = structure && (await this.candidateTerms(proposed.toAlign)).map((terms) => alignRawTerms(structure, terms, this.lastStructure!.alignment.symbolName));
    return finishHits(proposed, alignments, options);
  }

  /** Per formula, its symbols the structure alignment matched with the query (the results view colours them). */
  async matchedSymbols(query: Pick<HybridQuery, 'latex' | 'macros'>, formulaIds: Iterable<number>): Promise<Map<number, Set<string>>> {
    const ids = [...formulaIds];
    const structure = await this.structureQuery(query);
    const terms = await this.candidateTerms(ids);
    return new Map(ids.map((id, i) => [id, matchedRawSymbols(structure, terms[i]!, this.lastStructure!.alignment.symbolName)]));
  }

  /** The query's terms that the index holds, numbered for the query, with their heads. */
  private async termSpace(signal: PostingSignal, texts: Iterable<string>): Promise<{ space: Omit<LexicalTermSpace, 'weighting'>; known: KnownTerm[] }> {
    const keyOf = new Map([...texts].map((text) => [text, postingKey(signal, text)]));
    const found = await this.reader.weightedPostings(this.client, signal, [...keyOf.values()], this.state);
    const ids = new Map<string, number>();
    const known: KnownTerm[] = [];
    for (const [text, key] of keyOf) {
      const postings = found.get(key);
      if (!postings) continue;
      ids.set(text, known.length);
      known.push({ postings, idf: Math.fround(bm25Idf(this.state.formulas, postings.formulas)), ...keyHalves(BigInt(key)) });
    }
    return {
      space: {
        size: this.state.formulas,
        averageLength: this.state.averageLength[signal],
        term: (text) => {
          const id = ids.get(text);
          return id === undefined ? undefined : { id, idf: known[id]!.idf };
        },
      },
      known,
    };
  }

  /** Formulas' term counts in the signals, read from the server (each formula once per search); damaged or missing ones throw. */
  private async formulaTermCounts(ids: number[]): Promise<Map<number, Record<PostingSignal, FormulaTermCounts>>> {
    const missing = ids.filter((id) => !this.termCounts.has(id));
    if (missing.length) {
      const rows = await this.client.query<{ formula: string; lexical: Buffer; structure: Buffer }>(
        'SELECT formula, lexical, structure FROM formula_terms WHERE formula = ANY($1::bigint[])',
        [missing],
      );
      for (const row of rows.rows) {
        const lexical = decodeFormulaTerms(row.lexical);
        const structure = decodeFormulaTerms(row.structure);
        if (!lexical || !structure) throw new Error(`damaged term counts of formula ${row.formula}`);
        this.termCounts.set(Number(row.formula), { lexical, structure });
      }
      const absent = missing.find((id) => !this.termCounts.has(id));
      if (absent !== undefined) throw new Error(`formula ${absent} has postings but no term counts`);
    }
    return this.termCounts;
  }

  /** The query's structure terms and alignment space, made once per search (the ranking and the highlighting share it). */
  private async structureQuery({ latex, macros }: Pick<HybridQuery, 'latex' | 'macros'>): Promise<StructureQuery> {
    const last = this.lastStructure;
    if (last?.latex === latex && last.macros === macros) return last.query;
    const extracted = formulaTerms(latex, macros);
    const { space, known } = await this.termSpace('structure', extracted.counts.keys());
    const alignment = new AlignmentSpace();
    const query = structureQuery(extracted, {
      ...space,
      symbol: (key) => alignment.symbol(key),
      path: (path) => alignment.path(path),
      typed: (text) => alignment.typed(text),
    });
    this.lastStructure = { latex, macros, query, known, alignment };
    return query;
  }

  /** Candidates' raw terms in the query's alignment space, read from the server (each formula once per search). */
  private async candidateTerms(formulaIds: number[]): Promise<RawTerms[]> {
    const missing = formulaIds.filter((id) => !this.rawTerms.has(id));
    if (missing.length) {
      const rows = await this.client.query<{ formula: string; raw: string }>('SELECT formula, raw FROM structure_terms WHERE formula = ANY($1::bigint[])', [missing]);
      for (const row of rows.rows) this.rawTerms.set(Number(row.formula), JSON.parse(row.raw) as StoredRawTerm[]);
    }
    const stored = formulaIds.map((id) => this.rawTerms.get(id) ?? []);
    const keys = new Map<StoredRawTerm, string>();
    for (const terms of stored) for (const term of terms) keys.set(term, postingKey('structure', storedRawTermText(term)));
    const frequencies = await this.reader.documentFrequencies(this.client, keys.values(), this.state);
    const space = this.lastStructure!.alignment;
    return stored.map((terms) => space.rawTerms(terms, (term) => Math.fround(bm25Idf(this.state.formulas, frequencies.get(keys.get(term)!) ?? 0))));
  }
}

/** Symbol, path and typed-term ids for one search's alignment: numbered as the query and its candidates name them. */
class AlignmentSpace {
  private readonly symbols = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly paths = new Map<string, number>();
  private readonly typedTerms = new Map<string, number>();

  symbol(key: string): number {
    let id = this.symbols.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.symbols.set(key, id);
      this.names.push(key);
    }
    return id;
  }

  readonly symbolName = (id: number): string => this.names[id] ?? '';

  path(path: string): number {
    return intern(this.paths, path);
  }

  typed(text: string): number {
    return intern(this.typedTerms, text);
  }

  /** A formula's stored raw terms as the alignment reads them: ids of this space, sorted by key. */
  rawTerms(stored: StoredRawTerm[], idf: (term: StoredRawTerm) => number): RawTerms {
    const entries = stored.map((term) => {
      const [from, to, path, typed, count] = term;
      const fromId = this.symbol(from);
      const toId = to === '' ? NO_SYMBOL : this.symbol(to);
      return { key: rawTermKey(fromId, toId, this.path(path)), from: fromId, to: toId, typed: this.typed(typed), count, idf: idf(term) };
    });
    entries.sort((a, b) => a.key - b.key);
    let weight = 0;
    for (const entry of entries) weight += entry.idf * entry.count;
    return {
      keys: Float64Array.from(entries, (entry) => entry.key),
      counts: Uint16Array.from(entries, (entry) => Math.min(entry.count, 0xffff)),
      typed: Int32Array.from(entries, (entry) => entry.typed),
      from: Int32Array.from(entries, (entry) => entry.from),
      to: Int32Array.from(entries, (entry) => entry.to),
      idf: Float32Array.from(entries, (entry) => entry.idf),
      weight: Math.fround(weight),
    };
  }
}

/** A query term the index holds: its weighted head, its idf and its key's halves (as FormulaTermCounts holds keys). */
interface KnownTerm {
  postings: WeightedPostings;
  idf: number;
  high: number;
  low: number;
}

/** One query term of a signal with its weight (the query's weight over the signal's normaliser). */
interface QueryTerm extends KnownTerm {
  weight: number;
}

/** The query's terms in order, weighted as LexicalIndex.scoreAll and StructureIndex.scoreAll weigh them. */
function queryTerms(terms: Int32Array, weights: Float32Array, known: readonly KnownTerm[], normaliser: number): QueryTerm[] {
  return Array.from(terms, (term, q) => ({ ...known[term]!, weight: normaliser === 1 ? weights[q]! : weights[q]! / normaliser }));
}

/** A signal's first stage by formula id, as LexicalIndex.scoreHeads sums it: each query term over its head. */
function headScores(terms: readonly QueryTerm[], size: number): Float32Array {
  const scores = new Float32Array(size);
  for (const { postings, weight } of terms) {
    const { formulaIds, weights } = postings;
    for (let slot = 0; slot < formulaIds.length; slot++) scores[formulaIds[slot]!] += weight * weights[slot]!;
  }
  return scores;
}

/** The indices of the terms in their keys' order, as FormulaTermCounts holds keys. */
function byKey(terms: readonly QueryTerm[]): number[] {
  return terms.map((_, q) => q).sort((a, b) => terms[a]!.high - terms[b]!.high || terms[a]!.low - terms[b]!.low);
}

/**
 * A formula's score in a signal from its term counts, as scoreAll sums it: term by term in the query's order, each
 * posting's weight rounded to float32 as the in-memory postings hold it, the sum rounded as a Float32Array holds it.
 */
function exactScore(formula: FormulaTermCounts, terms: readonly QueryTerm[], order: readonly number[], averageLength: number): number {
  // the query's terms in key order (`order`), walked beside the formula's (both ascending by (high, low))
  const counts = new Uint16Array(terms.length);
  const { high, low } = formula;
  let i = 0;
  for (const q of order) {
    const term = terms[q]!;
    while (i < high.length && (high[i]! < term.high || (high[i] === term.high && low[i]! < term.low))) i++;
    if (i < high.length && high[i] === term.high && low[i] === term.low) counts[q] = formula.counts[i]!;
  }
  let score = 0;
  terms.forEach(({ weight, idf }, q) => {
    if (counts[q]) score = Math.fround(score + weight * Math.fround(bm25Weight(idf, counts[q]!, formula.length, averageLength)));
  });
  return score;
}
