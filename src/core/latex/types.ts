// Shapes the LaTeX reader hands to its two users: the engine's cursor path (one document, one
// offset) and the indexer (a whole project: metadata, macros, formulas, problems).

export type MarkupLanguage = 'latex' | 'markdown';

/** One math region of a document. Offsets are UTF-16 indices into the document text. */
export interface MathRegion {
  /** The whole region, delimiters included: `[start, end)`. */
  start: number;
  end: number;
  /** The LaTeX body between the delimiters: `[bodyStart, bodyEnd)`. */
  bodyStart: number;
  bodyEnd: number;
  /** false for inline math (`$…$`, `\(…\)`, the `math` environment). */
  display: boolean;
  /** `inline`, `$$`, `\[`, or the environment name (`align*`, `equation`, …). */
  env: string;
}

/** The formula under the cursor: its region plus the raw and the normalised body. */
export interface CursorFormula extends MathRegion {
  /** The body exactly as written. */
  body: string;
  /** The body normalised for rendering and indexing (see normalize.ts). */
  latex: string;
}

/** Something the reader could not use; it skipped it and carried on. */
export interface LatexProblem {
  /** The file concerned, relative to the project root when inside it. */
  file: string;
  /** 1-based line, when the problem has a place. */
  line?: number;
  message: string;
}

/** A formula of a project, ready for the renderer (`{ latex, macros, display, env }`). */
export interface ExtractedFormula {
  /** Normalised body. */
  latex: string;
  display: boolean;
  /** true for inline math, which is kept only when long enough (see ExtractOptions). */
  inline: boolean;
  env: string;
  /** Source file, relative to the project root (`/`-separated). */
  file: string;
  /** 1-based line of the opening delimiter. */
  line: number;
  /** The enclosing `\section`/`\chapter` title, '' before the first one. */
  section: string;
}

export interface PaperInfo {
  title: string;
  authors: string[];
  /** Bibliography files named by `\bibliography`/`\addbibresource`, absolute, `.bib` added. */
  bibFiles: string[];
}

export interface LatexProject {
  /** The folder relative paths are resolved against (the main file's folder). */
  root: string;
  /** Absolute path of the main file. */
  mainFile: string;
  /** Every file read, main file first, relative to root. */
  files: string[];
  info: PaperInfo;
  /** The document's macro definitions, one per line (the corpus `macros` format). */
  macros: string;
  /** Those of `macros` that the formulas use (transitively), as the corpus `macros` field holds them. */
  usedMacros: string;
  formulas: ExtractedFormula[];
  problems: LatexProblem[];
}
