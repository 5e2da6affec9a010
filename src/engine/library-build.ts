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
 * Reading papers is the first fifth of a build, adding them to the catalogue the next three tenths, and rendering
 * the bitmap sidecar (when the build makes one) the last half.
 */
export function buildFraction({ phase, papersDone, papersTotal, formulasDone, formulasTotal }: LibraryProgress): number {
  const share = (done: number, total: number) => (total ? done / total : 1);
  if (phase === 'done') return 1;
  if (phase === 'embedding') return 0.5 + 0.5 * share(formulasDone, formulasTotal);
  if (phase === 'indexing') return 0.2 + 0.3 * share(formulasDone, formulasTotal);
  if (phase === 'reading') return 0.2 * share(papersDone, papersTotal);
  return 0;
}
