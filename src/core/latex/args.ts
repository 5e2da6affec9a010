// Low-level readers over LaTeX source: control-sequence names, braced and bracketed arguments,
// comments and blank lines. Every reader is bounded and iterative, so hostile input (10,000 nested
// braces, a 5 MB line) costs linear time and never overflows the stack.

/**
 * Character codes the per-character loops compare against. Modules destructure this once at load
 * (`const { BACKSLASH } = charCodes`): under tsx every imported binding is a getter, which alone
 * made the scanner three times slower in tests.
 */
export const charCodes = {
  BACKSLASH: 92,
  DOLLAR: 36,
  PERCENT: 37,
  OPEN_BRACE: 123,
  CLOSE_BRACE: 125,
  OPEN_BRACKET: 91,
  CLOSE_BRACKET: 93,
  NEWLINE: 10,
} as const;
const { BACKSLASH, PERCENT, OPEN_BRACE, CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACKET, NEWLINE } = charCodes;

/** Longest argument the readers accept; anything longer is not a definition or a title. */
export const maxArgumentChars = 20_000;

export function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/** Letters, plus `@`, which style files use in their internal names. */
function isNameChar(code: number): boolean {
  return isLetter(code) || code === 64;
}

/** The control sequence starting at the backslash at `i`: a control word (letters) or one symbol. */
export function readControlSequence(text: string, i: number): { name: string; end: number } {
  let j = i + 1;
  if (j >= text.length) return { name: '', end: j };
  if (!isNameChar(text.charCodeAt(j))) return { name: text[j]!, end: j + 1 };
  while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
  return { name: text.slice(i + 1, j), end: j };
}

/** The end of the line holding `i` (the index of its `\n`, or the text length). */
export function endOfLine(text: string, i: number): number {
  const newline = text.indexOf('\n', i);
  return newline < 0 ? text.length : newline;
}

/** Whether the line after the `\n` at `i` is blank (a paragraph break): its index if so, else -1. */
export function blankLineAfter(text: string, i: number, limit: number): number {
  let j = i + 1;
  while (j < limit) {
    const code = text.charCodeAt(j);
    if (code === NEWLINE) return j;
    if (code !== 32 && code !== 9 && code !== 13) return -1;
    j++;
  }
  return -1;
}

/** Skips spaces, line breaks (not a blank line) and, in LaTeX, comments; returns the next index. */
export function skipSpace(text: string, i: number, limit = text.length): number {
  let j = i;
  while (j < limit) {
    const code = text.charCodeAt(j);
    if (code === PERCENT) j = endOfLine(text, j);
    else if (code === NEWLINE) {
      if (blankLineAfter(text, j, limit) >= 0) return j;
      j++;
    } else if (code === 32 || code === 9 || code === 13) j++;
    else return j;
  }
  return j;
}

/**
 * The balanced group opened by the brace (or bracket) at `i`: its content and the index after the
 * closer. Escaped delimiters and comments are skipped. Undefined when unbalanced within the bound.
 */
export function readGroup(
  text: string,
  i: number,
  open: number = OPEN_BRACE,
  close: number = open === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET,
): { content: string; end: number } | undefined {
  if (text.charCodeAt(i) !== open) return undefined;
  const limit = Math.min(text.length, i + maxArgumentChars);
  // Brackets nest braces too: `[\mathbb{R}]`. Only the outer delimiter pair is counted by `depth`.
  let depth = 0;
  let braces = 0;
  for (let j = i; j < limit; j++) {
    const code = text.charCodeAt(j);
    if (code === BACKSLASH) j++;
    else if (code === PERCENT) j = endOfLine(text, j);
    else if (open !== OPEN_BRACE && code === OPEN_BRACE) braces++;
    else if (open !== OPEN_BRACE && code === CLOSE_BRACE) braces--;
    else if (braces > 0) continue;
    else if (code === open) depth++;
    else if (code === close && --depth === 0) return { content: text.slice(i + 1, j), end: j + 1 };
  }
  return undefined;
}

/** A mandatory argument: a braced group, or a single token (`\frac12`-style, `\newcommand\R`). */
export function readArgument(text: string, i: number): { content: string; end: number } | undefined {
  const j = skipSpace(text, i);
  const code = text.charCodeAt(j);
  if (code === OPEN_BRACE) return readGroup(text, j);
  if (code === BACKSLASH) {
    const sequence = readControlSequence(text, j);
    return { content: text.slice(j, sequence.end), end: sequence.end };
  }
  if (j >= text.length || code === CLOSE_BRACE || code === NEWLINE) return undefined;
  return { content: text[j]!, end: j + 1 };
}

/** An optional `[…]` argument after spaces, or undefined (with nothing consumed) when absent. */
export function readOptional(text: string, i: number): { content: string; end: number } | undefined {
  const j = skipSpace(text, i);
  return text.charCodeAt(j) === OPEN_BRACKET ? readGroup(text, j, OPEN_BRACKET) : undefined;
}

/** `text` with `%` comments removed (not `\%`), keeping the line breaks. */
export function stripComments(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let copied = 0;
  for (let j = 0; j < text.length; j++) {
    const code = text.charCodeAt(j);
    if (code === BACKSLASH) j++;
    else if (code === PERCENT) {
      out += text.slice(copied, j);
      j = endOfLine(text, j);
      copied = j;
    }
  }
  return out + text.slice(copied);
}

/** Whether `offset` sits in a `%` comment (an unescaped % earlier on its line). */
export function isCommented(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /(^|[^\\])(\\\\)*%/.test(text.slice(lineStart, offset));
}

/** The index of the first match of `pattern` outside comments, or -1. */
export function findUncommented(text: string, pattern: RegExp): number {
  for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) {
    if (!isCommented(text, match.index)) return match.index;
  }
  return -1;
}

/** Converts offsets to 1-based line numbers; build once per text, then each lookup is O(log n). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let j = text.indexOf('\n'); j >= 0; j = text.indexOf('\n', j + 1)) this.starts.push(j + 1);
  }
  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}
