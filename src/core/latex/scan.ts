// One left-to-right pass over LaTeX or Markdown source that finds the math regions, skipping
// comments, verbatim-like environments, `\verb`, and Markdown code spans, fences and HTML comments.
// Both users run it: the cursor path over a small window, the project extractor over whole files
// (with a hook for the commands it cares about, such as `\input` or `\section`).
//
// Math never crosses a blank line (TeX rejects a paragraph break in math), so an unclosed opener
// costs at most its paragraph: it yields no region and the scan resumes where the search stopped,
// which also keeps the pass linear on hostile input.
import {
  blankLineAfter,
  charCodes,
  endOfLine,
  readControlSequence,
  readGroup,
  skipSpace,
} from './args';
import type { MarkupLanguage, MathRegion } from './types';

const { BACKSLASH, CLOSE_BRACE, DOLLAR, NEWLINE, OPEN_BRACE, OPEN_BRACKET, PERCENT } = charCodes;

const starred = (names: string[]) => names.flatMap((name) => [name, name + '*']);

/** Display math environments (each also starred). Inner ones (aligned, cases, …) are part of the body. */
export const displayEnvironments: ReadonlySet<string> = new Set(
  starred(['equation', 'align', 'gather', 'multline', 'flalign', 'alignat', 'eqnarray', 'displaymath', 'dmath']),
);
/** Inline math environments. */
const inlineEnvironments: ReadonlySet<string> = new Set(starred(['math']));
/** Environments whose content is taken literally: no math, no comments. */
export const verbatimEnvironments: ReadonlySet<string> = new Set(
  starred(['verbatim', 'Verbatim', 'BVerbatim', 'LVerbatim', 'lstlisting', 'minted', 'comment', 'filecontents']),
);

/** How a document spells math environments beyond the standard names. */
export interface Shorthands {
  /** Commands that open or close an environment: `be` → { env: 'equation', opens: true }. */
  commands: ReadonlyMap<string, { env: string; opens: boolean }>;
  /** Environments that are a math environment in disguise: `eqn` → 'equation'. */
  environments: ReadonlyMap<string, string>;
}

export const noShorthands: Shorthands = { commands: new Map(), environments: new Map() };

/** Where a window scan starts when it begins inside a literal block (found by looking back). */
export type StartState =
  | { kind: 'text' }
  | { kind: 'verbatim'; env: string }
  | { kind: 'fence'; marker: string };

export interface ScanOptions {
  language: MarkupLanguage;
  /** Scan `[from, to)` only (default: the whole text). */
  from?: number;
  to?: number;
  start?: StartState;
  shorthands?: Shorthands;
  /** false: skip math altogether (style files, read for their macros only). */
  math?: boolean;
  /** Control words (without backslash) reported to `onCommand` when met in text mode. */
  watch?: ReadonlySet<string>;
  /**
   * Called for a watched command at `start` (its backslash) whose name ends at `nameEnd`.
   * Returns where to resume (after whatever it consumed), or undefined to resume at `nameEnd`.
   */
  onCommand?: (name: string, start: number, nameEnd: number) => number | undefined;
  /** Longest region searched for a closer; longer ones count as unclosed. */
  maxRegionChars?: number;
}

export interface ScanResult {
  regions: MathRegion[];
  /** Openers whose closer was not found: start offsets and what they opened. */
  unclosed: { start: number; env: string }[];
}

export const defaultMaxRegionChars = 50_000;

type Closer =
  | { kind: 'dollar' }
  | { kind: 'double-dollar' }
  | { kind: 'symbol'; symbol: ')' | ']' }
  | { kind: 'env'; name: string; commands: ReadonlySet<string> };

/** The math environment behind a name (itself, or what a user environment stands for). */
function mathEnvironment(name: string, shorthands: Shorthands): string | undefined {
  if (displayEnvironments.has(name) || inlineEnvironments.has(name)) return name;
  return shorthands.environments.get(name);
}

/** Reads `{name}` after `\begin`/`\end` ending at `i`; undefined when malformed. */
export function readEnvironmentName(text: string, i: number): { name: string; end: number } | undefined {
  const j = skipSpace(text, i);
  if (text.charCodeAt(j) !== OPEN_BRACE) return undefined;
  const close = text.indexOf('}', j);
  if (close < 0 || close - j > 64) return undefined;
  const name = text.slice(j + 1, close).trim();
  return /^[A-Za-z@]+\*?$/.test(name) ? { name, end: close + 1 } : undefined;
}

/** A Markdown code fence line at `i` (a line start): its marker, or undefined. */
export function fenceAt(text: string, i: number): { marker: string; info: boolean; lineEnd: number } | undefined {
  let j = i;
  while (j < i + 3 && text.charCodeAt(j) === 32) j++;
  const char = text[j];
  if (char !== '`' && char !== '~') return undefined;
  let k = j;
  while (text[k] === char) k++;
  if (k - j < 3) return undefined;
  const lineEnd = endOfLine(text, k);
  const info = text.slice(k, lineEnd).trim();
  if (char === '`' && info.includes('`')) return undefined;
  return { marker: text.slice(j, k), info: info.length > 0, lineEnd };
}

