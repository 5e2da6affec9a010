// Symbol layout trees (Tangent's SLT) of formulas, built from the canonicalizer's tokens (macros expanded,
// synonyms unified, `a/b` as `\frac{a}{b}`): the symbols of a formula and how they are placed — next on the
// baseline, above (superscript), below (subscript), over/under a fraction bar, within a radical, element of
// a matrix or case. Symbols are typed (V variable, N number, C constant, O operator, R relation, F
// function, L large operator, G fence, P punctuation, T text, X anything else); a style (`\mathbf{x}`,
// `\hat{y}`) is an attribute of its symbol, so bold and plain variables meet.
//
// Layouts that mean the same get one shape here: `\exp(z)` is `e^{z}`, `\operatorname{div}` is `\nabla\cdot`,
// `\partial_t u` and `\frac{\partial}{\partial t} u` are `\frac{\partial u}{\partial t}`, `\sqrt{x}` is
// `x^{\frac{1}{2}}` and `\frac{1}{x^{a}}` is `x^{-a}`, `:=`/`\leftarrow`/`\coloneqq` are one assignment
// relation. Rows of aligned environments are trees of their own. Our own parser rather than MathJax's:
// it reads the tokens the other signals already have, in about 0.1 ms a formula (MathJax's TeX input
// alone takes over 1 ms), and it is total: any token list gives a tree.
import { canonicalize } from './canonical';
import { tokenizeFormula, type Token } from './tokenize';

export type SymbolType = 'V' | 'N' | 'C' | 'O' | 'R' | 'F' | 'L' | 'G' | 'P' | 'T' | 'X';
/** next, above, below, over, under, within, element. */
export type Relation = 'n' | 'a' | 'b' | 'o' | 'u' | 'w' | 'e';

export interface LayoutNode {
  /** The symbol as the index keys it: `x` for `\mathbf{x}`, `\frac` for a fraction, `12` for a number. */
  symbol: string;
  type: SymbolType;
  /** Presentation kept apart from the symbol: `\mathbf`, `\hat`, … */
  style?: string;
  edges: [Relation, LayoutNode][];
}

/** Formulas longer than this many tokens are cut (an aligned derivation of pages): bounded time. */
export const maxStructureTokens = 4000;
/** Nesting deeper than this is read flat. */
const maxDepth = 60;

