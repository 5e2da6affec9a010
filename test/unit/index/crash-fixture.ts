// The papers the kill -9 test's writer adds: deterministic, so the test can recompute them.
import type { IndexOptions, PaperToAdd } from '../../../src/core/index/types';
import { randomUnitVector } from '../../helpers/unit-vectors';
import { seededRandom } from '../../../src/core/seeded-random';

export const crashTestOptions: IndexOptions = { modelFingerprint: 'c'.repeat(64), dimensions: 64 };
export const formulasPerPaper = 250;

export function crashTestPaper(step: number): PaperToAdd {
  const random = seededRandom(step);
  return {
    paper: { id: `p${step}`, title: `Paper ${step}`, authors: [], library: 'main' },
    formulas: Array.from({ length: formulasPerPaper }, (_, i) => ({
      latex: `y_{${step}, ${i}}`,
      inline: false,
      embedding: randomUnitVector(random, crashTestOptions.dimensions),
    })),
  };
}
