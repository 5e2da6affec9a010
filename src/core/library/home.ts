// Where Formula Lens keeps what it makes of a library: a folder inside the library's first folder,
// so the CLI and the extension find each other's index, unpacked e-prints and fine-tuned models.
import * as path from 'node:path';

/** The folder's name (library watchers skip it: builds write there). */
export const libraryHomeName = '.formula-lens';

export interface LibraryHome {
  index: string;
  /** Unpacked e-prints and downloads. */
  cache: string;
  /** Fine-tuned encoders. */
  models: string;
}

export function libraryHome(firstFolder: string): LibraryHome {
  const home = path.join(firstFolder, libraryHomeName);
  return { index: path.join(home, 'index'), cache: path.join(home, 'cache'), models: path.join(home, 'models') };
}
