// Shapes shared by the library stage: what a library holds, what a paper to index is, and the
// per-entry report the user sees ("indexed / no source / pdf only / failed + reason").

/** Bibliographic metadata of a paper, as the index stores it beside its formulas. */
export interface PaperMetadata {
  title: string;
  authors: string[];
  year?: string;
  /** The BibTeX cite key, when the paper has a bib entry. */
  key?: string;
  doi?: string;
  url?: string;
  /** The arXiv identifier, without version (e.g. `2101.00001`, `hep-th/0301001`). */
  eprint?: string;
}

/** Where the LaTeX of a paper lives once any archive is unpacked, or its PDF when it has no LaTeX. */
export interface PaperSource {
  /** How the user keeps it: a LaTeX folder, an e-print archive, one loose .tex file, or only a PDF. */
  kind: 'folder' | 'archive' | 'file' | 'pdf';
  /** The file or folder in the user's library (the archive itself for `archive`). */
  origin: string;
  /** The folder `\input` paths resolve against (for archives: the extraction cache folder). */
  root: string;
  /** The main .tex file (has `\documentclass`), absolute; the PDF itself for `pdf`. */
  mainFile: string;
}

/** One paper ready for the indexing pipeline. */
export interface LibraryPaper {
  /** Stable across runs: `bib:<cite key>` for bib entries, `src:<absolute origin path>` otherwise. */
  id: string;
  metadata: PaperMetadata;
  source: PaperSource;
  /** sha256 over the source's text files (or the PDF) and the metadata: a change in either re-indexes. */
  contentHash: string;
}

export type ReportStatus =
  | 'ready' // planned, not yet indexed
  | 'indexed'
  | 'unchanged' // content hash equals the indexed one: skipped
  | 'no-source'
  | 'pdf-only' // arXiv serves only a PDF for the entry's e-print (downloaded PDFs are not read)
  | 'failed'
  | 'removed'; // was indexed, no longer in the library

/** One line of the per-entry report. */
export interface ReportEntry {
  /** The paper id (`bib:<key>` / `src:<path>`), or `bib:<file>#<n>` for an entry without a usable key. */
  id: string;
  status: ReportStatus;
  /** Why: the matched source for `ready`, the problem otherwise. */
  detail: string;
  /** The bib file that holds the entry, when there is one. */
  bibFile?: string;
  /** Formula count once indexed. */
  formulas?: number;
}

/** Caps that keep scanning and extraction bounded on hostile or huge input. */
export interface ArchiveLimits {
  /** Largest single entry (header size), bytes. */
  maxEntryBytes: number;
  /** Largest total decompressed stream, bytes. */
  maxTotalBytes: number;
  /** Most entries in one archive. */
  maxFiles: number;
  /** Largest decompressed/compressed ratio, checked once past `ratioGraceBytes`. */
  maxRatio: number;
  ratioGraceBytes: number;
}

export const defaultArchiveLimits: ArchiveLimits = {
  maxEntryBytes: 64 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxFiles: 10_000,
  maxRatio: 200,
  ratioGraceBytes: 4 * 1024 * 1024,
};
