// Search in a chosen mode (bitmap, symbolic, lexical or the hybrid fusion) over an index's hybrid view:
// the query is embedded by whichever encoders the mode weighs (and given its numeric signature when the
// fusion weighs that), ranked by HybridIndex, grouped by paper like
// `searchSimilar`, and every formula says which signals found it (the results view's tag).
import { SymbolicEncoder } from '../encode/symbolic';
import { highlightSymbols } from '../latex/highlight';
import { numericSignature } from '../latex/numeric-signature';
import type { Catalogue } from '../index/catalogue';
import type { HitFilter, IndexedPaper, StoredFormula } from '../index/types';
import { errorMessage, fail, ok, type Result } from '../result';
import type { FormulaEmbedder } from './embedder';
import { onlySignal, readFusionConfig, SEARCH_MODES, weightsFor, type HybridHit, type HybridQuery, type HybridSearchOptions as RankOptions, type SearchMode, type Signal, type SignalScores } from './hybrid';
import type { NumericSignature } from '../latex/numeric-signature';
import { groupByPaper, type FormulaResult, type PaperResult, type SearchError, type SearchQuery, type SearchResponse } from './search';

export interface TaggedFormulaResult extends FormulaResult {
  /** The signals whose own candidates held this formula. */
  foundBy: Signal[];
  /** Each signal's similarity; `score` is their weighted sum. */
  scores: SignalScores;
  /**
   * The formula's LaTeX with the symbols the structure alignment matched with the query coloured (modes that
   * weigh the structure signal, when something matched): why it was found.
   */
  highlightedLatex?: string;
}

export interface TaggedPaperResult extends PaperResult {
  formulas: TaggedFormulaResult[];
}

export interface HybridSearchResponse extends SearchResponse {
  papers: TaggedPaperResult[];
  mode: SearchMode;
}

export interface HybridSearchOptions {
  mode: SearchMode;
  /** The fusion weights (models/fusion.json); single-signal modes ignore them. */
  fusion: SignalScores;
  k?: number;
  formulasPerPaper?: number;
  /** Candidates each signal proposes (default 200). */
  candidatesPerSignal?: number;
  filter?: HitFilter;
  /** Time for the query's numeric signature (default queryNumericBudgetMs); over it, the signal is left out. */
  numericBudgetMs?: number;
}

/**
 * A query's numeric signature gets far less time than an indexed formula's (1 s): the query p95 goal is
 * 30 ms, most signatures take under 3 ms of CPU (p95 11 ms, `npm run bench hybrid`), and a query over
 * budget only loses the numeric signal.
 */
export const queryNumericBudgetMs = 20;

export interface HybridEncoders {
  /** Needed when the mode weighs the bitmap signal. */
  bitmap?: FormulaEmbedder;
  /** Needed when the mode weighs the symbolic signal. */
  symbolic?: Pick<SymbolicEncoder, 'embed'>;
}

/** What a search ranks with: an index's hybrid view in memory (HybridIndex), or one search's reads of a shared index's postings. */
export interface RankingView {
  search(query: HybridQuery, options: RankOptions): HybridHit[] | Promise<HybridHit[]>;
  matchedSymbols(query: Pick<HybridQuery, 'latex' | 'macros'>, formulaIds: Iterable<number>): Map<number, Set<string>> | Promise<Map<number, Set<string>>>;
}

/** What a search reads of the catalogue: the papers, and the formulas it returns (from memory or the server). */
export type RankedCatalogue = Pick<Catalogue, 'paper' | 'papers'> & {
  formulas(ids: number[]): Map<number, StoredFormula> | Promise<Map<number, StoredFormula>>;
};

/** The papers a filter lets through. */
function allowedPapers(papers: IndexedPaper[], filter: HitFilter, excluded: Set<string>): Set<string> {
  const allowed = new Set<string>();
  for (const paper of papers) {
    const year = paper.year === undefined ? undefined : Number.parseInt(paper.year, 10);
    if (excluded.has(paper.id)) continue;
    if (filter.libraries?.length && !filter.libraries.includes(paper.library)) continue;
    if (filter.yearFrom !== undefined && !(year !== undefined && year >= filter.yearFrom)) continue;
    if (filter.yearTo !== undefined && !(year !== undefined && year <= filter.yearTo)) continue;
    allowed.add(paper.id);
  }
  return allowed;
}

