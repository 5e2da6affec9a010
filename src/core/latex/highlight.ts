// "Show why" (issue 19): a formula's LaTeX as written, with the source tokens of the symbols that matched the
// query coloured by `\textcolor`. Only those spans are rewritten; everything else stays byte for byte, so the
// formula still typesets with its paper's macros. A token is keyed as the layout tree keys its symbol (the
// same canonicalizer and parser read it, in its context: a number's digits together, `e` before `^` as
// Euler's number, `\mathbb{R}` whole), so a colour means that symbol was aligned with the query.
//
// Where the colour goes matters to KaTeX and TeX:
// - a wrapped token that is a command's or a script's bare argument (`x^2`, `\frac12`, `\mathbf x`) gets
//   braces, or the command would take `\textcolor` alone as its argument; so does one after a command this
//   file does not know (`\v x`, a macro that expands to `\widehat`);
// - elsewhere it stays unbraced: a brace group is an ordinary atom, and `a {=} b` loses the relation's spacing;
// - literal arguments (`\text`, `\label`, array column specs, colour names, dimensions) are never entered, macro names
//   and commands that take arguments are never wrapped, nor are fences, punctuation and the delimiters of
//   `\left`/`\big`, nor an operator with limits (`\textcolor` would move its limits to the side);
// - the document's macros are left as they are (the view renders with them); their arguments are read.
import rules from './canonical-rules.json';
import { canonicalize, canonicalToken } from './canonical';
import { isLiteralCommand, isStyleCommand, layoutTree, maxStructureTokens, numberEnd, symbolKey, symbolType, type LayoutNode } from './structure';
import { groupEnd, isControlWord, lexWithSpans, macroTable, maxFormulaChars, type MacroTable, type Token } from './tokenize';

/**
 * The colour of matched symbols: one fixed colour (KaTeX's `\textcolor` takes no CSS variables) with a contrast
 * over 3.5:1 on the light, dark and high-contrast themes' backgrounds alike (#ba55d3), a purple that colour-blind
 * readers still tell from the text. Named, not hex: a `#` inside a macro's argument would read as a parameter.
 */
export const HIGHLIGHT_COLOUR = 'mediumorchid';

/** Symbol types worth colouring: variables, numbers, constants, operators, relations, functions, large operators, text. */
const colouredTypes = new Set(['V', 'N', 'C', 'O', 'R', 'F', 'L', 'T']);

/** Table entries: each name with one value. */
const each = <Value>(names: readonly Token[], value: Value) => names.map((name): [Token, Value] => [name, value]);

/** Commands and their number of math arguments (the arguments are read; the command is never wrapped): infix fractions take none. */
const argumentCounts = new Map<Token, number>([
  ...each(['\\over', '\\choose', '\\atop', '\\above', '\\brace', '\\brack'], 0),
  ...each(['\\frac', '\\dfrac', '\\tfrac', '\\cfrac', '\\binom', '\\dbinom', '\\tbinom', '\\overset', '\\underset', '\\stackrel'], 2),
  ...each(['\\sqrt', '\\overbrace', '\\underbrace', '\\boxed', '\\cancel', '\\bcancel', '\\xcancel', '\\overleftarrow', '\\underleftarrow', '\\underrightarrow',
    '\\overleftrightarrow', '\\xrightarrow', '\\xleftarrow', '\\mathbin', '\\mathrel', '\\mathop', '\\mathord', '\\mathopen', '\\mathclose', '\\mathpunct',
    '\\mathinner', '\\mathnormal', '\\phantom', '\\hphantom', '\\vphantom', '\\smash'], 1),
]);
/** Commands with an optional `[…]` argument before their arguments. */
const optionalArgumentCommands = new Set<Token>(['\\sqrt', '\\xrightarrow', '\\xleftarrow']);
/** Commands whose first arguments are no math (names, sizes, colours, labels): skipped unread, then their math arguments. */
const literalArguments = new Map<Token, { literal: number; math: number }>([
  ...each(['\\label', '\\tag', '\\ref', '\\eqref', '\\cite', '\\url', '\\color', '\\hspace', '\\vspace'], { literal: 1, math: 0 }),
  ...each(['\\textcolor', '\\colorbox', '\\href', '\\raisebox'], { literal: 1, math: 1 }),
  ...each(['\\rule'], { literal: 2, math: 0 }),
  ...each(['array', 'darray', 'subarray', 'tabular', 'alignat', 'alignat*'].map((name) => `\\begin{${name}}`), { literal: 1, math: 0 }),
]);
/** Commands followed by a dimension without braces (`\hskip 1cm`, `\kern-2mu`): skipped unread. */
const dimensionCommands = new Set<Token>(['\\hskip', '\\vskip', '\\kern', '\\mkern', '\\mskip']);
/** Commands that take the next token as a delimiter (`\left(`, `\big|`). */
const delimiterSizers = new Set<Token>(rules.delimiterSizers);
const limitControls = new Set<Token>(['\\limits', '\\nolimits']);

