// Hybrid ranking figures on the bundled default library: symbolic-encoder and numeric-signature throughput
// (the one-time costs of the symbolic vectors and signatures beside an index), and per query the latency the
// symbolic branch (tokenize + ONNX), the query's numeric signature and the fusion (lexical TF-IDF + dense
// scores + signature overlap + weighted union) add to a search, with the numeric signal and without it; with
// the shipped bitmap encoder, the whole hybrid query (render + both embeddings + signature + fusion).
// Goal: hybrid end-to-end p95 < 30 ms.
import { existsSync } from 'node:fs';
import type { Bench } from './run';
import { modelPath } from '../src/core/encode/models';
import { SymbolicEncoder, symbolicModelPath } from '../src/core/encode/symbolic';
import { defaultLibraryFile, readDefaultLibrary } from '../src/core/search/default-library';
import { openEmbedder, type FormulaEmbedder } from '../src/core/search/embedder';
import { HybridIndex, onlySignal, readFusionConfig, type HybridFormula, type SignalScores } from '../src/core/search/hybrid';
import { computeSignatures } from '../src/core/search/numeric-store';
import { queryNumericBudgetMs } from '../src/core/search/hybrid-search';
import { numericSignature } from '../src/core/latex/numeric-signature';
import { randomUnitVector } from '../test/helpers/unit-vectors';
import { seededRandom } from '../src/core/seeded-random';

const queries = 100;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];
/** Wall-clock and CPU milliseconds of one phase per query: on this shared machine the CPU time is the
 *  latency an idle core would give, the wall time what a loaded one gives. */
interface Phase {
  wall: number[];
  cpu: number[];
}
const newPhase = (): Phase => ({ wall: [], cpu: [] });
const ms = (values: number[], p: number) => percentile(values, p).toFixed(2);
const summary = ({ wall, cpu }: Phase) => `p50 ${ms(wall, 0.5)} ms, p95 ${ms(wall, 0.95)} ms wall; CPU p50 ${ms(cpu, 0.5)} ms, p95 ${ms(cpu, 0.95)} ms`;

/** Times `work` into `phase`. */
async function timed<T>(phase: Phase, work: () => T | Promise<T>): Promise<T> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(cpu);
  phase.wall.push(performance.now() - wall);
  phase.cpu.push((used.user + used.system) / 1000);
  return result;
}

