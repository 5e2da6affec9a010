// The known-concept benchmark (issue 19 item 5): every query of bench/known-concepts.json through the product's
// own search on the bundled default index — the path `formula-lens search` takes: `searchSimilar` for the bitmap
// mode, `searchHybrid` over the index's hybrid view for the others — in the default mode and in every mode of
// SEARCH_MODES, beside the baseline "TF-IDF over LaTeX 1–3-grams" (bench/relevance.ts; the lexical mode weighs the
// same terms by BM25).
// Measured at the formula level over the top 50 formulas: hit@1/3/10 (any relevant formula), MRR, nDCG@10 with the
// grades as gains, recall@50 of the judged formulas; then, for the default mode, each query's first relevant rank.
import { availableParallelism } from 'node:os';
import { tfidfBaseline } from './relevance';
import type { Bench } from './run';
import { formulaKey, readKnownConcepts, type ConceptQuery, type Grade } from './known-concepts';
import { SymbolicEncoder } from '../src/core/encode/symbolic';
import type { FormulaIndex } from '../src/core/index/store';
import type { StoredFormula } from '../src/core/index/types';
import { BitmapSidecar } from '../src/core/search/bitmap-store';
import { openDefaultIndex } from '../src/core/search/default-library';
import { openEmbedder, type FormulaEmbedder } from '../src/core/search/embedder';
import { SEARCH_MODES, type HybridIndex, type SearchMode, type SignalScores } from '../src/core/search/hybrid';
import { chooseSearchMode, searchHybrid, usesNumeric } from '../src/core/search/hybrid-search';
import { openHybridIndex } from '../src/core/search/hybrid-store';
import { searchSimilar, type SearchQuery } from '../src/core/search/search';

/** Formulas measured per query. */
export const depth = 50;
/** The index may be in use by a build or another search: wait for it rather than fail. */
const lockWaitMs = 5 * 60_000;

/** A ranked formula: what the measures read. */
export type RankedFormula = Pick<StoredFormula, 'paperId' | 'latex'>;

export interface QueryMeasures {
  /** 1-based rank of the first relevant formula in the top `depth`, if any; the same for grade 2. */
  firstRelevant?: number;
  firstGrade2?: number;
  ndcg10: number;
  recall: number;
  top: RankedFormula | undefined;
}

interface Searcher {
  index: FormulaIndex;
  bitmap: BitmapSidecar;
  symbolic: SymbolicEncoder;
  view: HybridIndex;
  fusion: SignalScores;
}

/**
 * The top `depth` formulas of a mode, best first. Asking for `depth` papers of up to `depth` formulas each keeps every
 * formula of the flat top `depth` (a formula's paper ranks no lower than the formula itself), and sorting by score and
 * id restores the ranking's own order, so grouping by paper hides nothing.
 */
async function rankFormulas(searcher: Searcher, mode: SearchMode, query: SearchQuery): Promise<StoredFormula[]> {
  const options = { k: depth, formulasPerPaper: depth };
  const result =
    mode === 'bitmap'
      ? await searchSimilar(searcher.index, searcher.bitmap, query, options)
      : await searchHybrid(searcher.index, searcher.view, { bitmap: searcher.bitmap.embedder, symbolic: searcher.symbolic }, query, { ...options, mode, fusion: searcher.fusion });
  if (!result.ok) throw new Error(`${mode}: ${result.reason.message}`);
  return result.value.papers
    .flatMap((paper) => paper.formulas)
    .sort((a, b) => b.score - a.score || a.formula.id - b.formula.id)
    .slice(0, depth)
    .map(({ formula }) => formula);
}

/** Discounted gain of grades in rank order (gain = grade, discount log2(rank + 1)). */
function dcg(grades: readonly number[]): number {
  return grades.reduce((sum, grade, i) => sum + grade / Math.log2(i + 2), 0);
}

