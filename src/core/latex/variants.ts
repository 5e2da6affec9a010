// Procedural notation variants of a real formula (⚡ANSR-style generated training data and test cases):
// the same mathematics written the way another author would. Every transform keeps the meaning:
// renamings are bijections that leave constants (d, e) and literal arguments (\text, \mathrm, …) alone,
// reorderings only move terms of a sum, or scalar factors (lower-case letters) of a product, between
// operators that bind looser, and the rest are presentational (\mathbf↔\boldsymbol, \left\right, \cdot,
// \le↔\leq, a/b↔\frac{a}{b}).
import rules from './canonical-rules.json';
import { flatten, isGroup, isScript, parseGroups, type Node } from './canonical';
import { isControlWord, type Token } from './tokenize';
import { seededRandom, shuffled } from '../seeded-random';

export type VariantTransform =
  | 'rename-variables'
  | 'index-letters'
  | 'bold-style'
  | 'fraction-style'
  | 'reorder-sum'
  | 'reorder-product'
  | 'left-right'
  | 'cdot'
  | 'relation-synonyms';

export const variantTransforms: readonly VariantTransform[] = [
  'rename-variables', 'index-letters', 'bold-style', 'fraction-style', 'reorder-sum', 'reorder-product',
  'left-right', 'cdot', 'relation-synonyms',
];

export interface Variant {
  tokens: Token[];
  /** The transforms applied, in order. */
  transforms: VariantTransform[];
}


type Random = () => number;
const pick = <T>(items: readonly T[], random: Random): T => items[Math.floor(random() * items.length)];


const literalArguments = new Set<Token>(rules.literalArguments);
const termBoundaries = new Set<Token>(rules.termBoundaries);
const termEnds = new Set<Token>(rules.termEnds);

// ---------------------------------------------------------------------------------------------
// Atoms: a base (token, group, parenthesised run, or a command with its braced arguments) and its scripts

interface Atom {
  items: Node[];
  /** The first item: a token, or a group. */
  base: Node;
}

/** Levels where sums and products can be rearranged: the formula and every group that is not literal. */
function mathLevels(root: Node[]): Node[][] {
  const levels: Node[][] = [];
  const visit = (level: Node[]): void => {
    levels.push(level);
    level.forEach((item, k) => {
      const previous = level[k - 1];
      if (isGroup(item) && !(typeof previous === 'string' && literalArguments.has(previous))) visit(item);
    });
  };
  visit(root);
  return levels;
}

/** Index after the `)` matching the `(` at `start` on the same level, or -1. */
function parenEnd(level: readonly Node[], start: number): number {
  let depth = 0;
  for (let j = start; j < level.length; j++) {
    if (level[j] === '(') depth++;
    else if (level[j] === ')' && --depth === 0) return j + 1;
  }
  return -1;
}

/** Index after the atom starting at k. */
function atomEnd(level: readonly Node[], k: number): number {
  const base = level[k];
  let end = k + 1;
  if (base === '(') end = Math.max(parenEnd(level, k), k + 1);
  else if (typeof base === 'string' && isControlWord(base)) {
    if (base === '\\sqrt' && level[end] === '[') while (end < level.length && level[end++] !== ']');
    while (isGroup(level[end])) end++;
  }
  while (end < level.length) {
    if (level[end] === "'") end++;
    else if (isScript(level[end]) && end + 1 < level.length) {
      end += 2;
      const argument = level[end - 1];
      if (typeof argument === 'string' && isControlWord(argument)) while (isGroup(level[end])) end++;
    } else break;
  }
  return end;
}

function atomsOf(level: readonly Node[]): Atom[] {
  const atoms: Atom[] = [];
  for (let k = 0; k < level.length; ) {
    const end = atomEnd(level, k);
    atoms.push({ items: level.slice(k, end), base: level[k] });
    k = end;
  }
  return atoms;
}

function replaceLevel(level: Node[], atoms: readonly Atom[]): void {
  level.splice(0, level.length, ...atoms.flatMap((atom) => atom.items));
}

// ---------------------------------------------------------------------------------------------
// Transforms: each returns the transformed tree, or undefined where it does not apply