/** The index after the fence closing `marker` that starts on a line after `i`, or `limit`. */
function skipFence(text: string, i: number, marker: string, limit: number): number {
  for (let lineStart = endOfLine(text, i) + 1; lineStart < limit; lineStart = endOfLine(text, lineStart) + 1) {
    const fence = fenceAt(text, lineStart);
    if (fence && !fence.info && fence.marker[0] === marker[0] && fence.marker.length >= marker.length) {
      return fence.lineEnd;
    }
  }
  return limit;
}

/** The index after the `\end{env}` that closes a verbatim environment, or `limit`. */
function skipVerbatim(text: string, i: number, env: string, limit: number): number {
  const end = text.indexOf(`\\end{${env}}`, i);
  return end < 0 || end >= limit ? limit : end + env.length + 6;
}

export function scanMath(text: string, options: ScanOptions): ScanResult {
  const to = Math.min(options.to ?? text.length, text.length);
  const markdown = options.language === 'markdown';
  const shorthands = options.shorthands ?? noShorthands;
  const findMath = options.math ?? true;
  const maxRegionChars = options.maxRegionChars ?? defaultMaxRegionChars;
  const regions: MathRegion[] = [];
  const unclosed: ScanResult['unclosed'] = [];
  // Markdown code spans: for a backtick run length, the offset before which no closing run exists.
  const noCloserBefore = new Map<number, number>();
  const shorthandClosers = new Map<string, Set<string>>();
  for (const [name, { env, opens }] of shorthands.commands) {
    if (!opens) shorthandClosers.set(env, (shorthandClosers.get(env) ?? new Set()).add(name));
  }

  let i = Math.max(0, options.from ?? 0);
  const start = options.start ?? { kind: 'text' };
  if (start.kind === 'verbatim') i = skipVerbatim(text, i, start.env, to);
  if (start.kind === 'fence') i = skipFence(text, i > 0 ? i - 1 : i, start.marker, to);

  /** Searches the closer from `bodyStart`; records a region or an unclosed opener; returns where to resume. */
  const region = (openStart: number, bodyStart: number, closer: Closer, display: boolean, env: string): number => {
    const found = findCloser(text, bodyStart, Math.min(to, bodyStart + maxRegionChars), closer, markdown);
    if (found.ok) {
      regions.push({ start: openStart, end: found.end, bodyStart, bodyEnd: found.bodyEnd, display, env });
      return found.end;
    }
    unclosed.push({ start: openStart, env });
    return Math.max(found.stoppedAt, bodyStart);
  };

  let lineStart = true;
  while (i < to) {
    const code = text.charCodeAt(i);
    if (markdown && lineStart) {
      lineStart = false;
      const fence = fenceAt(text, i);
      if (fence) {
        i = skipFence(text, i, fence.marker, to);
        continue;
      }
    }
    if (code === NEWLINE) {
      lineStart = true;
      i++;
    } else if (code === PERCENT && !markdown) {
      i = endOfLine(text, i);
    } else if (code === DOLLAR) {
      if (!findMath) i++;
      else if (text.charCodeAt(i + 1) === DOLLAR) i = region(i, i + 2, { kind: 'double-dollar' }, true, '$$');
      else if (markdown && /\s/.test(text[i + 1] ?? ' ')) i++; // `$ 5` is a price, not math (Pandoc's rule)
      else i = region(i, i + 1, { kind: 'dollar' }, false, 'inline');
    } else if (markdown && code === 96 /* ` */) {
      i = skipCodeSpan(text, i, to, noCloserBefore);
    } else if (markdown && code === 60 /* < */ && text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      i = close < 0 || close >= to ? to : close + 3;
    } else if (code !== BACKSLASH) {
      i++;
    } else {
      const { name, end } = readControlSequence(text, i);
      if (name === '(' && findMath) i = region(i, end, { kind: 'symbol', symbol: ')' }, false, 'inline');
      else if (name === '[' && findMath) i = region(i, end, { kind: 'symbol', symbol: ']' }, true, '\\[');
      else if (name === 'begin') {
        const environment = readEnvironmentName(text, end);
        const env = environment && mathEnvironment(environment.name, shorthands);
        if (!environment) i = end;
        else if (verbatimEnvironments.has(environment.name)) i = skipVerbatim(text, environment.end, environment.name, to);
        else if (env && findMath) {
          const closer: Closer = { kind: 'env', name: environment.name, commands: new Set() };
          i = region(i, skipEnvironmentArguments(text, environment.end, env), closer, !inlineEnvironments.has(env), env);
        } else i = environment.end;
      } else if (name === 'verb' || name === 'lstinline') {
        i = skipInlineVerbatim(text, end, to);
      } else if (shorthands.commands.get(name)?.opens && findMath) {
        const env = shorthands.commands.get(name)!.env;
        const closer: Closer = { kind: 'env', name: env, commands: shorthandClosers.get(env) ?? new Set() };
        i = region(i, end, closer, !inlineEnvironments.has(env), env);
      } else if (options.watch?.has(name) && options.onCommand) {
        i = Math.max(end, options.onCommand(name, i, end) ?? end);
      } else i = end;
    }
  }
  return { regions, unclosed };
}

