// What the formula index stores and answers: papers with their bibliographic metadata, formulas with
// where they come from, and nearest-neighbour hits. Shared by the store, search and the CLI.
import type { PaperMetadata } from '../library/types';

/**
 * Bumped whenever the on-disk layout changes; an index of another version is refused (rebuild it). 2: the catalogue
 * holds no embeddings and no model; the bitmap vectors live in per-model sidecars (search/bitmap-store.ts).
 */
export const INDEX_FORMAT_VERSION = 2;

/** A paper as the index stores it. */
export interface IndexedPaper extends PaperMetadata {
  /** Stable id across runs (the library's `bib:<key>` / `src:<path>`, or a corpus record id). */
  id: string;
  venue?: string;
  /** Where the paper's LaTeX lives (folder, archive or file); empty for bundled records. */
  sourcePath?: string;
  /** The library the paper belongs to, for filtering (`default` for the bundled one). */
  library: string;
  /** The document's macro definitions, one per line; its formulas are rendered with them. */
  macros?: string;
  /** sha256 of the paper's source and metadata: equal = nothing to re-index. */
  contentHash?: string;
  /** Free-form licence note (bundled records carry their stated licence). */
  license?: string;
}

/** A formula of a paper, as extracted from its LaTeX. */
export interface FormulaLocation {
  latex: string;
  /** The file it was read from (relative to the paper's source root), when known. */
  file?: string;
  /** 1-based line of the formula's start in `file`, when known. */
  line?: number;
  section?: string;
  /** The environment name: `align*`, `equation`, `$$`, `\[`, `inline`, … */
  env?: string;
  inline: boolean;
  /** For a formula read from a PDF (its `latex` is written back from the glyphs): where it is and its picture. */
  pdf?: PdfPlacement;
}

/** A PDF formula's page, box and crop. */
export interface PdfPlacement {
  /** 1-based page number. */
  page: number;
  /** The formula's ink in PDF points (y up), without its equation number. */
  box: { left: number; bottom: number; right: number; top: number };
  /** The equation number as printed, e.g. `(3)`. */
  number?: string;
  /** The crop at the bitmap encoder's geometry as a grey PNG (pdf/png.ts), when it could be drawn. */
  crop?: Uint8Array;
}

export interface PaperToAdd {
  paper: IndexedPaper;
  formulas: FormulaLocation[];
}

/** A stored formula; `id` is stable while its paper stays indexed (also its label in a bitmap sidecar's graph). */
export interface StoredFormula extends FormulaLocation {
  id: number;
  paperId: string;
}

/** A nearest-neighbour hit: a formula and its inner product with the query (1 = same direction). */
export interface FormulaHit {
  formulaId: number;
  paperId: string;
  score: number;
}

/** Which formulas a search may return. All fields optional; absent = no restriction. */
export interface HitFilter {
  /** Inclusive year range; papers without a year are excluded when either bound is set. */
  yearFrom?: number;
  yearTo?: number;
  /** Only papers of these libraries. */
  libraries?: string[];
  /** Never return formulas of these papers (the query's own document). */
  excludePapers?: string[];
}

export interface IndexOptions {
  /** When the index on disk was written by another format, or is damaged: refuse (default) or start empty. */
  onMismatch?: 'refuse' | 'rebuild';
  /** For writing: how long to wait for another writer to finish before failing as busy (default 0). */
  lockWaitMs?: number;
  /** For writing: told the other writer's pid once, when the wait for it starts. */
  onLockWait?(writerPid: number): void;
}

export interface IndexStats {
  formatVersion: number;
  papers: number;
  formulas: number;
  libraries: { name: string; papers: number; formulas: number }[];
  /** Bytes on disk: the committed generation's database (the sidecars not counted). */
  bytesOnDisk: number;
  generation: number;
}

export type IndexErrorKind =
  /** Written by another version of Formula Lens. */
  | 'format-mismatch'
  /** A file is damaged beyond automatic repair. */
  | 'corrupt'
  /** No index in the folder (when opening an existing one). */
  | 'missing'
  /** Another live process is writing the index (one writer at a time; readers never wait). */
  | 'busy'
  /** Bad arguments: empty or duplicate paper ids. */
  | 'invalid-input'
  /** The file system refused (permissions, disk full). */
  | 'io';

export interface IndexError {
  kind: IndexErrorKind;
  /** A sentence for the user, including what to do about it. */
  message: string;
}
