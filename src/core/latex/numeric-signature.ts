// Numeric signatures (SNIP's second view, numbers): where a formula reads as an expression, each side of it
// is evaluated at a fixed set of seeded points, so that notation variants of one function meet however
// they are written: `\frac{1}{1+e^{-z}}` and `(1+\exp(-x))^{-1}` get the same side key.
//
// Steps: the tokenizer expands the document's macros; rows (`\\`) and trailing prose (`\quad`, `\text…`)
// are cut; the canonicalizer unifies notation; relations (=, \leq, :=, \in, …) and top-level commas split
// a row into sides; decorated or subscripted symbols (`x_i`, `\hat\theta`, `\mathbf{w}^\top`) become plain
// variables; @cortex-js/compute-engine parses each side into MathJSON and evaluates it at the points.
// Variables are matched by a name-independent canonical order: by the side's value when only that variable
// moves off a common base point (ties keep the engine's order), so renamed variables and reordered terms
// get the same points. Values are complex (the engine continues √, log, powers past their real domains);
// NaN and ±Infinity are kept as such; everything is rounded to 6 significant digits before hashing.
//
// Bounded: the input is capped (characters, tokens, nesting, variables), only a whitelist of numeric
// operations is evaluated, and the whole computation runs under a hard time budget (node:vm's timeout
// interrupts the engine, whose own limits do not stop every loop). Never throws: a formula without a
// signature gets a typed reason.
import type { BoxedExpression, ComputeEngine } from '@cortex-js/compute-engine';
import { createHash } from 'node:crypto';
import * as vm from 'node:vm';
import { canonicalize, flatten, isGroup, isScript, parseGroups, type Node } from './canonical';
import rules from './canonical-rules.json';
import { detokenize, isControlWord, tokenizeFormula, type Token } from './tokenize';
import { seededRandom } from '../seeded-random';
import { errorMessage } from '../result';

/** Bump when signatures change meaning (caches of signatures key on it). */
export const numericSignatureVersion = 3;

export type NoSignatureReason =
  /** Over the input caps (characters, tokens, nesting). */
  | 'too-long'
  /** No side reads as an expression: matrices, cases, text, sets, a lone symbol or number. */
  | 'not-an-expression'
  /** compute-engine reported an error in every side. */
  | 'parse-error'
  /** Sides read, but use operations outside the numeric whitelist (integrals, derivatives, norms, indexing…). */
  | 'unsupported'
  /** More free variables in a side than the points have coordinates. */
  | 'too-many-variables'
  /** Every side evaluates to NaN, ±Infinity or something that is not a number. */
  | 'no-value'
  /** The time budget ran out. */
  | 'time-budget';

export interface NumericSide {
  /** Hash of the rounded values: equal keys mean the same function (up to the variables' names). */
  key: string;
  /** The rounded values at the fixed points, `re, im` pairs (NaN where undefined, ±Infinity where infinite). */
  values: number[];
  /** Free variables of the side. */
  variables: number;
}

export interface NumericSignature {
  /** Hash of the sorted side keys: equal for formulas whose sides are the same functions, in any order. */
  key: string;
  /** The sides that are expressions (not a lone symbol or number), in reading order. */
  sides: NumericSide[];
}

export type NumericSignatureResult =
  | { ok: true; value: NumericSignature }
  | { ok: false; reason: NoSignatureReason; detail: string };

export interface NumericSignatureOptions {
  /** Wall-clock budget for one formula, in ms (default 1000, for a loaded machine: most take a few ms; the engine is interrupted when it runs out). */
  timeBudgetMs?: number;
}

/** Longer formulas are not single expressions worth evaluating (and parsing them costs the most). */
export const maxSignatureChars = 2000;
const maxTokens = 400;
const maxNesting = 24;
/** Coordinates of each point: a side with more free variables gets no signature. */
export const maxSignatureVariables = 10;
/** Points each side is evaluated at. */
export const signaturePoints = 6;
const defaultTimeBudgetMs = 1000;
const significantDigits = 6;

// The points: seeded, in [0.25, 1.75] (positive, away from 0 and 1, where special values hide).
const points: number[][] = (() => {
  const random = seededRandom(0x5e1f);
  return Array.from({ length: signaturePoints }, () => Array.from({ length: maxSignatureVariables }, () => 0.25 + 1.5 * random()));
})();
// Variables are ordered by the side's value with all of them at `probeBase` but one at `probeMoved`.
const probeBase = 0.7713;
const probeMoved = 1.3119;

