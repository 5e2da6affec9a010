// The canonicalizer: rewrites a formula's token sequence so that notation variants of the same
// mathematics meet (⚡ANSR-style: explicit hand-written rules over tokens, no computer algebra).
// The rule tables live in canonical-rules.json, shared with training/tokenizer.py.
//
// Rules, in order:
//  1. token rules: drop presentation-only tokens (spacing, \displaystyle, \limits, \left/\right and other
//     delimiter sizers with a `.` null delimiter; `\left<` becomes \langle), drop \label/\hspace/\phantom…
//     with their argument, unify synonyms (\dfrac→\frac, \lVert→\|, \le→\leq, \bm→\mathbf, …),
//     `\operatorname{log}`→`\log` for built-in operator names, `\operatorname*`→`\operatorname`,
//     old font switches `{\bf x}`→`{\mathbf{x}}`.
//  2. structure rules, bottom-up over brace groups: `{a \over b}`→`\frac{a}{b}` (and \choose→\binom);
//     `{{x}}`→`{x}`; script arguments of one token lose their braces (`x^{2}`→`x^2`); a subscript comes
//     before its superscript (`x^2_i`→`x_i^2`); standalone groups that only group lose their braces;
//     `A/B` between simple terms becomes `\frac{A}{B}` (parentheses around a whole operand dropped).
//  3. optional: single ASCII letters renamed in order of appearance (a, b, c, … and A, B, C, …),
//     except inside literal arguments (\text, \mathrm, \operatorname, \mathbb, array column specs).
// Total (never throws), idempotent, linear apart from the bounded group nesting.
import rules from './canonical-rules.json';
import { isControlWord, type Token } from './tokenize';

const dropTokens = new Set<Token>(rules.dropTokens);
const dropWithArgument = new Set<Token>(rules.dropWithArgument);
const delimiterSizers = new Set<Token>(rules.delimiterSizers);
const sizedDelimiters = new Map<Token, Token>(Object.entries(rules.sizedDelimiters));
const synonyms = new Map<Token, Token>(Object.entries(rules.synonyms));
const fontSwitches = new Map<Token, Token>(Object.entries(rules.fontSwitches));
const operatorWrappers = new Set<Token>(rules.operatorWrappers);
/** Function names TeX sets upright that have a command of their own (`\sin`, `\log`, …). */
export const operatorNames: ReadonlySet<string> = new Set<string>(rules.operatorNames);
const generalizedFractions = new Map<Token, Token>(Object.entries(rules.generalizedFractions));
const scopeBreakers = new Set<Token>(rules.scopeBreakers);
const termBoundaries = new Set<Token>(rules.termBoundaries);
const termEnds = new Set<Token>(rules.termEnds);
const literalArguments = new Set<Token>(rules.literalArguments);
// `x_{\max}` must keep its braces: KaTeX refuses an operator as a bare script
const operatorCommands = new Set<Token>(rules.operatorNames.map((name) => '\\' + name));

/** Groups nested deeper than this are left as rule 1 made them (keeps recursion bounded). */
const maxStructureDepth = 200;

export interface CanonicalOptions {
  /** Rename single-letter variables in order of appearance (rule 3). */
  renameVariables?: boolean;
}

export function canonicalize(tokens: readonly Token[], options: CanonicalOptions = {}): Token[] {
  const rewritten = applyTokenRules(tokens);
  const tree = parseGroups(rewritten);
  const structured = tree ? flatten(simplifyList(tree)) : rewritten;
  return options.renameVariables ? renameVariables(structured) : structured;
}

/** One token as rule 1 unifies it (`\gets` → `\leftarrow`, `\bm` → `\mathbf`). */
export function canonicalToken(token: Token): Token {
  return synonyms.get(token) ?? token;
}

// ---------------------------------------------------------------------------------------------
// Rule 1: token rules

/** Index after the group opening at `open`, or tokens.length when it never closes. */
function groupEnd(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i] === '{') depth++;
    else if (tokens[i] === '}' && --depth === 0) return i + 1;
  }
  return tokens.length;
}

/** The built-in operator spelled by `{ l o g }` at `open`, with the index after it, or undefined. */
function spelledOperator(tokens: readonly Token[], open: number): [Token, number] | undefined {
  if (tokens[open] !== '{') return undefined;
  let name = '';
  for (let i = open + 1; i < tokens.length && i < open + 9; i++) {
    const token = tokens[i];
    if (token === '}') return operatorNames.has(name) ? ['\\' + name, i + 1] : undefined;
    if (token.length !== 1 || !/[A-Za-z]/.test(token)) return undefined;
    name += token;
  }
  return undefined;
}

