// Which file events in a library folder call for re-indexing. vscode-free (unit-tested).
import * as path from 'node:path';
import { libraryHomeName } from '../core/library/home';

/** Folders whose changes never touch the library: the index's own output (it writes while it builds) and VCS data. */
const ignoredFolders = new Set([libraryHomeName, '.git', '.hg', '.svn', 'node_modules']);
/** Editor leftovers: swap, backup and lock files. */
const ignoredFile = /(^\.#|~$|\.sw[op]$|^#.*#$|\.tmp$)/;

/** Whether a change to `file` may change what the library folder `folder` indexes. */
export function isLibraryChange(folder: string, file: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const parts = relative.split(path.sep);
  if (parts.some((part) => ignoredFolders.has(part))) return false;
  return !ignoredFile.test(parts[parts.length - 1]!);
}
