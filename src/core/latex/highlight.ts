// "Show why" (issue 19): a formula's LaTeX as written, with the source tokens of the symbols that matched the
// query coloured by `\textcolor`. Only those spans are rewritten; everything else stays byte for byte, so the
// formula still typesets with its paper's macros. A token is keyed as the layout tree keys its symbol (the
// same canonicalizer and parser read it, in its context: a number's digits together, `e` before `^` as
// Euler's number, `\mathbb{R}` whole), so a colour means that symbol was aligned with the query.
//
// Where the colour goes matters to KaTeX and TeX:
// - a wrapped token that is a command's or a script's bare argument (`x^2`, `\frac12`, `\mathbf x`) gets
//   braces, or the command would take `\textcolor` alone as its argument;
// - elsewhere it stays unbraced: a brace group is an ordinary atom, and `a {=} b` loses the relation's spacing;
// - literal arguments (`\text`, `\label`, array column specs, colour names) are never entered, macro names
//   and commands that take arguments are never wrapped, nor are fences, punctuation and the delimiters of
//   `\left`/`\big`, nor a large operator with limits (`\textcolor` would move its limits to the side);
// - the document's macros are left as they are (the view renders with them); their arguments are read.
import { canonicalize, canonicalToken } from './canonical';
import { isLiteralCommand, isStyleCommand, layoutTree, maxStructureTokens, numberEnd, symbolKey, type LayoutNode } from './structure';
import { groupEnd, lexWithSpans, maxFormulaChars, parseMacros, type Token } from './tokenize';

/**
 * The colour of matched symbols: one fixed colour (KaTeX's `\textcolor` takes no CSS variables), a dark orange
 * whose contrast is over 3.5:1 on the light, dark and high-contrast themes' backgrounds alike.
 */
export const HIGHLIGHT_COLOUR = '#c46200';

/** Symbol types worth colouring: variables, numbers, constants, operators, relations, functions, large operators, text. */
const colouredTypes = new Set(['V', 'N', 'C', 'O', 'R', 'F', 'L', 'T']);

/** Commands and their number of math arguments (the arguments are read; the command is never wrapped). */
const argumentCounts = new Map<Token, number>([
  ...['\\frac', '\\dfrac', '\\tfrac', '\\cfrac', '\\binom', '\\dbinom', '\\tbinom', '\\overset', '\\underset', '\\stackrel'].map((name): [Token, number] => [name, 2]),
  ...['\\sqrt', '\\overbrace', '\\underbrace', '\\boxed', '\\cancel', '\\bcancel', '\\xcancel', '\\overleftarrow', '\\underleftarrow', '\\underrightarrow',
    '\\overleftrightarrow', '\\xrightarrow', '\\xleftarrow', '\\mathbin', '\\mathrel', '\\mathop', '\\mathord', '\\mathopen', '\\mathclose', '\\mathpunct',
    '\\mathinner', '\\mathnormal', '\\phantom', '\\hphantom', '\\vphantom', '\\smash'].map((name): [Token, number] => [name, 1]),
]);
/** Commands with an optional `[…]` argument before their arguments. */
const optionalArgumentCommands = new Set<Token>(['\\sqrt', '\\xrightarrow', '\\xleftarrow']);
/** Commands whose first argument is no math (names, sizes, colours, labels): skipped unread; the count of math arguments after it. */
const literalFirstArgument = new Map<Token, number>([
  ['\\label', 0], ['\\tag', 0], ['\\hspace', 0], ['\\vspace', 0], ['\\ref', 0], ['\\eqref', 0], ['\\cite', 0], ['\\url', 0],
  ['\\color', 0], ['\\textcolor', 1], ['\\colorbox', 1], ['\\href', 1],
  ['\\begin{array}', 0], ['\\begin{darray}', 0], ['\\begin{subarray}', 0], ['\\begin{tabular}', 0], ['\\begin{alignat}', 0], ['\\begin{alignat*}', 0],
]);
/** Commands that take the next token as a delimiter. */
const delimiterSizers = new Set<Token>([
  '\\left', '\\right', '\\middle', '\\big', '\\Big', '\\bigg', '\\Bigg', '\\bigl', '\\bigr', '\\Bigl', '\\Bigr', '\\biggl', '\\biggr', '\\Biggl', '\\Biggr',
  '\\bigm', '\\Bigm', '\\biggm', '\\Biggm',
]);
const scripts = new Set<Token>(['^', '_', '\\limits', '\\nolimits']);

/** One stretch of source tokens to colour as a whole. */
interface Span {
  start: number;
  end: number;
  /** A command's or script's bare argument: needs braces. */
  argument: boolean;
}

/** A brace group or an optional argument being read: what closes it, and how many arguments its level still expects. */
interface Level {
  closer: '}' | ']';
  pending: number;
}

/**
 * `latex` with the source tokens of the `matched` symbols (keys such as `V!x`, `R!\leftarrow`) wrapped in
 * `\textcolor`; unchanged when nothing matched. Reads at most the tokens the layout tree reads (bounded time).
 */
