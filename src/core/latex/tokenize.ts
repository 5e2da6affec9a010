// The formula tokenizer: LaTeX source → the token sequence that search (TF-IDF) and the symbolic encoder
// consume, and back (detokenize). training/tokenizer.py is its Python twin; a parity test keeps them equal.
//
// Tokens: a control word (`\frac`), a control symbol (`\,`, `\{`, `\\`, and `\ ` for a control space),
// `\begin{env}` / `\end{env}` as one token each, and every other character alone: letters, digits,
// braces, `^`, `_`, `&`, operators, non-ASCII characters (by code point). Whitespace and `%` comments
// are dropped; control characters are dropped (binary garbage must not reach the vocabulary).
// Document macros (corpus format: one definition a line) are expanded before anything else looks at
// the tokens, with a bounded budget so recursive definitions cannot hang.

export type Token = string;

/** Vocabulary entries that no LaTeX produces (the lexer never emits `[`+letters+`]` as one token). */
export const specialTokens = {
  padding: '[PAD]',
  unknown: '[UNK]',
  begin: '[BOS]',
  end: '[EOS]',
  mask: '[MASK]',
} as const;

/** Inputs longer than this are refused: a formula is at most a few thousand characters. */
export const maxFormulaChars = 50_000;

const BACKSLASH = 92;
const PERCENT = 37;

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12;
}

/** Control characters, the replacement character and lone surrogates: never tokens. */
function isGarbage(code: number): boolean {
  return code < 32 || code === 127 || code === 0xfffd || (code >= 0xd800 && code <= 0xdfff);
}

/** Splits LaTeX into tokens. Total and linear: any string gives a token list, garbage is dropped. */
export function lex(latex: string): Token[] {
  const tokens: Token[] = [];
  lexInto(latex, tokens);
  return tokens;
}

/** Tokens with the source span of each (`latex.slice(starts[k], ends[k])` reads token k): for rewriting a formula in place. */
export function lexWithSpans(latex: string): { tokens: Token[]; starts: number[]; ends: number[] } {
  const spans = { tokens: [] as Token[], starts: [] as number[], ends: [] as number[] };
  lexInto(latex, spans.tokens, spans);
  return spans;
}

/** The lexer; each step reads at most one token, whose span is recorded when `spans` is given. */
function lexInto(latex: string, tokens: Token[], spans?: { starts: number[]; ends: number[] }): void {
  const length = latex.length;
  let i = 0;
  while (i < length) {
    const start = i;
    const count = tokens.length;
    const code = latex.charCodeAt(i);
    if (isWhitespace(code)) {
      i++;
    } else if (code === PERCENT) {
      while (i < length && latex.charCodeAt(i) !== 10) i++;
    } else if (code === BACKSLASH) {
      i = lexControlSequence(latex, i, tokens);
    } else {
      const point = latex.codePointAt(i)!;
      const width = point > 0xffff ? 2 : 1;
      if (!isGarbage(point)) tokens.push(latex.slice(i, i + width));
      i += width;
    }
    if (spans && tokens.length > count) {
      spans.starts.push(start);
      spans.ends.push(i);
    }
  }
}

/** Reads the control sequence starting at the backslash at `start`; returns the index after it. */
function lexControlSequence(latex: string, start: number, tokens: Token[]): number {
  const length = latex.length;
  let i = start + 1;
  if (i >= length) return i; // a trailing lone backslash is garbage
  const code = latex.charCodeAt(i);
  if (!isAsciiLetter(code)) {
    if (isWhitespace(code)) tokens.push('\\ ');
    else if (!isGarbage(code)) {
      const point = latex.codePointAt(i)!;
      const width = point > 0xffff ? 2 : 1;
      tokens.push('\\' + latex.slice(i, i + width));
      return i + width;
    }
    return i + 1;
  }
  while (i < length && isAsciiLetter(latex.charCodeAt(i))) i++;
  const name = latex.slice(start, i);
  if (name === '\\begin' || name === '\\end') {
    const environment = /^[ \t\n\r\f]*\{[ \t\n\r\f]*([A-Za-z]+\*?)[ \t\n\r\f]*\}/.exec(latex.slice(i, i + 80));
    if (environment) {
      tokens.push(`${name}{${environment[1]}}`);
      return i + environment[0].length;
    }
  }
  tokens.push(name);
  return i;
}