const greek = new Set(
  'alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell'
    .split(' ')
    .map((name) => '\\' + name),
);
const constants = new Set(['\\infty', '\\emptyset', '\\varnothing', '\\hbar', '\\imath', '\\jmath', '\\aleph', '\\top', '\\bot']);
const largeOperators = new Set(
  ['sum', 'prod', 'coprod', 'int', 'iint', 'iiint', 'oint', 'bigcup', 'bigcap', 'bigoplus', 'bigotimes', 'bigvee', 'bigwedge', 'lim', 'limsup', 'liminf', 'sup', 'inf', 'max', 'min', 'argmax', 'argmin'].map(
    (name) => '\\' + name,
  ),
);
const functions = new Set(
  ['sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'sinh', 'cosh', 'tanh', 'coth', 'arcsin', 'arccos', 'arctan', 'log', 'ln', 'lg', 'exp', 'det', 'dim', 'ker', 'deg', 'gcd', 'hom', 'arg', 'Pr', 'tr', 'Tr', 'diag', 'rank', 'sgn', 'sign'].map(
    (name) => '\\' + name,
  ),
);
const relations = new Set([
  '=', '<', '>', '\\leq', '\\geq', '\\neq', '\\approx', '\\equiv', '\\sim', '\\simeq', '\\cong', '\\propto', '\\in', '\\notin', '\\ni', '\\subset',
  '\\subseteq', '\\supset', '\\supseteq', '\\rightarrow', '\\leftarrow', '\\mapsto', '\\Rightarrow', '\\Leftarrow', '\\Leftrightarrow', '\\leftrightarrow',
  '\\implies', '\\iff', '\\ll', '\\gg', '\\prec', '\\succ', '\\preceq', '\\succeq', '\\perp', '\\parallel', '\\mid', '\\models', '\\vdash',
  '\\triangleq', '\\coloneqq', '\\doteq', '\\defeq', '\\longrightarrow', '\\longmapsto', ':=', '\\asymp',
]);
/** Relations that give a name a value: one class in the typed tuples (`x \leftarrow …` meets `x_{t+1} = …`). */
const assignments = new Set(['=', '\\leftarrow', ':=', '\\coloneqq', '\\triangleq', '\\doteq', '\\defeq', '\\equiv']);
const fences = new Set(['(', ')', '[', ']', '\\{', '\\}', '|', '\\|', '\\langle', '\\rangle', '\\lfloor', '\\rfloor', '\\lceil', '\\rceil']);
const punctuation = new Set([',', ';', '.', ':', '\\ldots', '\\cdots', '\\dots', '\\vdots', '\\ddots', '!', '?']);
/** One-argument commands that style their argument's symbols. */
const styles = new Set([
  '\\mathbf', '\\boldsymbol', '\\bm', '\\mathit', '\\mathsf', '\\mathtt', '\\vec', '\\hat', '\\widehat', '\\tilde', '\\widetilde', '\\bar',
  '\\overline', '\\underline', '\\dot', '\\ddot', '\\check', '\\breve', '\\acute', '\\grave', '\\mathring', '\\overrightarrow', '\\mathcal',
  '\\mathscr', '\\mathfrak', '\\pmb',
]);
/** One-argument commands whose argument is a name or a constant set (`\mathbb{R}`, `\mathrm{d}`, `\text{KL}`). */
const literals = new Set(['\\mathbb', '\\mathrm', '\\operatorname', '\\text', '\\textrm', '\\textit', '\\textbf', '\\mathop', '\\textsf', '\\texttt']);
/** Environments whose rows are separate trees (a derivation's lines). */
const rowEnvironments = /^(aligned|align|alignat|eqnarray|gather|gathered|split|multline|flalign|equation|array|subequations)\*?$/;
/** Operator names written out that are the same as a symbol. */
const operatorSynonyms = new Map<string, Token[]>([
  ['div', ['\\nabla', '\\cdot']],
  ['grad', ['\\nabla']],
  ['curl', ['\\nabla', '\\times']],
  ['rot', ['\\nabla', '\\times']],
  ['softmax', ['\\softmax']],
  ['trace', ['\\tr']],
  ['Tr', ['\\tr']],
  ['tr', ['\\tr']],
  ['argmax', ['\\argmax']],
  ['argmin', ['\\argmin']],
  ['arg\\max', ['\\argmax']],
  ['E', ['\\E']],
  ['KL', ['\\KL']],
]);

/** Functions the operator synonyms above name (`\\operatorname{softmax}` → `\\softmax`); `\\argmax`/`\\argmin` are large operators. */
const namedFunctions = new Set(['\\softmax', '\\E', '\\KL']);

type Item = Token | Item[];

/** Brace groups as nested arrays; unbalanced braces are tolerated (an extra `}` is dropped). */
function groups(tokens: readonly Token[]): Item[] {
  const root: Item[] = [];
  const stack: Item[][] = [root];
  for (const token of tokens) {
    if (token === '{') {
      const group: Item[] = [];
      stack[stack.length - 1].push(group);
      stack.push(group); // depth is bounded where the groups are read
    } else if (token === '}') {
      if (stack.length > 1) stack.pop();
    } else stack[stack.length - 1].push(token);
  }
  return root;
}

function node(symbol: string, type: SymbolType, style?: string): LayoutNode {
  return style ? { symbol, type, style, edges: [] } : { symbol, type, edges: [] };
}

