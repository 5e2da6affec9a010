// A PDF formula's glyphs written back as LaTeX, so that the lexical and structure signals, which read LaTeX
// tokens, compare a PDF paper's formulas with a LaTeX query. Not the author's source: the symbols it can name
// (Greek, operators, relations, blackboard and calligraphic capitals, function names set upright), scripts from
// the glyphs' sizes and heights, fractions from the rules with glyphs above and below. What it cannot tell apart
// (spacing, `\left`/`\right`, alignment points) is left out.
import { operatorNames } from '../latex/canonical';
import { isMathFont } from './glyphs';
import type { Glyph, PdfFormula, Rule } from './types';

const COMMANDS: Record<string, string> = {
  α: '\\alpha', β: '\\beta', γ: '\\gamma', δ: '\\delta', ε: '\\varepsilon', ϵ: '\\epsilon', ζ: '\\zeta', η: '\\eta',
  θ: '\\theta', ϑ: '\\vartheta', ι: '\\iota', κ: '\\kappa', λ: '\\lambda', μ: '\\mu', µ: '\\mu', ν: '\\nu', ξ: '\\xi',
  π: '\\pi', ϖ: '\\varpi', ρ: '\\rho', ϱ: '\\varrho', σ: '\\sigma', ς: '\\varsigma', τ: '\\tau', υ: '\\upsilon',
  φ: '\\varphi', ϕ: '\\phi', χ: '\\chi', ψ: '\\psi', ω: '\\omega', Γ: '\\Gamma', Δ: '\\Delta', Θ: '\\Theta',
  Λ: '\\Lambda', Ξ: '\\Xi', Π: '\\Pi', Σ: '\\Sigma', Υ: '\\Upsilon', Φ: '\\Phi', Ψ: '\\Psi', Ω: '\\Omega',
  '−': '-', '∗': '\\ast', '·': '\\cdot', '⋅': '\\cdot', '×': '\\times', '÷': '\\div', '±': '\\pm', '∓': '\\mp',
  '∘': '\\circ', '⊗': '\\otimes', '⊕': '\\oplus', '⊙': '\\odot', '∧': '\\wedge', '∨': '\\vee', '∩': '\\cap',
  '∪': '\\cup', '∖': '\\setminus', '†': '\\dagger', '⋆': '\\star',
  '≤': '\\leq', '≥': '\\geq', '≠': '\\neq', '≈': '\\approx', '≡': '\\equiv', '∼': '\\sim', '≃': '\\simeq',
  '≅': '\\cong', '∝': '\\propto', '≪': '\\ll', '≫': '\\gg', '≺': '\\prec', '≻': '\\succ', '⪯': '\\preceq',
  '⩽': '\\leq', '⩾': '\\geq', '≜': '\\triangleq', '≔': '\\coloneqq', '∈': '\\in', '∉': '\\notin', '∋': '\\ni',
  '⊂': '\\subset', '⊆': '\\subseteq', '⊃': '\\supset', '⊇': '\\supseteq', '⊥': '\\perp', '∣': '|', '∥': '\\|',
  '‖': '\\|', '→': '\\rightarrow', '←': '\\leftarrow', '↦': '\\mapsto', '⇒': '\\Rightarrow', '⇐': '\\Leftarrow',
  '⇔': '\\Leftrightarrow', '↔': '\\leftrightarrow', '⟶': '\\longrightarrow', '↑': '\\uparrow', '↓': '\\downarrow',
  '∑': '\\sum', '∏': '\\prod', '∐': '\\coprod', '∫': '\\int', '∮': '\\oint', '⋃': '\\bigcup', '⋂': '\\bigcap',
  '⨁': '\\bigoplus', '⨂': '\\bigotimes', '⋀': '\\bigwedge', '⋁': '\\bigvee', '⨆': '\\bigsqcup',
  '∇': '\\nabla', '∂': '\\partial', '∞': '\\infty', '∅': '\\emptyset', '∀': '\\forall', '∃': '\\exists',
  '¬': '\\neg', 'ℓ': '\\ell', 'ℏ': '\\hbar', '′': "'", '⟨': '\\langle', '⟩': '\\rangle', '⌊': '\\lfloor',
  '⌋': '\\rfloor', '⌈': '\\lceil', '⌉': '\\rceil', '{': '\\{', '}': '\\}', '…': '\\dots', '⋯': '\\cdots',
  '√': '\\sqrt', 'ℝ': '\\mathbb{R}', 'ℂ': '\\mathbb{C}', 'ℕ': '\\mathbb{N}', 'ℚ': '\\mathbb{Q}', 'ℤ': '\\mathbb{Z}',
  'ℍ': '\\mathbb{H}', 'ℙ': '\\mathbb{P}', 'ℬ': '\\mathcal{B}', 'ℰ': '\\mathcal{E}', 'ℱ': '\\mathcal{F}',
  'ℋ': '\\mathcal{H}', 'ℐ': '\\mathcal{I}', 'ℒ': '\\mathcal{L}', 'ℳ': '\\mathcal{M}', 'ℛ': '\\mathcal{R}',
  '%': '\\%', '#': '\\#', '&': '\\&', _: '\\_', $: '\\$', '\\': '\\backslash', '^': '\\hat{}', '~': '\\sim',
};