/** True for a control word such as `\alpha` (a backslash and letters), which a following letter would extend. */
export function isControlWord(token: Token): boolean {
  return token.length > 1 && token.charCodeAt(0) === BACKSLASH && isAsciiLetter(token.charCodeAt(token.length - 1));
}

/** Tokens back to LaTeX: lex(detokenize(tokens)) equals tokens for every token list lex produces. */
export function detokenize(tokens: readonly Token[]): string {
  let out = '';
  let previousIsControlWord = false;
  for (const token of tokens) {
    if (previousIsControlWord && isAsciiLetter(token.charCodeAt(0))) out += ' ';
    out += token;
    previousIsControlWord = isControlWord(token);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Macros

/** One document macro: `\name` with `parameters` arguments (the first optional when `optional` is set). */
export interface MacroDefinition {
  parameters: number;
  /** Default of the optional first argument (`\newcommand{\x}[2][default]{…}`). */
  optional?: Token[];
  /** Replacement; `#` followed by a digit token is a parameter. */
  body: Token[];
  /** `\DeclarePairedDelimiter`: takes an optional `*` and `[size]` before its one argument. */
  pairedDelimiter?: boolean;
}

export type MacroTable = Map<Token, MacroDefinition>;

const newCommandHeads = new Set(['\\newcommand', '\\renewcommand', '\\providecommand']);

/** Index after the balanced group opening at `open` (a `{`), or tokens.length when unclosed. */
export function groupEnd(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i] === '{') depth++;
    else if (tokens[i] === '}' && --depth === 0) return i + 1;
  }
  return tokens.length;
}

/** Reads `{\name}` or `\name` at i: [name, next index], or undefined. */
function readDefinedName(tokens: readonly Token[], i: number): [Token, number] | undefined {
  if (tokens[i] === '{' && tokens[i + 2] === '}' && tokens[i + 1]?.startsWith('\\')) return [tokens[i + 1], i + 3];
  if (tokens[i]?.startsWith('\\')) return [tokens[i], i + 1];
  return undefined;
}

/** Reads a braced group at i: [contents, next index], or undefined when there is no group. */
function readGroup(tokens: readonly Token[], i: number): [Token[], number] | undefined {
  if (tokens[i] !== '{') return undefined;
  const end = groupEnd(tokens, i);
  return [tokens.slice(i + 1, tokens[end - 1] === '}' ? end - 1 : end), end];
}

/** Reads `[…]` at i (brace-balanced): [contents, next index], or undefined. */
function readBracketed(tokens: readonly Token[], i: number): [Token[], number] | undefined {
  if (tokens[i] !== '[') return undefined;
  let depth = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    if (tokens[j] === '{') depth++;
    else if (tokens[j] === '}') depth--;
    else if (tokens[j] === ']' && depth === 0) return [tokens.slice(i + 1, j), j + 1];
  }
  return undefined;
}

/**
 * Parses a macros string (corpus format: `\newcommand`, `\renewcommand`, `\providecommand`, `\def` with
 * undelimited parameters, `\let`, `\DeclareMathOperator(*)`, `\DeclarePairedDelimiter`) into a table.
 * Anything else (delimited `\def`s, `\DeclareMathSymbol`, fragments) is skipped, never an error.
 */
export function parseMacros(macros: string): MacroTable {
  const table: MacroTable = new Map();
  const tokens = lex(macros.length > maxFormulaChars * 4 ? macros.slice(0, maxFormulaChars * 4) : macros);
  let i = 0;
  while (i < tokens.length) {
    const head = tokens[i];
    const next = parseDefinition(tokens, i + 1, head, table);
    i = next > i ? next : i + 1;
  }
  return table;
}

