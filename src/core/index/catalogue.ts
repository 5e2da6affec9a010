// What ranking reads of an index's catalogue, whichever backend holds it: a folder's SQLite generation
// (store.ts) or a snapshot of a PostgreSQL database (postgres/catalogue.ts). The ranking code (hybrid-store.ts,
// hybrid-search.ts) takes only this, so both backends rank a library alike by construction.
import type { IndexError, IndexedPaper, PaperToAdd, StoredFormula } from './types';
import type { Result } from '../result';

export interface Catalogue {
  paper(id: string): IndexedPaper | undefined;
  papers(): IndexedPaper[];
  /** Every formula, in id order (the order ties are broken by). */
  allFormulas(): Iterable<StoredFormula>;
  /** Stored formulas by id (unknown ids are left out). */
  formulas(ids: number[]): Map<number, StoredFormula>;
}

export interface CatalogueUpdate {
  /** Papers to add; a paper whose id is already indexed replaces the old one. */
  add?: PaperToAdd[];
  /** Ids of papers to remove (unknown ids are ignored). */
  remove?: string[];
}

/** What an index run writes through: the folder's writer, or a PostgreSQL index run. */
export interface CatalogueWriter extends Pick<Catalogue, 'paper' | 'papers'> {
  /** The index's folder, where a run keeps what it learned besides the catalogue (PDFs that failed); a database has none. */
  readonly directory?: string;
  update(change: CatalogueUpdate): Result<{ added: number; removed: number }, IndexError> | Promise<Result<{ added: number; removed: number }, IndexError>>;
}