export function symbolType(token: Token): SymbolType {
  if (/^[A-Za-z]$/.test(token) || greek.has(token)) return 'V';
  if (/^[0-9.]+$/.test(token)) return 'N';
  if (constants.has(token)) return 'C';
  if (relations.has(token)) return 'R';
  if (fences.has(token)) return 'G';
  if (punctuation.has(token)) return 'P';
  if (largeOperators.has(token)) return 'L';
  if (functions.has(token) || namedFunctions.has(token)) return 'F';
  if (/^[+\-*/]$/.test(token) || /^\\(cdot|times|pm|mp|circ|otimes|oplus|odot|ast|star|bullet|wedge|vee|cap|cup|setminus|nabla|partial|neg|div|prime)$/.test(token)) return 'O';
  if (token.startsWith('\\')) return 'X';
  return token.length === 1 && /\p{L}/u.test(token) ? 'V' : 'X';
}

/** The index after the number whose first digit is at `i`: digits, with decimal points between digits (one N symbol). */
export function numberEnd(items: readonly unknown[], i: number): number {
  const isDigit = (item: unknown) => typeof item === 'string' && /^[0-9]$/.test(item);
  let next = i + 1;
  while (isDigit(items[next]) || (items[next] === '.' && isDigit(items[next + 1]))) next++;
  return next;
}

/** Whether a (canonical) command styles its argument's symbols (`\mathbf`, `\hat`): the symbols keep their keys. */
export function isStyleCommand(token: Token): boolean {
  return styles.has(token);
}

/** Whether a (canonical) command makes its argument one symbol (`\mathbb{R}`, `\operatorname{softmax}`, `\text{if}`). */
export function isLiteralCommand(token: Token): boolean {
  return literals.has(token);
}

/** Reads one argument: a group's items, or the single item at `i` (a bare token). */
function argument(items: readonly Item[], i: number): { items: Item[]; next: number } {
  const item = items[i];
  if (item === undefined) return { items: [], next: i };
  return { items: Array.isArray(item) ? item : [item], next: i + 1 };
}

/** The letters of a literal argument (`\operatorname{s o f t m a x}` → `softmax`). */
function literalText(items: readonly Item[]): string {
  return items.map((item) => (Array.isArray(item) ? literalText(item) : item)).join('');
}

class LayoutParser {
  private budget = maxStructureTokens * 4;

  /** A row of items as the baseline's atoms, in order; scripts and arguments hang off them. */
  row(items: readonly Item[], depth: number): LayoutNode[] {
    const atoms: LayoutNode[] = [];
    if (depth > maxDepth) return atoms;
    for (let i = 0; i < items.length; ) {
      if (--this.budget < 0) break;
      i = this.atom(items, i, atoms, depth);
    }
    return atoms;
  }