/** Parses one definition whose head token was just read; adds it to the table and returns the next index. */
function parseDefinition(tokens: readonly Token[], start: number, head: Token, table: MacroTable): number {
  let i = start;
  const starred = tokens[i] === '*';
  if (starred) i++;
  if (newCommandHeads.has(head)) {
    const named = readDefinedName(tokens, i);
    if (!named) return i;
    let [name, j] = named;
    let parameters = 0;
    let optional: Token[] | undefined;
    const count = readBracketed(tokens, j);
    if (count) {
      const digits = count[0].join('');
      parameters = /^[0-9]$/.test(digits) ? Number(digits) : 0;
      j = count[1];
      const defaultValue = readBracketed(tokens, j);
      if (defaultValue) [optional, j] = defaultValue;
    }
    const body = readGroup(tokens, j);
    if (!body) return j;
    if (head !== '\\providecommand' || !table.has(name)) table.set(name, { parameters, optional, body: body[0] });
    return body[1];
  }
  if (head === '\\def' || head === '\\gdef' || head === '\\edef' || head === '\\xdef') {
    const name = tokens[i];
    if (!name?.startsWith('\\')) return i;
    let j = i + 1;
    let parameters = 0;
    while (tokens[j] === '#' && tokens[j + 1] === String(parameters + 1)) {
      parameters++;
      j += 2;
    }
    const body = readGroup(tokens, j);
    if (!body) return j; // a delimited parameter text: not supported, skipped
    table.set(name, { parameters, body: body[0] });
    return body[1];
  }
  if (head === '\\let') {
    const name = tokens[i];
    let j = i + 1;
    if (tokens[j] === '=') j++;
    const target = tokens[j];
    if (!name?.startsWith('\\') || target === undefined || target === '{' || target === '}') return j;
    table.set(name, { parameters: 0, body: [target] });
    return j + 1;
  }
  if (head === '\\DeclareMathOperator') {
    const named = readDefinedName(tokens, i);
    if (!named) return i;
    const body = readGroup(tokens, named[1]);
    if (!body) return named[1];
    const operator = starred ? ['\\operatorname', '*'] : ['\\operatorname'];
    table.set(named[0], { parameters: 0, body: [...operator, '{', ...body[0], '}'] });
    return body[1];
  }
  if (head === '\\DeclarePairedDelimiter') {
    const named = readDefinedName(tokens, i);
    if (!named) return i;
    const left = readGroup(tokens, named[1]);
    const right = left && readGroup(tokens, left[1]);
    if (!left || !right) return named[1];
    table.set(named[0], {
      parameters: 1,
      pairedDelimiter: true,
      body: ['\\left', ...left[0], '#', '1', '\\right', ...right[0]],
    });
    return right[1];
  }
  return start;
}

/** Limits that keep expansion finite for recursive or exploding definitions. */
export interface ExpansionBudget {
  /** Macro uses expanded per formula. */
  maxExpansions: number;
  /** Tokens in the expanded formula. */
  maxTokens: number;
}

export const defaultExpansionBudget: ExpansionBudget = { maxExpansions: 1000, maxTokens: 20_000 };

// A macro's own name inside its body is emitted as is (TeX would recurse forever on most such
// definitions, e.g. `\renewcommand{\vec}[1]{\vec{\mathbf{#1}}}` means the builtin): marked with this prefix.
const NO_EXPAND = '\u0000';

