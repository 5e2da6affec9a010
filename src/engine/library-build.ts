// Pure helpers of the engine's Build Index: the library name a folder set is indexed under, and the
// build's progress as one fraction. vscode-free and native-free (unit-tested).
import * as path from 'node:path';
import type { LibraryProgress } from '../core/library/index-library';

/**
 * The name a set of library folders keeps its papers under in an index. indexLibrary compares, adds and
 * removes papers only within one name, so each folder set needs its own: indexing other folders into the
 * same index then leaves these papers alone. One folder is named like `formula-lens index` names it (the
 * folder's name), so the CLI and the editor update the same papers; several folders join their names in
 * a stable order, so picking them in another order is the same library.
 */
export function libraryName(folders: readonly string[]): string {
  const names = [...new Set(folders.map((folder) => path.resolve(folder)))].sort().map((folder) => path.basename(folder) || folder);
  return names.length ? names.join('+') : 'library';
}

/**
 * Each phase's share of a build, by its usual cost on 2 cores: reading a paper takes milliseconds (LaTeX) to a second
 * or two (a PDF), adding formulas to the catalogue about 25 µs each (12,304 in 0.3 s), and rendering them for the
 * bitmap sidecar about 4.5 ms each (12,304 in 55 s). So reading is most of a build that renders nothing, and
 * rendering most of one that does.
 */
const phaseShares = {
  catalogueOnly: { reading: 0.9, indexing: 0.1, embedding: 0 },
  withSidecar: { reading: 0.3, indexing: 0.05, embedding: 0.65 },
};

/** The build's progress as one fraction in [0, 1]; `rendersSidecar` when the build also renders the bitmap sidecar. */
export function buildFraction({ phase, papersDone, papersTotal, formulasDone, formulasTotal }: LibraryProgress, rendersSidecar: boolean): number {
  const share = (done: number, total: number) => (total ? done / total : 1);
  const { reading, indexing, embedding } = rendersSidecar ? phaseShares.withSidecar : phaseShares.catalogueOnly;
  if (phase === 'done') return 1;
  if (phase === 'embedding') return reading + indexing + embedding * share(formulasDone, formulasTotal);
  if (phase === 'indexing') return reading + indexing * share(formulasDone, formulasTotal);
  if (phase === 'reading') return reading * share(papersDone, papersTotal);
  return 0;
}