  /** Reads the atom at `i` into `atoms` (or attaches a script to the last one); returns the next index. */
  private atom(items: readonly Item[], i: number, atoms: LayoutNode[], depth: number): number {
    const item = items[i];
    if (Array.isArray(item)) {
      atoms.push(...this.row(item, depth + 1));
      return i + 1;
    }
    if (item === '^' || item === '_' || item === "'") {
      const base = atoms[atoms.length - 1] ?? pushed(atoms, node('', 'X'));
      if (item === "'") {
        base.edges.push(['a', node('\\prime', 'O')]);
        return i + 1;
      }
      const script = argument(items, i + 1);
      const chain = this.chain(this.row(script.items, depth + 1));
      if (chain) base.edges.push([item === '^' ? 'a' : 'b', chain]);
      if (item === '^' && base.symbol === 'e' && base.type === 'V') base.type = 'C'; // e^{…}: Euler's number
      return script.next;
    }
    if (item === '\\frac' || item === '\\binom') {
      const over = argument(items, i + 1);
      const under = argument(items, over.next);
      const fraction = this.fraction(item, over.items, under.items, items, under.next, depth);
      atoms.push(fraction.atom);
      return fraction.next;
    }
    if (item === '\\sqrt') {
      let next = i + 1;
      let index: Item[] | undefined;
      if (items[next] === '[') {
        const close = items.indexOf(']', next);
        if (close > next) {
          index = items.slice(next + 1, close) as Item[];
          next = close + 1;
        }
      }
      const radicand = argument(items, next);
      const inner = this.row(radicand.items, depth + 1);
      if (!index && inner.length === 1) {
        // √x as x^{1/2}, so that 1/√x and x^{-1/2} meet
        inner[0].edges.push(['a', fractionNode(node('1', 'N'), node('2', 'N'))]);
        atoms.push(inner[0]);
      } else {
        const root = node('\\sqrt', 'O');
        const chain = this.chain(inner);
        if (chain) root.edges.push(['w', chain]);
        const indexChain = index && this.chain(this.row(index, depth + 1));
        if (indexChain) root.edges.push(['a', indexChain]);
        atoms.push(root);
      }
      return radicand.next;
    }
    if (styles.has(item)) {
      const styled = argument(items, i + 1);
      const inner = this.row(styled.items, depth + 1);
      for (const atom of inner) if (!atom.style) atom.style = item;
      atoms.push(...inner);
      return styled.next;
    }
    if (literals.has(item)) {
      const literal = argument(items, i + 1);
      const text = literalText(literal.items);
      const synonym = operatorSynonyms.get(text);
      if (synonym) atoms.push(...synonym.map((token) => node(token, symbolType(token))));
      else if (item === '\\mathbb') atoms.push(node(text, 'C', item));
      else if (text.length === 1) atoms.push(node(text, symbolType(text) === 'V' ? 'V' : symbolType(text), item === '\\mathrm' || item === '\\operatorname' ? undefined : item));
      else if (item.startsWith('\\text')) atoms.push(node(text, 'T'));
      else atoms.push(node('\\' + text, 'F'));
      return literal.next;
    }
    if (item === '\\exp') {
      // \exp(z), \exp{z}, \exp z → e^{z}
      const e = node('e', 'C');
      let next = i + 1;
      let argumentItems: Item[] = [];
      if (items[next] === '(') {
        const close = matchingClose(items, next);
        argumentItems = items.slice(next + 1, close) as Item[];
        next = close + 1;
      } else {
        const single = argument(items, next);
        argumentItems = single.items;
        next = single.next;
      }
      const chain = this.chain(this.row(argumentItems, depth + 1));
      if (chain) e.edges.push(['a', chain]);
      atoms.push(e);
      return next;
    }
    if (item === '\\partial' && items[i + 1] === '_') {
      // ∂_t u → \frac{∂u}{∂t}
      const by = argument(items, i + 2);
      const operand: LayoutNode[] = [];
      const after = by.next < items.length ? this.atom(items, by.next, operand, depth + 1) : by.next;
      if (operand.length > 0) {
        atoms.push(fractionNode(this.chain([node('\\partial', 'O'), ...operand])!, this.chain([node('\\partial', 'O'), ...this.row(by.items, depth + 1)])!));
        return after;
      }
    }
    if (typeof item === 'string' && item.startsWith('\\begin{')) return this.environment(items, i, atoms, depth);
    if (item === ':' && items[i + 1] === '=') {
      atoms.push(node(':=', 'R'));
      return i + 2;
    }
    if (/^[0-9]$/.test(item)) {
      const next = numberEnd(items, i);
      atoms.push(node(items.slice(i, next).join(''), 'N'));
      return next;
    }
    atoms.push(node(item, symbolType(item)));
    return i + 1;
  }

