// The notation-invariance benchmark (issue 10): 1,000 seeded formulas of the test split (models/split.json),
// one generated notation variant each (src/core/latex/variants.ts), each variant queries the whole test split.
// Reported: the rate at which the original (or an exact duplicate of it, equal canonical form) comes back at
// rank 1 and in the top 10 — expected values under random tie-breaking, a score of 0 counting as not found —
// for TF-IDF (the product's lexical signal over project tokens, and over canonical tokens with and without
// variable renaming), the numeric signature, SEE, the symbolic encoder and the hybrid ranking, and for each of
// these fused with the numeric signature (weight chosen on validation variants). Goal: hybrid ≥ 0.9 at rank 1.
//
// FORMULA_LENS_BENCH_LIMIT=n shrinks the run to n queries (and about 16·n collection formulas, originals kept).
// FORMULA_LENS_SEE_MODEL / FORMULA_LENS_SYMBOLIC_MODEL / FORMULA_LENS_FUSION measure other models (e.g. trained
// with variants) than models/see.onnx, models/symbolic.onnx, models/fusion.json. Signatures and embeddings are
// cached under ~/.cache/formula-lens/bench (FORMULA_LENS_BENCH_CACHE), keyed by model fingerprint and inputs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { openEmbedder } from '../src/core/search/embedder';
import { canonicalTokens } from '../src/core/encode/symbolic-tokens';
import { modelPath } from '../src/core/encode/models';
import { SymbolicEncoder, symbolicModelPath } from '../src/core/encode/symbolic';
import { numericSignature, numericSignatureVersion, type NumericSignature } from '../src/core/latex/numeric-signature';
import { NumericSignatureIndex } from '../src/core/latex/numeric-signature-index';
import { canonicalize } from '../src/core/latex/canonical';
import { detokenize, tokenizeFormula } from '../src/core/latex/tokenize';
import { generateVariants, type VariantTransform } from '../src/core/latex/variants';
import { seededRandom, shuffled } from '../src/core/seeded-random';
import type { CorpusRecord } from '../src/core/render/corpus';
import { HybridIndex, onlySignal, readFusionConfig, type SignalScores } from '../src/core/search/hybrid';
import { LexicalIndex } from '../src/core/search/lexical';
import { repoRoot } from '../test/helpers/paths';
import type { Bench } from './run';
import { readCorpusOrSkip } from './corpus-library';

const queryCount = Number(process.env.FORMULA_LENS_BENCH_LIMIT ?? 1000);
/** Validation queries that choose the numeric signal's weight (fewer: only TF-IDF and signatures are needed). */
const validationQueryCount = Math.min(queryCount, 500);
const cacheDirectory = process.env.FORMULA_LENS_BENCH_CACHE ?? path.join(homedir(), '.cache', 'formula-lens', 'bench');
/** Weights tried for `signal + w × numeric`. */
const numericWeights = [0.05, 0.1, 0.2, 0.3, 0.5, 1];

export interface Formula {
  latex: string;
  macros: string;
  display: boolean;
  env: string;
  /** The corpus record it comes from: the weak label (formulas of one document are similar). */
  document: string;
}

export interface Query extends Formula {
  transforms: VariantTransform[];
  /** Collection positions of the original and its exact duplicates (same canonical form). */
  targets: number[];
}

export interface Split {
  name: string;
  collection: Formula[];
  queries: Query[];
}

/** Scores of every collection formula for query q (0: not found). */
type Scorer = (q: number) => Float32Array;

function splitSources(name: 'test' | 'validation'): Set<string> {
  const split = JSON.parse(readFileSync(path.join(repoRoot, 'models', 'split.json'), 'utf8')) as Record<string, string[]>;
  return new Set(split[name]);
}

