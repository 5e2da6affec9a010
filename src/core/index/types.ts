// What the formula index stores and answers: papers with their bibliographic metadata, formulas with
// where they come from, and nearest-neighbour hits. Shared by the store, search and the CLI.
import type { PaperMetadata } from '../library/types';

/** Bumped whenever the on-disk layout changes; an index of another version is refused (rebuild it). */
export const INDEX_FORMAT_VERSION = 1;

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
}

/** One formula to add: its location and its embedding (unit norm, the index's dimensions). */
export interface FormulaToAdd extends FormulaLocation {
  embedding: Float32Array;
}

export interface PaperToAdd {
  paper: IndexedPaper;
  formulas: FormulaToAdd[];
}

/** A stored formula; `id` is also its HNSW label. */
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
  /** sha256 of the encoder's .onnx bytes; an index built by another model is never mixed in. */
  modelFingerprint: string;
  dimensions: number;
  /** When the index on disk was built by another model or format, or is damaged: refuse (default) or start empty. */
  onMismatch?: 'refuse' | 'rebuild';
  /** For writing: how long to wait for another writer to finish before failing as busy (default 0). */
  lockWaitMs?: number;
  /** For writing: told the other writer's pid once, when the wait for it starts. */
  onLockWait?(writerPid: number): void;
  /** HNSW build parameters (defaults: M 16, efConstruction 200). */
  m?: number;
  efConstruction?: number;
}

export interface IndexStats {
  formatVersion: number;
  modelFingerprint: string;
  dimensions: number;
  papers: number;
  formulas: number;
  /** Points marked deleted in the HNSW graph, awaiting compaction. */
  deletedPoints: number;
  libraries: { name: string; papers: number; formulas: number }[];
  /** Bytes on disk: the committed generation's metadata database plus vectors file. */
  bytesOnDisk: number;
  generation: number;
}

export type IndexErrorKind =
  /** Built by another encoder model: its vectors are not comparable with ours. */
  | 'model-mismatch'
  /** Written by another version of Formula Lens. */
  | 'format-mismatch'
  /** A file is damaged beyond automatic repair. */
  | 'corrupt'
  /** No index in the folder (when opening an existing one). */
  | 'missing'
  /** Another live process is writing the index (one writer at a time; readers never wait). */
  | 'busy'
  /** Bad arguments: wrong embedding size, duplicate paper ids, non-finite numbers. */
  | 'invalid-input'
  /** The file system refused (permissions, disk full). */
  | 'io';

export interface IndexError {
  kind: IndexErrorKind;
  /** A sentence for the user, including what to do about it. */
  message: string;
}