export function highlightSymbols(latex: string, matched: ReadonlySet<string>, macros = '', colour = HIGHLIGHT_COLOUR): string {
  if (matched.size === 0 || latex.length > maxFormulaChars) return latex;
  const spans = matchedSpans(latex, matched, macros);
  if (spans.length === 0) return latex;
  let out = '';
  let copied = 0;
  for (const { start, end, argument } of spans) {
    const coloured = `\\textcolor{${colour}}{${latex.slice(start, end)}}`;
    out += latex.slice(copied, start) + (argument ? `{${coloured}}` : coloured);
    copied = end;
  }
  return out + latex.slice(copied);
}

/** The source spans of the matched symbols, in order. */
function matchedSpans(latex: string, matched: ReadonlySet<string>, macros: string): Span[] {
  const { tokens, starts, ends } = lexWithSpans(latex);
  const documentMacros = macros ? parseMacros(macros) : new Map();
  const keysOf = symbolKeysOfAtoms();
  const spans: Span[] = [];
  const levels: Level[] = [{ closer: '}', pending: 0 }];
  const limit = Math.min(tokens.length, maxStructureTokens);
  /** Takes one expected argument of the current level, if any: whether the item at hand is a bare argument. */
  const takeArgument = () => {
    const level = levels[levels.length - 1];
    if (level.pending === 0) return false;
    level.pending--;
    return true;
  };
  const expect = (count: number) => (levels[levels.length - 1].pending += count);
  /** The index after the argument (a group or one token) at `i`. */
  const skipArgument = (i: number) => (tokens[i] === '{' ? groupEnd(tokens, i) : Math.min(i + 1, tokens.length));

  for (let i = 0; i < limit; ) {
    const token = tokens[i];
    const canonical = canonicalToken(token);
    if (token === '{') {
      takeArgument();
      levels.push({ closer: '}', pending: 0 });
      i++;
    } else if (token === '}' || (token === ']' && levels[levels.length - 1].closer === ']')) {
      while (levels.length > 1 && levels.pop()!.closer !== token);
      i++;
    } else if (token === '^' || token === '_') {
      takeArgument();
      expect(1);
      i++;
    } else if (documentMacros.has(token)) {
      takeArgument();
      expect(documentMacros.get(token)!.parameters);
      i++;
    } else if (literalFirstArgument.has(token)) {
      takeArgument();
      i = skipArgument(i + 1);
      expect(literalFirstArgument.get(token)!);
    } else if (delimiterSizers.has(token)) {
      i += 2;
    } else if (argumentCounts.has(canonical) || isStyleCommand(canonical)) {
      takeArgument();
      expect(argumentCounts.get(canonical) ?? 1);
      i++;
      if (optionalArgumentCommands.has(canonical) && tokens[i] === '[') {
        levels.push({ closer: ']', pending: 0 }); // read as math; the arguments follow its `]`
        i++;
      }
    } else {
      // one atom: a literal command with its argument, a number, `:=`, or a token
      const argument = takeArgument();
      let end = i + 1;
      if (isLiteralCommand(canonical)) end = skipArgument(tokens[end] === '*' ? end + 1 : end);
      else if (/^[0-9]$/.test(token) && !argument) end = numberEnd(tokens, i);
      else if (token === ':' && tokens[end] === '=') end++;
      const keys = keysOf(tokens.slice(i, end), tokens[end] === '^');
      const limits = keys.some((key) => key.startsWith('L!')) && scripts.has(tokens[end]);
      if (!limits && keys.some((key) => matched.has(key))) spans.push({ start: starts[i], end: ends[end - 1], argument });
      i = end;
    }
  }
  return spans;
}

/**
 * The symbol keys an atom's tokens stand for, read by the canonicalizer and the layout parser themselves
 * (the atom's baseline symbols of the colourable types; an atom before `^` read with a superscript, which
 * makes `e` Euler's number). Cached per call: a formula repeats its atoms.
 */
function symbolKeysOfAtoms(): (tokens: Token[], beforeSuperscript: boolean) => string[] {
  const cache = new Map<string, string[]>();
  return (tokens, beforeSuperscript) => {
    const cacheKey = `${beforeSuperscript ? '^' : ''}${tokens.join('\u0001')}`;
    let keys = cache.get(cacheKey);
    if (!keys) {
      const tree = layoutTree(canonicalize(beforeSuperscript ? [...tokens, '^', '1'] : tokens));
      keys = baseline(tree)
        .filter((atom) => colouredTypes.has(atom.type))
        .map(symbolKey);
      cache.set(cacheKey, keys);
    }
    return keys;
  };
}

/** The symbols along a tree's baseline, from its root. */
function baseline(root: LayoutNode | undefined): LayoutNode[] {
  const atoms: LayoutNode[] = [];
  for (let atom = root; atom; atom = atom.edges.find(([relation]) => relation === 'n')?.[1]) atoms.push(atom);
  return atoms;
}