async function run(): Promise<void> {
  const file = defaultLibraryFile();
  const library = file ? readDefaultLibrary(file) : undefined;
  if (!library?.ok) {
    console.log(`skipped: the default library is ${file ? `unreadable (${library && !library.ok ? library.reason : ''})` : 'absent'}`);
    return;
  }
  const symbolicModel = process.env.FORMULA_LENS_BENCH_SYMBOLIC ?? 'symbolic';
  if (!existsSync(symbolicModelPath(symbolicModel) ?? '')) {
    console.log(`skipped: no symbolic model ${symbolicModel} (models/symbolic.onnx)`);
    return;
  }
  const opened = await SymbolicEncoder.open({ model: symbolicModel });
  if (!opened.ok) throw new Error(opened.reason.message);
  const symbolic = opened.value;

  let id = 0;
  const formulas: HybridFormula[] = library.value.flatMap(({ paper, formulas: located }) =>
    located.map((formula) => ({ id: id++, paperId: paper.id, latex: formula.latex, macros: paper.macros })),
  );
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const embeddings = await symbolic.embed(formulas);
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = (performance.now() - started) / 1000;
  console.log(`symbolic vectors of the default library: ${formulas.length} formulas in ${seconds.toFixed(1)} s = ${Math.round(formulas.length / seconds)} formulas/s ` +
    `(${Math.round(formulas.length / ((cpu.user + cpu.system) / 1e6))} per CPU second, 1 thread)`);

  // The bitmap vectors come from the shipped bitmap encoder in a real index; random unit vectors cost the
  // fusion the same (the dense scores do not depend on the values).
  const signatureStarted = performance.now();
  const signatureCpu = process.cpuUsage();
  const signatures = await computeSignatures(formulas);
  const signatureSeconds = (performance.now() - signatureStarted) / 1000;
  const signatureCpuUsed = process.cpuUsage(signatureCpu);
  const signed = signatures.filter(Boolean).length;
  console.log(`numeric signatures of the default library (computed at index build): ${signed} of ${formulas.length} formulas signed ` +
    `(${((100 * signed) / formulas.length).toFixed(1)}%) in ${signatureSeconds.toFixed(1)} s = ${Math.round(formulas.length / signatureSeconds)} formulas/s ` +
    `(${Math.round(formulas.length / ((signatureCpuUsed.user + signatureCpuUsed.system) / 1e6))} per CPU second)`);

  const random = seededRandom(9);
  formulas.forEach((formula, i) => {
    formula.symbolic = embeddings[i];
    formula.bitmap = randomUnitVector(random, 64);
    const sides = signatures[i];
    if (sides) formula.numeric = { sides: sides.map((key) => ({ key })) };
  });
  const buildStarted = performance.now();
  const index = HybridIndex.build(formulas);
  console.log(`hybrid view built in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s (lexical and canonical postings, dense matrices)`);

  const fusion = readFusionConfig(process.env.FORMULA_LENS_FUSION);
  const shipped: SignalScores = fusion.ok ? fusion.value.weights : { bitmap: 1 / 3, symbolic: 1 / 3, lexical: 1 / 3, canonical: 0, numeric: 0, structure: 0 };
  // Timed with the numeric signal and without it: its cost does not depend on its weight, only on whether it runs.
  const withNumeric: SignalScores = shipped.numeric > 0 ? shipped : { ...shipped, numeric: 0.1 };
  const withoutNumeric: SignalScores = { ...shipped, numeric: 0 };
  console.log(`weights: ${fusion.ok ? 'models/fusion.json' : 'equal (no models/fusion.json)'} ${JSON.stringify(shipped)}; ` +
    `with numeric ${JSON.stringify(withNumeric)}, without ${JSON.stringify(withoutNumeric)}`);

  const bitmapModel = modelPath('see');
  let bitmap: FormulaEmbedder | undefined;
  if (bitmapModel && existsSync(bitmapModel)) {
    const embedder = await openEmbedder({ encoder: { model: 'see' }, renderWorkers: 1 });
    if (embedder.ok) bitmap = embedder.value;
  }

  const sample = formulas.filter((_, i) => i % Math.max(1, Math.floor(formulas.length / queries)) === 0).slice(0, queries);
  const timing = { bitmap: newPhase(), symbolic: newPhase(), numeric: newPhase(), lexical: newPhase(), canonical: newPhase(), fusion: newPhase(), fusionWithoutNumeric: newPhase() };
  const added = { with: newPhase(), without: newPhase() };
  const total = { with: newPhase(), without: newPhase(), shipped: newPhase() };
  const allFound: Record<keyof SignalScores, number> = { bitmap: 0, symbolic: 0, lexical: 0, canonical: 0, numeric: 0, structure: 0 };
  let querySigned = 0;
  for (const formula of sample) {
    // An edited formula, new to every cache, as an author types.
    const query = { latex: `${formula.latex} `, macros: formula.macros };
    const accept = (_: number, paperId: string) => paperId !== formula.paperId;
    const bitmapVector = await timed(timing.bitmap, async () =>
      bitmap ? (await bitmap.embed([{ latex: query.latex, macros: query.macros, display: true }], 'interactive'))[0].embedding : formula.bitmap,
    );
    const [symbolicVector] = await timed(timing.symbolic, () => symbolic.embed([query]));
    const signature = await timed(timing.numeric, () => numericSignature(query.latex, query.macros, { timeBudgetMs: queryNumericBudgetMs }));
    if (signature.ok) querySigned++;
    const vectors = { ...query, bitmap: bitmapVector, symbolic: symbolicVector };
    const hits = await timed(timing.fusion, () => index.search({ ...vectors, numeric: signature.ok ? signature.value : undefined }, { weights: withNumeric, count: 30, accept }));
    await timed(timing.fusionWithoutNumeric, () => index.search(vectors, { weights: withoutNumeric, count: 30, accept }));
    await timed(timing.lexical, () => index.search(query, { weights: onlySignal('lexical'), count: 30, accept }));
    for (const hit of hits) for (const signal of hit.foundBy) allFound[signal]++;
    const last = (phase: Phase, key: keyof Phase) => phase[key][phase[key].length - 1];
    for (const key of ['wall', 'cpu'] as const) {
      const numericPart = last(timing.numeric, key) + last(timing.fusion, key);
      added.with[key].push(last(timing.symbolic, key) + numericPart);
      added.without[key].push(last(timing.symbolic, key) + last(timing.fusionWithoutNumeric, key));
      total.with[key].push(last(timing.bitmap, key) + last(timing.symbolic, key) + numericPart);
      total.without[key].push(last(timing.bitmap, key) + last(timing.symbolic, key) + last(timing.fusionWithoutNumeric, key));
      // What searchHybrid does at the shipped weights: it renders the query only for a weighed bitmap signal,
      // and computes its signature only for a weighed numeric one.
      total.shipped[key].push(
        (shipped.bitmap > 0 ? last(timing.bitmap, key) : 0) +
          (shipped.symbolic > 0 ? last(timing.symbolic, key) : 0) +
          (shipped.numeric > 0 ? numericPart : last(timing.fusionWithoutNumeric, key)),
      );
    }
  }
  console.log(`${sample.length} queries over ${index.size} formulas (top 30 fused, 200 candidates per signal):`);
  console.log(`  symbolic branch (tokenize + canonicalize + ONNX): ${summary(timing.symbolic)}`);
  console.log(`  lexical signal alone (TF-IDF query + scoring):   ${summary(timing.lexical)}`);
  console.log(`  query numeric signature (${querySigned} of ${sample.length} signed): ${summary(timing.numeric)}`);
  console.log(`  fusion without numeric (union, rank):            ${summary(timing.fusionWithoutNumeric)}`);
  console.log(`  fusion with numeric (union, rank):               ${summary(timing.fusion)}`);
  console.log(`  added by symbolic + fusion, without numeric:      ${summary(added.without)}`);
  console.log(`  added by symbolic + signature + fusion:           ${summary(added.with)}`);
  const hitsSeen = Object.values(allFound).reduce((sum, count) => sum + count, 0);
  console.log(`  tags of the top-30 hits: ${Object.entries(allFound).map(([signal, count]) => `${signal} ${count}`).join(', ')} (of ${hitsSeen} signal finds)`);
  if (bitmap) {
    console.log(`  render + bitmap embedding (models/see.onnx):      ${summary(timing.bitmap)}`);
    console.log(`  hybrid end-to-end without numeric:                ${summary(total.without)}`);
    console.log(`  hybrid end-to-end with numeric:                   ${summary(total.with)}`);
    await bitmap.close();
  }
  console.log(`  hybrid end-to-end at the shipped weights, the product's query path (goal p95 < 30 ms): ${summary(total.shipped)}`);
  if (!bitmap) {
    console.log('  hybrid end-to-end: add render + bitmap embedding from bench/search.bench.ts (models/see.onnx is not there yet)');
  }
  await symbolic.dispose();
}

export const bench: Bench = {
  title: 'hybrid ranking: symbolic branch and fusion latency, default library',
  run,
};
