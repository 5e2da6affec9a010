// The renderer's public types: what goes in, what comes out, and why a result may be degraded.

/** A formula to render (the pipeline contract shared with latex/ and encode/). */
export interface FormulaInput {
  latex: string;
  /** The document's macro definitions, one per line, as in the corpus records' `macros` field. */
  macros?: string;
  /** true = display style; false = inline (text style). */
  display: boolean;
  /** The environment the body came from: `align*`, `equation`, `$$`, `\[`, `inline`, … */
  env?: string;
}

/** Why a rendering is not faithful. Each kind comes with a human-readable detail. */
export type RenderIssueKind =
  /** A command MathJax does not know and no shim or macro defines; typeset as its upright name. */
  | 'unknown-macro'
  /** An environment MathJax does not know; its body is typeset as a plain group. */
  | 'unknown-environment'
  /** MathJax rejected the formula (syntax error, recursive macro, …); the source is typeset as text. */
  | 'mathjax-error'
  /** Typesetting exceeded the time budget; the source is typeset as text. */
  | 'timeout'
  /** Nesting too deep to typeset safely; the source is typeset as text. */
  | 'too-deep'
  /** The text held invalid characters (broken UTF-8, control characters), replaced before typesetting. */
  | 'invalid-text';

export interface RenderIssue {
  kind: RenderIssueKind;
  detail: string;
}

/** Always a bitmap: degraded results still carry the best picture we could make. */
export interface RenderResult {
  /** CROP_HEIGHT × CROP_WIDTH (or the canvas, when asked), row-major, 0 = paper, 255 = full ink. */
  pixels: Uint8Array;
  degraded: boolean;
  issues: RenderIssue[];
}