export function measure(ranking: readonly RankedFormula[], judged: Map<string, Grade>): QueryMeasures {
  // A judged formula the index holds twice (the same LaTeX in one paper) counts once, at its first rank.
  const credited = new Set<string>();
  const grades = ranking.map((formula) => {
    const key = formulaKey(formula.paperId, formula.latex);
    const grade = judged.get(key);
    if (grade === undefined || credited.has(key)) return 0;
    credited.add(key);
    return grade;
  });
  const rankWhere = (wanted: (grade: number) => boolean) => {
    const i = grades.findIndex(wanted);
    return i < 0 ? undefined : i + 1;
  };
  const ideal = [...judged.values()].sort((a, b) => b - a).slice(0, 10);
  return {
    firstRelevant: rankWhere((grade) => grade > 0),
    firstGrade2: rankWhere((grade) => grade === 2),
    ndcg10: dcg(grades.slice(0, 10)) / dcg(ideal),
    recall: credited.size / judged.size,
    top: ranking[0],
  };
}

const columns = ['hit@1', 'hit@3', 'hit@10', 'MRR', 'nDCG@10', 'recall@50'] as const;

export function summarize(perQuery: QueryMeasures[]): Record<(typeof columns)[number], number> {
  const mean = (value: (m: QueryMeasures) => number) => perQuery.reduce((sum, m) => sum + value(m), 0) / perQuery.length;
  const hit = (k: number) => mean((m) => (m.firstRelevant !== undefined && m.firstRelevant <= k ? 1 : 0));
  return {
    'hit@1': hit(1),
    'hit@3': hit(3),
    'hit@10': hit(10),
    MRR: mean((m) => (m.firstRelevant ? 1 / m.firstRelevant : 0)),
    'nDCG@10': mean((m) => m.ndcg10),
    'recall@50': mean((m) => m.recall),
  };
}