// ---------------------------------------------------------------------------------------------
// Token level: rows, prose, sides, variables

const rowBreaks = new Set<Token>(['\\\\', '\\cr']);
/** Spacing that sets off prose or a condition (`… \quad x > 0`): the row ends there. */
const proseSpacing = new Set<Token>(['\\quad', '\\qquad', '\\intertext']);
/** Text commands; their argument is prose when it is a connective or a long word (`\text{for all}`), a name otherwise (`\text{d}t`). */
const textCommands = new Set<Token>(['\\text', '\\textrm', '\\textbf', '\\textit', '\\mbox', '\\hbox']);
const connectives = new Set(['if', 'for', 'and', 'or', 'where', 'with', 'when', 'else', 'otherwise', 'as', 'so', 'such', 'on', 'in', 'at', 'all', 'some', 'is', 'iff', 'st', 'subject', 'since', 'then']);

/** Whether a text command at i starts prose: its letters (whitespace is gone) are a connective or a long word. */
function startsProse(tokens: readonly Token[], i: number): boolean {
  if (proseSpacing.has(tokens[i])) return true;
  if (!textCommands.has(tokens[i]) || tokens[i + 1] !== '{') return false;
  let letters = '';
  for (let j = i + 2; j < tokens.length && tokens[j] !== '}'; j++) letters += /^[A-Za-z]$/.test(tokens[j]) ? tokens[j] : '';
  const word = letters.toLowerCase();
  return connectives.has(word) || word.length >= 6;
}

/** Environments that only lay out rows: their markers go, their rows stay. */
const layoutEnvironments = new Set(['aligned', 'alignedat', 'split', 'gathered', 'align', 'align*', 'equation', 'equation*', 'gather', 'gather*', 'multline', 'multline*', 'eqnarray', 'eqnarray*', 'flalign', 'flalign*']);
/** Relations and separators between sides (after canonicalization: `\le` is `\leq`, `\to` is `\rightarrow`). */
const sideSeparators = new Set<Token>([
  '=', '<', '>', ',', ';', ':', '\\leq', '\\geq', '\\neq', '\\approx', '\\equiv', '\\sim', '\\simeq', '\\propto',
  '\\coloneqq', '\\eqqcolon', '\\triangleq', '\\doteq', '\\cong', '\\ll', '\\gg', '\\prec', '\\succ', '\\preceq',
  '\\succeq', '\\rightarrow', '\\leftarrow', '\\mapsto', '\\Longrightarrow', '\\Longleftarrow', '\\Longleftrightarrow',
  '\\Rightarrow', '\\Leftarrow', '\\Leftrightarrow', '\\in', '\\notin', '\\ni', '\\subset', '\\subseteq', '\\supset',
  '\\supseteq', '\\perp', '\\mid', '\\vdash', '\\models',
]);
const greekLetters = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa', 'lambda', 'mu', 'nu',
  'xi', 'pi', 'varpi', 'rho', 'varrho', 'sigma', 'varsigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega', 'Gamma',
  'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma', 'Upsilon', 'Phi', 'Psi', 'Omega', 'ell', 'hbar', 'imath', 'jmath',
].map((name) => '\\' + name));
/** Accents and alphabets that make a new symbol of their argument. */
const symbolDecorations = new Set([
  'hat', 'bar', 'tilde', 'vec', 'dot', 'ddot', 'check', 'breve', 'acute', 'grave', 'mathring', 'underline',
  'overrightarrow', 'mathbf', 'mathcal', 'mathfrak', 'mathscr', 'mathsf', 'mathit', 'mathbb', 'mathtt',
].map((name) => '\\' + name));
/** Superscripts that mark a symbol rather than raise it to a power (`w^\top`, `x^*`, `\theta^{(t)}`). */
const markSuperscripts = new Set<Token>(['\\top', 'T', '*', '\\ast', '\\star', '\\dagger', '\\prime', '\\intercal', '\\circ', '+', '-']);