/** The split's formulas; `count` seeded originals that have a variant, each with one variant as its query. */
export function makeSplit(records: CorpusRecord[], name: 'test' | 'validation', count: number, seed: number): Split {
  const sources = splitSources(name);
  const all: Formula[] = records
    .filter((record) => sources.has(record.source))
    .flatMap((record) => record.formulas.map((formula) => ({ latex: formula.latex, macros: record.macros ?? '', display: !formula.inline, env: formula.env, document: record.id })));
  const order = shuffled(all.map((_, i) => i), seededRandom(seed));
  const picked: { position: number; query: Omit<Query, 'targets'> }[] = [];
  for (const position of order) {
    if (picked.length === count) break;
    const original = all[position];
    const tokenized = tokenizeFormula(original.latex, original.macros);
    if (!tokenized.ok) continue;
    const [variant] = generateVariants(tokenized.tokens, { count: 1, seed: seed * 100_003 + position });
    if (!variant) continue;
    picked.push({ position, query: { ...original, latex: detokenize(variant.tokens), transforms: variant.transforms } });
  }
  // a smaller run keeps the originals and a seeded sample of the rest, about 16 formulas per query
  const keep = new Set(picked.map(({ position }) => position));
  for (const position of order) if (keep.size < Math.max(count * 16, 0) && !keep.has(position)) keep.add(position);
  const kept = count >= 1000 ? all.map((_, i) => i) : [...keep].sort((a, b) => a - b);
  const collection = kept.map((position) => all[position]);
  const newPosition = new Map(kept.map((position, i) => [position, i]));
  const canonical = collection.map((formula) => canonicalTokens(formula.latex, formula.macros).join(' '));
  const byCanonical = new Map<string, number[]>();
  canonical.forEach((key, i) => byCanonical.set(key, [...(byCanonical.get(key) ?? []), i]));
  const queries = picked.map(({ position, query }) => ({ ...query, targets: byCanonical.get(canonical[newPosition.get(position)!])! }));
  return { name, collection, queries };
}

/** Expected hit rates at rank 1 and in the top 10 when ties are broken at random. */
function hitRates(scores: Float32Array, targets: readonly number[]): { rank1: number; top10: number } {
  const targetSet = new Set(targets);
  let best = 0;
  for (const target of targets) best = Math.max(best, scores[target]);
  if (!(best > 0)) return { rank1: 0, top10: 0 };
  let better = 0;
  let tiedOthers = 0;
  let tiedTargets = 0;
  scores.forEach((score, i) => {
    if (score > best) better++;
    else if (score === best) {
      if (targetSet.has(i)) tiedTargets++;
      else tiedOthers++;
    }
  });
  const slots = 10 - better;
  const rank1 = better === 0 ? tiedTargets / (tiedTargets + tiedOthers) : 0;
  if (slots <= 0) return { rank1, top10: 0 };
  if (slots > tiedOthers) return { rank1, top10: 1 };
  // P(no target among the first `slots` of the tied block) = C(others, slots) / C(others + targets, slots)
  let missAll = 1;
  for (let k = 0; k < slots; k++) missAll *= (tiedOthers - k) / (tiedOthers + tiedTargets - k);
  return { rank1, top10: 1 - missAll };
}

interface Rates {
  rank1: number;
  top10: number;
  byTransform: Map<VariantTransform, { rank1: number; count: number }>;
}

function evaluate(split: Split, scorer: Scorer): Rates {
  let rank1 = 0;
  let top10 = 0;
  const byTransform = new Map<VariantTransform, { rank1: number; count: number }>();
  split.queries.forEach((query, q) => {
    const rates = hitRates(scorer(q), query.targets);
    rank1 += rates.rank1;
    top10 += rates.top10;
    for (const transform of new Set(query.transforms)) {
      const entry = byTransform.get(transform) ?? { rank1: 0, count: 0 };
      entry.rank1 += rates.rank1;
      entry.count++;
      byTransform.set(transform, entry);
    }
  });
  const n = Math.max(split.queries.length, 1);
  return { rank1: rank1 / n, top10: top10 / n, byTransform };
}

// ---------------------------------------------------------------------------------------------
// Cached per-formula computations

function inputsKey(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}