export async function searchHybrid(
  index: RankedCatalogue,
  view: RankingView,
  encoders: HybridEncoders,
  query: SearchQuery,
  options: HybridSearchOptions,
): Promise<Result<HybridSearchResponse, SearchError>> {
  if (query.latex.trim() === '') return fail({ kind: 'empty-query', message: 'The query formula is empty.' });
  const weights = weightsFor(options.mode, options.fusion);
  const k = Math.max(1, options.k ?? 10);
  const perPaper = Math.max(1, options.formulasPerPaper ?? 3);
  const embedStarted = performance.now();
  let bitmap: Float32Array | undefined;
  let symbolic: Float32Array | undefined;
  let numeric: NumericSignature | undefined;
  let degraded = false;
  let issues: SearchResponse['queryIssues'] = [];
  try {
    if (weights.bitmap > 0 && !encoders.bitmap) throw new Error('no bitmap encoder is open');
    const rendering = weights.bitmap > 0 ? encoders.bitmap!.embed([{ latex: query.latex, macros: query.macros, display: query.display, env: query.env }], 'interactive') : undefined;
    // The signature is computed on this thread while a render worker draws the query.
    if (weights.numeric > 0) {
      const signature = numericSignature(query.latex, query.macros ?? '', { timeBudgetMs: options.numericBudgetMs ?? queryNumericBudgetMs });
      numeric = signature.ok ? signature.value : undefined; // a query without a signature just lacks this signal
    }
    if (rendering) ({ embedding: bitmap, degraded, issues } = (await rendering)[0]);
    if (weights.symbolic > 0) {
      if (!encoders.symbolic) throw new Error('no symbolic encoder is open');
      [symbolic] = await encoders.symbolic.embed([{ latex: query.latex, macros: query.macros }]);
    }
  } catch (error) {
    return fail({ kind: 'embedding-failed', message: `Could not embed the query: ${errorMessage(error)}` });
  }
  const searchStarted = performance.now();
  const filter = options.filter ?? {};
  const allowed = allowedPapers(index.papers(), filter, new Set([...(filter.excludePapers ?? []), ...(query.paperId ? [query.paperId] : [])]));
  const hits = await view.search(
    { latex: query.latex, macros: query.macros, bitmap, symbolic, numeric },
    { weights, candidatesPerSignal: options.candidatesPerSignal, accept: (_, paperId) => allowed.has(paperId) },
  );
  const byId = new Map(hits.map((hit) => [hit.formulaId, hit]));
  const groups = groupByPaper(hits, k, perPaper);
  const returned = groups.flatMap((group) => group.hits.map((hit) => hit.formulaId));
  const stored = await index.formulas(returned);
  // only the returned formulas are explained (at most k × per paper), never every candidate
  const matched = weights.structure > 0 ? await view.matchedSymbols(query, returned) : undefined;
  const papers = groups.flatMap((group): TaggedPaperResult[] => {
    const paper = index.paper(group.paperId);
    if (!paper) return [];
    const formulas = group.hits.flatMap((hit): TaggedFormulaResult[] => {
      const formula = stored.get(hit.formulaId);
      const tagged = byId.get(hit.formulaId)!;
      if (!formula) return [];
      const highlightedLatex = highlightSymbols(formula.latex, matched?.get(hit.formulaId) ?? new Set(), paper.macros);
      return [{ formula, score: hit.score, foundBy: tagged.foundBy, scores: tagged.scores, ...(highlightedLatex !== formula.latex ? { highlightedLatex } : {}) }];
    });
    return [{ paper, score: group.score, formulas }];
  });
  return ok({
    papers,
    mode: options.mode,
    queryDegraded: degraded,
    queryIssues: issues,
    timings: { embedMs: searchStarted - embedStarted, searchMs: performance.now() - searchStarted },
  });
}

/** Whether a search in this mode weighs the numeric signal (then the index's view needs the signatures). */
export function usesNumeric({ mode, fusion }: Pick<HybridSearchOptions, 'mode' | 'fusion'>): boolean {
  return weightsFor(mode, fusion).numeric > 0;
}

/**
 * The mode asked for (`--encoder`, the setting), or models/fusion.json's default (the best on the validation
 * split; bitmap when the file is absent), with the fusion weights.
 */
export function chooseSearchMode(requested: string | undefined, fusionFile?: string): Result<{ mode: SearchMode; fusion: SignalScores }, string> {
  if (requested !== undefined && !SEARCH_MODES.includes(requested as SearchMode)) {
    return fail(`the encoder is one of ${SEARCH_MODES.join(', ')}, not '${requested}'`);
  }
  const fusion = readFusionConfig(fusionFile);
  if (!fusion.ok && requested === 'hybrid') return fail(`hybrid ranking needs the fusion weights: ${fusion.reason}`);
  const mode = (requested as SearchMode | undefined) ?? (fusion.ok ? fusion.value.defaultMode : 'bitmap');
  return ok({ mode, fusion: fusion.ok ? fusion.value.weights : onlySignal('bitmap') });
}