/** The raw tokens' rows: split at `\\` / `\cr` outside braces, layout markers and `&` dropped, prose cut off. */
function rows(tokens: readonly Token[]): Token[][] | undefined {
  const out: Token[][] = [[]];
  let depth = 0;
  let inProse = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '{') depth++;
    else if (token === '}') depth--;
    if (depth === 0 && rowBreaks.has(token)) {
      out.push([]);
      inProse = false;
      continue;
    }
    const environment = /^\\(?:begin|end)\{(.+)\}$/.exec(token);
    if (environment) {
      if (!layoutEnvironments.has(environment[1])) return undefined;
      continue;
    }
    if (token === '&') continue;
    if (depth === 0 && startsProse(tokens, i)) inProse = true;
    if (!inProse) out[out.length - 1].push(token);
  }
  return out.filter((row) => row.length > 0);
}

/** A canonical row's sides: split at relations and separators outside parentheses, brackets and braces. */
function sides(row: readonly Node[]): Node[][] {
  const out: Node[][] = [[]];
  let depth = 0;
  for (const item of row) {
    if (item === '(' || item === '[' || item === '\\{' || item === '\\langle') depth++;
    else if (item === ')' || item === ']' || item === '\\}' || item === '\\rangle') depth--;
    if (depth <= 0 && typeof item === 'string' && sideSeparators.has(item)) out.push([]);
    else out[out.length - 1].push(item);
  }
  for (const side of out) while (side[side.length - 1] === '.') side.pop(); // a full stop ends the sentence
  return out.filter((side) => side.length > 0);
}

/**
 * Commands compute-engine gets as written: what it evaluates, and the operators it must see in order to
 * refuse them (a derivative is not a product of symbols). Any other command without an argument is a
 * symbol: an author macro the corpus lacks (`\e`, `\cas`), `\ell`, `\ldots`.
 */
const engineCommands = new Set<Token>([
  '\\frac', '\\sqrt', '\\cdot', '\\times', '\\div', '\\pm', '\\mp', '\\infty', '\\sum', '\\prod', '\\binom',
  '\\partial', '\\nabla', '\\int', '\\oint', '\\iint', '\\iiint', '\\otimes', '\\oplus', '\\odot', '\\cap', '\\cup',
  '\\wedge', '\\vee', '\\circ', '\\bullet', '\\setminus', '\\star', '\\ast', '\\dagger', '\\prime', '\\forall',
  '\\exists', '\\neg', '\\mod', '\\bmod', '\\pmod', '\\lfloor', '\\rfloor', '\\lceil', '\\rceil', '\\langle',
  '\\rangle', '\\|', '\\{', '\\}', '\\coprod', '\\bigcup', '\\bigcap', '\\bigoplus', '\\bigotimes', '\\emptyset',
  '\\varnothing', '\\not', '\\over', '\\choose', '\\atop', '\\substack', '\\stackrel', '\\overset', '\\underset',
  '\\overbrace', '\\underbrace', '\\xrightarrow', '\\xleftarrow', '\\limits', '\\operatorname', '\\mathrm',
  ...rules.operatorNames.map((name) => '\\' + name), ...sideSeparators,
]);
/** Alphabets whose argument is a name (`\mathrm{Tr}`, `\operatorname{KL}`), except the constants e and i. */
const nameCommands = new Set<Token>(['\\mathrm', '\\operatorname', '\\text']);

/** Length of the symbol base starting at k (0 for none): a letter, a Greek letter, a decoration with its
 * argument, a name (`\mathrm{KL}`), an unknown command, or a group holding exactly one of these. */
function symbolBase(items: readonly Node[], k: number): number {
  const item = items[k];
  if (isGroup(item)) return item.length > 0 && symbolBase(item, 0) === item.length ? 1 : 0;
  if (/^[A-Za-z]$/.test(item) || greekLetters.has(item)) return 1;
  const argument = items[k + 1];
  if (nameCommands.has(item)) return isGroup(argument) && !isConstantName(argument) ? 2 : 0;
  if (symbolDecorations.has(item)) {
    if (argument === undefined) return 0;
    if (isGroup(argument)) return 2;
    const inner = symbolBase(items, k + 1); // `\hat\mathbf{x}`
    return inner > 0 ? 1 + inner : 2;
  }
  return isControlWord(item) && !engineCommands.has(item) && !isGroup(argument) && !item.startsWith('\\begin') ? 1 : 0;
}

const isConstantName = (group: readonly Node[]): boolean => group.length === 1 && (group[0] === 'e' || group[0] === 'i');