type Transform = (root: Node[], random: Random) => boolean;

/** Letters in literal arguments (`\mathrm{d}`, `\text{if}`) are words, not variables. */
function literalLetters(tokens: readonly Token[]): Set<Token> {
  const letters = new Set<Token>();
  for (let i = 0; i < tokens.length; i++) {
    if (!literalArguments.has(tokens[i]) || tokens[i + 1] !== '{') continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      if (tokens[j] === '{') depth++;
      else if (tokens[j] === '}' && --depth === 0) break;
      else if (/^[A-Za-z]$/.test(tokens[j])) letters.add(tokens[j]);
    }
  }
  return letters;
}

/** Renames letters outside literal arguments by `names`, in place in the tree. */
function renameLetters(level: Node[], names: Map<Token, Token>): void {
  level.forEach((item, k) => {
    const previous = level[k - 1];
    if (isGroup(item)) {
      if (!(typeof previous === 'string' && literalArguments.has(previous))) renameLetters(item, names);
    } else if (names.has(item)) level[k] = names.get(item)!;
  });
}

/** Letters used as variables: outside literal arguments. */
function variableLetters(level: readonly Node[], out = new Set<Token>()): Set<Token> {
  level.forEach((item, k) => {
    const previous = level[k - 1];
    if (isGroup(item)) {
      if (!(typeof previous === 'string' && literalArguments.has(previous))) variableLetters(item, out);
    } else if (/^[A-Za-z]$/.test(item)) out.add(item);
  });
  return out;
}

const constants = new Set(['d', 'e', 'i']); // the differential, Euler's number and the imaginary unit keep their names
const lowerCase = 'abcdefghijklmnopqrstuvwxyz'.split('');
const upperCase = lowerCase.map((letter) => letter.toUpperCase());

/** A random injective renaming of `letters` into unused letters of the same case (or undefined). */
function randomRenaming(letters: readonly Token[], forbidden: Set<Token>, random: Random): Map<Token, Token> | undefined {
  const names = new Map<Token, Token>();
  for (const alphabet of [lowerCase, upperCase]) {
    const mine = letters.filter((letter) => alphabet.includes(letter));
    const pool = shuffled(alphabet.filter((letter) => !forbidden.has(letter) || mine.includes(letter)), random);
    mine.forEach((letter, n) => names.set(letter, pool[n]));
  }
  return [...names].some(([from, to]) => from !== to) ? names : undefined;
}

const renameVariables: Transform = (root, random) => {
  const tokens = flatten(root);
  const literal = literalLetters(tokens);
  const letters = [...variableLetters(root)].filter((letter) => !constants.has(letter) && !literal.has(letter));
  const forbidden = new Set([...constants, ...literal, ...variableLetters(root)]);
  const names = randomRenaming(letters, forbidden, random);
  if (!names) return false;
  renameLetters(root, names);
  return true;
};

const indexLetters = 'jklmnpqrstuv'.split(''); // not i: it could read as the imaginary unit

/** Counts each letter's occurrences inside script arguments and outside them (literal arguments skipped). */
function countLetters(level: readonly Node[], inScript: boolean, counts: Map<Token, { script: number; other: number }>): void {
  level.forEach((item, k) => {
    const previous = level[k - 1];
    const scripted = inScript || isScript(previous);
    if (isGroup(item)) {
      if (!(typeof previous === 'string' && literalArguments.has(previous))) countLetters(item, scripted, counts);
    } else if (/^[a-z]$/.test(item)) {
      const count = counts.get(item) ?? { script: 0, other: 0 };
      if (scripted) count.script++;
      else count.other++;
      counts.set(item, count);
    }
  });
}

/** Index letters: lower-case letters that occur only in sub/superscripts (`x_i`, `\sum_{j=1}^n`). */
function indexLettersOf(root: readonly Node[]): Token[] {
  const counts = new Map<Token, { script: number; other: number }>();
  countLetters(root, false, counts);
  return [...counts].filter(([, count]) => count.other === 0).map(([letter]) => letter);
}

