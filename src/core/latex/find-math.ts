// The cursor path: the math region around an offset of one document. It runs on every cursor
// move, so it scans only a bounded window around the cursor (like LaTeX Workshop's find.ts):
// math never crosses a blank line, so the window is the cursor's paragraph, capped in lines and
// characters; a short look further back tells whether that paragraph sits inside a verbatim block
// or a code fence.
import { blankLineAfter, charCodes, isCommented } from './args';
import { commonShorthands } from './macros';
import { normalizeFormula } from './normalize';
import { type Shorthands, type StartState, fenceAt, scanMath, verbatimEnvironments } from './scan';
import type { CursorFormula, MarkupLanguage } from './types';

const { NEWLINE } = charCodes;

export interface FindMathOptions {
  /** The document's shorthands (`\be … \ee`); default: the common ones. */
  shorthands?: Shorthands;
  /** Most lines scanned on each side of the cursor. */
  contextLines?: number;
  /** Most lines looked back for an open verbatim block or code fence. */
  lookBehindLines?: number;
  /** Most characters scanned on each side of the cursor, whatever the line lengths. */
  maxWindowChars?: number;
}

const defaults = { contextLines: 150, lookBehindLines: 400, maxWindowChars: 64 * 1024 };

/** The start of the line holding `i`, not looking back past `floor`. */
function lineStart(text: string, i: number, floor: number): number {
  let j = i;
  while (j > floor && text.charCodeAt(j - 1) !== NEWLINE) j--;
  return j;
}

function isBlankLine(text: string, start: number): boolean {
  return start === 0 ? /^[ \t\r]*(\n|$)/.test(text.slice(0, 256)) : blankLineAfter(text, start - 1, text.length) >= 0;
}

/** The window `[from, to)`: from the paragraph start before the cursor to the paragraph end after it. */
function cursorWindow(text: string, offset: number, options: typeof defaults): { from: number; to: number } {
  const floor = Math.max(0, offset - options.maxWindowChars);
  const ceiling = Math.min(text.length, offset + options.maxWindowChars);
  let from = lineStart(text, offset, floor);
  for (let lines = 0; from > floor && lines < options.contextLines && !isBlankLine(text, from); lines++) {
    from = lineStart(text, from - 1, floor);
  }
  let to = offset;
  for (let lines = 0; to < ceiling && lines < options.contextLines; lines++) {
    const newline = text.indexOf('\n', to);
    if (newline < 0 || newline >= ceiling) return { from, to: ceiling };
    to = newline + 1;
    if (blankLineAfter(text, newline, ceiling) >= 0) break;
  }
  return { from, to };
}

const verbatimMarker = new RegExp(
  String.raw`\\(begin|end)\s*\{(` + [...verbatimEnvironments].map((name) => name.replace('*', '\\*')).join('|') + String.raw`)\}`,
  'g',
);

/** Whether `from` lies inside a verbatim block or code fence opened in the lines before it. */
function startState(text: string, from: number, language: MarkupLanguage, options: typeof defaults): StartState {
  let lookFrom = from;
  for (let lines = 0; lookFrom > 0 && lines < options.lookBehindLines; lines++) {
    lookFrom = lineStart(text, lookFrom - 1, Math.max(0, from - 8 * options.maxWindowChars));
  }
  if (language === 'latex') {
    let last: RegExpExecArray | undefined;
    const before = text.slice(lookFrom, from);
    for (const match of before.matchAll(verbatimMarker)) if (!isCommented(before, match.index)) last = match;
    return last?.[1] === 'begin' ? { kind: 'verbatim', env: last[2]! } : { kind: 'text' };
  }
  // A fence with an info string (```python) always opens; bare fences alternate after it.
  const fences: { marker: string; info: boolean }[] = [];
  for (let start = lookFrom; start < from; start = text.indexOf('\n', start) + 1 || from) {
    const fence = fenceAt(text, start);
    if (fence) fences.push(fence);
  }
  const lastOpener = fences.map((fence) => fence.info).lastIndexOf(true);
  const inside = lastOpener >= 0 ? (fences.length - 1 - lastOpener) % 2 === 0 : fences.length % 2 === 1;
  return inside ? { kind: 'fence', marker: fences[fences.length - 1]!.marker } : { kind: 'text' };
}

/**
 * The formula around `offset` (a UTF-16 index, as VS Code's `document.offsetAt` gives), or undefined
 * when the cursor is not in math. A cursor on either edge of a delimiter counts. Never throws.
 */
export function findMathAt(
  text: string,
  offset: number,
  language: MarkupLanguage,
  options: FindMathOptions = {},
): CursorFormula | undefined {
  if (typeof text !== 'string' || !Number.isInteger(offset) || offset < 0 || offset > text.length) return undefined;
  const settings = { ...defaults, ...options };
  const window = cursorWindow(text, offset, settings);
  // A window cut mid-line (a line longer than maxWindowChars) starts at an unknown $ parity.
  if (window.from > 0 && text.charCodeAt(window.from - 1) !== NEWLINE) return undefined;
  const { regions } = scanMath(text, {
    language,
    from: window.from,
    to: window.to,
    start: startState(text, window.from, language, settings),
    shorthands: options.shorthands ?? commonShorthands,
  });
  const region = regions.find((candidate) => candidate.start <= offset && offset <= candidate.end);
  if (!region) return undefined;
  const body = text.slice(region.bodyStart, region.bodyEnd);
  return { ...region, body, latex: normalizeFormula(body, region.display) };
}