/** Symbol names for compute-engine: letters only (digits or `_` in a name change how it is read). */
function symbolName(n: number): string {
  let name = '';
  for (let m = n; ; m = Math.floor(m / 26) - 1) {
    name = String.fromCharCode(97 + (m % 26)) + name;
    if (m < 26) break;
  }
  return `\\mathrm{zq${name}}`;
}

/** TeX math classes only change spacing: `\mathop{\mathrm{Hom}}` is the name `\mathrm{Hom}`. */
const classWrappers = new Set<Token>(['\\mathop', '\\mathopen', '\\mathclose', '\\mathbin', '\\mathrel', '\\mathord', '\\mathpunct']);

/** How one formula's symbols are named for compute-engine. */
interface Naming {
  /** Symbol text → engine name: the same symbol gets the same name on every side. */
  names: Map<string, string>;
  /**
   * Letters the engine reads as constants; every other letter is renamed (the engine reads `N`, `D`, `E`
   * as functions). e is Euler's number; i the imaginary unit only beside an exponential, else an index.
   */
  constants: ReadonlySet<Token>;
}

function naming(tokens: readonly Token[]): Naming {
  const exponential = tokens.includes('e') || tokens.includes('\\exp');
  return { names: new Map(), constants: new Set(exponential ? ['e', 'i'] : ['e']) };
}

/**
 * Rewrites a side for compute-engine: each symbol becomes a plain name (the same text, the same name):
 * letters, and decorated or subscripted symbols (`x_i`, `\hat{x}`, `w^\top`, `\theta^{(t)}`, `f'`).
 * Undecorated Greek letters and the constant letters keep the engine's reading (`\pi`, `\Gamma(x)`,
 * Euler's e, the imaginary unit); groups recurse.
 */
function symbolize(items: readonly Node[], naming: Naming): Token[] {
  const out: Token[] = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (typeof item === 'string' && classWrappers.has(item)) continue;
    const argument = items[k + 1];
    if (typeof item === 'string' && nameCommands.has(item) && isGroup(argument) && isConstantName(argument)) {
      out.push(argument[0] as Token); // `\mathrm{e}` is Euler's e
      k++;
      continue;
    }
    if (item === '\\sum' || item === '\\prod') {
      k = bigOperator(items, k, naming, out) - 1;
      continue;
    }
    const baseLength = symbolBase(items, k);
    if (baseLength === 0) {
      if (isGroup(item)) out.push('{', ...symbolize(item, naming), '}');
      else out.push(item);
      continue;
    }
    let end = k + baseLength;
    for (;;) {
      const script = items[end];
      const argument = items[end + 1];
      if (script === "'") end++;
      else if (script === '_' && argument !== undefined) end += 2;
      else if (script === '^' && argument !== undefined && isMark(argument)) end += 2;
      else break;
    }
    const symbol = flatten(items.slice(k, end));
    if (symbol.length === 1 && (naming.constants.has(item as Token) || greekLetters.has(item as Token))) out.push(item as Token);
    else {
      const text = symbol.join(' ');
      let name = naming.names.get(text);
      if (name === undefined) naming.names.set(text, (name = symbolName(naming.names.size)));
      out.push('{', name, '}'); // braced: it may be the argument of `\frac`, `^`, `\sqrt`
    }
    k = end - 1;
  }
  return out;
}

/** Terms of a sum or product whose range is not written out (`\sum_j`, `\sum_{i \in S}`). */
const implicitRangeEnd = 3;

/**
 * `\sum`/`\prod` at k with its scripts: kept when they read `_{v=a}^{b}`, else given the range 1…3 (the
 * summand's indexed symbols are plain variables by now, so any range reads `\sum_j x_j` the same way).
 * Returns the index after the scripts.
 */
function bigOperator(items: readonly Node[], k: number, naming: Naming, out: Token[]): number {
  let end = k + 1;
  let lower: Node | undefined;
  let upper: Node | undefined;
  while (isScript(items[end]) && items[end + 1] !== undefined) {
    if (items[end] === '_') lower = items[end + 1];
    else upper = items[end + 1];
    end += 2;
  }
  out.push(items[k] as Token);
  if (isGroup(lower) && lower.includes('=') && upper !== undefined) {
    out.push('_', '{', ...symbolize(lower, naming), '}', '^', '{', ...symbolize(isGroup(upper) ? upper : [upper], naming), '}');
  } else out.push('_', '{', '\\mathrm{zqindex}', '=', '1', '}', '^', String(implicitRangeEnd));
  return end;
}