/** One stretch of source tokens to colour as a whole. */
interface Span {
  start: number;
  end: number;
  /** A command's or script's bare argument: needs braces. */
  argument: boolean;
}

/** A brace group or an optional argument being read, and the arguments its level still expects. */
interface Level {
  closer: '}' | ']';
  /** Of commands (`\frac`, `^`). */
  pending: number;
  /** Of document macros: they come first, right after the macro. */
  macroPending: number;
  /** A macro's argument: its atoms are braced, as the macro may put them where one token is read (`x^#1`). */
  bracedAtoms: boolean;
}

/**
 * `latex` with the source tokens of the `matched` symbols (keys such as `V!x`, `R!\leftarrow`) wrapped in
 * `\textcolor`; unchanged when nothing matched. Reads at most the tokens the layout tree reads (bounded time).
 */
export function highlightSymbols(latex: string, matched: ReadonlySet<string>, macros = ''): string {
  if (matched.size === 0 || latex.length > maxFormulaChars) return latex;
  const spans = matchedSpans(latex, matched, macros);
  if (spans.length === 0) return latex;
  let out = '';
  let copied = 0;
  for (const { start, end, argument } of spans) {
    const coloured = `\\textcolor{${HIGHLIGHT_COLOUR}}{${latex.slice(start, end)}}`;
    out += latex.slice(copied, start) + (argument ? `{${coloured}}` : coloured);
    copied = end;
  }
  return out + latex.slice(copied);
}

/** The source spans of the matched symbols, in order. */
function matchedSpans(latex: string, matched: ReadonlySet<string>, macros: string): Span[] {
  const { tokens, starts, ends } = lexWithSpans(latex);
  const documentMacros = macroTable(macros);
  const spans: Span[] = [];
  const level = (closer: Level['closer'], bracedAtoms = false): Level => ({ closer, pending: 0, macroPending: 0, bracedAtoms });
  const levels: Level[] = [level('}')];
  const top = () => levels[levels.length - 1];
  const limit = Math.min(tokens.length, maxStructureTokens);
  /** Takes one argument the current level expects, if any: whose it is. */
  const takeArgument = (): 'macro' | 'command' | undefined => {
    if (top().macroPending > 0) {
      top().macroPending--;
      return 'macro';
    }
    if (top().pending === 0) return undefined;
    top().pending--;
    return 'command';
  };
  const unknownBefore = (i: number) => mayTakeArgument(tokens[i - 1], documentMacros);
  /** The index after the argument (a group or one token) at `i`. */
  const skipArgument = (i: number) => (tokens[i] === '{' ? groupEnd(tokens, i) : Math.min(i + 1, tokens.length));

  for (let i = 0; i < limit; ) {
    const token = tokens[i];
    const canonical = canonicalToken(token);
    if (token === '{') {
      const owner = takeArgument();
      levels.push(level('}', owner === 'macro' || (owner === undefined && unknownBefore(i))));
      i++;
    } else if (token === '}' || (token === ']' && top().closer === ']')) {
      while (levels.length > 1 && levels.pop()!.closer !== token);
      i++;
    } else if (token === '^' || token === '_') {
      takeArgument();
      top().pending++;
      i++;
    } else if (documentMacros.has(token)) {
      takeArgument();
      top().macroPending += documentMacros.get(token)!.parameters;
      i++;
    } else if (literalArguments.has(token)) {
      takeArgument();
      const { literal, math } = literalArguments.get(token)!;
      i = tokens[i + 1] === '*' ? i + 2 : i + 1;
      if (tokens[i] === '[') i = bracketEnd(tokens, i, limit);
      for (let k = 0; k < literal; k++) i = skipArgument(i);
      top().pending += math;
    } else if (dimensionCommands.has(token)) {
      i = dimensionEnd(tokens, i + 1);
    } else if (token === '\\\\' && tokens[i + 1] === '[') {
      i = bracketEnd(tokens, i + 1, limit); // a row's extra space: `\\[3mm]`
    } else if (delimiterSizers.has(token)) {
      i += 2;
    } else if (argumentCounts.has(canonical) || isStyleCommand(canonical)) {
      takeArgument();
      top().pending += argumentCounts.get(canonical) ?? 1;
      i++;
      if (optionalArgumentCommands.has(canonical) && tokens[i] === '[') {
        levels.push(level(']')); // read as math; the arguments follow its `]`
        i++;
      }
    } else {
      // one atom: a literal command with its argument, a number, `:=`, or a token
      const argument = takeArgument() !== undefined || top().bracedAtoms || unknownBefore(i);
      let end = i + 1;
      if (isLiteralCommand(canonical)) end = skipArgument(tokens[end] === '*' ? end + 1 : end);
      else if (/^[0-9]$/.test(token) && !argument) end = numberEnd(tokens, i);
      else if (token === ':' && tokens[end] === '=') end++;
      const keys = keysOf(tokens.slice(i, end), tokens[end] === '^');
      const limits = limitControls.has(tokens[end]) || (keys.some((key) => key.startsWith('L!')) && (tokens[end] === '_' || tokens[end] === '^'));
      if (!limits && keys.some((key) => matched.has(key))) spans.push({ start: starts[i], end: ends[end - 1], argument });
      i = end;
    }
  }
  return spans;
}

