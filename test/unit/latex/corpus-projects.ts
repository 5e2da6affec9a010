// Writes corpus records back into small multi-file LaTeX projects, so extraction can be checked
// (and benchmarked) on real author-written formulas: macros in a macros.tex or a .sty, the body
// split over \input/\include files, one per section, formulas in their original environments.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { normalizeFormula } from '../../../src/core/latex';
import { plainText } from '../../../src/core/latex/metadata';
import { displayEnvironments } from '../../../src/core/latex/scan';

export interface CorpusRecord {
  id: string;
  source: string;
  title: string | null;
  authors: string[];
  macros: string;
  formulas: { latex: string; env: string; section: string | null; inline: boolean }[];
}

/** What the extractor should recover from a written project, in document order. */
export interface ExpectedFormula {
  latex: string;
  env: string;
  section: string;
}

/** A section title LaTeX can carry: % escaped, braces dropped unless balanced. */
function headingText(title: string): string {
  const escaped = title.replace(/(^|[^\\])%/g, '$1\\%');
  let depth = 0;
  for (const char of escaped) depth += char === '{' ? 1 : char === '}' ? (depth > 0 ? -1 : 1000) : 0;
  return depth === 0 ? escaped : escaped.replace(/[{}]/g, '');
}

export const escapeText = (text: string) => text.replace(/[\\{}]/g, ' ').replace(/[%&#_$^~]/g, (char) => '\\' + char);

/** Whether a body holds a display environment's own begin/end, `\\]` or `$$`: not writable as one formula. */
function holdsDisplayDelimiter(latex: string): boolean {
  const environments = /\\(?:begin|end)\s*\{\s*([A-Za-z]+\*?)\s*\}/g;
  return latex.includes('$$') || latex.includes('\\]') || [...latex.matchAll(environments)].some((match) => displayEnvironments.has(match[1]!));
}

/** The written form of one formula, or undefined when LaTeX cannot carry it unchanged. */
function writeFormula(latex: string, env: string): { source: string; env: string } | undefined {
  if (/(^|[^\\])(\\\\)*%/.test(latex)) return undefined; // an unescaped % (Markdown sources) would become a comment
  if (/(^|[^\\])(\\\\)*\\\s*$/.test(latex)) return undefined; // a damaged body ending in a lone backslash
  if (holdsDisplayDelimiter(latex)) return undefined; // damaged bodies that swallowed their neighbours
  if (env === 'inline') {
    const written = latex.includes('\\)') ? `$${latex}$` : `\\(${latex}\\)`;
    return { source: `The value ${written} appears inline.`, env: 'inline' };
  }
  if (env === '$$') return { source: `$$\n${latex}\n$$`, env };
  if (env === '\\[' || env.startsWith('display')) return { source: `\\[\n${latex}\n\\]`, env: '\\[' };
  const argument = env.startsWith('alignat') ? '{2}' : '';
  return { source: `\\begin{${env}}${argument}\n${latex}\n\\end{${env}}`, env };
}

/**
 * Writes `record` as a project into `folder` (which must not exist yet); `variant` varies the
 * layout (macros in macros.tex or a .sty; \input with or without .tex, or \include). Returns the
 * formulas the extractor should find, with the same normalisation applied to the record's text.
 */
export function writeProject(record: CorpusRecord, folder: string, variant: number): ExpectedFormula[] {
  mkdirSync(path.join(folder, 'sections'), { recursive: true });
  const inSty = variant % 2 === 1;
  const preamble = ['\\documentclass{article}', '\\usepackage{amsmath,amssymb}'];
  if (inSty) {
    writeFileSync(path.join(folder, 'paper-macros.sty'), `\\ProvidesPackage{paper-macros}\n${record.macros}\n\\endinput\n`);
    preamble.push('\\usepackage{paper-macros}');
  } else {
    writeFileSync(path.join(folder, 'macros.tex'), `% macros of ${record.id}\n${record.macros}\n`);
    preamble.push('\\input{macros}');
  }
  preamble.push(`\\title{${escapeText(record.title ?? '')}}`, `\\author{${record.authors.map(escapeText).join(' \\and ')}}`);

  const expected: ExpectedFormula[] = [];
  const parts: { heading: string; lines: string[] }[] = [];
  let section = ''; // the heading in effect, as the extractor reports it
  for (const formula of record.formulas) {
    const written = writeFormula(formula.latex, formula.env);
    if (!written) continue;
    const heading = headingText(formula.section ?? '');
    if (!parts.length || parts.at(-1)!.heading !== heading) {
      parts.push({ heading, lines: [] });
      if (heading) section = plainText(heading);
    }
    parts.at(-1)!.lines.push('Some prose before the formula.', written.source, 'and after it.', '');
    const latex = normalizeFormula(formula.latex, !formula.inline);
    if (latex && (!formula.inline || latex.length >= 20)) expected.push({ latex, env: written.env, section });
  }
  const body: string[] = [];
  parts.forEach((part, index) => {
    const heading = part.heading ? `\\section{${part.heading}}\n` : '';
    const name = `s${index}`;
    writeFileSync(path.join(folder, 'sections', `${name}.tex`), `${heading}${part.lines.join('\n')}\n`);
    const include = ['\\input{sections/NAME}', '\\input{sections/NAME.tex}', '\\include{sections/NAME}'][(index + variant) % 3]!;
    body.push(include.replace('NAME', name));
  });
  const main = [...preamble, '\\begin{document}', '\\maketitle', ...body, '\\end{document}', ''].join('\n');
  writeFileSync(path.join(folder, 'main.tex'), main);
  return expected;
}