  /** `\frac{a}{b}`, with `\frac{∂}{∂t} u` → `\frac{∂u}{∂t}` and `\frac{1}{x^a}` → `x^{-a}`. */
  private fraction(command: string, overItems: Item[], underItems: Item[], items: readonly Item[], next: number, depth: number): { atom: LayoutNode; next: number } {
    let over = this.row(overItems, depth + 1);
    const under = this.row(underItems, depth + 1);
    const isDifferential = (atom: LayoutNode | undefined) => atom !== undefined && (atom.symbol === '\\partial' || atom.symbol === 'd') && atom.edges.length === 0;
    if (command === '\\frac' && over.length === 1 && isDifferential(over[0]) && isDifferential(under[0]) && next < items.length) {
      const operand: LayoutNode[] = [];
      const after = this.atom(items, next, operand, depth + 1);
      if (operand.length > 0 && operand[0].type !== 'R' && operand[0].type !== 'O') {
        over = [...over, ...operand];
        next = after;
      }
    }
    if (command === '\\frac' && over.length === 1 && over[0].symbol === '1' && under.length === 1 && under[0].type !== 'N') {
      const base = under[0];
      const exponent = base.edges.find(([relation]) => relation === 'a');
      const negated = node('-', 'O');
      if (exponent) {
        negated.edges.push(['n', exponent[1]]);
        exponent[1] = negated;
      } else {
        negated.edges.push(['n', node('1', 'N')]);
        base.edges.push(['a', negated]);
      }
      return { atom: base, next };
    }
    const fraction = node(command, 'O');
    const overChain = this.chain(over);
    const underChain = this.chain(under);
    if (overChain) fraction.edges.push(['o', overChain]);
    if (underChain) fraction.edges.push(['u', underChain]);
    return { atom: fraction, next };
  }

  /** An environment: aligned rows become siblings joined by `e`; matrices and cases hold their cells. */
  private environment(items: readonly Item[], i: number, atoms: LayoutNode[], depth: number): number {
    const name = (items[i] as string).slice(7, -1);
    let end = i + 1;
    let nesting = 0;
    for (; end < items.length; end++) {
      const item = items[end];
      if (typeof item !== 'string') continue;
      if (item.startsWith('\\begin{')) nesting++;
      else if (item.startsWith('\\end{') && nesting-- === 0) break;
    }
    let body = items.slice(i + 1, end) as Item[];
    if (/^(array|alignat)/.test(name) && Array.isArray(body[0])) body = body.slice(1); // column spec / count
    const rows = splitTopLevel(body, '\\\\').map((row) => splitTopLevel(row, '&'));
    if (rowEnvironments.test(name)) {
      // a derivation: each row one baseline (its cells joined), the rows as elements of one another
      const chains = rows.map((cells) => this.chain(this.row(cells.flat(), depth + 1))).filter((chain): chain is LayoutNode => chain !== undefined);
      const holder = node(`\\rows`, 'X');
      for (const chain of chains) holder.edges.push(['e', chain]);
      if (chains.length === 1) atoms.push(...chainAtoms(chains[0]));
      else if (chains.length > 1) atoms.push(holder);
    } else {
      const holder = node(`\\${name.replace(/\*$/, '')}`, 'G');
      for (const cells of rows) {
        for (const cell of cells) {
          const chain = this.chain(this.row(cell, depth + 1));
          if (chain) holder.edges.push(['e', chain]);
        }
      }
      atoms.push(holder);
    }
    return end + 1;
  }

  /** Links atoms along the baseline; returns the first. */
  chain(atoms: LayoutNode[]): LayoutNode | undefined {
    for (let k = 0; k + 1 < atoms.length; k++) atoms[k].edges.push(['n', atoms[k + 1]]);
    return atoms[0];
  }
}

function pushed(atoms: LayoutNode[], atom: LayoutNode): LayoutNode {
  atoms.push(atom);
  return atom;
}

function fractionNode(over: LayoutNode, under: LayoutNode): LayoutNode {
  const fraction = node('\\frac', 'O');
  fraction.edges.push(['o', over], ['u', under]);
  return fraction;
}

/** The atoms of a chain, following its `n` edges (the chain is unlinked again). */
function chainAtoms(first: LayoutNode): LayoutNode[] {
  const atoms: LayoutNode[] = [];
  for (let atom: LayoutNode | undefined = first; atom; ) {
    atoms.push(atom);
    const link = atom.edges.findIndex(([relation]) => relation === 'n');
    if (link < 0) break;
    const next: LayoutNode = atom.edges[link][1];
    atom.edges.splice(link, 1);
    atom = next;
  }
  return atoms;
}

function matchingClose(items: readonly Item[], open: number): number {
  let depth = 0;
  for (let k = open; k < items.length; k++) {
    if (items[k] === '(') depth++;
    else if (items[k] === ')' && --depth === 0) return k;
  }
  return items.length;
}

