// The retrieval half of the PDF bench: a source display's LaTeX as the query, its paper the target, the paper indexed
// from its PDF (as `formula-lens index` reads a PDF-only entry) among distractor papers indexed from LaTeX; beside
// it the same target papers indexed from their LaTeX (the displays that typeset), and from their PDFs with the raw
// glyph text as the formula (what the written-back LaTeX is measured against). Paper hit@1, hit@10 and MRR@10 in the
// default search mode (models/fusion.json), and in the bitmap mode among the target papers alone. Also the speed of
// reading (detection, crops, LaTeX) plus embedding the crops with the SEE encoder, the goal's ≥ 5 pages/s.
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Encoder } from '../src/core/encode/encoder';
import { FormulaIndex } from '../src/core/index/store';
import type { FormulaLocation, IndexedPaper } from '../src/core/index/types';
import { readPdfPaper } from '../src/core/library/pdf-paper';
import { readPdf } from '../src/core/pdf';
import { pngToCrop } from '../src/core/pdf/png';
import { CROP_HEIGHT, CROP_WIDTH } from '../src/core/render';
import type { CorpusRecord } from '../src/core/render/corpus';
import { indexPapers, type PaperFormulas } from '../src/core/search/build';
import { SearchSession } from '../src/core/search/session';
import type { CompiledPaper } from './pdf-papers';

/** Queries per target paper at most (its typeset displays, evenly). */
const QUERIES_PER_PAPER = 10;
export const DISTRACTORS = 300;

interface Target {
  record: CorpusRecord;
  paper: CompiledPaper;
}

const paperOf = (record: CorpusRecord): IndexedPaper => ({ id: record.id, title: record.id, authors: [], library: 'bench', macros: record.macros ?? '' });

const fromLatex = (record: CorpusRecord, formulas: { latex: string; env: string; inline: boolean }[]): PaperFormulas => ({
  paper: paperOf(record),
  formulas: formulas.map(({ latex, env, inline }) => ({ latex, env, inline })),
});

async function build(directory: string, papers: PaperFormulas[]): Promise<void> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const opened = FormulaIndex.open(directory);
  if (!opened.ok) throw new Error(opened.reason.message);
  const built = await indexPapers(opened.value.index, papers, { batchFormulas: 5000 });
  opened.value.index.close();
  if (!built.ok) throw new Error(built.reason.message);
}

