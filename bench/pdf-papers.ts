// Corpus papers as PDFs for the PDF bench: each record's formulas typeset by pdflatex in a generated
// article (its sections, filler prose with its inline math, its display formulas in their own
// environments), with every display's first and last row marked by \pdfsavepos, so the bench knows
// where on which page each source formula landed. Formulas pdflatex rejects are dropped and the paper
// recompiled. PDFs are cached by the hash of their source, so reruns only read them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CorpusFormula, CorpusRecord } from '../src/core/render/corpus';
import { seededRandom } from '../src/core/seeded-random';

export interface MarkedFormula {
  index: number;
  latex: string;
  env: string;
  page: number;
  /** First row's start and last row's end, in PDF points from the page's lower-left corner. */
  start: { x: number; y: number };
  end: { x: number; y: number };
}

export interface CompiledPaper {
  id: string;
  /** The name of its layout (LAYOUTS). */
  layout: string;
  pdf: string;
  /** The display formulas that typeset without error, where pdflatex put them. */
  displays: MarkedFormula[];
  /** Formulas dropped because pdflatex rejected them. */
  dropped: number;
}

export const TEX_INSTALL_HINT = 'apt-get install -y texlive-latex-extra texlive-science texlive-publishers lmodern';

/** Layouts the papers rotate through: one and two columns, Computer Modern and Latin Modern, 10 and 11 pt. */
export const LAYOUTS = [
  { name: 'article 10pt', preamble: '\\documentclass[10pt]{article}' },
  { name: 'article 10pt two-column', preamble: '\\documentclass[10pt,twocolumn]{article}' },
  { name: 'article 11pt Latin Modern', preamble: '\\documentclass[11pt]{article}\n\\usepackage{lmodern}' },
  { name: 'revtex4-2 (PRL) two-column', preamble: '\\documentclass[twocolumn,aps,prl]{revtex4-2}' },
];

const WORDS = (
  'the of a we model is that in for which this by with as on our from are be an it can at each where these these ' +
  'method result show given data loss function parameter space estimate bound proof follows term order step update ' +
  'sample distribution value error case define consider note see hence thus then assume section below above'
).split(/\s+/);

function prose(next: () => number, words: number, inline: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    out.push(WORDS[Math.floor(next() * WORDS.length)]!);
    if (inline.length > 0 && next() < 0.08) out.push(`$${inline.shift()!}$`);
  }
  return out.join(' ') + '.';
}

const plainTitle = (title: string): string => title.replace(/[^A-Za-z0-9 ,.-]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80) || 'Section';

/** The environment a display is typeset in, and its body as written there. */
function displayEnvironment(formula: CorpusFormula): { begin: string; end: string; body: string } {
  const body = formula.latex.replace(/(\\\\\s*)+$/, '').trim();
  const env = formula.env;
  if (/^(equation|align|gather|multline|flalign|eqnarray)\*?$/.test(env)) return { begin: `\\begin{${env}}`, end: `\\end{${env}}`, body };
  if (/^alignat\*?$/.test(env)) {
    const columns = Math.max(1, ...body.split('\\\\').map((row) => Math.ceil(((row.match(/(?<!\\)&/g)?.length ?? 0) + 1) / 2)));
    return { begin: `\\begin{${env}}{${columns}}`, end: `\\end{${env}}`, body };
  }
  return { begin: '\\[', end: '\\]', body };
}

interface Source {
  tex: string;
  /** Line span of each formula in the .tex (1-based, inclusive), to map pdflatex's errors back. */
  lines: Map<number, [number, number]>;
}

function paperSource(record: CorpusRecord & { sections?: string[] }, keep: (index: number) => boolean, layout: string): Source {
  const next = seededRandom(Number.parseInt(createHash('sha1').update(record.id).digest('hex').slice(0, 8), 16));
  const lines: string[] = [
    layout,
    '\\usepackage{amsmath,amssymb,amsfonts,mathrsfs,bm}',
    '\\newwrite\\flpos\\immediate\\openout\\flpos=\\jobname.pos',
    // A display's first and last row: position and page, written when the page ships out.
    '\\def\\flmark#1{\\pdfsavepos\\write\\flpos{#1 \\thepage\\space\\the\\pdflastxpos\\space\\the\\pdflastypos}}',
    ...(record.macros ?? '').split('\n').filter((line) => line.trim() !== ''),
    '\\begin{document}',
  ];
  const spans = new Map<number, [number, number]>();
  const inline = record.formulas.flatMap((formula, index) => (formula.inline && keep(index) ? [{ index, latex: formula.latex.replace(/\s*\n\s*/g, ' ') }] : []));
  let section: string | null | undefined;
  record.formulas.forEach((formula, index) => {
    if (formula.inline || !keep(index)) return;
    if (formula.section !== section) {
      section = formula.section;
      lines.push(`\\section{${plainTitle(section ?? '')}}`);
    }
    // Prose before each display, with the record's inline math spread through it (each inline formula on its own line).
    const words = 10 + Math.floor(next() * 60);
    const inlineHere = inline.splice(0, next() < 0.5 ? 1 : 0);
    lines.push(prose(next, words, []));
    for (const item of inlineHere) {
      spans.set(item.index, [lines.length + 1, lines.length + 1]);
      lines.push(`$${item.latex}$ ${prose(next, 8, [])}`);
    }
    const { begin, end, body } = displayEnvironment(formula);
    const first = lines.length + 1;
    lines.push(`${begin}\\flmark{s${index}}`, ...body.split('\n'), `\\flmark{e${index}}${end}`);
    spans.set(index, [first, lines.length]);
  });
  lines.push(prose(next, 40, []), '\\end{document}');
  return { tex: lines.join('\n') + '\n', lines: spans };
}

