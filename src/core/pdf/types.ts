// What the PDF stage reads and returns. Coordinates are a page's user space in PDF points, y up.

/** A PDF transform [a, b, c, d, e, f]. */
export type Matrix = [number, number, number, number, number, number];

export interface Box {
  left: number;
  bottom: number;
  right: number;
  top: number;
}

/** One glyph drawn on a page. */
export interface Glyph {
  /** Unicode (math symbols mapped where the font's encoding hides them); may be empty for delimiter pieces. */
  text: string;
  /** The font's PostScript name, subset prefix included (`ABCDEF+CMMI10`). */
  font: string;
  /** Its size on the page in points (font size times the text and graphics scales). */
  size: number;
  baseline: number;
  /** The outline's box, or the font's metrics where there is no outline. */
  box: Box;
  /** pdf.js draw ops in glyph space (em units), absent for Type 3 and missing fonts: such glyphs are not drawn. */
  outline?: ArrayLike<number>;
  /** Glyph space → page. */
  matrix: Matrix;
  /** Position in the page's content stream: TeX writes a formula in reading order. */
  order: number;
}

/** A painted path: in TeX output, the fraction bars, radical overlines and other rules. */
export interface Rule {
  path: ArrayLike<number>;
  /** Path space → page. */
  matrix: Matrix;
  fill: boolean;
  /** Stroke width in page points, 0 when only filled. */
  strokeWidth: number;
  box: Box;
}

export interface PageMarks {
  glyphs: Glyph[];
  rules: Rule[];
  /** Images painted: a page with images and no glyphs is a scan. */
  images: number;
}

/** A display formula found on a page. */
export interface PdfFormula {
  /** 1-based page number. */
  page: number;
  /** The formula's ink, without its equation number. */
  box: Box;
  /** Glyph text in reading order (the content stream's), rows separated by newlines. */
  text: string;
  /** The equation number at the margin, as printed ("(3)", "(2.1a)"), when there is one. */
  number?: string;
  /** The page's body font size in points, which displays are set in: the em the crop is scaled by. */
  emSize: number;
  /** Its glyphs and rules, for the crop and for token signals. */
  glyphs: Glyph[];
  rules: Rule[];
}

/** A formula with its picture as the bitmap encoder reads it (src/core/render's geometry and polarity). */
export interface PdfFormulaCrop extends PdfFormula {
  /** CROP_HEIGHT × CROP_WIDTH bytes, row-major, 0 = paper, 255 = full ink; undefined when drawing failed (see issues). */
  crop: Uint8Array | undefined;
}

/** Why a PDF yields no formulas at all. */
export type PdfFailureKind = 'not-pdf' | 'damaged' | 'encrypted' | 'too-large' | 'timeout' | 'no-text-layer' | 'unreadable';

export interface PdfFailure {
  kind: PdfFailureKind;
  /** One line for the per-entry report. */
  message: string;
}

export interface PdfReport {
  /** Pages in the file. */
  pages: number;
  /** Pages read (fewer when the page limit or the time budget stopped the reading). */
  pagesRead: number;
  formulas: PdfFormulaCrop[];
  /** Pages without a text layer (scanned), and pages or crops that failed; the rest of the file still counts. */
  issues: string[];
}
