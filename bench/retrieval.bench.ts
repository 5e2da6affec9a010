// Retrieval on the corpus test split (models/split.json, split by source) through the product's ranking layer
// (HybridIndex.search, bench/relevance.ts): every search mode and the default fusion beside TF-IDF over LaTeX
// 1–3-grams (the baseline; the lexical mode weighs the same terms by BM25). Weak labels (1,000 formulas query the split; the other
// formulas of their document are relevant): mAP over the top 100 and P@10. Notation variants (1,000 generated
// variants, bench/invariance.bench.ts): the original at rank 1 and in the top 10. The bitmap mode is left out
// here (it needs every test formula rendered; bench/invariance.bench.ts measures it on variants).
// FORMULA_LENS_BENCH_LIMIT=n: n queries of each kind.
import { readFusionConfig, SEARCH_MODES, SIGNALS, weightsFor, type SearchMode } from '../src/core/search/hybrid';
import { makeSplit, symbolicEmbeddings } from './invariance.bench';
import { candidates, fusedRanking, hybridView, tfidfBaseline, variantMeasures, weakLabelMeasures, weakLabelQueries } from './relevance';
import type { Bench } from './run';
import { readCorpusOrSkip } from './corpus-library';

const queryCount = Number(process.env.FORMULA_LENS_BENCH_LIMIT ?? 1000);

export const bench: Bench = {
  title: 'Retrieval on the test split: every mode beside TF-IDF 1–3-gram (weak labels, notation variants)',
  async run() {
    const fusion = readFusionConfig();
    if (!fusion.ok) {
      console.log(`skipped: ${fusion.reason}`);
      return;
    }
    const records = await readCorpusOrSkip();
    if (!records) return;
    const split = makeSplit(records, 'test', 1000, 10);
    const variants = split.queries.slice(0, queryCount);
    const weak = weakLabelQueries(split, queryCount, 20);
    const symbolic = await symbolicEmbeddings(split);
    const embeddings = typeof symbolic === 'string' ? undefined : symbolic;
    const view = hybridView(split, embeddings);
    console.log(`test split: ${split.collection.length} formulas; ${weak.weak.length} weak-label and ${variants.length} variant queries; fusion ${JSON.stringify(fusion.value.weights)}`);
    console.log('| mode | mAP@100 | P@10 | variant rank 1 | variant top 10 | query ms (mean) |\n|---|---:|---:|---:|---:|---:|');
    const baseline = tfidfBaseline(split.collection);
    const baselineWeak = weakLabelMeasures(weak.weak.map((position) => baseline(split.collection[position]!.latex, split.collection[position]!.macros, 100, position)), weak.relevant);
    const baselineVariants = variantMeasures(variants.map((query) => baseline(query.latex, query.macros, 10)), variants.map((query) => query.targets));
    console.log(`| TF-IDF 1–3-gram cosine (the baseline) | ${baselineWeak.mAP.toFixed(3)} | ${baselineWeak.precisionAt10.toFixed(3)} | ${baselineVariants.rank1.toFixed(3)} | ${baselineVariants.top10.toFixed(3)} | – |`);
    const modes = SEARCH_MODES.filter((mode) => mode !== 'bitmap' && (mode !== 'symbolic' || embeddings));
    for (const mode of modes) {
      const weights = weightsFor(mode as SearchMode, fusion.value.weights);
      if (weights.symbolic > 0 && !embeddings) continue;
      const signals = SIGNALS.filter((signal) => weights[signal] > 0);
      const started = performance.now();
      const weakRankings = weak.weak.map((position) => {
        const formula = split.collection[position];
        return fusedRanking(candidates(view, { latex: formula.latex, macros: formula.macros, symbolic: embeddings?.collection[position] }, signals, position), weights);
      });
      const variantRankings = variants.map((query, q) => fusedRanking(candidates(view, { latex: query.latex, macros: query.macros, symbolic: embeddings?.queries[q] }, signals), weights, 10));
      const perQuery = (performance.now() - started) / (weakRankings.length + variantRankings.length);
      const w = weakLabelMeasures(weakRankings, weak.relevant);
      const v = variantMeasures(variantRankings, variants.map((query) => query.targets));
      const name = mode === fusion.value.defaultMode ? `**${mode} (default)**` : mode === 'lexical' ? 'lexical (BM25 1–3-gram)' : mode;
      console.log(`| ${name} | ${w.mAP.toFixed(3)} | ${w.precisionAt10.toFixed(3)} | ${v.rank1.toFixed(3)} | ${v.top10.toFixed(3)} | ${perQuery.toFixed(1)} |`);
    }
  },
};