function applyTokenRules(tokens: readonly Token[]): Token[] {
  return spellOperators(convertFontSwitches(dropAndUnify(tokens)));
}

/** Drops presentation-only tokens (and unmatched `}`: canonical output is balanced) and unifies synonyms. */
function dropAndUnify(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '{') depth++;
    else if (token === '}' && --depth < 0) {
      depth = 0;
      continue;
    }
    if (dropTokens.has(token)) {
      // `x^a\ ^b` must not become the double superscript `x^a^b`: an empty base keeps them apart
      if (isScript(tokens[i + 1]) && endsWithScript(out)) out.push('{', '}');
      continue;
    }
    if (dropWithArgument.has(token)) {
      let next = i + 1;
      if (tokens[next] === '*') next++;
      if (tokens[next] === '{') next = groupEnd(tokens, next);
      i = next - 1;
    } else if (delimiterSizers.has(token)) {
      const next = tokens[i + 1];
      if (next === '.') i++;
      else if (next === '[' && out[out.length - 1] === '\\\\') out.push('{', '}'); // `\\[` would read an optional argument
      else if (next !== undefined && sizedDelimiters.has(next)) {
        out.push(sizedDelimiters.get(next)!);
        i++;
      }
    } else if (token === '*' && out[out.length - 1] === '\\operatorname') {
      continue; // \operatorname* only moves limits
    } else out.push(synonyms.get(token) ?? token);
  }
  return out;
}

/** Whether the tokens end with a complete script (`^a`, `_{ab}`). */
function endsWithScript(tokens: readonly Token[]): boolean {
  let k = tokens.length - 1;
  if (tokens[k] === '}') {
    for (let depth = 0; k >= 0; k--) {
      if (tokens[k] === '}') depth++;
      else if (tokens[k] === '{' && --depth === 0) break;
    }
  }
  return isScript(tokens[k - 1]);
}

/** `{\bf x}` → `{\mathbf{x}}` and `\bf{x}` → `\mathbf{x}`; text-mode arguments keep their switches. */
function convertFontSwitches(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  const extraCloses: number[] = []; // indices of `}` before which one more `}` closes a converted switch
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    while (extraCloses.length > 0 && extraCloses[extraCloses.length - 1] === i) {
      extraCloses.pop();
      out.push('}');
    }
    const previous = out[out.length - 1];
    const inText = previous !== undefined && previous.startsWith('\\text');
    const chained = tokens[i + 2] === '{' || fontSwitches.has(tokens[i + 2]); // `{\rm\bf Z}` stays as written
    const groupFont = token === '{' && !inText && !chained ? fontSwitches.get(tokens[i + 1]) : undefined;
    if (groupFont !== undefined) {
      const end = groupEnd(tokens, i);
      out.push('{', groupFont, '{');
      if (tokens[end - 1] === '}') extraCloses.push(end - 1);
      i++;
      continue;
    }
    const font = fontSwitches.get(token);
    out.push(font !== undefined && tokens[i + 1] === '{' && !inText ? font : token);
  }
  return out;
}

/** `\operatorname{log}`, `\mathrm{log}`, `\text{log}` → `\log` for built-in operator names. */
function spellOperators(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const operator = operatorWrappers.has(token) ? spelledOperator(tokens, i + 1) : undefined;
    if (operator) {
      const previous = out[out.length - 1];
      if (previous === '^' || previous === '_') out.push('{', operator[0], '}');
      else out.push(operator[0]);
      i = operator[1] - 1;
    } else out.push(token);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 2: structure rules over brace groups

/** A token, or a brace group (its items; the braces are implicit). */
export type Node = Token | Node[];

/** Brace groups as nested arrays (unmatched `}` are skipped); unclosed groups close at the end; undefined when too deep. */
export function parseGroups(tokens: readonly Token[]): Node[] | undefined {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const token of tokens) {
    if (token === '{') {
      if (stack.length > maxStructureDepth) return undefined;
      const group: Node[] = [];
      stack[stack.length - 1].push(group);
      stack.push(group);
    } else if (token === '}') {
      if (stack.length > 1) stack.pop(); // rule 1 already dropped unmatched ones
    } else stack[stack.length - 1].push(token);
  }
  return root;
}

export function flatten(items: readonly Node[], out: Token[] = []): Token[] {
  for (const item of items) {
    if (typeof item === 'string') out.push(item);
    else {
      out.push('{');
      flatten(item, out);
      out.push('}');
    }
  }
  return out;
}

export const isScript = (node: Node | undefined): boolean => node === '^' || node === '_';
export const isGroup = (node: Node | undefined): node is Node[] => Array.isArray(node);