/** Skips the arguments that belong to the opener, not the body: `alignat{2}`, `dmath[label=…]`. */
function skipEnvironmentArguments(text: string, i: number, env: string): number {
  const open = env.startsWith('alignat') ? OPEN_BRACE : env.startsWith('dmath') ? OPEN_BRACKET : undefined;
  if (open === undefined) return i;
  const at = skipSpace(text, i);
  return text.charCodeAt(at) === open ? (readGroup(text, at, open)?.end ?? i) : i;
}

type CloserSearch = { ok: true; bodyEnd: number; end: number } | { ok: false; stoppedAt: number };

/** Finds the closer of a math body starting at `i`, not crossing a blank line or `limit`. */
function findCloser(text: string, i: number, limit: number, closer: Closer, markdown: boolean): CloserSearch {
  let depth = 0; // braces, for `$…\text{$x$}…$`
  let nesting = 0; // same-name environments inside the body
  for (let j = i; j < limit; j++) {
    const code = text.charCodeAt(j);
    if (code === NEWLINE) {
      const blank = blankLineAfter(text, j, limit);
      if (blank >= 0) return { ok: false, stoppedAt: blank };
    } else if (code === PERCENT && !markdown) {
      j = endOfLine(text, j) - 1;
    } else if (code === OPEN_BRACE) depth++;
    else if (code === CLOSE_BRACE) depth = Math.max(0, depth - 1);
    else if (code === DOLLAR) {
      if (closer.kind === 'double-dollar' && text.charCodeAt(j + 1) === DOLLAR) return { ok: true, bodyEnd: j, end: j + 2 };
      if (closer.kind === 'dollar' && depth === 0) {
        if (!markdown || !/\s/.test(text[j - 1] ?? ' ')) return { ok: true, bodyEnd: j, end: j + 1 };
      }
    } else if (code === BACKSLASH) {
      const { name, end } = readControlSequence(text, j);
      if (closer.kind === 'symbol' && name === closer.symbol) return { ok: true, bodyEnd: j, end };
      if (closer.kind === 'env') {
        if (closer.commands.has(name)) return { ok: true, bodyEnd: j, end };
        if (name === 'begin' || name === 'end') {
          const environment = readEnvironmentName(text, end);
          if (environment?.name === closer.name) {
            if (name === 'begin') nesting++;
            else if (nesting-- === 0) return { ok: true, bodyEnd: j, end: environment.end };
          }
        }
      }
      j = end - 1;
    }
  }
  return { ok: false, stoppedAt: limit };
}

/** Skips `\verb|…|` or `\lstinline[opts]{…}` from after the command name; returns the next index. */
function skipInlineVerbatim(text: string, i: number, limit: number): number {
  let j = i;
  if (text[j] === '*') j++;
  if (text.charCodeAt(j) === OPEN_BRACKET) j = readGroup(text, j, OPEN_BRACKET)?.end ?? j;
  const delimiter = text[j];
  if (delimiter === undefined || delimiter === '\n' || delimiter === ' ') return j;
  const close = delimiter === '{' ? '}' : delimiter;
  const end = text.indexOf(close, j + 1);
  const lineEnd = endOfLine(text, j + 1);
  return end < 0 || end > lineEnd || end >= limit ? Math.min(lineEnd, limit) : end + 1;
}

/** Skips a Markdown code span starting at the backtick run at `i`; returns the next index. */
function skipCodeSpan(text: string, i: number, limit: number, noCloserBefore: Map<number, number>): number {
  let runEnd = i;
  while (text.charCodeAt(runEnd) === 96) runEnd++;
  const length = runEnd - i;
  if ((noCloserBefore.get(length) ?? -1) > i) return runEnd;
  for (let j = runEnd; j < limit; j++) {
    const code = text.charCodeAt(j);
    if (code === NEWLINE && blankLineAfter(text, j, limit) >= 0) {
      noCloserBefore.set(length, j);
      return runEnd;
    }
    if (code !== 96) continue;
    let k = j;
    while (text.charCodeAt(k) === 96) k++;
    if (k - j === length) return k;
    j = k - 1;
  }
  noCloserBefore.set(length, limit);
  return runEnd;
}