function isMark(argument: Node): boolean {
  if (typeof argument === 'string') return markSuperscripts.has(argument);
  return argument[0] === '(' || (argument.length > 0 && argument.every((item) => typeof item === 'string' && markSuperscripts.has(item)));
}

/** Deepest brace or parenthesis nesting (the engine's parser recurses on both). */
function nesting(tokens: readonly Token[]): number {
  let depth = 0;
  let deepest = 0;
  for (const token of tokens) {
    if (token === '{' || token === '(' || token === '[') deepest = Math.max(deepest, ++depth);
    else if (token === '}' || token === ')' || token === ']') depth--;
  }
  return deepest;
}

/** The sides of a formula as LaTeX for compute-engine, or why there are none. */
export function signatureSides(latex: string, macros = ''): { ok: true; value: string[] } | { ok: false; reason: NoSignatureReason; detail: string } {
  if (latex.length > maxSignatureChars) return { ok: false, reason: 'too-long', detail: `${latex.length} characters (limit ${maxSignatureChars})` };
  const tokenized = tokenizeFormula(latex, macros);
  if (!tokenized.ok) return { ok: false, reason: 'too-long', detail: tokenized.detail };
  if (tokenized.tokens.length > maxTokens) return { ok: false, reason: 'too-long', detail: `${tokenized.tokens.length} tokens (limit ${maxTokens})` };
  if (nesting(tokenized.tokens) > maxNesting) return { ok: false, reason: 'too-long', detail: `nested deeper than ${maxNesting}` };
  const layout = rows(tokenized.tokens);
  if (!layout) return { ok: false, reason: 'not-an-expression', detail: 'an environment other than an alignment' };
  const symbols = naming(tokenized.tokens);
  const out: string[] = [];
  for (const row of layout) {
    const tree = parseGroups(canonicalize(row));
    if (!tree) continue;
    for (const side of sides(tree)) out.push(detokenize(symbolize(side, symbols)));
  }
  if (out.length === 0) return { ok: false, reason: 'not-an-expression', detail: 'no side left after cutting relations and prose' };
  return { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------
// MathJSON level: what may be evaluated

/** Operations evaluated numerically (total or continued into the complex plane, bounded in time). */
const numericOperators = new Set([
  'Add', 'Subtract', 'Negate', 'Multiply', 'Divide', 'Power', 'Sqrt', 'Root', 'Square', 'Exp', 'Ln', 'Log', 'Lb', 'Lg',
  'LogOnePlus', 'Sin', 'Cos', 'Tan', 'Cot', 'Sec', 'Csc', 'Arcsin', 'Arccos', 'Arctan', 'Arctan2', 'Arccot', 'Arcsec',
  'Arccsc', 'Sinh', 'Cosh', 'Tanh', 'Coth', 'Sech', 'Csch', 'Arsinh', 'Arcosh', 'Artanh', 'Arcoth', 'Arsech', 'Arcsch',
  'Abs', 'Floor', 'Ceil', 'Round', 'Max', 'Min', 'Gamma', 'GammaLn', 'Erf', 'Erfc', 'Sign', 'Rational', 'Complex',
  'Sum', 'Product',
]);
const numericConstants = new Set(['Pi', 'ExponentialE', 'ImaginaryUnit', 'GoldenRatio', 'EulerGamma', 'CatalanConstant', 'Half']);
/** Literal bounds of a sum or product are at most this large (so it has at most twice as many terms). */
const maxBoundedTerms = 200;

type MathJson = number | string | MathJson[] | { [key: string]: unknown };

/** Why the MathJSON cannot be evaluated here, or undefined when it can; collects bound index variables. */
function unsupportedPart(json: MathJson, unknowns: ReadonlySet<string>, bound: Set<string>): string | undefined {
  if (typeof json === 'number') return undefined;
  if (typeof json === 'string') {
    return unknowns.has(json) || numericConstants.has(json) || bound.has(json) ? undefined : `symbol ${json}`;
  }
  if (!Array.isArray(json)) return 'a literal'; // {num: …} big numbers, strings
  const [head, ...args] = json;
  if (head === 'Error') return 'a parse error';
  if (typeof head !== 'string' || !numericOperators.has(head)) return `the operation ${JSON.stringify(head)}`;
  if (head === 'Sum' || head === 'Product') {
    const [body, ...ranges] = args;
    for (const range of ranges) {
      if (!Array.isArray(range) || range[0] !== 'Tuple' || range.length !== 4 || typeof range[1] !== 'string') return `a ${head} without bounds`;
      const [, index, low, high] = range;
      // variables get values below 2, so a variable bound keeps the range as short as a small literal one
      const smallBound = (end: MathJson): boolean =>
        typeof end === 'number' ? Math.abs(end) <= maxBoundedTerms : typeof end === 'string' && unknowns.has(end);
      if (!smallBound(low) || !smallBound(high)) return `a ${head} over a long or unbounded range`;
      bound.add(index);
    }
    return unsupportedPart(body, unknowns, bound);
  }
  for (const arg of args) {
    const part = unsupportedPart(arg, unknowns, bound);
    if (part) return part;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type EngineConstructor = new (options?: { precision?: number | 'machine' }) => ComputeEngine;

let engine: ComputeEngine | undefined;

/**
 * The ComputeEngine class. Its package is a UMD file in a `"type": "module"` package: depending on the
 * loader (tsx, Node, the esbuild bundle) `require` returns its exports or an empty namespace, but loading it
 * always registers the class under a global symbol, which is read as the fallback.
 */
function engineClass(): EngineConstructor {
  const exported = (require('@cortex-js/compute-engine') as { ComputeEngine?: EngineConstructor }).ComputeEngine;
  const registered = (globalThis as Record<symbol, { ComputeEngine?: EngineConstructor } | undefined>)[Symbol.for('io.cortexjs.compute-engine')];
  const found = exported ?? registered?.ComputeEngine;
  if (typeof found !== 'function') throw new Error('@cortex-js/compute-engine loaded without a ComputeEngine class');
  return found;
}

/** One engine per process (creating one costs ~50 ms); loaded on first use, as it is a large module. */
function computeEngine(): ComputeEngine {
  if (!engine) {
    const EngineClass = engineClass();
    engine = new EngineClass({ precision: 'machine' });
    // the first parse builds the engine's dictionaries: not part of any formula's budget (nor of its root scope)
    engine.pushScope();
    engine.parse('\\frac{1}{1+x}').N();
    engine.popScope();
  }
  return engine;
}

// The guard: a script in an empty context calls the task, so vm's timeout can interrupt the engine.
const guardContext = vm.createContext({ task: undefined as (() => unknown) | undefined });
const guardScript = new vm.Script('task()');

class TimeBudgetExceeded extends Error {}

/** compute-engine reports some problems on the console as well as in its results: the engine's stdout is its protocol. */
const consoleMethods = ['log', 'info', 'warn', 'error', 'assert', 'group', 'groupCollapsed', 'groupEnd'] as const;

function withinBudget<T>(task: () => T, milliseconds: number): T {
  const saved = consoleMethods.map((method) => console[method]);
  for (const method of consoleMethods) console[method] = () => undefined;
  guardContext.task = task;
  try {
    return guardScript.runInContext(guardContext, { timeout: Math.max(1, Math.round(milliseconds)) }) as T;
  } catch (error) {
    if ((error as { code?: string } | undefined)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new TimeBudgetExceeded();
    throw error;
  } finally {
    guardContext.task = undefined;
    consoleMethods.forEach((method, n) => ((console as unknown as Record<string, unknown>)[method] = saved[n]));
  }
}

function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) < 1e-9) return 0; // cancellation leaves ±1e-17 where the exact value is 0
  return Number(value.toPrecision(significantDigits));
}

/** The side's value with the variables (in canonical order) at `coordinates`: [re, im], NaN when not a number. */
function valueAt(expression: BoxedExpression, variables: readonly string[], coordinates: readonly number[]): [number, number] {
  const substitution: Record<string, number> = {};
  variables.forEach((name, n) => (substitution[name] = coordinates[n]));
  const value = expression.subs(substitution).N();
  if (!value.isNumberLiteral) return [NaN, NaN];
  return [round(value.re), round(value.im)];
}

function compareValues(a: readonly number[], b: readonly number[]): number {
  for (let n = 0; n < a.length; n++) {
    const x = Number.isNaN(a[n]) ? Infinity : a[n];
    const y = Number.isNaN(b[n]) ? Infinity : b[n];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The variables in canonical order: by the side's value when only that one moves off the base point. */
function canonicalOrder(expression: BoxedExpression, variables: readonly string[]): string[] {
  if (variables.length < 2) return variables.slice();
  const base = variables.map(() => probeBase);
  const roles = variables.map((name, n) => {
    const moved = base.slice();
    moved[n] = probeMoved;
    return { name, value: valueAt(expression, variables, moved) };
  });
  return roles.sort((a, b) => compareValues(a.value, b.value)).map((role) => role.name);
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

type SideOutcome = { side: NumericSide } | { trivial: true } | { reason: NoSignatureReason; detail: string };

function evaluateSide(ce: ComputeEngine, latex: string): SideOutcome {
  const expression = ce.parse(latex);
  const json = expression.json as MathJson;
  if (typeof json === 'number' || typeof json === 'string') return { trivial: true };
  const unknowns = new Set(expression.unknowns);
  const bound = new Set<string>();
  const unsupported = unsupportedPart(json, unknowns, bound);
  if (unsupported) return { reason: unsupported === 'a parse error' ? 'parse-error' : 'unsupported', detail: `${unsupported} in ${latex}` };
  const variables = [...unknowns].filter((name) => !bound.has(name));
  if (variables.length > maxSignatureVariables) {
    return { reason: 'too-many-variables', detail: `${variables.length} variables (limit ${maxSignatureVariables})` };
  }
  const order = canonicalOrder(expression, variables);
  const values = points.flatMap((point) => valueAt(expression, order, point));
  if (values.every((value) => !Number.isFinite(value))) return { reason: 'no-value', detail: `${latex} has no finite value` };
  return { side: { key: hash(values.join(',')), values, variables: order.length } };
}

/** The formula's numeric signature (document macros in corpus format), or why it has none. Never throws. */
export function numericSignature(latex: string, macros = '', options: NumericSignatureOptions = {}): NumericSignatureResult {
  const prepared = signatureSides(latex, macros);
  if (!prepared.ok) return prepared;
  const budget = options.timeBudgetMs ?? defaultTimeBudgetMs;
  const ce = computeEngine();
  const started = performance.now();
  const found: NumericSide[] = [];
  let firstProblem: { reason: NoSignatureReason; detail: string } | undefined;
  for (const side of prepared.value) {
    const remaining = budget - (performance.now() - started);
    let outcome: SideOutcome;
    try {
      if (remaining <= 0) throw new TimeBudgetExceeded();
      outcome = withinBudget(() => evaluateInScope(ce, side, remaining), remaining);
    } catch (error) {
      engine = undefined; // interrupted mid-operation: its scope stack and caches may be half-written
      if (error instanceof TimeBudgetExceeded) return { ok: false, reason: 'time-budget', detail: `over ${budget} ms` };
      return { ok: false, reason: 'parse-error', detail: `interrupted: ${errorMessage(error)}` };
    }
    if ('side' in outcome) found.push(outcome.side);
    else if ('reason' in outcome) firstProblem ??= outcome;
  }
  if (found.length === 0) {
    return { ok: false, ...(firstProblem ?? { reason: 'not-an-expression', detail: 'only lone symbols or numbers' }) };
  }
  return { ok: true, value: { key: hash(found.map((side) => side.key).sort().join(',')), sides: found } };
}

/** One side in a scope of its own: the engine infers and remembers symbol types, which must not leak between formulas. */
function evaluateInScope(ce: ComputeEngine, latex: string, remainingMs: number): SideOutcome {
  ce.pushScope({ iterationLimit: maxBoundedTerms * 4, timeLimit: remainingMs / 1000 });
  try {
    return evaluateSide(ce, latex);
  } catch (error) {
    return { reason: 'parse-error', detail: `compute-engine: ${errorMessage(error)}` };
  } finally {
    ce.popScope();
  }
}

/** Dice overlap of two signatures' side keys: 1 for the same functions, 0 for nothing in common. */
export function numericSimilarity(a: NumericSignature, b: NumericSignature): number {
  if (a.key === b.key) return 1;
  const remaining = new Map<string, number>();
  for (const side of b.sides) remaining.set(side.key, (remaining.get(side.key) ?? 0) + 1);
  let shared = 0;
  for (const side of a.sides) {
    const count = remaining.get(side.key) ?? 0;
    if (count > 0) {
      shared++;
      remaining.set(side.key, count - 1);
    }
  }
  return (2 * shared) / (a.sides.length + b.sides.length);
}