/** Splits at `separator` outside nested environments (their rows are their own). */
function splitTopLevel(items: readonly Item[], separator: string): Item[][] {
  const parts: Item[][] = [[]];
  let nesting = 0;
  for (const item of items) {
    if (typeof item === 'string' && item.startsWith('\\begin{')) nesting++;
    else if (typeof item === 'string' && item.startsWith('\\end{')) nesting = Math.max(0, nesting - 1);
    if (item === separator && nesting === 0) parts.push([]);
    else parts[parts.length - 1].push(item);
  }
  return parts.filter((part) => part.length > 0);
}

/**
 * The formula's layout trees: one for the whole formula; a formula with several rows (an aligned
 * derivation, `a = b \\ c = d`) has them as `e` children of a `\rows` root, so each row is also found alone.
 */
export function layoutTree(tokens: readonly Token[]): LayoutNode | undefined {
  const parser = new LayoutParser();
  const rows = splitTopLevel(groups(tokens.slice(0, maxStructureTokens)), '\\\\').map((row) => splitTopLevel(row, '&').flat());
  const chains = rows.map((row) => parser.chain(parser.row(row, 0))).filter((chain): chain is LayoutNode => chain !== undefined);
  if (chains.length <= 1) return chains[0];
  const holder = node('\\rows', 'X');
  for (const chain of chains) holder.edges.push(['e', chain]);
  return holder;
}

/** The layout tree of a formula as written (macros expanded and canonicalized), or undefined when it has no symbols. */
export function formulaLayout(latex: string, macros = ''): LayoutNode | undefined {
  const tokenized = tokenizeFormula(latex, macros);
  if (!tokenized.ok) return undefined;
  return layoutTree(canonicalize(tokenized.tokens));
}

/** A symbol as the index keys it: type and symbol (`V!x`), the style apart. */
export function symbolKey(atom: Pick<LayoutNode, 'type' | 'symbol'>): string {
  return `${atom.type}!${atom.symbol}`;
}

/** The same with variables and numbers reduced to their type and assignments to one class, so renamed ones meet. */
export function typedKey(atom: Pick<LayoutNode, 'type' | 'symbol'>): string {
  if (atom.type === 'V' || atom.type === 'N') return `${atom.type}!*`;
  if (atom.type === 'R' && assignments.has(atom.symbol)) return 'R!:=';
  return symbolKey(atom);
}

/** Whether a symbol may be unified with another of its type (θ ↔ x, 2 ↔ 3) when two formulas are aligned. */
export function isUnifiable(type: SymbolType): boolean {
  return type === 'V' || type === 'N';
}

/** A pair of symbols within the window: `from`, then `to` reached along `path` (relations, e.g. `nb`). */
export interface SymbolPair {
  from: LayoutNode;
  to: LayoutNode;
  path: string;
}

/** Tuples per formula are capped (a 40-line derivation would flood the postings); rows come first. */
export const maxPairsPerFormula = 3000;

/** Every symbol pair of the tree within `window` edges (Tangent's tuples), parent before descendant. */
export function symbolPairs(root: LayoutNode, window: number): SymbolPair[] {
  const pairs: SymbolPair[] = [];
  const visit = (from: LayoutNode, at: LayoutNode, path: string) => {
    for (const [relation, child] of at.edges) {
      if (pairs.length >= maxPairsPerFormula) return;
      const childPath = path + relation;
      if (from.symbol !== '\\rows' && child.symbol !== '\\rows') pairs.push({ from, to: child, path: childPath });
      if (childPath.length < window) visit(from, child, childPath);
    }
  };
  for (const atom of layoutNodes(root)) {
    if (pairs.length >= maxPairsPerFormula) break;
    visit(atom, atom, '');
  }
  return pairs;
}

