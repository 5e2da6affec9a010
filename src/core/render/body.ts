// Prepares a formula body for MathJax: repairs invalid text, refuses nesting too deep to typeset
// safely, and wraps align-type bodies the way their display environment would typeset them.
import type { RenderIssue } from './types';

/** Deeper nesting than this ({…}, \left…\right, \begin…\end together) is hostile input, not mathematics. */
export const MAX_NESTING = 100;

const REPLACEMENT = '\uFFFD';

/**
 * Replaces what cannot be typeset: lone UTF-16 surrogates (from broken UTF-8 decoded elsewhere) and
 * control characters. Text that already holds U+FFFD was invalid UTF-8 when decoded, so it is reported too.
 */
export function repairText(latex: string): { text: string; issue?: RenderIssue } {
  // eslint-disable-next-line no-control-regex
  const invalid = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
  const text = latex.replace(invalid, REPLACEMENT);
  const count = [...text.matchAll(/\uFFFD/g)].length;
  return count === 0 ? { text } : { text, issue: { kind: 'invalid-text', detail: `${count} invalid character(s) replaced by U+FFFD` } };
}

/** The deepest nesting of groups, \left…\right and environments in a body. */
export function nestingDepth(latex: string): number {
  const change: Record<string, number> = { '{': 1, '}': -1, '\\left': 1, '\\right': -1, '\\begin': 1, '\\end': -1 };
  let depth = 0;
  let deepest = 0;
  // Control words and symbols are read whole, so \{, \} and \\ never count as braces.
  for (const [token] of latex.matchAll(/\\[A-Za-z]+|\\.|[{}]/gs)) {
    depth = Math.max(0, depth + (change[token] ?? 0));
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/**
 * Repairs what Markdown escaping does to LaTeX when a page's source, not its rendering, was read:
 * a row end `\\[4pt]` whose first backslash the escaping ate (`\[4pt]`: in math, \[ opens no
 * display and is otherwise an error, so only the row end can be meant), and `\left\\{` for
 * `\left\{` (a delimiter never follows \left as \\). Also writes `\jot` (amsmath's 3pt row gap,
 * used as `\\[2\jot]`) in points, a unit MathJax's row ends lack.
 */
export function repairEscapes(latex: string): string {
  return latex
    .replace(/(^|[^\\])((?:\\\\)*)\\\[(\s*(?:-?(?:\d+(?:\.\d*)?|\.\d+)\s*)?(?:pt|em|ex|mu|px|mm|cm|in|pc|bp|dd|sp|\\jot)\s*)\]/g, '$1$2\\\\[$3]')
    .replace(/\\(left|right|middle)\s*\\\\([{}])/g, '\\$1\\$2')
    .replace(/\\\\\[\s*(?:(-?(?:\d+(?:\.\d*)?|\.\d+))\s*)?\\jot\s*\]/g, (_row, count: string | undefined) => `\\\\[${Number(count ?? 1) * 3}pt]`);
}

/** How each environment's body is typeset: as its starred MathJax environment, inside aligned/gathered, or bare. */
const wrappers: Record<string, string> = {
  align: 'align*',
  'align*': 'align*',
  gather: 'gather*',
  'gather*': 'gather*',
  eqnarray: 'eqnarray*',
  'eqnarray*': 'eqnarray*',
  alignat: 'aligned',
  'alignat*': 'aligned',
  flalign: 'aligned',
  'flalign*': 'aligned',
  multline: 'gathered',
  'multline*': 'gathered',
};

/** Environments MathJax accepts only at the top level of display math; inline they become aligned/gathered. */
const displayOnly: Record<string, string> = { 'align*': 'aligned', 'gather*': 'gathered', 'eqnarray*': 'aligned' };

/** The TeX MathJax typesets for a body from environment `env`. */
export function wrapBody(latex: string, env: string | undefined, display: boolean): string {
  const wrapper = env === undefined ? undefined : wrappers[env];
  if (!wrapper) return latex;
  const environment = display ? wrapper : (displayOnly[wrapper] ?? wrapper);
  // The space keeps a body ending in a lone backslash (a markdown-escaped `\\\` row end) from eating \end.
  return `\\begin{${environment}}${latex} \\end{${environment}}`;
}