const changeIndexLetter: Transform = (root, random) => {
  const tokens = flatten(root);
  const literal = literalLetters(tokens);
  // `e^{i\theta}`: i is the imaginary unit there, not an index
  const imaginary = tokens.includes('e') || tokens.includes('\\exp');
  const candidates = indexLettersOf(root).filter((letter) => letter !== 'e' && !(letter === 'i' && imaginary) && !literal.has(letter));
  if (candidates.length === 0) return false;
  const used = variableLetters(root);
  const targets = indexLetters.filter((letter) => !used.has(letter) && !literal.has(letter));
  if (targets.length === 0) return false;
  renameLetters(root, new Map([[pick(candidates, random), pick(targets, random)]]));
  return true;
};

/** Replaces every token found in `swaps` by its swap, in the whole tree; false when none occurs. */
function swapTokens(level: Node[], swaps: ReadonlyMap<Token, Token>): boolean {
  let changed = false;
  level.forEach((item, k) => {
    if (isGroup(item)) changed = swapTokens(item, swaps) || changed;
    else if (swaps.has(item)) {
      level[k] = swaps.get(item)!;
      changed = true;
    }
  });
  return changed;
}

const boldCommands = new Set(['\\mathbf', '\\boldsymbol', '\\bm']);

/** `x^\mathbf{L}`: KaTeX takes only \mathbf as a bare script argument, so such formulas keep their style. */
function bareScriptBold(level: readonly Node[]): boolean {
  return level.some((item, k) => (isGroup(item) ? bareScriptBold(item) : isScript(level[k - 1]) && boldCommands.has(item)));
}

const boldStyle: Transform = (root, random) => {
  if (bareScriptBold(root)) return false;
  const swaps = random() < 0.5
    ? new Map([['\\mathbf', '\\boldsymbol'], ['\\bm', '\\mathbf']])
    : new Map([['\\boldsymbol', '\\mathbf'], ['\\bm', '\\boldsymbol'], ['\\mathbf', '\\bm']]);
  return swapTokens(root, swaps);
};

const relationSynonyms: Transform = (root, random) => {
  const short = new Map([['\\le', '\\leq'], ['\\ge', '\\geq'], ['\\ne', '\\neq']]);
  const long = new Map([...short].map(([a, b]) => [b, a]));
  const [first, second] = random() < 0.5 ? [short, long] : [long, short];
  return swapTokens(root, first) || swapTokens(root, second);
};

/** A fraction operand that reads the same after a slash: one simple atom, or parenthesised. */
function slashOperand(group: Node[]): Node[] {
  const simple = group.length === 1 && typeof group[0] === 'string' && (/^[A-Za-z0-9]$/.test(group[0]) || isControlWord(group[0]));
  const digits = group.length > 0 && group.every((item) => typeof item === 'string' && /^[0-9]$/.test(item));
  return simple || digits ? group : ['(', ...group, ')'];
}