function isLetterOrDigit(token: Token): boolean {
  if (token.length !== 1) return false;
  const code = token.charCodeAt(0);
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

const isDigit = (node: Node | undefined): boolean => typeof node === 'string' && node.length === 1 && node >= '0' && node <= '9';

/** Simplifies a group's items (children first); returns the new item list. */
function simplifyList(input: Node[]): Node[] {
  // literal arguments (`\text{m/s}`, array column specs) are kept as written
  let items = input.map((item, k) => {
    const previous = input[k - 1];
    if (!isGroup(item) || (typeof previous === 'string' && literalArguments.has(previous))) return item;
    return simplifyGroup(item);
  });
  items = convertGeneralizedFraction(items);
  items = simplifyScriptsAndBraces(items);
  return convertSlashes(items);
}

/** A group's items simplified; a group holding only a group is that group (`{{x}}`→`{x}`). */
function simplifyGroup(items: Node[]): Node[] {
  let simplified = simplifyList(items);
  while (simplified.length === 1 && isGroup(simplified[0])) simplified = simplified[0];
  return simplified;
}

/** A new group must not start with an old font switch: rule 1 would rewrite it on the next run. */
function startsWithFontSwitch(items: readonly Node[]): boolean {
  const first = items[0];
  return typeof first === 'string' && fontSwitches.has(first);
}

/** `a \over b` (exactly one at this level, no alignment) → `\frac{a}{b}`. */
function convertGeneralizedFraction(items: Node[]): Node[] {
  let at = -1;
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (typeof item !== 'string') continue;
    if (generalizedFractions.has(item)) {
      if (at >= 0) return items;
      at = k;
    } else if (item === '&' || item === '\\\\' || item === '\\atop' || item === '\\above') return items;
  }
  if (at < 0 || startsWithFontSwitch(items) || startsWithFontSwitch(items.slice(at + 1))) return items;
  const command = generalizedFractions.get(items[at] as Token)!;
  return [command, simplifyGroup(items.slice(0, at)), simplifyGroup(items.slice(at + 1))];
}

/** Whether a standalone group's braces only group (removing them renders the same). */
function bracesOnlyGroup(group: Node[], beforePrevious: Node | undefined, previous: Node | undefined, next: Node | undefined): boolean {
  if (group.length === 0) return false; // `{}` positions scripts (`C^a{}_b`) and stands as an empty base
  if (previous !== undefined) {
    if (typeof previous !== 'string') return false; // may be a further argument (`\frac{a}{b}`)
    if (previous.charCodeAt(0) === 92 || isScript(previous) || previous === ']') return false;
    // `\frac1{\sqrt2}`: the group is the second argument of a command whose first was one token
    if (typeof beforePrevious === 'string' && isControlWord(beforePrevious)) return false;
  }
  const first = group[0];
  const last = group[group.length - 1];
  if (isScript(first) || first === "'" || isScript(last)) return false;
  for (const item of group) if (typeof item === 'string' && scopeBreakers.has(item)) return false;
  // `{a+b}^2` is not `a+b^2`; a single token takes the script either way
  if (isScript(next) || next === "'") return group.length === 1 && typeof first === 'string';
  return true;
}

function simplifyScriptsAndBraces(items: Node[]): Node[] {
  subscriptsFirst(items);
  const out: Node[] = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (isScript(item)) {
      out.push(item);
      const argument = items[k + 1];
      if (isGroup(argument) && argument.length === 1 && typeof argument[0] === 'string') {
        const only = argument[0];
        if (isLetterOrDigit(only) || (isControlWord(only) && !operatorCommands.has(only))) {
          out.push(only);
          k++;
          continue;
        }
      }
      if (argument !== undefined) out.push(argument);
      k++;
      continue;
    }
    if (isGroup(item) && bracesOnlyGroup(item, out[out.length - 2], out[out.length - 1], items[k + 1])) out.push(...item);
    else out.push(item);
  }
  return out;
}

/** `x^a_b` → `x_b^a` in place: a run of exactly one superscript then one subscript. */
function subscriptsFirst(items: Node[]): void {
  for (let k = 0; k + 3 < items.length; k++) {
    const prime = items[k - 1] === "'"; // `f'^a_b`: the prime is a superscript already
    const subscript = items[k + 3];
    const following = items[k + 4];
    const subscriptTakesArgument = // `^i_\mathcal{A}`, `^i_\mathfrak m`
      typeof subscript === 'string' && isControlWord(subscript) &&
      (isGroup(following) || (typeof following === 'string' && isLetterOrDigit(following)));
    if (
      items[k] === '^' && items[k + 2] === '_' && !prime && !subscriptTakesArgument &&
      !isScript(items[k + 4]) && (k < 2 || !isScript(items[k - 2]))
    ) {
      const superscript = items[k + 1];
      items[k] = '_';
      items[k + 1] = items[k + 3];
      items[k + 2] = '^';
      items[k + 3] = superscript;
      k += 3;
    }
  }
}