/** Formula indices whose lines pdflatex reported an error on. */
function failedFormulas(log: string, spans: Map<number, [number, number]>): Set<number> {
  const failed = new Set<number>();
  for (const match of log.matchAll(/^!.*?\n(?:.*\n){0,12}?l\.(\d+)/gm)) {
    const line = Number(match[1]);
    for (const [index, [from, to]] of spans) if (line >= from && line <= to + 1) failed.add(index);
  }
  return failed;
}

const SP_TO_BP = 72 / 72.27 / 65536;

function readMarks(posFile: string, record: CorpusRecord, kept: (index: number) => boolean): MarkedFormula[] {
  const marks = new Map<string, { page: number; x: number; y: number }>();
  for (const line of readFileSync(posFile, 'utf8').split('\n')) {
    const [key, page, x, y] = line.trim().split(/\s+/);
    if (key && page && x && y) marks.set(key, { page: Number(page), x: Number.parseInt(x) * SP_TO_BP, y: Number.parseInt(y) * SP_TO_BP });
  }
  const out: MarkedFormula[] = [];
  record.formulas.forEach((formula, index) => {
    const start = marks.get(`s${index}`);
    const end = marks.get(`e${index}`);
    if (formula.inline || !kept(index) || !start || !end || start.page !== end.page || !Number.isFinite(start.page)) return;
    out.push({ index, latex: formula.latex, env: formula.env, page: start.page, start, end });
  });
  return out;
}

/**
 * Compiles the record into a PDF (cached) and returns where its displays landed, or why it could not be.
 * pdflatex runs niced, each run bounded by `timeoutMs`.
 */
/** Compilations at most: each drops the formulas the previous one's log blamed. */
const COMPILE_ROUNDS = 4;

export function compilePaper(record: CorpusRecord, layoutIndex: number, cacheDir: string, timeoutMs = 60_000): CompiledPaper | string {
  const layout = LAYOUTS[layoutIndex % LAYOUTS.length]!;
  const dropped = new Set<number>();
  for (let round = 1; ; round++) {
    const kept = (index: number): boolean => !dropped.has(index);
    const source = paperSource(record, kept, layout.preamble);
    const hash = createHash('sha1').update(source.tex).digest('hex').slice(0, 16);
    const dir = path.join(cacheDir, hash);
    const pdf = path.join(dir, 'paper.pdf');
    const pos = path.join(dir, 'paper.pos');
    const log = path.join(dir, 'paper.log');
    if (!existsSync(pdf) || !existsSync(pos)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'paper.tex'), source.tex);
      spawnSync('nice', ['-n', '10', 'pdflatex', '-interaction=nonstopmode', '-no-shell-escape', 'paper.tex'], {
        cwd: dir,
        timeout: timeoutMs,
        stdio: 'ignore',
      });
    }
    if (!existsSync(log)) return 'pdflatex wrote no log';
    const failed = failedFormulas(readFileSync(log, 'latin1'), source.lines);
    const fresh = [...failed].filter((index) => !dropped.has(index));
    if (fresh.length === 0 || round === COMPILE_ROUNDS) {
      if (!existsSync(pdf) || !existsSync(pos)) return 'pdflatex made no PDF';
      const displays = readMarks(pos, record, (index) => kept(index) && !failed.has(index));
      return { id: record.id, layout: layout.name, pdf, displays, dropped: dropped.size + fresh.length };
    }
    for (const index of fresh) dropped.add(index);
  }
}

export function benchCacheDir(): string {
  return path.join(tmpdir(), 'formula-lens-pdf-bench');
}

export function hasPdflatex(): boolean {
  return spawnSync('pdflatex', ['--version'], { stdio: 'ignore' }).status === 0;
}
