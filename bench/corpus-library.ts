// Corpus documents written back as a library folder, for the benches that index or train on one: a LaTeX
// folder per paper (preamble with its macros, sections, each formula in its environment) and a .bib.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readCorpus, type CorpusRecord as FullCorpusRecord } from '../src/core/render/corpus';
import { corpusPath } from '../test/helpers/paths';

export interface CorpusRecord {
  source: string;
  id: string;
  title: string | null;
  authors: string[] | null;
  year: number | null;
  macros: string;
  formulas: { latex: string; env: string; section: string; inline: boolean }[];
}

/** Environments whose body the corpus keeps without the arguments `\begin{…}` needs. */
const environmentArguments: Record<string, string> = { alignat: '{9}', 'alignat*': '{9}' };

/** The LaTeX a formula had in its paper, as near as its record tells. */
function formulaSource(formula: CorpusRecord['formulas'][number]): string {
  if (formula.inline) return `$${formula.latex}$`;
  if (formula.env === '$$') return `$$${formula.latex}$$`;
  if (formula.env === '\\[' || !/^[a-zA-Z*]+$/.test(formula.env)) return `\\[${formula.latex}\\]`;
  return `\\begin{${formula.env}}${environmentArguments[formula.env] ?? ''}\n${formula.latex}\n\\end{${formula.env}}`;
}

function paperSource(record: CorpusRecord): string {
  const lines = ['\\documentclass{article}', '\\usepackage{amsmath,amssymb}', record.macros, `\\title{${record.title ?? ''}}`];
  lines.push(`\\author{${(record.authors ?? []).join(' \\and ')}}`, '\\begin{document}', '\\maketitle');
  let section: string | undefined;
  for (const formula of record.formulas) {
    if (formula.section !== section) {
      section = formula.section;
      lines.push(`\\section{${section}}`);
    }
    lines.push('Some text before the formula.', formulaSource(formula), '');
  }
  lines.push('\\end{document}');
  return lines.join('\n');
}

/** `count` records (those `keep` accepts) spread evenly over the corpus, so every source group is represented. */
export function sampleRecords(corpus: string, count: number, keep: (record: CorpusRecord) => boolean = () => true): CorpusRecord[] {
  const records = readFileSync(corpus, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as CorpusRecord).filter(keep);
  const step = records.length / count;
  return Array.from({ length: Math.min(count, records.length) }, (_, i) => records[Math.floor(i * step)]!);
}

/** The records as a library folder: one LaTeX folder per paper and a .bib naming half of them. */
export function writeLibrary(dir: string, records: CorpusRecord[]): void {
  const bib: string[] = [];
  records.forEach((record, i) => {
    const key = `paper${String(i).padStart(4, '0')}`;
    mkdirSync(path.join(dir, key));
    writeFileSync(path.join(dir, key, 'main.tex'), paperSource(record));
    if (i % 2 === 0) {
      bib.push(`@article{${key},\n  title = {${(record.title ?? '').replace(/[{}\\]/g, '')}},\n  year = {${record.year ?? ''}}\n}`);
    }
  });
  writeFileSync(path.join(dir, 'library.bib'), bib.join('\n\n'));
}

/** The shared corpus's records, or undefined after printing why a bench that needs it is skipped. */
export async function readCorpusOrSkip(): Promise<FullCorpusRecord[] | undefined> {
  const corpus = corpusPath();
  if (!corpus) {
    console.log('skipped: needs ../shared/corpus/papers.jsonl (or FORMULA_LENS_CORPUS)');
    return undefined;
  }
  return readCorpus(corpus);
}
