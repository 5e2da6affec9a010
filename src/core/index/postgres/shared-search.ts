// Searching a shared index on the server's postings (schema 3), without loading its catalogue: each search reads,
// in one REPEATABLE READ READ ONLY transaction (a consistent state whatever an index run does meanwhile; it never
// waits for one), the postings of its query's terms, the raw structure terms of the candidates it aligns and the
// formulas it returns. The weights are computed here with the index's counts by the in-memory indexes' own functions
// (lexicalQuery, structureQuery, bm25Weight, alignRawTerms) and fused by theirs (proposeHits, finishHits), so a
// shared index ranks a library as a folder index of it does. What repeats between searches stays in memory per
// generation: the papers, and the most recently used terms' weighted postings (bounded in bytes).
import type { ClientBase } from 'pg';
import { LruCache } from '../../lru';
import { errorMessage, fail, ok, type Result } from '../../result';
import { finishHits, proposeHits, type HybridHit, type HybridQuery, type HybridSearchOptions, type ScoreRows } from '../../search/hybrid';
import { bm25Idf, bm25Weight, lexicalQuery, lexicalTokens, termCounts, topByScore, type LexicalTermSpace } from '../../search/lexical';
import { decodePostingBlock, postingKey, storedRawTermText, type PostingSignal, type StoredRawTerm } from '../../search/postings';
import { alignRawTerms, formulaTerms, intern, matchedRawSymbols, NO_SYMBOL, rawTermKey, structureQuery, type RawTerms, type StructureQuery } from '../../search/structural';
import type { IndexError, IndexedPaper, StoredFormula } from '../types';
import { formulaFromRecord, paperColumns, paperFromRecord, postgresGeneration, schemaProblem, type FormulaRecord, type PaperRecord } from './catalogue';
import { postingsUsable } from './postings';

/** The signals ranked on the server's postings; a mode weighing any other needs the catalogue in memory. */
export function rankedOnPostings(weights: HybridSearchOptions['weights']): boolean {
  return Object.entries(weights).every(([signal, weight]) => weight <= 0 || signal === 'lexical' || signal === 'structure');
}

/** A term's postings with their BM25 weights under one generation's counts. */
interface WeightedPostings {
  formulaIds: Int32Array;
  weights: Float32Array;
  /** The largest weight: the most the term adds to a formula. */
  largest: number;
  /** Its document frequency: the number of postings. */
  formulas: number;
}

/** What one committed generation of the index holds that every search needs. */
interface Generation {
  generation: number;
  ready: boolean;
  formulas: number;
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
  /** Postings above which a term's list counts as long, bounded rather than read per formula (default: 1% of the formulas, at least 1,000). */
  longPostings?: number;
}