// Formulas share their atoms (`x`, `=`, `\alpha`): each is read once, not once per formula. Bounded: so many
// atoms, of so many tokens at most (a long `\text{…}` is read each time).
const atomKeys = new Map<string, string[]>();
const atomKeysCacheSize = 20_000;
const cachedAtomTokens = 16;

/**
 * The symbol keys an atom's tokens stand for, read by the canonicalizer and the layout parser themselves
 * (the atom's baseline symbols of the colourable types; an atom before `^` read with a superscript, which
 * makes `e` Euler's number).
 */
function keysOf(tokens: Token[], beforeSuperscript: boolean): string[] {
  const cacheKey = `${beforeSuperscript ? '^' : ''}${tokens.join('\u0001')}`;
  let keys = atomKeys.get(cacheKey);
  if (!keys) {
    const tree = layoutTree(canonicalize(beforeSuperscript ? [...tokens, '^', '1'] : tokens));
    keys = baseline(tree)
      .filter((atom) => colouredTypes.has(atom.type))
      .map(symbolKey);
    if (tokens.length > cachedAtomTokens) return keys;
    if (atomKeys.size >= atomKeysCacheSize) atomKeys.delete(atomKeys.keys().next().value!);
    atomKeys.set(cacheKey, keys);
  }
  return keys;
}

/** The symbols along a tree's baseline, from its root. */
function baseline(root: LayoutNode | undefined): LayoutNode[] {
  const atoms: LayoutNode[] = [];
  for (let atom = root; atom; atom = atom.edges.find(([relation]) => relation === 'n')?.[1]) atoms.push(atom);
  return atoms;
}

/**
 * Whether a control word may take the next token as its argument, for all this file knows: one that is no
 * symbol, or a document macro whose definition ends in one (`\widehat`; `\mathbf{x}` ends in a brace).
 */
function mayTakeArgument(token: Token | undefined, documentMacros: MacroTable): boolean {
  if (token === undefined || !isControlWord(token)) return false;
  const macro = documentMacros.get(token);
  if (macro) return macro.parameters > 0 || mayTakeArgument(macro.body[macro.body.length - 1], new Map());
  return symbolType(canonicalToken(token)) === 'X';
}

/** The index after a dimension starting at `i`: a number with its unit (`-1.5em`, `3 mu`). */
function dimensionEnd(tokens: readonly Token[], i: number): number {
  while (i < tokens.length && /^[-+0-9.,]$/.test(tokens[i])) i++;
  for (let letters = 0; letters < 2 && /^[a-z]$/.test(tokens[i] ?? ''); letters++) i++;
  return i;
}

/** The index after the `[…]` opening at `i`; `limit` when it does not close before it. */
function bracketEnd(tokens: readonly Token[], i: number, limit: number): number {
  for (let k = i + 1; k < limit; k++) if (tokens[k] === ']') return k + 1;
  return limit;
}
