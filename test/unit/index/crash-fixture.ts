// The papers the kill -9 test's writer adds: deterministic, so the test can recompute them.
import type { IndexOptions, PaperToAdd } from '../../../src/core/index/types';

export const crashTestOptions: IndexOptions = {};
export const formulasPerPaper = 250;

export function crashTestPaper(step: number): PaperToAdd {
  return {
    paper: { id: `p${step}`, title: `Paper ${step}`, authors: [], library: 'main' },
    formulas: Array.from({ length: formulasPerPaper }, (_, i) => ({ latex: `y_{${step}, ${i}}`, inline: false })),
  };
}