/** Expands the table's macros in tokens. `complete` is false when the budget stopped expansion early. */
export function expandMacros(
  tokens: readonly Token[],
  table: MacroTable,
  budget: ExpansionBudget = defaultExpansionBudget,
): { tokens: Token[]; complete: boolean } {
  if (table.size === 0) return { tokens: tokens.slice(), complete: true };
  const pending: Token[] = tokens.slice().reverse(); // a stack: the next token is at the end
  const out: Token[] = [];
  let expansions = 0;
  let complete = true;
  while (pending.length > 0) {
    const token = pending.pop()!;
    if (token.charCodeAt(0) === 0) {
      out.push(token.slice(1));
      continue;
    }
    const macro = table.get(token);
    if (!macro) {
      out.push(token);
      continue;
    }
    if (expansions >= budget.maxExpansions || out.length + pending.length > budget.maxTokens) {
      complete = false;
      out.push(token);
      continue;
    }
    expansions++;
    const args = readArguments(pending, macro);
    for (let k = macro.body.length - 1; k >= 0; k--) {
      const piece = macro.body[k];
      const previous = macro.body[k - 1];
      if (previous === '#' && piece.length === 1 && piece >= '1' && piece <= '9') {
        const arg = args[Number(piece) - 1] ?? [];
        for (let a = arg.length - 1; a >= 0; a--) pending.push(arg[a]);
        k--;
      } else pending.push(piece === token ? NO_EXPAND + piece : piece);
    }
  }
  return { tokens: out, complete };
}

/** Pops the macro's arguments off the pending stack (next token at the end). */
function readArguments(pending: Token[], macro: MacroDefinition): Token[][] {
  const args: Token[][] = [];
  if (macro.pairedDelimiter) {
    if (pending[pending.length - 1] === '*') pending.pop();
    if (pending[pending.length - 1] === '[') popBracketed(pending);
  }
  for (let n = 0; n < macro.parameters; n++) {
    if (n === 0 && macro.optional) {
      args.push(pending[pending.length - 1] === '[' ? (popBracketed(pending) ?? []) : macro.optional);
    } else args.push(popArgument(pending));
  }
  return args;
}

/** One undelimited argument: a braced group's contents, or a single token. */
function popArgument(pending: Token[]): Token[] {
  const first = pending.pop();
  if (first === undefined) return [];
  if (first !== '{') return [first];
  const arg: Token[] = [];
  let depth = 1;
  while (pending.length > 0) {
    const token = pending.pop()!;
    if (token === '{') depth++;
    else if (token === '}' && --depth === 0) break;
    arg.push(token);
  }
  return arg;
}

/** `[…]` off the stack (brace-balanced); undefined (and nothing consumed) when it never closes. */
function popBracketed(pending: Token[]): Token[] | undefined {
  let depth = 0;
  for (let k = pending.length - 2; k >= 0; k--) {
    const token = pending[k];
    if (token === '{') depth++;
    else if (token === '}') depth--;
    else if (token === ']' && depth === 0) {
      const contents = pending.slice(k + 1, pending.length - 1).reverse();
      pending.length = k;
      return contents;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The entry point

export type TokenizeResult =
  | { ok: true; tokens: Token[]; /** false when the expansion budget ran out */ macrosExpanded: boolean }
  | { ok: false; reason: 'too-long'; detail: string };

// Documents share one macros string across hundreds of formulas: parse each string once.
const macroTables = new Map<string, MacroTable>();
const macroTableCacheSize = 64;

/** The table of a macros string, parsed once for all the formulas of its document. */
export function macroTable(macros: string): MacroTable {
  let table = macroTables.get(macros);
  if (!table) {
    table = parseMacros(macros);
    if (macroTables.size >= macroTableCacheSize) macroTables.delete(macroTables.keys().next().value!);
    macroTables.set(macros, table);
  }
  return table;
}

/** Tokenizes a formula, expanding its document's macros (corpus format) first. */
export function tokenizeFormula(latex: string, macros = '', budget = defaultExpansionBudget): TokenizeResult {
  if (latex.length > maxFormulaChars) {
    return { ok: false, reason: 'too-long', detail: `${latex.length} characters (limit ${maxFormulaChars})` };
  }
  const tokens = lex(latex);
  if (!macros) return { ok: true, tokens, macrosExpanded: true };
  const expanded = expandMacros(tokens, macroTable(macros), budget);
  return { ok: true, tokens: expanded.tokens, macrosExpanded: expanded.complete };
}