function modeLabel(mode: SearchMode, defaultMode: SearchMode): string {
  const notes = [mode === defaultMode ? 'default' : '', mode === 'lexical' ? 'BM25 1–3-gram' : ''].filter(Boolean);
  return notes.length ? `${mode} (${notes.join(', ')})` : mode;
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

async function run(): Promise<void> {
  const chosen = chooseSearchMode(undefined);
  if (!chosen.ok) throw new Error(chosen.reason);
  // A render worker per core: the default index's bitmap sidecar may still have to be built; queries use one.
  // FORMULA_LENS_BENCH_MODEL: a candidate bitmap model (.onnx) measured in place of the shipped SEE.
  const embedder = await openEmbedder({ encoder: { model: process.env.FORMULA_LENS_BENCH_MODEL ?? 'see' }, renderWorkers: availableParallelism() });
  if (!embedder.ok) throw new Error(embedder.reason.message);
  const symbolic = await SymbolicEncoder.open({});
  try {
    if (!symbolic.ok) throw new Error(symbolic.reason.message);
    const opened = await openDefaultIndex({ lockWaitMs });
    if (!opened.ok) throw new Error(opened.reason.message);
    const { index } = opened.value;
    try {
      await report(index, embedder.value, symbolic.value, chosen.value.mode, chosen.value.fusion);
    } finally {
      index.close();
    }
  } finally {
    if (symbolic.ok) await symbolic.value.dispose();
    await embedder.value.close();
  }
}

/** Opens the hybrid view once, runs every query in every mode and prints the table and the default mode's queries. */
async function report(index: FormulaIndex, bitmap: FormulaEmbedder, symbolic: SymbolicEncoder, defaultMode: SearchMode, fusion: SignalScores): Promise<void> {
  const set = readKnownConcepts();
  const modes = [defaultMode, ...SEARCH_MODES.filter((mode) => mode !== defaultMode)];
  const viewStarted = performance.now();
  const numeric = modes.some((mode) => usesNumeric({ mode, fusion }));
  const onNotice = (notice: string) => console.log(notice);
  const sidecar = (await BitmapSidecar.open(index, bitmap, { onNotice }))!;
  const view = await openHybridIndex(index, symbolic, { directory: index.directory, numeric, bitmap: sidecar.vectors, onNotice });
  console.log(`default index: ${index.formulaCount} formulas; bitmap sidecar and hybrid view opened once in ${((performance.now() - viewStarted) / 1000).toFixed(1)} s`);
  const searcher: Searcher = { index, bitmap: sidecar, symbolic, view, fusion };

  const indexed = new Set<string>();
  for (const formula of index.allFormulas()) indexed.add(formulaKey(formula.paperId, formula.latex));
  const judgments = set.queries.flatMap((query) => query.relevant);
  const missing = judgments.filter((judgment) => !indexed.has(formulaKey(judgment.paper, judgment.latex)));
  const grade2 = judgments.filter((judgment) => judgment.grade === 2).length;
  console.log(`${set.queries.length} queries, ${judgments.length} judgments (${grade2} grade 2, ${judgments.length - grade2} grade 1)` +
    (missing.length ? `; ${missing.length} judged formulas are not in the index` : ''));

  const byMode = new Map<SearchMode, QueryMeasures[]>();
  for (const mode of modes) {
    const perQuery: QueryMeasures[] = [];
    for (const query of set.queries) perQuery.push(measure(await rankFormulas(searcher, mode, searchQuery(query)), judgedGrades(query)));
    byMode.set(mode, perQuery);
  }

  const formulas = [...index.allFormulas()];
  const macros = new Map(index.papers().map((paper) => [paper.id, paper.macros ?? '']));
  const baseline = tfidfBaseline(formulas.map((formula) => ({ latex: formula.latex, macros: macros.get(formula.paperId) })));
  const baselineMeasures = set.queries.map((query) => measure(baseline(query.query, '', depth).map((position) => formulas[position]!), judgedGrades(query)));

  const labels = [...modes.map((mode) => modeLabel(mode, defaultMode)), 'TF-IDF 1–3-gram cosine (baseline)'];
  const labelWidth = Math.max(...labels.map((label) => label.length), 'mode'.length);
  console.log(`\nformula-level figures over the top ${depth}, ${set.queries.length} queries:`);
  console.log(['mode'.padEnd(labelWidth), ...columns.map((column) => column.padStart(9))].join(' '));
  [...modes.map((mode) => byMode.get(mode)!), baselineMeasures].forEach((perQuery, i) => {
    const figures = summarize(perQuery);
    console.log([labels[i]!.padEnd(labelWidth), ...columns.map((column) => figures[column].toFixed(3).padStart(9))].join(' '));
  });

  console.log(`\n${defaultMode} (default) per query: rank of the first relevant formula (grade-2 formula) in the top ${depth}, nDCG@10, the formula at rank 1`);
  const idWidth = Math.max(...set.queries.map((query) => query.id.length));
  const rank = (value: number | undefined) => (value === undefined ? '-' : String(value));
  set.queries.forEach((query, i) => {
    const m = byMode.get(defaultMode)![i];
    console.log(`  ${query.id.padEnd(idWidth)} ${rank(m.firstRelevant).padStart(3)} (${rank(m.firstGrade2).padStart(2)})  ${m.ndcg10.toFixed(3)}  ${clip(m.top?.latex ?? '', 70)}`);
  });
}

/** The query as `formula-lens search` sends it by default: display style, equation environment. */
function searchQuery(query: ConceptQuery): SearchQuery {
  return { latex: query.query, display: true, env: 'equation' };
}

export function judgedGrades(query: ConceptQuery): Map<string, Grade> {
  return new Map(query.relevant.map((judgment) => [formulaKey(judgment.paper, judgment.latex), judgment.grade]));
}

export const bench: Bench = {
  title: 'known-concept queries on the default index: every search mode at the formula level (issue 19)',
  run,
};