/** The nodes of a tree, depth first (iterative: a long baseline is a deep chain). */
export function layoutNodes(root: LayoutNode): LayoutNode[] {
  const nodes: LayoutNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const atom = stack.pop()!;
    nodes.push(atom);
    for (let k = atom.edges.length - 1; k >= 0; k--) stack.push(atom.edges[k][1]);
  }
  return nodes;
}

/** The tree in one line, `symbol[relation:child …]`, styles left out: what tests and notes compare. */
export function layoutString(root: LayoutNode | undefined): string {
  if (!root) return '';
  const parts: string[] = [];
  const stack: (LayoutNode | string)[] = [root];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      parts.push(item);
      continue;
    }
    parts.push(item.symbol);
    if (item.edges.length === 0) continue;
    const rest: (LayoutNode | string)[] = ['['];
    item.edges.forEach(([relation, child], k) => rest.push(`${k > 0 ? ' ' : ''}${relation}:`, child));
    rest.push(']');
    for (let k = rest.length - 1; k >= 0; k--) stack.push(rest[k]);
  }
  return parts.join('');
}

/** A node of the operator tree: an operator or relation with its operands, or a symbol (no children). */
export interface OperatorNode {
  label: string;
  children: OperatorNode[];
}

const additive = new Set(['+', '-', '\\pm', '\\mp']);
const multiplicative = new Set(['\\cdot', '\\times', '*', '/', '\\circ', '\\otimes', '\\odot', '\\ast']);
const prefixOperators = new Set(['\\nabla', '\\partial', '\\neg']);

/**
 * The operator tree of a layout tree, as far as its layout tells (Approach0's view): relations over sums over
 * products over prefix operators over application, scripts and fractions. Operands are ordered as written; what
 * does not parse stays a flat product of its atoms.
 */
export function operatorTree(root: LayoutNode): OperatorNode {
  if (root.symbol === '\\rows') return { label: 'rows', children: root.edges.map(([, child]) => operatorTree(child)) };
  return expression(chainOf(root), 0);
}

function chainOf(first: LayoutNode): LayoutNode[] {
  const atoms: LayoutNode[] = [];
  for (let atom: LayoutNode | undefined = first; atom && atoms.length < maxStructureTokens; ) {
    atoms.push(atom);
    atom = atom.edges.find(([relation]) => relation === 'n')?.[1];
  }
  return atoms;
}

function childChain(atom: LayoutNode, relation: Relation): LayoutNode[] | undefined {
  const child = atom.edges.find(([edge]) => edge === relation)?.[1];
  return child && chainOf(child);
}

function leaf(atom: LayoutNode): OperatorNode {
  return { label: typedKey(atom), children: [] };
}

function splitAt(atoms: LayoutNode[], isSeparator: (atom: LayoutNode) => boolean): { parts: LayoutNode[][]; separators: LayoutNode[] } {
  const parts: LayoutNode[][] = [[]];
  const separators: LayoutNode[] = [];
  let depth = 0;
  for (const atom of atoms) {
    if (atom.type === 'G' && /^(\(|\[|\\\{|\\langle)$/.test(atom.symbol)) depth++;
    else if (atom.type === 'G' && /^(\)|\]|\\\}|\\rangle)$/.test(atom.symbol)) depth = Math.max(0, depth - 1);
    if (depth === 0 && isSeparator(atom)) {
      separators.push(atom);
      parts.push([]);
    } else parts[parts.length - 1]!.push(atom);
  }
  return { parts, separators };
}

function expression(atoms: LayoutNode[], depth: number): OperatorNode {
  if (depth > maxDepth || atoms.length === 0) return { label: 'empty', children: [] };
  const relations = splitAt(atoms, (atom) => atom.type === 'R');
  if (relations.separators.length > 0) {
    const label = typedKey(relations.separators[0]!);
    return { label, children: relations.parts.filter((part) => part.length > 0).map((part) => expression(part, depth + 1)) };
  }
  const sums = splitAt(atoms, (atom) => atom.type === 'O' && additive.has(atom.symbol));
  if (sums.separators.length > 0) {
    const children = sums.parts.flatMap((part, i) => {
      if (part.length === 0) return [];
      const term = expression(part, depth + 1);
      return [i > 0 && sums.separators[i - 1]!.symbol === '-' ? { label: 'neg', children: [term] } : term];
    });
    return children.length === 1 ? children[0]! : { label: '+', children };
  }
  const products = splitAt(atoms, (atom) => atom.type === 'O' && multiplicative.has(atom.symbol));
  const factors = products.parts.flatMap((part) => factorsOf(part, depth));
  return factors.length === 1 ? factors[0]! : { label: '×', children: factors };
}

