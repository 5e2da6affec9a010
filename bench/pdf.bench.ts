// PDF papers (issue #22): display-formula detection recall and precision on corpus papers
// typeset by pdflatex, and pages per second: detection + crops in one thread, and the library's PDF readers in 2 worker threads (goal ≥ 5 pages/s on 2 cores).
// The retrieval half (a source formula's LaTeX as the query, its PDF paper the target: hit@10, MRR) is
// bench/pdf-retrieval.ts, on the held-out sample. Needs the corpus and TeX Live (see TEX_INSTALL_HINT); the product never does.
//
// Matching rule: pdflatex records where each source display's first row starts and its last row ends
// (\pdfsavepos). A detection on the same page *covers* a point when the point lies inside its box widened
// by 0.5 em sideways and 0.3 em up and down. A source display is found when some detection covers its
// start or its end; a detection is correct when it covers a point of some source display. It is exact
// when it covers both points of exactly one display and no point of another (no merge, no split).
import { availableParallelism, loadavg } from 'node:os';
import { PdfReaders } from '../src/core/library/pdf-readers';
import { readPdf } from '../src/core/pdf';
import type { PdfFormula } from '../src/core/pdf';
import { type CorpusRecord, readCorpus } from '../src/core/render/corpus';
import { corpusPath } from '../test/helpers/paths';
import { benchCacheDir, compilePaper, type CompiledPaper, hasPdflatex, LAYOUTS, type MarkedFormula, TEX_INSTALL_HINT } from './pdf-papers';
import { DISTRACTORS, measureRetrieval } from './pdf-retrieval';
import type { Bench } from './run';

const PAPERS = 40;
/** Displays per paper at most (papers of a few pages, as in a library), inline formulas at most. */
const MAX_DISPLAYS = 40;
const MAX_INLINE = 30;

function covers(formula: PdfFormula, point: { x: number; y: number }): boolean {
  const em = formula.emSize;
  const box = formula.box;
  return point.x >= box.left - 0.5 * em && point.x <= box.right + 0.5 * em && point.y >= box.bottom - 0.3 * em && point.y <= box.top + 0.3 * em;
}

interface Score {
  sources: number;
  found: number;
  detections: number;
  correct: number;
  exact: number;
}

function score(displays: MarkedFormula[], detections: PdfFormula[]): Score & { missed: MarkedFormula[]; spurious: PdfFormula[] } {
  const onPage = (page: number) => detections.filter((formula) => formula.page === page);
  const missed = displays.filter((display) => !onPage(display.page).some((formula) => covers(formula, display.start) || covers(formula, display.end)));
  let correct = 0;
  let exact = 0;
  const spurious: PdfFormula[] = [];
  for (const formula of detections) {
    const touched = displays.filter((display) => display.page === formula.page && (covers(formula, display.start) || covers(formula, display.end)));
    if (touched.length > 0) correct++;
    else spurious.push(formula);
    if (touched.length === 1 && covers(formula, touched[0]!.start) && covers(formula, touched[0]!.end)) exact++;
  }
  return { sources: displays.length, found: displays.length - missed.length, detections: detections.length, correct, exact, missed, spurious };
}

/**
 * Every k-th record with enough display formulas, starting at `phase` (0 ≤ phase < 1) of the step, thinned to
 * at most MAX_DISPLAYS displays (evenly) and MAX_INLINE inline.
 */
function pickRecords(all: CorpusRecord[], phase: number): CorpusRecord[] {
  const records = all.filter((record) => record.formulas.filter((formula) => !formula.inline).length >= 8);
  const step = Math.max(1, Math.floor(records.length / PAPERS));
  return records
    .filter((_, i) => i % step === Math.floor(phase * step))
    .slice(0, PAPERS)
    .map((record) => {
      const displays = record.formulas.filter((formula) => !formula.inline);
      const every = Math.max(1, Math.ceil(displays.length / MAX_DISPLAYS));
      const keptDisplays = new Set(displays.filter((_, i) => i % every === 0).slice(0, MAX_DISPLAYS));
      const inline = record.formulas.filter((formula) => formula.inline).slice(0, MAX_INLINE);
      return { ...record, formulas: record.formulas.filter((formula) => keptDisplays.has(formula) || inline.includes(formula)) };
    });
}

/** Reads the files as a library run does: the PDF readers' worker threads, `workers` files at once, pdf.js loaded in each. */
async function readInWorkers(files: string[], workers: number): Promise<{ pages: number; seconds: number }> {
  const readers = new PdfReaders({ concurrency: workers });
  const started = performance.now();
  let pages = 0;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < files.length) {
          const reply = await readers.read(files[next++]!);
          if (reply.ok) pages += reply.value.pagesRead;
        }
      }),
    );
  } finally {
    await readers.close();
  }
  return { pages, seconds: (performance.now() - started) / 1000 };
}

