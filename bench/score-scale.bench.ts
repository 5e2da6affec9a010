// Where the view's score scale comes from (src/engine/score.ts): how alike the embeddings of formulas from
// unrelated papers are. 50,000 random pairs of formulas from different papers of the default index (the CLI's
// cache; `formula-lens search x` builds it), their bitmap cosines (the shipped SEE's sidecar, rendered here when
// missing) and symbolic cosines (its symbolic vectors, made by a hybrid search). score.ts takes the 99th
// percentile as each embedding's chance level.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { modelFingerprint } from '../src/core/encode/models';
import { symbolicModelPath } from '../src/core/encode/symbolic';
import { FormulaIndex } from '../src/core/index/store';
import { BitmapSidecar } from '../src/core/search/bitmap-store';
import { defaultIndexDirectory, defaultLibraryFile, librarySha256 } from '../src/core/search/default-library';
import { openEmbedder } from '../src/core/search/embedder';
import { readSymbolicVectors, SYMBOLIC_VECTORS_FILE } from '../src/core/search/hybrid-store';
import { seededRandom } from '../src/core/seeded-random';
import type { Bench } from './run';

const pairs = 50_000;

function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function quantiles(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(3);
  return `${name}: ${values.length} pairs, p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, p99.9 ${at(0.999)}`;
}

export const bench: Bench = {
  title: 'score scale: embedding cosines of formulas from unrelated papers',
  async run() {
    const library = defaultLibraryFile();
    const directory = library && defaultIndexDirectory(librarySha256(library));
    const opened = directory ? FormulaIndex.openForReading(directory) : undefined;
    if (!directory || !opened?.ok) {
      console.log(`skipped: no default index in ${directory ?? 'the cache'} (run formula-lens search once)`);
      return;
    }
    const embedder = await openEmbedder({ encoder: { model: 'see' }, renderWorkers: availableParallelism() });
    if (!embedder.ok) throw new Error(embedder.reason.message);
    const sidecar = (await BitmapSidecar.open(opened.value.index, embedder.value))!;
    const formulas = [...opened.value.index.allFormulas()].map((formula) => ({ id: formula.id, paper: formula.paperId, embedding: sidecar.vectors.get(formula.id)! }));
    opened.value.index.close();
    await embedder.value.close();
    const symbolicModel = symbolicModelPath();
    const symbolic = symbolicModel ? readSymbolicVectors(path.join(directory, SYMBOLIC_VECTORS_FILE), modelFingerprint(symbolicModel)) : new Map<number, Float32Array>();
    const random = seededRandom(7);
    const pick = () => formulas[Math.floor(random() * formulas.length)]!;
    const bitmap: number[] = [];
    const symbolicCosines: number[] = [];
    while (bitmap.length < pairs) {
      const [a, b] = [pick(), pick()];
      if (a.paper === b.paper) continue;
      bitmap.push(cosine(a.embedding, b.embedding));
      const [sa, sb] = [symbolic.get(a.id), symbolic.get(b.id)];
      if (sa && sb) symbolicCosines.push(cosine(sa, sb));
    }
    console.log(`${formulas.length} formulas in ${directory}`);
    console.log(quantiles('bitmap cosine', bitmap));
    console.log(symbolicCosines.length ? quantiles('symbolic cosine', symbolicCosines) : 'symbolic cosine: no symbolic vectors beside the index yet (a hybrid search makes them)');
  },
};
