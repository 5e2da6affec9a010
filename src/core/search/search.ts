// Bitmap-mode search: a query formula → candidate formulas from one or more sources (the HNSW neighbours in the
// bitmap sidecar) → fused → grouped into one row per paper with its best formulas. The session calls
// `searchSimilar` for the bitmap mode; the other modes rank through hybrid-search.ts.
import type { FormulaIndex } from '../index/store';
import type { HitFilter, IndexedPaper, StoredFormula } from '../index/types';
import { errorMessage, fail, ok, type Result } from '../result';
import type { FormulaInput, RenderIssue } from '../render';
import type { BitmapSidecar } from './bitmap-store';

export interface SearchQuery extends FormulaInput {
  /** The paper the query comes from, when known: its own formulas are useless hits and are left out. */
  paperId?: string;
}

export interface SearchOptions {
  /** Papers to return (default 10). */
  k?: number;
  /** HNSW search breadth (default 128): higher is slower and closer to exact. */
  ef?: number;
  /** Formulas shown per paper (default 3). */
  formulasPerPaper?: number;
  filter?: HitFilter;
}

/** A candidate formula from one source, scored in [-1, 1] (cosine for embeddings). */
export interface Candidate {
  formulaId: number;
  paperId: string;
  score: number;
}

/** A query after the pipeline: what candidate sources work from. */
export interface PreparedQuery {
  formula: FormulaInput;
  embedding: Float32Array;
}

/** One way of finding candidates; several are fused (see `fuseCandidates`). */
export interface CandidateSource {
  name: string;
  candidates(query: PreparedQuery, count: number, filter: HitFilter): Candidate[] | Promise<Candidate[]>;
}

export interface FormulaResult {
  formula: StoredFormula;
  score: number;
}

export interface PaperResult {
  paper: IndexedPaper;
  /** The best formula score of the paper. */
  score: number;
  /** The paper's best formulas, best first. */
  formulas: FormulaResult[];
}

export interface SearchResponse {
  papers: PaperResult[];
  /** The query's own rendering was not faithful; results may be off. */
  queryDegraded: boolean;
  queryIssues: RenderIssue[];
  timings: { embedMs: number; searchMs: number };
}

export interface SearchError {
  /** `index-unavailable`: this index could not be searched (a session still searches the others). */
  kind: 'empty-query' | 'query-too-long' | 'embedding-failed' | 'index-unavailable';
  message: string;
}

/** The corpus drops formulas over 4,000 characters; a query ten times that long is not a formula. */
export const MAX_QUERY_CHARS = 40_000;

/** Why the query formula cannot be searched for (empty, or too long to be a formula), if it cannot. */
export function queryProblem(latex: string): SearchError | undefined {
  if (latex.trim() === '') return { kind: 'empty-query', message: 'The query formula is empty.' };
  if (latex.length > MAX_QUERY_CHARS) {
    return { kind: 'query-too-long', message: `The query has ${latex.length} characters; a formula has at most ${MAX_QUERY_CHARS}.` };
  }
  return undefined;
}

/** Nearest neighbours of the query embedding in the bitmap sidecar's HNSW graph. */
export function embeddingSource(bitmap: BitmapSidecar, ef: number): CandidateSource {
  return {
    name: 'embedding',
    candidates: (query, count, filter) => bitmap.nearest(query.embedding, count, Math.max(ef, count), filter),
  };
}

/**
 * Merges the candidate lists of several sources into one, best first. A formula found by several
 * sources keeps its best score (sources score on the same [-1, 1] scale).
 */
export function fuseCandidates(lists: Candidate[][]): Candidate[] {
  const best = new Map<number, Candidate>();
  for (const list of lists) {
    for (const candidate of list) {
      const seen = best.get(candidate.formulaId);
      if (!seen || candidate.score > seen.score) best.set(candidate.formulaId, candidate);
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.formulaId - b.formulaId);
}

/** Groups fused candidates (best first) by paper: the first `k` papers, each with its best `perPaper` formulas. */
export function groupByPaper(candidates: Candidate[], k: number, perPaper: number): { paperId: string; score: number; hits: Candidate[] }[] {
  const groups = new Map<string, { paperId: string; score: number; hits: Candidate[] }>();
  for (const candidate of candidates) {
    let group = groups.get(candidate.paperId);
    if (!group) {
      if (groups.size >= k) continue;
      group = { paperId: candidate.paperId, score: candidate.score, hits: [] };
      groups.set(candidate.paperId, group);
    }
    if (group.hits.length < perPaper) group.hits.push(candidate);
  }
  return [...groups.values()];
}

/**
 * Finds the papers whose formulas look most like the query. Asks the sources for more formulas until
 * `k` distinct papers are found or the index has no more to give (a long paper can fill a short list).
 */
export async function searchSimilar(
  index: FormulaIndex,
  bitmap: BitmapSidecar,
  query: SearchQuery,
  options: SearchOptions = {},
  extraSources: CandidateSource[] = [],
): Promise<Result<SearchResponse, SearchError>> {
  const problem = queryProblem(query.latex);
  if (problem) return fail(problem);
  const k = Math.max(1, options.k ?? 10);
  const perPaper = Math.max(1, options.formulasPerPaper ?? 3);
  const filter: HitFilter = {
    ...options.filter,
    excludePapers: [...(options.filter?.excludePapers ?? []), ...(query.paperId ? [query.paperId] : [])],
  };

  const embedStarted = performance.now();
  let embedded;
  try {
    [embedded] = await bitmap.embedder.embed([{ latex: query.latex, macros: query.macros, display: query.display, env: query.env }], 'interactive');
  } catch (error) {
    return fail({ kind: 'embedding-failed', message: `Could not embed the query: ${errorMessage(error)}` });
  }
  const searchStarted = performance.now();

  const prepared: PreparedQuery = { formula: query, embedding: embedded.embedding };
  const sources = [embeddingSource(bitmap, options.ef ?? 128), ...extraSources];
  const available = index.formulaCount;
  let count = Math.min(available, Math.max(k * perPaper * 4, 64));
  let groups: ReturnType<typeof groupByPaper>;
  for (;;) {
    const lists = await Promise.all(sources.map((source) => source.candidates(prepared, count, filter)));
    groups = groupByPaper(fuseCandidates(lists), k, perPaper);
    const exhausted = lists.every((list) => list.length < count) || count >= available;
    if (groups.length >= k || exhausted) break;
    count = Math.min(available, count * 4);
  }

  const formulas = index.formulas(groups.flatMap((group) => group.hits.map((hit) => hit.formulaId)));
  const papers = groups.flatMap((group): PaperResult[] => {
    const paper = index.paper(group.paperId);
    if (!paper) return [];
    const found = group.hits.flatMap((hit) => {
      const formula = formulas.get(hit.formulaId);
      return formula ? [{ formula, score: hit.score }] : [];
    });
    return [{ paper, score: group.score, formulas: found }];
  });
  return ok({
    papers,
    queryDegraded: embedded.degraded,
    queryIssues: embedded.issues,
    timings: { embedMs: searchStarted - embedStarted, searchMs: performance.now() - searchStarted },
  });
}
