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

/** Reading papers is the first fifth of a build, embedding the rest. */
export function buildFraction({ phase, papersDone, papersTotal, formulasDone, formulasTotal }: LibraryProgress): number {
  if (phase === 'done') return 1;
  if (phase === 'embedding') return 0.2 + 0.8 * (formulasTotal ? formulasDone / formulasTotal : 1);
  if (phase === 'reading') return 0.2 * (papersTotal ? papersDone / papersTotal : 1);
  return 0;
}