function signatures(formulas: readonly Formula[]): (NumericSignature | undefined)[] {
  const file = path.join(cacheDirectory, `signatures-v${numericSignatureVersion}-${inputsKey(formulas.map((f) => [f.latex, f.macros]))}.json`);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as (NumericSignature | null)[]).map((s) => s ?? undefined);
  const started = performance.now();
  const out = formulas.map((formula, i) => {
    if (i > 0 && i % 2000 === 0) console.log(`  signatures: ${i}/${formulas.length} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    const result = numericSignature(formula.latex, formula.macros);
    return result.ok ? result.value : undefined;
  });
  writeAtomically(file, JSON.stringify(out.map((s) => s ?? null)));
  return out;
}

/** Embeddings of the formulas by some model, cached by its fingerprint and the inputs. */
async function cachedEmbeddings(
  label: string,
  fingerprint: string,
  formulas: readonly Formula[],
  embed: (batch: readonly Formula[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const file = path.join(cacheDirectory, `${label}-${fingerprint.slice(0, 16)}-${inputsKey(formulas.map((f) => [f.latex, f.macros, f.display, f.env]))}.f32`);
  if (existsSync(file)) {
    const values = new Float32Array(new Uint8Array(readFileSync(file)).buffer);
    const dimensions = values.length / formulas.length;
    return formulas.map((_, i) => values.subarray(i * dimensions, (i + 1) * dimensions));
  }
  const out: Float32Array[] = [];
  const started = performance.now();
  for (let start = 0; start < formulas.length; start += 256) {
    out.push(...(await embed(formulas.slice(start, start + 256))));
    if ((start / 256) % 8 === 7) console.log(`  ${label}: ${out.length}/${formulas.length} embedded (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  const values = new Float32Array(out.reduce((sum, vector) => sum + vector.length, 0));
  let offset = 0;
  for (const vector of out) {
    values.set(vector, offset);
    offset += vector.length;
  }
  writeAtomically(file, new Uint8Array(values.buffer));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The signals

/** What the lexical index reads: the project tokens (the product's lexical signal), or canonical tokens, with or without rule 3. */
type LexicalForm = 'project' | 'canonical' | 'canonical-renamed';

/** The formula as `form` tokens written back as LaTeX (macros expanded), so the lexical index reads exactly them. */
function lexicalInput(formula: Formula, form: LexicalForm): Formula {
  const tokenized = form === 'project' ? undefined : tokenizeFormula(formula.latex, formula.macros);
  if (!tokenized?.ok) return formula;
  return { ...formula, latex: detokenize(canonicalize(tokenized.tokens, { renameVariables: form === 'canonical-renamed' })), macros: '' };
}

/** TF-IDF 1–3-grams of the product's lexical signal (src/core/search/lexical.ts) over `form` tokens. */
function lexicalScorer(split: Split, form: LexicalForm): Scorer {
  const index = LexicalIndex.build(split.collection.map((formula, id) => ({ id, ...lexicalInput(formula, form) })), 'project', 'tfidf');
  const queries = split.queries.map((query) => lexicalInput(query, form));
  return (q) => index.scoreAll(index.query(queries[q].latex, queries[q].macros));
}

interface NumericSignal {
  scorer: Scorer;
  collectionSigned: number;
  /** Queries whose original has a signature, and of those, how many variants have the very same signature. */
  originalsSigned: number;
  sameSignature: number;
}

function numericScorer(split: Split): NumericSignal {
  const collection = signatures(split.collection);
  const queries = signatures(split.queries);
  const index = NumericSignatureIndex.build(collection.map((signature, id) => ({ id, signature })));
  const originals = split.queries.map((query) => collection[query.targets[0]]);
  return {
    scorer: (q) => index.scoreAll(queries[q]),
    collectionSigned: index.signed,
    originalsSigned: originals.filter(Boolean).length,
    sameSignature: originals.filter((original, q) => original && original.key === queries[q]?.key).length,
  };
}

function withNumeric(base: Scorer, numeric: Scorer, weight: number): Scorer {
  return (q) => {
    const scores = base(q).slice();
    const extra = numeric(q);
    for (let i = 0; i < scores.length; i++) scores[i] += weight * extra[i];
    return scores;
  };
}

/** Unit-vector cosine of the query's embedding with every collection embedding. */
function denseScorer(collection: Float32Array[], queries: Float32Array[]): Scorer {
  return (q) => {
    const query = queries[q];
    return Float32Array.from(collection, (row) => {
      let sum = 0;
      for (let j = 0; j < row.length; j++) sum += row[j] * query[j];
      return Math.max(sum, 0);
    });
  };
}

export interface Embeddings {
  fingerprint: string;
  collection: Float32Array[];
  queries: Float32Array[];
}

async function seeEmbeddings(split: Split): Promise<Embeddings | string> {
  const file = process.env.FORMULA_LENS_SEE_MODEL ?? modelPath('see');
  if (!file || !existsSync(file)) return `no SEE model (${file ?? 'models/see.onnx'})`;
  const opened = await openEmbedder({ encoder: { model: file }, renderWorkers: 2 });
  if (!opened.ok) return `SEE: ${opened.reason.message}`;
  const embedder = opened.value;
  try {
    const embed = async (batch: readonly Formula[]) => (await embedder.embed([...batch], 'batch')).map((embedded) => embedded.embedding);
    const fingerprint = embedder.model.fingerprint;
    return {
      fingerprint,
      collection: await cachedEmbeddings(`see-${split.name}`, fingerprint, split.collection, embed),
      queries: await cachedEmbeddings(`see-${split.name}-queries`, fingerprint, split.queries, embed),
    };
  } finally {
    await embedder.close();
  }
}

export async function symbolicEmbeddings(split: Split): Promise<Embeddings | string> {
  const file = process.env.FORMULA_LENS_SYMBOLIC_MODEL ?? symbolicModelPath();
  if (!file || !existsSync(file)) return `no symbolic model (${file ?? 'models/symbolic.onnx'})`;
  const opened = await SymbolicEncoder.open({ model: file });
  if (!opened.ok) return `symbolic: ${opened.reason.message}`;
  const encoder = opened.value;
  try {
    const embed = (batch: readonly Formula[]) => encoder.embed(batch);
    const fingerprint = encoder.model.fingerprint;
    return {
      fingerprint,
      collection: await cachedEmbeddings(`symbolic-${split.name}`, fingerprint, split.collection, embed),
      queries: await cachedEmbeddings(`symbolic-${split.name}-queries`, fingerprint, split.queries, embed),
    };
  } finally {
    await encoder.dispose();
  }
}

/** The product's hybrid ranking (src/core/search/hybrid.ts): fused scores of its candidates, 0 elsewhere. */
function hybridScorer(split: Split, weights: SignalScores, bitmap: Embeddings | undefined, symbolic: Embeddings | undefined): Scorer {
  const index = HybridIndex.build(split.collection.map((formula, id) => ({
    id, paperId: String(id), latex: formula.latex, macros: formula.macros, bitmap: bitmap?.collection[id], symbolic: symbolic?.collection[id],
  })));
  return (q) => {
    const query = split.queries[q];
    const scores = new Float32Array(split.collection.length);
    const hits = index.search({ latex: query.latex, macros: query.macros, bitmap: bitmap?.queries[q], symbolic: symbolic?.queries[q] }, { weights });
    for (const hit of hits) scores[hit.formulaId] = hit.score;
    return scores;
  };
}

// ---------------------------------------------------------------------------------------------

const rate = (value: number): string => value.toFixed(3);

function row(name: string, rates: Rates | string): string {
  return typeof rates === 'string' ? `| ${name} | – | – | skipped: ${rates} |` : `| ${name} | ${rate(rates.rank1)} | ${rate(rates.top10)} | |`;
}

/** The numeric weight that maximises rank-1 (then top-10) of `base + w × numeric` on the validation split. */
function chooseNumericWeight(validation: Split, base: Scorer, numeric: Scorer, label: string): number {
  let best = { weight: numericWeights[0], rank1: -1, top10: -1 };
  const tried: string[] = [];
  for (const weight of numericWeights) {
    const rates = evaluate(validation, withNumeric(base, numeric, weight));
    tried.push(`${weight}: ${rate(rates.rank1)}`);
    if (rates.rank1 > best.rank1 || (rates.rank1 === best.rank1 && rates.top10 > best.top10)) best = { weight, ...rates };
  }
  console.log(`  ${label} + w × numeric, rank 1 by w: ${tried.join(', ')} → w = ${best.weight}`);
  return best.weight;
}

export const bench: Bench = {
  title: 'Notation invariance: a generated variant queries the test split (rank-1 / top-10 of the original)',
  async run() {
    const records = await readCorpusOrSkip();
    if (!records) return;
    // the numeric weight per lexical base, chosen on validation variants; the others take the lexical signal's
    const validation = makeSplit(records, 'validation', validationQueryCount, 11);
    const validationNumeric = numericScorer(validation).scorer;
    console.log(`numeric weight on the validation split (${validation.queries.length} queries, ${validation.collection.length} formulas):`);
    const lexicalForms: [LexicalForm, string][] = [
      ['project', 'TF-IDF, project tokens (the baseline; the lexical signal weighs them by BM25)'],
      ['canonical', 'TF-IDF, canonical tokens'],
      ['canonical-renamed', 'TF-IDF, canonical tokens, variables renamed'],
    ];
    const weights = new Map(lexicalForms.map(([form, label]) => [form, chooseNumericWeight(validation, lexicalScorer(validation, form), validationNumeric, label)]));
    const weight = weights.get('project')!;
    const split = makeSplit(records, 'test', queryCount, 10);
    const duplicates = split.queries.filter((query) => query.targets.length > 1).length;
    console.log(`test split: ${split.collection.length} formulas, ${split.queries.length} variant queries (${duplicates} originals have exact duplicates, all counted as the original)`);
    const transforms = new Map<VariantTransform, number>();
    for (const query of split.queries) for (const transform of query.transforms) transforms.set(transform, (transforms.get(transform) ?? 0) + 1);
    console.log(`transforms applied: ${[...transforms].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')}`);

        const numeric = numericScorer(split);
    const share = (part: number, whole: number) => `${part}/${whole} (${((100 * part) / Math.max(whole, 1)).toFixed(1)}%)`;
    console.log(`numeric signatures: ${share(numeric.collectionSigned, split.collection.length)} test-split formulas; ${share(numeric.originalsSigned, split.queries.length)} query originals, whose variants keep the same signature in ${share(numeric.sameSignature, numeric.originalsSigned)}`);
    const see = await seeEmbeddings(split);
    const symbolic = await symbolicEmbeddings(split);
    const fusion = readFusionConfig(process.env.FORMULA_LENS_FUSION);

    const results: [string, Rates | string][] = [];
    const add = (name: string, scorer: Scorer | string, numericWeight = weight): void => {
      results.push([name, typeof scorer === 'string' ? scorer : evaluate(split, scorer)]);
      if (typeof scorer !== 'string') results.push([`${name} + ${numericWeight} × numeric`, evaluate(split, withNumeric(scorer, numeric.scorer, numericWeight))]);
    };
    for (const [form, label] of lexicalForms) add(label, lexicalScorer(split, form), weights.get(form));
    results.push(['numeric signature alone', evaluate(split, numeric.scorer)]);
    add('SEE (bitmap)', typeof see === 'string' ? see : denseScorer(see.collection, see.queries));
    add('symbolic', typeof symbolic === 'string' ? symbolic : denseScorer(symbolic.collection, symbolic.queries));
    add('structure (layout trees, aligned)', hybridScorer(split, onlySignal('structure'), undefined, undefined));
    let hybrid: Scorer | string;
    if (!fusion.ok) hybrid = `no fusion weights (${fusion.reason})`;
    else if ((fusion.value.weights.bitmap > 0 && typeof see === 'string') || (fusion.value.weights.symbolic > 0 && typeof symbolic === 'string')) {
      hybrid = 'a model its weights need is absent';
    } else hybrid = hybridScorer(split, fusion.value.weights, typeof see === 'string' ? undefined : see, typeof symbolic === 'string' ? undefined : symbolic);
    add('hybrid (models/fusion.json)', hybrid);

    console.log(`\nmodels: SEE ${typeof see === 'string' ? '–' : see.fingerprint.slice(0, 12)}, symbolic ${typeof symbolic === 'string' ? '–' : symbolic.fingerprint.slice(0, 12)}`);
    console.log('| method | rank 1 | top 10 | |\n|---|---:|---:|---|');
    for (const [name, rates] of results) console.log(row(name, rates));
    const measured = results.filter((entry): entry is [string, Rates] => typeof entry[1] !== 'string');
    const kinds = [...transforms.keys()].sort();
    console.log(`\nrank 1 by transform (queries whose variant used it):\n| method | ${kinds.map((kind) => `${kind} (${transforms.get(kind)})`).join(' | ')} |\n|---|${kinds.map(() => '---:').join('|')}|`);
    for (const [name, rates] of measured) {
      console.log(`| ${name} | ${kinds.map((kind) => { const entry = rates.byTransform.get(kind); return entry ? rate(entry.rank1 / entry.count) : '–'; }).join(' | ')} |`);
    }
  },
};
