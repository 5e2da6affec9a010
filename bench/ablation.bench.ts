// Ablations of the structure signal (issue 19, docs/retrieval.md): what each part adds, on the known-concept
// set (formula level over the default library, bench/concepts.bench.ts's measures) and on the test split
// (weak labels and notation variants, bench/relevance.ts's measures). Each configuration ranks with the
// structure signal alone — its first stage (BM25 over what it indexes), the alignment of the first stage's
// 200 best, or the product's mix of both — beside TF-IDF 1–3-gram cosine (the lexical signal).
// FORMULA_LENS_BENCH_LIMIT=n: n test-split queries of each kind (default 500).
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { defaultLibraryFile, type BundledRecord } from '../src/core/search/default-library';
import { readCorpus } from '../src/core/render/corpus';
import { topByScore } from '../src/core/search/lexical';
import { firstStageShare, StructureIndex, type StructureOptions } from '../src/core/search/structural';
import { corpusPath } from '../test/helpers/paths';
import { depth, judgedGrades, measure, summarize } from './concepts.bench';
import { makeSplit } from './invariance.bench';
import { readKnownConcepts } from './known-concepts';
import { tfidfBaseline, variantMeasures, weakLabelMeasures, weakLabelQueries, RANKED } from './relevance';
import type { Bench } from './run';

type Stage = 'first stage' | 'alignment' | 'mix (product)';
interface Configuration {
  name: string;
  options: StructureOptions;
  stage: Stage;
}

const configurations: Configuration[] = [
  { name: 'typed symbols alone (no tree), BM25', options: { tuples: 'none', operatorPaths: 0 }, stage: 'first stage' },
  { name: 'raw pairs only, window 2', options: { tuples: 'raw', operatorPaths: 0 }, stage: 'first stage' },
  { name: 'typed pairs only, window 2', options: { tuples: 'typed', operatorPaths: 0 }, stage: 'first stage' },
  { name: 'raw + typed pairs, window 1', options: { window: 1, operatorPaths: 0 }, stage: 'first stage' },
  { name: 'raw + typed pairs, window 2 (layout tree alone)', options: { operatorPaths: 0 }, stage: 'first stage' },
  { name: 'raw + typed pairs, window 3', options: { window: 3, operatorPaths: 0 }, stage: 'first stage' },
  { name: 'symbols + operator-tree leaf-root paths (up to 3 ancestors), no layout pairs', options: { tuples: 'none' }, stage: 'first stage' },
  { name: 'layout pairs (window 2) + operator-tree paths', options: {}, stage: 'first stage' },
  { name: 'alignment (rerank) alone', options: {}, stage: 'alignment' },
  { name: 'first stage without operator-tree paths + alignment', options: { operatorPaths: 0 }, stage: 'mix (product)' },
  { name: 'first stage + alignment (the structure signal)', options: {}, stage: 'mix (product)' },
];
const aligned = 200;

interface Ranker {
  /** Positions of the best formulas for a query, best first. */
  rank(latex: string, macros: string, count: number, exclude?: number): number[];
}

function structureRanker(formulas: readonly { latex: string; macros: string }[], configuration: Configuration): Ranker {
  const index = StructureIndex.build(formulas.map((formula, id) => ({ id, ...formula })), configuration.options);
  return {
    rank(latex, macros, count, exclude) {
      const query = index.query(latex, macros);
      const accept = (id: number) => id !== exclude;
      const first = topByScore(index.scoreAll(query), index.formulaIds, configuration.stage === 'first stage' ? count : aligned, accept);
      if (configuration.stage === 'first stage') return first.map((hit) => hit.formulaId);
      const share = configuration.stage === 'alignment' ? 0 : firstStageShare;
      return first
        .map((hit) => ({ id: hit.formulaId, score: share * hit.score + (1 - share) * index.align(query, hit.formulaId) }))
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .slice(0, count)
        .map((hit) => hit.id);
    },
  };
}

function lexicalRanker(formulas: readonly { latex: string; macros: string }[]): Ranker {
  return { rank: tfidfBaseline(formulas) };
}

export const bench: Bench = {
  title: 'Structure signal ablations: known-concept set and test split, each part against TF-IDF 1–3-gram',
  async run() {
    const libraryFile = defaultLibraryFile();
    const corpus = corpusPath();
    if (!libraryFile || !corpus) {
      console.log('skipped: needs data/default-library and ../shared/corpus/papers.jsonl');
      return;
    }
    const records = gunzipSync(readFileSync(libraryFile)).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as BundledRecord);
    const library = records.flatMap((record) => record.formulas.map((formula) => ({ latex: formula.latex, macros: record.macros, paperId: record.id })));
    const concepts = readKnownConcepts().queries;
    const split = makeSplit(await readCorpus(corpus), 'test', 1000, 10);
    const limit = Number(process.env.FORMULA_LENS_BENCH_LIMIT ?? 500);
    const variants = split.queries.slice(0, limit);
    const weak = weakLabelQueries(split, limit, 20);
    console.log(`known-concept set: ${concepts.length} queries over ${library.length} formulas; test split: ${split.collection.length} formulas, ${weak.weak.length} weak-label and ${variants.length} variant queries`);
    console.log(`| ranking | concept hit@10 | concept MRR | concept nDCG@10 | weak mAP@100 | weak P@10 | variant rank 1 |\n|---|---:|---:|---:|---:|---:|---:|`);
    const rows: [string, (formulas: { latex: string; macros: string }[]) => Ranker][] = [
      ['TF-IDF 1–3-gram cosine (the baseline)', lexicalRanker],
      ...configurations.map((configuration): [string, (formulas: { latex: string; macros: string }[]) => Ranker] => [`${configuration.name} (${configuration.stage})`, (formulas) => structureRanker(formulas, configuration)]),
    ];
    for (const [name, make] of rows) {
      const onLibrary = make(library);
      const conceptMeasures = summarize(concepts.map((query) => measure(onLibrary.rank(query.query, '', depth).map((position) => library[position]), judgedGrades(query))));
      const onSplit = make(split.collection);
      const w = weakLabelMeasures(weak.weak.map((position) => onSplit.rank(split.collection[position].latex, split.collection[position].macros, RANKED, position)), weak.relevant);
      const v = variantMeasures(variants.map((query) => onSplit.rank(query.latex, query.macros, 10)), variants.map((query) => query.targets));
      console.log(`| ${name} | ${conceptMeasures['hit@10'].toFixed(3)} | ${conceptMeasures.MRR.toFixed(3)} | ${conceptMeasures['nDCG@10'].toFixed(3)} | ${w.mAP.toFixed(3)} | ${w.precisionAt10.toFixed(3)} | ${v.rank1.toFixed(3)} |`);
    }
  },
};