/** Juxtaposed factors: prefix operators apply to what follows, a name followed by a parenthesis is applied to it. */
function factorsOf(atoms: LayoutNode[], depth: number): OperatorNode[] {
  const out: OperatorNode[] = [];
  for (let i = 0; i < atoms.length; i++) {
    const atom = atoms[i]!;
    if (atom.type === 'G' && atom.symbol === '(') {
      const close = matchingFence(atoms, i);
      out.push(expression(atoms.slice(i + 1, close), depth + 1));
      i = close;
      continue;
    }
    if (atom.type === 'L' || (atom.type === 'O' && prefixOperators.has(atom.symbol))) {
      // a prefix operator (∇, ∂, Σ, ∫ …) takes the rest of the product as its operand
      const operand = factorsOf(atoms.slice(i + 1), depth + 1);
      const limits = ['b', 'a'].flatMap((relation) => childChain(atom, relation as Relation) ?? []).length > 0
        ? [expression(['b', 'a'].flatMap((relation) => childChain(atom, relation as Relation) ?? []), depth + 1)]
        : [];
      out.push({ label: typedKey(atom), children: [...limits, operand.length === 1 ? operand[0]! : { label: '×', children: operand }] });
      return out;
    }
    let node = scripted(atom, depth);
    if ((atom.type === 'V' || atom.type === 'F') && atoms[i + 1]?.symbol === '(') {
      const close = matchingFence(atoms, i + 1);
      node = { label: 'apply', children: [node, expression(atoms.slice(i + 2, close), depth + 1)] };
      i = close;
    }
    out.push(node);
  }
  return out;
}

function matchingFence(atoms: LayoutNode[], open: number): number {
  let depth = 0;
  for (let k = open; k < atoms.length; k++) {
    if (atoms[k]!.symbol === '(') depth++;
    else if (atoms[k]!.symbol === ')' && --depth === 0) return k;
  }
  return atoms.length;
}

/** An atom with its scripts and arguments: power, index, fraction, radical. */
function scripted(atom: LayoutNode, depth: number): OperatorNode {
  const part = (relation: Relation) => {
    const chain = childChain(atom, relation);
    return chain && expression(chain, depth + 1);
  };
  let node: OperatorNode =
    atom.symbol === '\\frac' ? { label: 'frac', children: [part('o') ?? leaf(atom), part('u') ?? leaf(atom)] }
    : atom.symbol === '\\sqrt' ? { label: 'sqrt', children: [part('w') ?? leaf(atom)] }
    : leaf(atom);
  const index = atom.symbol === '\\frac' || atom.symbol === '\\sqrt' ? undefined : part('b');
  if (index) node = { label: 'index', children: [node, index] };
  const power = atom.symbol === '\\sqrt' ? undefined : part('a');
  if (power) node = { label: 'power', children: [node, power] };
  return node;
}

/** Leaf-root paths of an operator tree: each leaf with its first `length` ancestors' labels, for every length up to `longest`. */
export function leafRootPaths(tree: OperatorNode, longest: number): string[] {
  const paths: string[] = [];
  const visit = (node: OperatorNode, ancestors: string[]) => {
    if (paths.length > maxPairsPerFormula) return;
    if (node.children.length === 0) {
      for (let length = 1; length <= Math.min(longest, ancestors.length); length++) paths.push(`${node.label}<${ancestors.slice(0, length).join('<')}`);
      return;
    }
    for (const child of node.children) visit(child, [node.label, ...ancestors]);
  };
  visit(tree, []);
  return paths;
}