const percent = (part: number, whole: number): string => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`);

/** Reads each paper (detection + crops, timed), scores it, and prints the table by layout and a few misses and spurious detections. */
async function evaluate(papers: CompiledPaper[]): Promise<{ pages: number; seconds: number; cpuSeconds: number }> {
  const total: Score = { sources: 0, found: 0, detections: 0, correct: 0, exact: 0 };
  const byLayout = new Map<string, Score>(LAYOUTS.map((layout) => [layout.name, { sources: 0, found: 0, detections: 0, correct: 0, exact: 0 }]));
  let pages = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  const misses: string[] = [];
  const spurious: string[] = [];
  for (const paper of papers) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const read = await readPdf(paper.pdf);
    seconds += (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    cpuSeconds += (cpu.user + cpu.system) / 1e6;
    if (!read.ok) {
      console.log(`  ${paper.id}: ${read.reason.kind}: ${read.reason.message}`);
      continue;
    }
    pages += read.value.pagesRead;
    const result = score(paper.displays, read.value.formulas);
    const layout = byLayout.get(paper.layout)!;
    for (const key of Object.keys(total) as (keyof Score)[]) {
      total[key] += result[key];
      layout[key] += result[key];
    }
    misses.push(...result.missed.slice(0, 1).map((display) => `${paper.id} p${display.page} ${display.env}: ${display.latex.slice(0, 70).replace(/\s+/g, ' ')}`));
    spurious.push(...result.spurious.slice(0, 1).map((formula) => `${paper.id} p${formula.page}: ${formula.text.slice(0, 70).replace(/\s+/g, ' ')}`));
  }
  console.log('| layout | papers | source displays | detections | recall | precision | exact (no merge/split) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, layout] of byLayout) {
    const count = papers.filter((paper) => paper.layout === name).length;
    console.log(`| ${name} | ${count} | ${layout.sources} | ${layout.detections} | ${percent(layout.found, layout.sources)} | ${percent(layout.correct, layout.detections)} | ${percent(layout.exact, layout.detections)} |`);
  }
  console.log(`| **all** | ${papers.length} | ${total.sources} | ${total.detections} | **${percent(total.found, total.sources)}** | **${percent(total.correct, total.detections)}** | ${percent(total.exact, total.detections)} |`);
  console.log('a missed display per paper (first of each, at most 12):');
  for (const line of misses.slice(0, 12)) console.log(`  ${line}`);
  console.log('a spurious detection per paper (first of each, at most 12):');
  for (const line of spurious.slice(0, 12)) console.log(`  ${line}`);
  return { pages, seconds, cpuSeconds };
}

export const bench: Bench = {
  title: 'PDF papers: display-formula detection, crops, and retrieval of PDF papers by LaTeX queries (issue #22)',
  async run() {
    const corpus = corpusPath();
    if (!corpus) return console.log('skipped: needs ../shared/corpus/papers.jsonl (or FORMULA_LENS_CORPUS)');
    if (!hasPdflatex()) return console.log(`skipped: needs pdflatex to typeset the corpus papers (${TEX_INSTALL_HINT})`);
    const cache = benchCacheDir();
    console.log(`PDFs cached in ${cache}`);
    const all = await readCorpus(corpus);
    const speed = { pages: 0, seconds: 0, cpuSeconds: 0, files: [] as string[] };
    const sampled = new Set<string>();
    let heldOut: { record: CorpusRecord; paper: CompiledPaper }[] = [];
    // The thresholds of src/core/pdf/detect.ts were chosen looking at the first sample; the second is every record halfway between.
    for (const sample of [{ name: 'tuning sample', phase: 0 }, { name: 'held-out sample', phase: 0.5 }]) {
      const records = pickRecords(all, sample.phase);
      const papers: CompiledPaper[] = [];
      records.forEach((record, i) => {
        const compiled = compilePaper(record, i, cache);
        if (typeof compiled === 'string') console.log(`  ${record.id}: not compiled (${compiled})`);
        else if (compiled.displays.length > 0) papers.push(compiled);
      });
      const droppedFormulas = papers.reduce((sum, paper) => sum + paper.dropped, 0);
      console.log(`\n### ${sample.name}: ${papers.length} of ${records.length} papers compiled (${droppedFormulas} formulas pdflatex rejected were left out)`);
      records.forEach((record) => sampled.add(record.id));
      heldOut = papers.map((paper) => ({ record: records.find((record) => record.id === paper.id)!, paper }));
      const timing = await evaluate(papers);
      speed.pages += timing.pages;
      speed.seconds += timing.seconds;
      speed.cpuSeconds += timing.cpuSeconds;
      speed.files.push(...papers.map((paper) => paper.pdf));
    }
    const { pages, seconds, cpuSeconds } = speed;
    // The machine may be shared: CPU time is the steadier figure. Files are independent, so n cores read n at once.
    console.log(
      `speed, detection + crops, one thread: ${pages} pages in ${seconds.toFixed(1)} s wall = ${(pages / seconds).toFixed(1)} pages/s; ` +
        `${cpuSeconds.toFixed(1)} CPU s = ${(pages / cpuSeconds).toFixed(1)} pages per CPU second (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
    );
    const parallel = await readInWorkers(speed.files, 2);
    console.log(
      `speed, the library's PDF readers (detection, crops, PNG, written-back LaTeX), 2 worker threads: ${parallel.pages} pages in ` +
        `${parallel.seconds.toFixed(1)} s wall = **${(parallel.pages / parallel.seconds).toFixed(1)} pages/s** (goal ≥ 5 with embedding, below)`,
    );
    const rest = all.filter((record) => !sampled.has(record.id) && record.formulas.length > 0);
    const step = Math.max(1, Math.floor(rest.length / DISTRACTORS));
    await measureRetrieval(heldOut, rest.filter((_, i) => i % step === 0).slice(0, DISTRACTORS), cache);
  },
};