/** Whether the group's parentheses pair up, so wrapping it in another pair keeps them paired. */
function balancedParens(group: readonly Node[]): boolean {
  let depth = 0;
  for (const item of group) {
    if (item === '(') depth++;
    else if (item === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

const isBoundary = (node: Node | undefined, set: Set<Token>): boolean => node === undefined || (typeof node === 'string' && set.has(node));

const fractionStyle: Transform = (root, random) => {
  const sites: (() => void)[] = [];
  for (const level of mathLevels(root)) {
    for (let k = 0; k < level.length; k++) {
      const numerator = level[k + 1];
      const denominator = level[k + 2];
      // \frac{A}{B} → A/B where nothing binds tighter on either side (so a/b reads back the same)
      if (level[k] === '\\frac' && isGroup(numerator) && isGroup(denominator) && isBoundary(level[k - 1], termBoundaries) &&
          isBoundary(level[k + 3], termEnds) && numerator.length > 0 && denominator.length > 0 &&
          balancedParens(numerator) && balancedParens(denominator)) {
        sites.push(() => level.splice(k, 3, ...slashOperand(numerator), '/', ...slashOperand(denominator)));
      }
      // a/b (single letters or digits) → \frac{a}{b}
      const [left, slash, right] = [level[k], level[k + 1], level[k + 2]];
      if (slash === '/' && typeof left === 'string' && typeof right === 'string' && /^[A-Za-z0-9]$/.test(left) &&
          /^[A-Za-z0-9]$/.test(right) && isBoundary(level[k - 1], termBoundaries) && isBoundary(level[k + 3], termEnds)) {
        sites.push(() => level.splice(k, 3, '\\frac', [left], [right]));
      }
    }
  }
  if (sites.length === 0) return false;
  pick(sites, random)();
  return true;
};

/** Atoms that may stand inside a term of a sum without reaching past its `+`/`-`. */
const scopeReaching = new Set<Token>([
  '\\sum', '\\prod', '\\coprod', '\\int', '\\oint', '\\iint', '\\iiint', '\\bigcup', '\\bigcap', '\\bigoplus',
  '\\bigotimes', '\\bigvee', '\\bigwedge', '\\lim', '\\limsup', '\\liminf', '\\max', '\\min', '\\sup', '\\inf',
  '\\operatorname', '\\mathop', '\\pm', '\\mp', '\\over', '\\choose', '\\atop', '\\mod', '\\bmod', '\\pmod',
  '\\displaystyle', '\\textstyle', '\\cr', ...rules.delimiterSizers, ...Object.keys(rules.fontSwitches),
]);

function reachesOut(atom: Atom): boolean {
  const base = atom.base;
  if (typeof base !== 'string') return false;
  return scopeReaching.has(base) || base.startsWith('\\begin') || base.startsWith('\\end') || base === '/' ||
    base === '|' || base === '\\|' || base === '!' || base === '[' || base === ']' || base === '\\{' || base === '\\}';
}

/** Relations and punctuation: they bind looser than `+`, so sums between them can be reordered. */
const looseSeparators = new Set<Token>([
  '=', '<', '>', ',', ';', ':', '&', '\\\\', '\\cr', '\\leq', '\\geq', '\\le', '\\ge', '\\neq', '\\ne', '\\approx',
  '\\equiv', '\\sim', '\\simeq', '\\propto', '\\in', '\\rightarrow', '\\to', '\\mapsto', '\\quad', '\\qquad',
]);

/** An atom with its position on its level. */
interface PlacedAtom extends Atom {
  at: number;
}

/** The atoms of level[from, to) with their positions. */
function placedAtoms(level: readonly Node[], from: number, to: number): PlacedAtom[] {
  const atoms: PlacedAtom[] = [];
  for (let k = from; k < to; ) {
    const end = Math.min(atomEnd(level, k), to);
    atoms.push({ items: level.slice(k, end), base: level[k], at: k });
    k = end;
  }
  return atoms;
}

/** Sites reordering one sum in level[from, to), and in the parenthesised runs inside it. */
function sumSites(level: Node[], from: number, to: number, random: Random, sites: (() => void)[]): void {
  const atoms = placedAtoms(level, from, to);
  // a final full stop ends the sentence, it is not part of the last term
  const last = atoms[atoms.length - 1];
  let segment: PlacedAtom[] = [];
  const flush = (): void => {
    const run = segment;
    segment = [];
    if (run.length === 0 || run.some(reachesOut)) return;
    const terms: { sign: Token; atoms: Atom[] }[] = [];
    for (const atom of run) {
      if (atom.base === '+' || atom.base === '-') terms.push({ sign: atom.base, atoms: [] });
      else if (terms.length === 0) terms.push({ sign: '+', atoms: [atom] });
      else terms[terms.length - 1].atoms.push(atom);
    }
    if (terms.length < 2 || terms.some((term) => term.atoms.length === 0)) return;
    const start = run[0].at;
    const length = run.reduce((sum, atom) => sum + atom.items.length, 0);
    sites.push(() => {
      let order = shuffled(terms, random);
      if (order.every((term, n) => term === terms[n])) order = [...terms.slice(1), terms[0]];
      const rebuilt = order.flatMap((term, n) => [
        ...(n === 0 && term.sign === '+' ? [] : [term.sign]),
        ...term.atoms.flatMap((atom) => atom.items),
      ]);
      level.splice(start, length, ...rebuilt);
    });
  };
  for (const atom of atoms) {
    const base = atom.base;
    if (typeof base === 'string' && (looseSeparators.has(base) || (atom === last && base === '.'))) flush();
    else segment.push(atom);
    if (base === '(' && atom.items[atom.items.length - 1] === ')') sumSites(level, atom.at + 1, atom.at + atom.items.length - 1, random, sites);
  }
  flush();
}

const reorderSum: Transform = (root, random) => {
  const sites: (() => void)[] = [];
  for (const level of mathLevels(root)) sumSites(level, 0, level.length, random, sites);
  if (sites.length === 0) return false;
  pick(sites, random)();
  return true;
};

const greekLower = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa',
  'lambda', 'mu', 'nu', 'xi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi', 'omega',
].map((name) => '\\' + name));

/** `\sum_i w_i x_i`: the summand's factors commute. */
const bigProducts = new Set<Token>(['\\sum', '\\prod']);

/** A scalar factor: a lower-case letter (not the differential d) or lower-case Greek letter, with its scripts. */
const isScalarFactor = (atom: Atom): boolean =>
  typeof atom.base === 'string' && ((/^[a-ce-z]$/.test(atom.base)) || greekLower.has(atom.base)) && atom.items.every((item, n) => n === 0 || item !== "'");

/** Runs of scalar factors joined by juxtaposition (or all by \cdot), bounded by operators that bind looser. */
function factorRuns(level: Node[]): { atoms: Atom[]; start: number; end: number; dotted: boolean }[] {
  const atoms = atomsOf(level);
  const runs: { atoms: Atom[]; start: number; end: number; dotted: boolean }[] = [];
  for (let k = 0; k < atoms.length; ) {
    if (!isScalarFactor(atoms[k])) {
      k++;
      continue;
    }
    const start = k;
    const dotted = atoms[k + 1]?.base === '\\cdot';
    const factors = [atoms[k]];
    let end = k + 1;
    while (true) {
      const gap = dotted ? (atoms[end]?.base === '\\cdot' ? 1 : -1) : 0;
      const next = gap < 0 ? undefined : atoms[end + gap];
      if (!next || !isScalarFactor(next)) break;
      factors.push(next);
      end += gap + 1;
    }
    const before = atoms[start - 1];
    const after = atoms[end];
    const opens = before === undefined || (typeof before.base === 'string' && (termBoundaries.has(before.base) || bigProducts.has(before.base)));
    const bounded = opens &&
      (after === undefined || (typeof after.base === 'string' && termEnds.has(after.base)));
    if (factors.length >= 2 && bounded) runs.push({ atoms: factors, start, end, dotted });
    k = end;
  }
  return runs;
}

function rebuildRun(level: Node[], run: { start: number; end: number }, factors: Atom[], dotted: boolean): void {
  const atoms = atomsOf(level);
  const joined = factors.flatMap((atom, n) => (n > 0 && dotted ? [{ items: ['\\cdot'], base: '\\cdot' }, atom] : [atom]));
  replaceLevel(level, [...atoms.slice(0, run.start), ...joined, ...atoms.slice(run.end)]);
}

const reorderProduct: Transform = (root, random) => {
  const sites: (() => void)[] = [];
  for (const level of mathLevels(root)) {
    for (const run of factorRuns(level)) {
      const texts = run.atoms.map((atom) => flatten(atom.items).join(' '));
      if (new Set(texts).size < 2) continue;
      sites.push(() => {
        let order = shuffled(run.atoms, random);
        if (order.every((atom, n) => atom === run.atoms[n])) order = [...run.atoms.slice(1), run.atoms[0]];
        rebuildRun(level, run, order, run.dotted);
      });
    }
  }
  if (sites.length === 0) return false;
  pick(sites, random)();
  return true;
};

const cdot: Transform = (root, random) => {
  const sites: (() => void)[] = [];
  for (const level of mathLevels(root)) {
    for (const run of factorRuns(level)) sites.push(() => rebuildRun(level, run, run.atoms, !run.dotted));
  }
  if (sites.length === 0) return false;
  pick(sites, random)();
  return true;
};

function containsAny(level: readonly Node[], tokens: ReadonlySet<Token>): boolean {
  return level.some((item) => (isGroup(item) ? containsAny(item, tokens) : tokens.has(item)));
}

const leftRightFree = new Set(['\\left', '\\right', '\\middle', '\\over', '\\choose', '\\atop', ...rules.delimiterSizers]);
const alignment = new Set(['&', '\\\\', '\\cr']);

const leftRight: Transform = (root, random) => {
  if (random() < 0.5 && removeLeftRight(root)) return true;
  if (containsAny(root, leftRightFree)) return removeLeftRight(root);
  // add \left\right to every parenthesised run that does not span an alignment mark
  let changed = false;
  for (const level of mathLevels(root)) {
    for (let k = level.length - 1; k >= 0; k--) {
      if (level[k] !== '(') continue;
      const end = parenEnd(level, k);
      if (end < 0 || level.slice(k, end).some((item) => typeof item === 'string' && alignment.has(item))) continue;
      level.splice(end - 1, 0, '\\right');
      level.splice(k, 0, '\\left');
      changed = true;
    }
  }
  return changed;
};

/** Drops \left/\right/\middle (and null delimiters); not when \over could change its scope. */
function removeLeftRight(root: Node[]): boolean {
  if (containsAny(root, new Set(['\\over', '\\choose', '\\atop']))) return false;
  let changed = false;
  for (const level of mathLevels(root)) {
    for (let k = level.length - 1; k >= 0; k--) {
      if (level[k] !== '\\left' && level[k] !== '\\right' && level[k] !== '\\middle') continue;
      const delimiter = level[k + 1];
      const replacement = delimiter === '.' ? [] : delimiter === '<' ? ['\\langle'] : delimiter === '>' ? ['\\rangle'] : undefined;
      level.splice(k, replacement ? 2 : 1, ...(replacement ?? []));
      changed = true;
    }
  }
  return changed;
}

const transforms: Record<VariantTransform, Transform> = {
  'rename-variables': renameVariables,
  'index-letters': changeIndexLetter,
  'bold-style': boldStyle,
  'fraction-style': fractionStyle,
  'reorder-sum': reorderSum,
  'reorder-product': reorderProduct,
  'left-right': leftRight,
  cdot,
  'relation-synonyms': relationSynonyms,
};

/** Applies one transform; undefined when it does not apply to this formula (or it is nested too deep). */
export function applyTransform(tokens: readonly Token[], transform: VariantTransform, random: Random): Token[] | undefined {
  const root = parseGroups(tokens);
  if (!root || !transforms[transform](root, random)) return undefined;
  return flatten(root);
}

export interface VariantOptions {
  /** How many variants to try for (fewer come back when few transforms apply). */
  count: number;
  seed: number;
  /** Most transforms chained in one variant. */
  maxTransforms?: number;
  /** The transforms to draw from (default: all). */
  allowed?: readonly VariantTransform[];
}

/** Distinct notation variants of a formula, each different from it and from one another. */
export function generateVariants(tokens: readonly Token[], options: VariantOptions): Variant[] {
  const random = seededRandom(options.seed);
  const allowed = options.allowed ?? variantTransforms;
  const maxTransforms = options.maxTransforms ?? 3;
  const seen = new Set<string>([tokens.join('\u0001')]);
  const variants: Variant[] = [];
  for (let attempt = 0; attempt < options.count * 4 && variants.length < options.count; attempt++) {
    let current: readonly Token[] = tokens;
    const applied: VariantTransform[] = [];
    const steps = 1 + Math.floor(random() * maxTransforms);
    for (const transform of shuffled(allowed, random).slice(0, steps)) {
      const next = applyTransform(current, transform, random);
      if (next) {
        current = next;
        applied.push(transform);
      }
    }
    const key = current.join('\u0001');
    if (applied.length === 0 || seen.has(key)) continue;
    seen.add(key);
    variants.push({ tokens: current.slice(), transforms: applied });
  }
  return variants;
}
