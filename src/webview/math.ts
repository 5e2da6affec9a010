// Typesets formulas for the results view with KaTeX: untrusted input (index contents), so no
// \href/\url/\includegraphics links (trust: false), bounded macro expansion and sizes, and on any
// KaTeX error the escaped LaTeX source instead of a broken view. Runs in the browser and in Node (tests).
import katex from 'katex';
import { escapeHtml } from './escape';
import type { ViewFormula } from './protocol';

type KatexMacros = Record<string, string>;

const limits = { maxExpand: 500, maxSize: 20 } as const;

// LaTeX and plain TeX commands papers use that KaTeX lacks (measured on the corpus, see bench/editor):
// close equivalents, so those formulas typeset instead of falling back to source.
const latexCompat: KatexMacros = {
  '\\mbox': '\\text{#1}',
  '\\ensuremath': '#1',
  '\\eqno': '\\qquad',
  '\\leqno': '\\qquad',
  '\\mathds': '\\mathbb{#1}',
  '\\pmatrix': '\\begin{pmatrix}#1\\end{pmatrix}',
  '\\matrix': '\\begin{matrix}#1\\end{matrix}',
  '\\slash': '/',
};

// Multi-line environment bodies (the corpus keeps the body, not \begin…\end) wrapped in the
// KaTeX environment that typesets them the same way.
const bodyWrappers: Record<string, [string, string]> = {
  align: ['\\begin{aligned}', '\\end{aligned}'],
  flalign: ['\\begin{aligned}', '\\end{aligned}'],
  alignat: ['\\begin{aligned}', '\\end{aligned}'],
  split: ['\\begin{aligned}', '\\end{aligned}'],
  eqnarray: ['\\begin{array}{rcl}', '\\end{array}'],
  gather: ['\\begin{gathered}', '\\end{gathered}'],
  multline: ['\\begin{gathered}', '\\end{gathered}'],
};

/** The KaTeX source for a formula body from environment `env`. */
export function katexSource(latex: string, env: string | undefined): string {
  const wrapper = env ? bodyWrappers[env.replace(/\*$/, '')] : undefined;
  return wrapper ? `${wrapper[0]}${latex}${wrapper[1]}` : latex;
}

/**
 * Rewrites the definitions KaTeX lacks into \newcommand: \DeclareMathOperator(*) and
 * \DeclarePairedDelimiter. Other lines pass through unchanged.
 */
export function katexDefinition(line: string): string {
  const operator = /^\\DeclareMathOperator(\*?)\s*\{?\s*(\\[A-Za-z]+)\s*\}?\s*\{(.*)\}\s*$/.exec(line);
  if (operator) return `\\newcommand{${operator[2]}}{\\operatorname${operator[1]}{${operator[3]}}}`;
  const paired = /^\\DeclarePairedDelimiter\s*\{?\s*(\\[A-Za-z]+)\s*\}?\s*\{(.*?)\}\s*\{(.*)\}\s*$/.exec(line);
  if (paired) return `\\newcommand{${paired[1]}}[1]{\\left${paired[2]} #1 \\right${paired[3]}}`;
  return line;
}

/**
 * KaTeX macros from a block of definitions (one per line). Each line is defined on its own, so
 * one definition KaTeX cannot read costs only that macro, never the whole paper.
 */
export function compileMacros(definitions: string): KatexMacros {
  const macros: KatexMacros = { ...latexCompat };
  for (const line of definitions.split('\n')) {
    const definition = katexDefinition(line.trim());
    if (!definition) continue;
    // KaTeX predefines names LaTeX does not (\R, \argmin, …): a document's \newcommand of one replaces it.
    if (!defineMacro(definition, macros)) defineMacro(definition.replace(/^\\newcommand\b/, '\\renewcommand'), macros);
  }
  return macros;
}

/** Runs one definition into `macros`; false when KaTeX cannot read it (formulas using it fall back). */
function defineMacro(definition: string, macros: KatexMacros): boolean {
  try {
    katex.renderToString(definition, { ...limits, macros, globalGroup: true, throwOnError: true, trust: false });
    return true;
  } catch {
    return false;
  }
}

/** Renders formulas to HTML, caching each distinct macros block once. */
export class MathRenderer {
  private readonly macroCache = new Map<string, KatexMacros>();

  render(formula: ViewFormula): string {
    // The version with the matched symbols coloured when KaTeX takes it, else the formula as written.
    for (const latex of formula.highlightedLatex ? [formula.highlightedLatex, formula.latex] : [formula.latex]) {
      const source = katexSource(latex, formula.env);
      const withMacros = this.tryRender(source, formula.display, this.macros(formula.macros));
      // A broken or hostile macro must not hide a formula that typesets without it (LaTeX Workshop's retry).
      const html = withMacros ?? (formula.macros ? this.tryRender(source, formula.display, latexCompat) : undefined);
      if (html) return html;
    }
    return `<code class="latex-source" title="KaTeX could not typeset this formula">${escapeHtml(formula.latex)}</code>`;
  }

  private macros(definitions: string): KatexMacros {
    let macros = this.macroCache.get(definitions);
    if (!macros) {
      macros = compileMacros(definitions);
      this.macroCache.set(definitions, macros);
    }
    return macros;
  }

  private tryRender(source: string, displayMode: boolean, macros: KatexMacros): string | undefined {
    try {
      // KaTeX writes \gdef definitions into `macros`; a copy keeps the cached set clean.
      return katex.renderToString(source, {
        ...limits,
        displayMode,
        macros: { ...macros },
        throwOnError: true,
        trust: false,
        strict: 'ignore',
        output: 'htmlAndMathml',
      });
    } catch {
      return undefined;
    }
  }
}