/** How a search scored each signal: only formulas that could rank (`pruned`), or every formula with a posting. */
export type ScoringPlan = Partial<Record<PostingSignal, 'pruned' | 'exhaustive'>>;

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
   * this code can use (written before schema 3, or by a version that extracted other terms), until its next index
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
      return ok(new SharedIndexSearch(this, client, current, end, this.options.longPostings ?? Math.max(1000, Math.round(current.formulas / 100))));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return fail({ kind: 'io', message: `Cannot read ${this.display}: ${errorMessage(error)}` });
    }
  }

  private async readGeneration(client: ClientBase, generation: number): Promise<Generation> {
    const counts = await client.query<{ formulas: string; lexical_length: string; structure_length: string; postings_ready: boolean; postings_format: string | null }>(
      'SELECT formulas, lexical_length, structure_length, postings_ready, postings_format FROM index_state',
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
      ready: postingsUsable(state),
      formulas,
      averageLength: { lexical: Number(state.lexical_length) / Math.max(1, formulas), structure: Number(state.structure_length) / Math.max(1, formulas) },
      papers: new Map(papers.rows.map((record) => [record.id, paperFromRecord(record)])),
      paperIdOfRow,
      rows: Int32Array.from({ length: largest + 1 }, (_, id) => id),
      paperOfFormula,
      postings: new LruCache(this.options.cacheBytes ?? 256 * 1024 * 1024, (entry) => entry.formulaIds.byteLength + entry.weights.byteLength + 64),
      frequencies: new Map(),
    };
  }

  /** The weighted postings of terms (keys), from memory or the server; a term no formula has is left out. */
  async weightedPostings(client: ClientBase, signal: PostingSignal, keys: string[], generation: Generation): Promise<Map<string, WeightedPostings>> {
    const found = new Map<string, WeightedPostings>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const cached = generation.postings.get(key);
      if (cached) found.set(key, cached);
      else missing.push(key);
    }
    if (missing.length === 0) return found;
    const blocks = await client.query<{ term: string; block: Buffer }>('SELECT term, block FROM postings WHERE term = ANY($1::bigint[]) ORDER BY term, first_formula', [missing]);
    const byTerm = new Map<string, Buffer[]>();
    for (const { term, block } of blocks.rows) {
      const list = byTerm.get(term);
      if (list) list.push(block);
      else byTerm.set(term, [block]);
    }
    const averageLength = generation.averageLength[signal];
    for (const [term, list] of byTerm) {
      const decoded = list.map((bytes) => decodePostingBlock(bytes));
      if (decoded.some((block) => !block)) throw new Error(`damaged postings of term ${term}`);
      const formulas = decoded.reduce((sum, block) => sum + block!.formulaIds.length, 0);
      const idf = Math.fround(bm25Idf(generation.formulas, formulas));
      const entry: WeightedPostings = { formulaIds: new Int32Array(formulas), weights: new Float32Array(formulas), largest: 0, formulas };
      let slot = 0;
      for (const block of decoded) {
        for (let i = 0; i < block!.formulaIds.length; i++, slot++) {
          entry.formulaIds[slot] = block!.formulaIds[i]!;
          entry.weights[slot] = bm25Weight(idf, block!.counts[i]!, block!.lengths[i]!, averageLength);
          entry.largest = Math.max(entry.largest, entry.weights[slot]!);
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
  private lastStructure: { latex: string; macros: string | undefined; query: StructureQuery; space: AlignmentSpace } | undefined;
  private readonly rawTerms = new Map<number, StoredRawTerm[]>();
  /** How the last search scored its signals (for tests and benches). */
  plan: ScoringPlan = {};

  constructor(
    private readonly reader: SharedIndexReader,
    private readonly client: ClientBase,
    private readonly state: Generation,
    readonly end: () => Promise<void>,
    private readonly longPostings: number,
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

  /** The lexical and structure signals' fusion, as HybridIndex.search ranks it (other signals are not on the server). */
  async search(query: HybridQuery, options: HybridSearchOptions): Promise<HybridHit[]> {
    if (!rankedOnPostings(options.weights)) throw new Error('a shared index ranks only the lexical and structure signals on its postings');
    const rows: ScoreRows = { ids: this.state.rows, paperId: (row) => this.state.paperOfFormula[row] ?? '', row: (id) => id };
    const accept = options.accept ?? (() => true);
    const ranking = { rows: this.state.rows, count: options.candidatesPerSignal ?? 200, accept: (id: number) => accept(id, rows.paperId(id)), longPostings: this.longPostings };
    const signals: { signal: PostingSignal; terms: QueryTerm[]; scored: SignalScoring }[] = [];
    if (options.weights.lexical > 0) {
      const counts = termCounts(lexicalTokens(query.latex, query.macros));
      const { space, postings } = await this.termSpace('lexical', counts.keys());
      const lexical = lexicalQuery(counts, { ...space, weighting: 'bm25' });
      const terms = queryTerms(lexical.terms, lexical.weights, postings, 1);
      signals.push({ signal: 'lexical', terms, scored: scoreSignal(terms, ranking) });
    }
    let structure: StructureQuery | undefined;
    if (options.weights.structure > 0) {
      structure = await this.structureQuery(query);
      const terms = queryTerms(structure.terms, structure.weights, this.lastStructure!.space.postings, structure.selfScore);
      signals.push({ signal: 'structure', terms, scored: scoreSignal(terms, ranking) });
    }
    // every signal's score of every formula another signal may propose, exact, as the fusion weighs them all
    const proposable = new Set(signals.flatMap(({ scored }) => scored.proposable));
    for (const { terms, scored } of signals) {
      if (!scored.pruned) continue;
      const missing = Int32Array.from([...proposable].filter((id) => scored.scores[id] === 0)).sort();
      exactScores(missing, terms).forEach((score, i) => (scored.scores[missing[i]!] = score));
    }
    this.plan = Object.fromEntries(signals.map(({ signal, scored }) => [signal, scored.pruned ? 'pruned' : 'exhaustive']));
    const proposed = proposeHits(Object.fromEntries(signals.map(({ signal, scored }) => [signal, scored.scores])), rows, options);
    const alignments = structure && (await this.candidateTerms(proposed.toAlign)).map((terms) => alignRawTerms(structure, terms, this.lastStructure!.space.symbolName));
    return finishHits(proposed, alignments, options);
  }

  /** Per formula, its symbols the structure alignment matched with the query (the results view colours them). */
  async matchedSymbols(query: Pick<HybridQuery, 'latex' | 'macros'>, formulaIds: Iterable<number>): Promise<Map<number, Set<string>>> {
    const ids = [...formulaIds];
    const structure = await this.structureQuery(query);
    const terms = await this.candidateTerms(ids);
    return new Map(ids.map((id, i) => [id, matchedRawSymbols(structure, terms[i]!, this.lastStructure!.space.symbolName)]));
  }

  /** The query's terms that the index holds, numbered for the query, with their postings. */
  private async termSpace(signal: PostingSignal, texts: Iterable<string>): Promise<{ space: Omit<LexicalTermSpace, 'weighting'>; postings: WeightedPostings[] }> {
    const keyOf = new Map([...texts].map((text) => [text, postingKey(signal, text)]));
    const found = await this.reader.weightedPostings(this.client, signal, [...keyOf.values()], this.state);
    const ids = new Map<string, number>();
    const postings: WeightedPostings[] = [];
    for (const [text, key] of keyOf) {
      const entry = found.get(key);
      if (!entry) continue;
      ids.set(text, postings.length);
      postings.push(entry);
    }
    const formulas = this.state.formulas;
    return {
      space: {
        size: formulas,
        averageLength: this.state.averageLength[signal],
        term: (text) => {
          const id = ids.get(text);
          return id === undefined ? undefined : { id, idf: Math.fround(bm25Idf(formulas, postings[id]!.formulas)) };
        },
      },
      postings,
    };
  }

  /** The query's structure terms and alignment space, made once per search (the ranking and the highlighting share it). */
  private async structureQuery({ latex, macros }: Pick<HybridQuery, 'latex' | 'macros'>): Promise<StructureQuery> {
    const last = this.lastStructure;
    if (last?.latex === latex && last.macros === macros) return last.query;
    const extracted = formulaTerms(latex, macros);
    const { space, postings } = await this.termSpace('structure', extracted.counts.keys());
    const alignment = new AlignmentSpace(postings);
    const query = structureQuery(extracted, {
      ...space,
      symbol: (key) => alignment.symbol(key),
      path: (path) => alignment.path(path),
      typed: (text) => alignment.typed(text),
    });
    this.lastStructure = { latex, macros, query, space: alignment };
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
    const space = this.lastStructure!.space;
    return stored.map((terms) => space.rawTerms(terms, (term) => Math.fround(bm25Idf(this.state.formulas, frequencies.get(keys.get(term)!) ?? 0))));
  }
}

/** Symbol, path and typed-term ids for one search's alignment: numbered as the query and its candidates name them. */
class AlignmentSpace {
  private readonly symbols = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly paths = new Map<string, number>();
  private readonly typedTerms = new Map<string, number>();

  constructor(readonly postings: WeightedPostings[]) {}

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

/** One query term of a signal: its postings and its weight (the query's weight over the signal's normaliser). */
interface QueryTerm {
  postings: WeightedPostings;
  weight: number;
}

/** The query's terms in order, weighted as LexicalIndex.scoreAll and StructureIndex.scoreAll weigh them. */
function queryTerms(terms: Int32Array, weights: Float32Array, postings: readonly WeightedPostings[], normaliser: number): QueryTerm[] {
  return Array.from(terms, (term, q) => ({ postings: postings[term]!, weight: normaliser === 1 ? weights[q]! : weights[q]! / normaliser }));
}

interface SignalScoring {
  /** Scores by formula id: exact for every formula that can be among the signal's `count` best, 0 for the others when pruned. */
  scores: Float32Array;
  pruned: boolean;
  /** The formulas the signal proposes (its `count` best that `accept` lets through). */
  proposable: number[];
}

/**
 * A signal's scores, computed so that its `count` best formulas (and their scores) are exactly those of scoring
 * every posting, which is the fallback. The long posting lists (frequent terms: `=`, `x`) are bounded instead of
 * read per formula (MaxScore): the short lists' sums give seeds whose exact scores set a threshold; a formula
 * can rank only if its short-list sum plus the long lists' largest weights reaches it, and only those few are
 * scored exactly, adding term by term in the query's order, as the full sum does (the same float rounding).
 */
function scoreSignal(terms: QueryTerm[], ranking: { rows: Int32Array; count: number; accept: (id: number) => boolean; longPostings: number }): SignalScoring {
  const size = ranking.rows.length;
  const exhaustive = (): SignalScoring => {
    const scores = new Float32Array(size);
    for (const { postings, weight } of terms) {
      const { formulaIds, weights } = postings;
      for (let slot = 0; slot < formulaIds.length; slot++) scores[formulaIds[slot]!] += weight * weights[slot]!;
    }
    return { scores, pruned: false, proposable: topByScore(scores, ranking.rows, ranking.count, ranking.accept).map((hit) => hit.formulaId) };
  };
  const long = terms.filter(({ postings }) => postings.formulas > ranking.longPostings);
  if (long.length === 0) return exhaustive();
  const partial = new Float32Array(size);
  for (const { postings, weight } of terms) {
    if (postings.formulas > ranking.longPostings) continue;
    for (let slot = 0; slot < postings.formulaIds.length; slot++) partial[postings.formulaIds[slot]!] += weight * postings.weights[slot]!;
  }
  const seeds = Int32Array.from(topByScore(partial, ranking.rows, ranking.count, ranking.accept), (hit) => hit.formulaId).sort();
  if (seeds.length < ranking.count) return exhaustive();
  const threshold = exactScores(seeds, terms).reduce((least, score) => Math.min(least, score), Infinity);
  // float sums in another order differ in their last bits (at most some terms × 2⁻²⁴ of the score): a margin above that
  const bound = long.reduce((sum, { postings, weight }) => sum + weight * postings.largest, 0) + Math.max(1e-5, threshold * terms.length * 2 ** -22);
  if (bound >= threshold) return exhaustive();
  const candidates: number[] = [];
  for (let id = 0; id < size; id++) if (partial[id]! + bound >= threshold) candidates.push(id);
  if (candidates.length > maxExactCandidates) return exhaustive();
  const ids = Int32Array.from(candidates);
  const scores = new Float32Array(size);
  exactScores(ids, terms).forEach((score, i) => (scores[ids[i]!] = score));
  return { scores, pruned: true, proposable: topByScore(scores, ranking.rows, ranking.count, ranking.accept).map((hit) => hit.formulaId) };
}

/** Past this many formulas to score exactly, reading every posting is as cheap. */
const maxExactCandidates = 50_000;

/** The signal's scores of these formulas (ids ascending), each summed term by term in the query's order, as LexicalIndex.scoreAll adds. */
function exactScores(ids: Int32Array, terms: readonly QueryTerm[]): Float32Array {
  const scores = new Float32Array(ids.length);
  for (const { postings, weight } of terms) {
    const { formulaIds, weights } = postings;
    let slot = 0;
    for (let i = 0; i < ids.length && slot < formulaIds.length; i++) {
      slot = lowerBound(formulaIds, slot, ids[i]!);
      if (formulaIds[slot] === ids[i]) scores[i] += weight * weights[slot]!;
    }
  }
  return scores;
}

/** The first slot at or after `from` whose id is at least `target` (ids ascending): galloping, then binary search. */
function lowerBound(ids: Int32Array, from: number, target: number): number {
  let low = from;
  let high = from;
  for (let step = 1; high < ids.length && ids[high]! < target; step *= 2) {
    low = high + 1;
    high += step;
  }
  high = Math.min(high, ids.length);
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ids[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}