/** Prints the retrieval table and the reading + embedding speed. */
export async function measureRetrieval(targets: Target[], distractors: CorpusRecord[], scratch: string): Promise<void> {
  // Reading as the library does (detection, crops as PNG, written-back LaTeX), timed; then the crops embedded.
  const fromPdf: PaperFormulas[] = [];
  let pages = 0;
  let readSeconds = 0;
  for (const { record, paper } of targets) {
    const started = performance.now();
    const read = await readPdfPaper(paper.pdf);
    readSeconds += (performance.now() - started) / 1000;
    if (!read.ok) {
      console.log(`  ${paper.id}: ${read.reason.message}`);
      continue;
    }
    pages += read.value.pagesRead;
    fromPdf.push({ paper: paperOf(record), formulas: read.value.formulas });
  }
  const crops = fromPdf.flatMap(({ formulas }) => formulas.flatMap((formula) => (formula.pdf?.crop ? [pngToCrop(formula.pdf.crop, CROP_WIDTH, CROP_HEIGHT)] : [])));
  const encoder = await Encoder.open();
  let embedSeconds = 0;
  if (encoder.ok) {
    const started = performance.now();
    for (let start = 0; start < crops.length; start += 64) await encoder.value.embed(crops.slice(start, start + 64));
    embedSeconds = (performance.now() - started) / 1000;
    await encoder.value.dispose();
  } else console.log(`  the SEE encoder did not open (${encoder.reason.message}): embedding not timed`);
  console.log(
    `speed, reading (detection, crops, LaTeX) + embedding ${crops.length} crops with SEE, one thread: ${pages} pages in ` +
      `${readSeconds.toFixed(1)} + ${embedSeconds.toFixed(1)} s = **${(pages / (readSeconds + embedSeconds)).toFixed(1)} pages/s** (goal ≥ 5)`,
  );

  // The raw glyph text as the formula: what the token signals would read without the written-back LaTeX.
  const rawText: PaperFormulas[] = [];
  for (const { record, paper } of targets) {
    const read = await readPdf(paper.pdf, { crops: false });
    if (!read.ok) continue;
    const formulas: FormulaLocation[] = read.value.formulas.map((formula) => ({ latex: formula.text.replace(/\s+/g, ' '), env: 'pdf', inline: false }));
    rawText.push({ paper: paperOf(record), formulas });
  }
  const others = distractors.map((record) => fromLatex(record, record.formulas));
  const variants = [
    { name: 'LaTeX source (the same displays)', papers: targets.map(({ record, paper }) => fromLatex(record, paper.displays.map(({ latex, env }) => ({ latex, env, inline: false })))) },
    { name: 'PDF, written-back LaTeX (the product)', papers: fromPdf },
    { name: 'PDF, raw glyph text', papers: rawText },
  ];
  const queries = targets.flatMap(({ record, paper }) => {
    const every = Math.max(1, Math.ceil(paper.displays.length / QUERIES_PER_PAPER));
    return paper.displays.filter((_, i) => i % every === 0).slice(0, QUERIES_PER_PAPER).map((display) => ({ target: record.id, latex: display.latex, macros: record.macros ?? '' }));
  });
  const formulaCount = others.reduce((sum, { formulas }) => sum + formulas.length, 0);
  console.log(`\nretrieval: ${queries.length} queries (source displays, at most ${QUERIES_PER_PAPER} a paper) for ${targets.length} target papers among ${others.length} distractor papers (${formulaCount} formulas from LaTeX); default mode`);
  printHeader();
  let shownMisses = 10;
  for (const [i, variant] of variants.entries()) {
    const directory = path.join(scratch, `retrieval-${i}`);
    await build(directory, [...variant.papers, ...others]);
    const found = await ranks(directory, queries, undefined);
    printRow(variant, found);
    if (variant.papers === fromPdf) {
      console.log('queries whose PDF paper was not first (at most 10): the query, then the first formula found');
      for (const [q, { rank, first }] of found.entries()) {
        if (rank === 1) continue;
        console.log(`  rank ${rank || '>10'}: ${queries[q]!.latex.replace(/\s+/g, ' ').slice(0, 90)}\n      ${first.slice(0, 90)}`);
        if (--shownMisses === 0) break;
      }
    }
  }
  // The bitmap mode alone (the SEE encoder: queries rendered, PDF formulas embedded from their crops), among the
  // target papers only: rendering the distractors' formulas would take the bench an hour on 2 cores.
  console.log(`\nbitmap mode, the same queries among the ${targets.length} target papers only (no distractors: hit@10 by chance ${((100 * 10) / targets.length).toFixed(0)}%)`);
  printHeader();
  const bitmapVariants = [
    { ...variants[0]!, name: 'LaTeX source, rendered' },
    { ...variants[1]!, name: 'PDF, crops embedded (the product)' },
  ];
  for (const [i, variant] of bitmapVariants.entries()) {
    const directory = path.join(scratch, `retrieval-bitmap-${i}`);
    await build(directory, variant.papers);
    printRow(variant, await ranks(directory, queries, 'bitmap'));
  }

  function printHeader(): void {
    console.log('| target papers indexed from | formulas | paper hit@1 | **hit@10** | MRR@10 |');
    console.log('|---|---:|---:|---:|---:|');
  }
  function printRow(variant: { name: string; papers: PaperFormulas[] }, answers: { rank: number }[]): void {
    const found = answers.map(({ rank }) => rank);
    const formulas = variant.papers.reduce((sum, { formulas }) => sum + formulas.length, 0);
    const share = (hit: (rank: number) => boolean) => `${((100 * found.filter(hit).length) / found.length).toFixed(1)}%`;
    const reciprocal = found.reduce((sum, rank) => sum + (rank > 0 ? 1 / rank : 0), 0) / found.length;
    console.log(`| ${variant.name} | ${formulas} | ${share((rank) => rank === 1)} | **${share((rank) => rank >= 1)}** | ${reciprocal.toFixed(3)} |`);
  }
}

/**
 * For each query, the target paper's rank (1-based; 0 when not in the top 10) in `mode` (the default mode when
 * undefined), and the first formula found.
 */
async function ranks(directory: string, queries: { target: string; latex: string; macros: string }[], mode: string | undefined): Promise<{ rank: number; first: string }[]> {
  const session = new SearchSession({ renderWorkers: 2 });
  try {
    const found: { rank: number; first: string }[] = [];
    for (const query of queries) {
      const answer = await session.search({ query: { latex: query.latex, macros: query.macros, display: true }, indexes: [directory], model: 'see', k: 10, ...(mode ? { mode } : {}) });
      const papers = answer.ok ? answer.value.papers : [];
      found.push({ rank: papers.findIndex((paper) => paper.paper.id === query.target) + 1, first: papers[0]?.formulas[0]?.formula.latex ?? '' });
    }
    return found;
  } finally {
    await session.dispose();
  }
}