/** A term's base may be a letter, digit run, symbol command, group or parenthesised run. */
function isTermToken(node: Node): boolean {
  if (typeof node !== 'string') return true;
  if (isLetterOrDigit(node)) return true;
  return isControlWord(node) && !termBoundaries.has(node) && !termEnds.has(node) && !generalizedFractions.has(node);
}

/** Start index of the term ending just before `end` (exclusive), or -1. */
function termStart(items: readonly Node[], end: number): number {
  let k = end - 1;
  while (k >= 2 && isScript(items[k - 1])) k -= 2;
  if (k < 0) return -1;
  const base = items[k];
  if (base === ')') {
    let depth = 0;
    for (let j = k; j >= 0; j--) {
      if (items[j] === ')') depth++;
      else if (items[j] === '(' && --depth === 0) return j;
    }
    return -1;
  }
  if (isDigit(base)) {
    while (k > 0 && (isDigit(items[k - 1]) || (items[k - 1] === '.' && isDigit(items[k - 2])))) k -= items[k - 1] === '.' ? 2 : 1;
    return k;
  }
  return isTermToken(base) ? k : -1;
}

/** End index (exclusive) of the term starting at `start`, or -1. */
function termEnd(items: readonly Node[], start: number): number {
  const base = items[start];
  if (base === undefined) return -1;
  let k = start + 1;
  if (base === '(') {
    let depth = 0;
    k = -1;
    for (let j = start; j < items.length; j++) {
      if (items[j] === '(') depth++;
      else if (items[j] === ')' && --depth === 0) {
        k = j + 1;
        break;
      }
    }
    if (k < 0) return -1;
  } else if (isDigit(base)) {
    while (isDigit(items[k]) || (items[k] === '.' && isDigit(items[k + 1]))) k++;
  } else if (!isTermToken(base)) return -1;
  while (isScript(items[k]) && k + 1 < items.length) k += 2;
  return k;
}

/** A fraction operand: a whole group's or parenthesised run's contents, or the term itself. */
function operand(term: Node[]): Node[] {
  if (term.length === 1 && isGroup(term[0])) return term[0];
  if (term.length > 2 && term[0] === '(' && term[term.length - 1] === ')' && termEnd(term, 0) === term.length) {
    return simplifyGroup(term.slice(1, -1));
  }
  return simplifyGroup(term); // `{\mu}_\ell` as a whole operand is `\mu_\ell`
}

/** `A/B` between simple terms (bounded by operators or the group's ends) → `\frac{A}{B}`. */
function convertSlashes(items: Node[]): Node[] {
  if (!items.includes('/')) return items;
  const out: Node[] = []; // converted so far: a left operand is found here, so `(a/b)/c` converts fully
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    out.push(item);
    if (item !== '/' || k === 0) continue;
    const slash = out.length - 1;
    const start = termStart(out, slash);
    if (start < 0) continue;
    const before = out[start - 1];
    if (start > 0 && !(typeof before === 'string' && termBoundaries.has(before))) continue;
    const end = termEnd(items, k + 1);
    if (end < 0) continue;
    const after = items[end];
    if (end < items.length && !(typeof after === 'string' && termEnds.has(after))) continue;
    const numerator = operand(out.slice(start, slash));
    const denominator = operand(items.slice(k + 1, end));
    if (startsWithFontSwitch(numerator) || startsWithFontSwitch(denominator)) continue;
    out.length = start;
    out.push('\\frac', numerator, denominator);
    k = end - 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 3: variable renaming

function renameVariables(tokens: readonly Token[]): Token[] {
  const names = new Map<Token, Token>();
  let lower = 0;
  let upper = 0;
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (literalArguments.has(token) && tokens[i + 1] === '{') {
      const end = groupEnd(tokens, i + 1);
      for (let j = i; j < end; j++) out.push(tokens[j]);
      i = end - 1;
      continue;
    }
    const code = token.length === 1 ? token.charCodeAt(0) : 0;
    const isLower = code >= 97 && code <= 122;
    if (!isLower && !(code >= 65 && code <= 90)) {
      out.push(token);
      continue;
    }
    let renamed = names.get(token);
    if (renamed === undefined) {
      renamed = String.fromCharCode(isLower ? 97 + lower++ : 65 + upper++);
      names.set(token, renamed);
    }
    out.push(renamed);
  }
  return out;
}
