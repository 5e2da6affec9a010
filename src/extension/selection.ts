// "Search Selection": the selected LaTeX as a formula, its math delimiters (if selected too) removed.
// vscode-free (unit-tested).
import type { FormulaInput } from '../engine/protocol';

const delimiters: { open: RegExp; close: RegExp; display: boolean; env: string }[] = [
  { open: /^\$\$/, close: /\$\$$/, display: true, env: '$$' },
  { open: /^\\\[/, close: /\\\]$/, display: true, env: '\\[' },
  { open: /^\\\(/, close: /\\\)$/, display: false, env: 'inline' },
  { open: /^\$/, close: /\$$/, display: false, env: 'inline' },
];

/** The formula in a selection, or undefined when nothing but whitespace and delimiters is selected. */
export function formulaFromSelection(selected: string, macros: string): FormulaInput | undefined {
  let latex = selected.trim();
  if (/^\$*$/.test(latex)) return undefined; // nothing, or dollar signs only
  let display = true;
  let env = 'equation';
  const environment = /^\\begin\{([A-Za-z]+\*?)\}([\s\S]*)\\end\{\1\}$/.exec(latex);
  if (environment) {
    [, env, latex] = environment as unknown as [string, string, string];
  } else {
    for (const delimiter of delimiters) {
      if (latex.length >= 2 && delimiter.open.test(latex) && delimiter.close.test(latex.replace(delimiter.open, ''))) {
        latex = latex.replace(delimiter.open, '').replace(delimiter.close, '');
        ({ display, env } = delimiter);
        break;
      }
    }
  }
  latex = latex.trim();
  return latex ? { latex, macros, display, env } : undefined;
}