const BIG_OPERATORS = new Set(['∑', '∏', '∐', '∫', '∮', '⋃', '⋂', '⨁', '⨂', '⋀', '⋁', '⨆']);

/** Mathematical Alphanumeric Symbols (U+1D400–1D7FF): the letter or digit, with the alphabet's command. */
function mathAlphanumeric(code: number): string | undefined {
  if (code >= 0x1d7ce && code <= 0x1d7ff) return String((code - 0x1d7ce) % 10);
  if (code < 0x1d400 || code > 0x1d6a3) return undefined;
  const alphabet = Math.floor((code - 0x1d400) / 52);
  const offset = (code - 0x1d400) % 52;
  const letter = String.fromCharCode(offset < 26 ? 0x41 + offset : 0x61 + offset - 26);
  // Bold, italic, bold italic, script, bold script, fraktur, double-struck, bold fraktur, sans…, monospace.
  const wrap = ['\\mathbf', '', '\\mathbf', '\\mathcal', '\\mathcal', '\\mathfrak', '\\mathbb', '\\mathfrak', '\\mathsf', '\\mathsf', '\\mathsf', '\\mathsf', '\\mathtt'][alphabet];
  return wrap ? `${wrap}{${letter}}` : letter;
}

function symbolLatex(text: string): string {
  const code = text.codePointAt(0) ?? 0;
  return COMMANDS[text] ?? mathAlphanumeric(code) ?? (/^[\p{L}\p{N}]$/u.test(text) || /^[-+=<>()[\]|/!?.,;:'*@]$/.test(text) ? text : '');
}

/** A letter set in a text font (`\mathrm`, `\operatorname`, `\text`): one of a run that may spell a name. */
const isUprightLetter = (glyph: Glyph) => /^[A-Za-z]$/.test(glyph.text) && !isMathFont(glyph.font);

const middle = (glyph: Glyph) => (glyph.box.bottom + glyph.box.top) / 2;

/** Whether `script` sits above `base` (a superscript, an upper limit) rather than below it. */
function isAbove(script: Glyph, base: Glyph): boolean {
  if (BIG_OPERATORS.has(base.text)) {
    if (script.box.bottom >= base.box.top - 0.2 * base.size) return true;
    if (script.box.top <= base.box.bottom + 0.2 * base.size) return false;
    return middle(script) > middle(base);
  }
  return script.baseline > base.baseline + 0.02 * base.size;
}

/** A horizontal rule thin enough for a fraction bar or a radical's overline. */
const isBar = (rule: Rule, em: number) => rule.box.top - rule.box.bottom < 0.15 * em && rule.box.right - rule.box.left > 0.3 * em;

/**
 * The glyphs over (or under) a bar: centred within it, the nearest within 0.6 em of it, and the glyphs within
 * 0.4 em of those (a numerator's scripts, a nested fraction).
 */
function besideBar(bar: Rule, glyphs: Glyph[], em: number, side: 'over' | 'under'): Glyph[] {
  const candidates = glyphs.filter((glyph) => {
    const centre = (glyph.box.left + glyph.box.right) / 2;
    const over = glyph.box.bottom >= bar.box.top - 0.1 * em;
    return centre >= bar.box.left - 0.1 * em && centre <= bar.box.right + 0.1 * em && over === (side === 'over');
  });
  const gap = (a: { bottom: number; top: number }, b: { bottom: number; top: number }) => Math.max(0, a.bottom - b.top, b.bottom - a.top);
  const group = new Set(candidates.filter((glyph) => gap(glyph.box, bar.box) < 0.6 * em));
  for (let grown = true; grown; ) {
    grown = false;
    for (const glyph of candidates) {
      if (!group.has(glyph) && [...group].some((member) => gap(glyph.box, member.box) < 0.4 * em)) group.add(glyph), (grown = true);
    }
  }
  return glyphs.filter((glyph) => group.has(glyph));
}

/**
 * TeX writes a display operator's upper limit before the operator (its box stacks limit, operator, lower limit from
 * the top): moved after it, the limit is read as the operator's script rather than the previous symbol's.
 */
function limitsAfterOperators(glyphs: Glyph[]): Glyph[] {
  const ordered = [...glyphs];
  for (let k = 0; k < ordered.length; k++) {
    const operator = ordered[k]!;
    if (!BIG_OPERATORS.has(operator.text)) continue;
    let start = k;
    while (start > 0) {
      const limit = ordered[start - 1]!;
      const centre = (limit.box.left + limit.box.right) / 2;
      const above = limit.box.bottom >= operator.box.top - 0.2 * operator.size && centre >= operator.box.left - 0.2 * operator.size && centre <= operator.box.right + 0.2 * operator.size;
      if (!above || limit.size >= 0.9 * operator.size) break;
      start--;
    }
    if (start < k) ordered.splice(start, k - start + 1, operator, ...ordered.slice(start, k));
  }
  return ordered;
}

/** The glyphs (in content-stream order) as LaTeX, the bars among `bars` read as fractions and radicals. */
function write(glyphs: Glyph[], bars: Rule[], em: number): string {
  const parts: string[] = [];
  const used = new Set<Glyph>();
  let base: Glyph | undefined;
  let scripts: { above: string[]; below: string[] } = { above: [], below: [] };
  const closeScripts = () => {
    if (scripts.below.length) parts.push(`_{${scripts.below.join(' ')}}`);
    if (scripts.above.length) parts.push(`^{${scripts.above.join(' ')}}`);
    scripts = { above: [], below: [] };
  };
  for (let i = 0; i < glyphs.length; i++) {
    const glyph = glyphs[i]!;
    if (used.has(glyph)) continue;
    // The widest bar beside this glyph first, so that a fraction in a numerator is written inside its fraction.
    const free = () => glyphs.filter((other) => !used.has(other));
    const radical = parts[parts.length - 1] === '\\sqrt';
    // TeX writes a fraction's numerator and denominator one after the other: what follows them is not theirs.
    const contiguous = (beside: Set<Glyph>) => {
      let end = i;
      while (end < glyphs.length && (beside.has(glyphs[end]!) || used.has(glyphs[end]!))) end++;
      return new Set(glyphs.slice(i, end));
    };
    const centre = (glyph.box.left + glyph.box.right) / 2;
    const written = bars
      .filter((bar) => centre >= bar.box.left - 0.1 * em && centre <= bar.box.right + 0.1 * em)
      .map((bar) => {
        const [over, under] = [besideBar(bar, free(), em, 'over'), besideBar(bar, free(), em, 'under')];
        const run = contiguous(new Set([...over, ...under]));
        return { bar, over: over.filter((other) => run.has(other)), under: under.filter((other) => run.has(other)) };
      })
      .filter(({ over, under }) => (over.includes(glyph) || under.includes(glyph)) && (radical ? under.length > 0 : over.length > 0 && under.length > 0))
      .sort((a, b) => b.bar.box.right - b.bar.box.left - (a.bar.box.right - a.bar.box.left))[0];
    if (written) {
      const { bar, over, under } = written;
      const rest = bars.filter((rule) => rule !== bar);
      closeScripts();
      if (radical) {
        under.forEach((other) => used.add(other));
        parts[parts.length - 1] = `\\sqrt{${write(under, rest, em)}}`;
      } else {
        [...over, ...under].forEach((other) => used.add(other));
        parts.push(`\\frac{${write(over, rest, em)}}{${write(under, rest, em)}}`);
      }
      base = undefined;
      continue;
    }
    const text = symbolLatex(glyph.text);
    if (!text) continue;
    if (base && glyph.size < 0.9 * base.size) {
      (isAbove(glyph, base) ? scripts.above : scripts.below).push(text);
      continue;
    }
    closeScripts();
    base = glyph;
    if (isUprightLetter(glyph)) {
      // A run of upright letters set close together is a name: \exp, or \mathrm{softmax}.
      let end = i + 1;
      while (end < glyphs.length && isUprightLetter(glyphs[end]!) && !used.has(glyphs[end]!) && Math.abs(glyphs[end]!.baseline - glyph.baseline) < 0.1 * em && glyphs[end]!.box.left - glyphs[end - 1]!.box.right < 0.2 * em) end++;
      if (end - i >= 2) {
        const name = glyphs.slice(i, end).map((letter) => letter.text).join('');
        parts.push(operatorNames.has(name) ? `\\${name}` : `\\mathrm{${name}}`);
        base = glyphs[end - 1];
        i = end - 1;
        continue;
      }
    }
    // Three dots in a row are an ellipsis.
    if ((glyph.text === '.' || glyph.text === '·') && glyphs[i + 1]?.text === glyph.text && glyphs[i + 2]?.text === glyph.text) {
      parts.push(glyph.text === '.' ? '\\dots' : '\\cdots');
      i += 2;
      continue;
    }
    parts.push(text);
  }
  closeScripts();
  return parts.join(' ').replace(/ (?=[_^])/g, '');
}

/**
 * The formula as LaTeX, rows one after the other: `θt+1 = θt − η∇L(θt)` becomes
 * `\theta_{t + 1} = \theta_{t} - \eta \nabla L ( \theta_{t} )`.
 */
export function formulaLatex(formula: Pick<PdfFormula, 'glyphs' | 'rules' | 'emSize'>): string {
  const em = formula.emSize;
  const glyphs = limitsAfterOperators([...formula.glyphs].sort((a, b) => a.order - b.order));
  const bars = formula.rules.filter((rule) => isBar(rule, em));
  return write(glyphs, bars, em).trim();
}
