// The render stage: typeset and raster time per formula, throughput of the worker pool on this
// machine's cores (goal ≥ 400 formulas/s on 2 cores), single-formula latency for the cursor, the
// faithful-render rates by source group, and (when TeX is installed) the seeds' LaTeX→dvipng route.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type Sharp from 'sharp';
import { type FormulaInput, RenderPool, renderInThisThread } from '../src/core/render';
import { composeSvg } from '../src/core/render/rasterize';
import { Typesetter } from '../src/core/render/typeset';
import { formulaInput, readCorpus, sourceGroup } from '../src/core/render/corpus';
import { corpusPath } from '../test/helpers/paths';
import type { Bench } from './run';

const SAMPLE_SIZE = 600;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** Every k-th formula of the corpus (display and inline alike), with its record's source. */
async function corpusSample(file: string): Promise<{ formula: FormulaInput; source: string }[]> {
  const records = await readCorpus(file);
  const all = records.flatMap((record) => record.formulas.map((formula) => ({ formula: formulaInput(record, formula), source: record.source })));
  const step = Math.max(1, Math.floor(all.length / SAMPLE_SIZE));
  return all.filter((_, i) => i % step === 0).slice(0, SAMPLE_SIZE);
}

/**
 * Whole documents, every k-th record, about `size` formulas in corpus order: what indexing and the dataset
 * export render. (The every-k-th-formula sample switches document at every formula, so each one pays for
 * applying its document's macros: a worst case, not the batch workload.)
 */
async function documentSample(file: string, size = 2000): Promise<FormulaInput[]> {
  const records = await readCorpus(file);
  const total = records.reduce((sum, record) => sum + record.formulas.length, 0);
  const step = Math.max(1, Math.floor(total / size));
  const out: FormulaInput[] = [];
  let seen = 0;
  for (const record of records) {
    if (out.length < size && Math.floor((seen + record.formulas.length) / step) > Math.floor(seen / step)) {
      out.push(...record.formulas.map((formula) => formulaInput(record, formula)));
    }
    seen += record.formulas.length;
  }
  return out.slice(0, size);
}

/** Formulas per second of wall time and per CPU second (the machine is shared, so both matter). */
async function throughput(workers: number, formulas: FormulaInput[]): Promise<string> {
  const pool = new RenderPool({ workers, cacheSize: 0 });
  try {
    await pool.renderBatch(formulas.slice(0, 100)); // start the workers and let their JIT warm up
    const cpu = process.cpuUsage();
    const started = performance.now();
    await pool.renderBatch(formulas);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    return `${(formulas.length / seconds).toFixed(0)} formulas/s wall, ${(formulas.length / cpuSeconds).toFixed(0)} per CPU second`;
  } finally {
    await pool.close();
  }
}

/** Cursor latency: one interactive formula at a time, idle pool and pool busy with a batch. */
async function latency(formulas: FormulaInput[]): Promise<void> {
  const pool = new RenderPool({ workers: 2 });
  try {
    await pool.renderBatch(formulas.slice(100, 200)); // warm up, without caching the formulas timed below
    const timed = async (formula: FormulaInput) => {
      const started = performance.now();
      await pool.render(formula, { priority: 'interactive' });
      return performance.now() - started;
    };
    const idle: number[] = [];
    for (const formula of formulas.slice(0, 40)) idle.push(await timed(formula));
    // The batch leaves out the formulas timed during it, which would otherwise come from the cache.
    const batch = pool.renderBatch(formulas.slice(200));
    const busy: number[] = [];
    for (const formula of formulas.slice(40, 80)) busy.push(await timed(formula));
    await batch;
    console.log(`single-formula latency (pool of 2): idle median ${ms(quantile(idle, 0.5))}, p95 ${ms(quantile(idle, 0.95))}; ` +
      `during a batch median ${ms(quantile(busy, 0.5))}, p95 ${ms(quantile(busy, 0.95))}`);
    const cached = performance.now();
    await pool.render(formulas[0]!);
    await pool.render(formulas[0]!);
    console.log(`cached repeat: ${ms((performance.now() - cached) / 2)}`);
  } finally {
    await pool.close();
  }
}

/** The faithful rates from the full export's report (the dataset command computes them), else from the sample. */
async function rates(sample: { formula: FormulaInput; source: string }[]): Promise<void> {
  const reportFile = path.join(process.env.FORMULA_LENS_DATASET ?? '/work/data/dataset', 'report.json');
  if (existsSync(reportFile)) {
    type Tally = { formulas: number; degraded: number; faithfulRate: number; topReasons: [string, number][] };
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { count: number; renderer: string; formulasPerSecond: number; workers: number; all: Tally; withMacros: Tally; groups: Record<string, Tally> };
    console.log(`faithful renders, full corpus export (${reportFile}, ${report.count} formulas, renderer ${report.renderer}, ${report.formulasPerSecond}/s with ${report.workers} workers):`);
    const line = (name: string, tally: Tally) =>
      console.log(`  ${name.padEnd(22)} ${String(tally.formulas).padStart(6)}  ${(100 * tally.faithfulRate).toFixed(2)}%  top: ${tally.topReasons.slice(0, 5).map(([reason, n]) => `${reason} (${n})`).join(', ')}`);
    for (const [group, tally] of Object.entries(report.groups)) line(group, tally);
    line('all but hep-th (goal 97%)', report.withMacros);
    line('all (bitmap: 100%)', report.all);
    return;
  }
  console.log(`faithful renders on the ${sample.length}-formula sample (no full export at ${reportFile}):`);
  const byGroup = new Map<string, { formulas: number; faithful: number }>();
  for (const { formula, source } of sample) {
    const result = await renderInThisThread(formula);
    const group = sourceGroup(source);
    const tally = byGroup.get(group) ?? { formulas: 0, faithful: 0 };
    tally.formulas++;
    if (!result.degraded) tally.faithful++;
    byGroup.set(group, tally);
  }
  for (const [group, tally] of byGroup) console.log(`  ${group.padEnd(22)} ${String(tally.formulas).padStart(5)}  ${((100 * tally.faithful) / tally.formulas).toFixed(1)}%`);
}

/**
 * The rasterizer the renderer replaced (sharp, i.e. librsvg, the design card's choice) on the same SVGs, as
 * the figure behind the switch to resvg (src/core/render/rasterize.ts).
 */
async function sharpRaster(formulas: FormulaInput[]): Promise<number[]> {
  const sharp = createRequire(__filename)('sharp') as typeof Sharp;
  sharp.concurrency(1);
  sharp.cache(false);
  const typesetter = new Typesetter();
  const svgs = formulas.map((formula) => composeSvg(typesetter.typeset(formula), 'crop'));
  const rasterize = (svg: string) => sharp(Buffer.from(svg), { density: 72 }).ensureAlpha().extractChannel('alpha').raw().toBuffer();
  for (const svg of svgs.slice(0, 20)) await rasterize(svg); // warm up
  const times: number[] = [];
  for (const svg of svgs) {
    const started = performance.now();
    await rasterize(svg);
    times.push(performance.now() - started);
  }
  return times;
}

/** The seeds' route: LaTeX → DVI → dvipng, one document per formula. */
function dvipngRoute(formulas: FormulaInput[], mathJaxMsPerFormula: number): void {
  const missing = ['latex', 'dvipng'].filter((tool) => spawnSync('which', [tool]).status !== 0);
  if (missing.length) {
    console.log(`LaTeX→dvipng comparison skipped: ${missing.join(', ')} not installed (apt-get install texlive-latex-base dvipng)`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-dvipng-'));
  try {
    const plain = formulas.filter((formula) => !formula.macros).slice(0, 50);
    const times: number[] = [];
    let failed = 0;
    for (const [i, formula] of plain.entries()) {
      const tex = path.join(dir, `f${i}.tex`);
      writeFileSync(tex, `\\documentclass{article}\\usepackage{amsmath,amssymb}\\pagestyle{empty}\\begin{document}\\[${formula.latex}\\]\\end{document}\n`);
      const started = performance.now();
      try {
        execFileSync('latex', ['-interaction=nonstopmode', '-halt-on-error', `f${i}.tex`], { cwd: dir, stdio: 'ignore', timeout: 20_000 });
        execFileSync('dvipng', ['-q', '-T', 'tight', '-D', '110', '-o', `f${i}.png`, `f${i}.dvi`], { cwd: dir, stdio: 'ignore', timeout: 20_000 });
        times.push(performance.now() - started);
      } catch {
        failed++;
      }
    }
    const median = quantile(times, 0.5);
    console.log(`LaTeX→dvipng on ${plain.length} formulas: median ${ms(median)} per formula (${failed} failed); ` +
      `MathJax+resvg is ${(median / mathJaxMsPerFormula).toFixed(0)}× faster`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const bench: Bench = {
  title: 'Render: LaTeX → 333×32 bitmap (MathJax 3 SVG + resvg)',
  async run() {
    const file = corpusPath();
    if (!file) {
      console.log('skipped: needs the corpus (../shared/corpus/papers.jsonl or FORMULA_LENS_CORPUS)');
      return;
    }
    const sample = await corpusSample(file);
    const formulas = sample.map(({ formula }) => formula);
    console.log(`sample: ${formulas.length} corpus formulas (every k-th; display and inline), ${availableParallelism()} cores`);

    for (const formula of formulas.slice(0, 20)) await renderInThisThread(formula); // warm up
    const typeset: number[] = [];
    const raster: number[] = [];
    for (const formula of formulas) {
      const result = await renderInThisThread(formula);
      typeset.push(result.typesetMs);
      raster.push(result.rasterMs);
    }
    console.log(`typeset (MathJax): median ${ms(quantile(typeset, 0.5))}, p95 ${ms(quantile(typeset, 0.95))}`);
    console.log(`raster (resvg):    median ${ms(quantile(raster, 0.5))}, p95 ${ms(quantile(raster, 0.95))}`);
    const sharp = await sharpRaster(formulas);
    console.log(`raster (sharp, the rasterizer before v4, same SVGs): median ${ms(quantile(sharp, 0.5))}, p95 ${ms(quantile(sharp, 0.95))}`);

    const documents = await documentSample(file);
    console.log(`throughput on ${documents.length} formulas of whole documents (every k-th record, as indexing renders them):`);
    console.log(`  1 worker:  ${await throughput(1, documents)}`);
    console.log(`  2 workers: ${await throughput(2, documents)}  (goal ≥ 400/s wall on 2 idle cores)`);
    console.log(`throughput on the every-k-th-formula sample (a document switch per formula, the worst case): 2 workers ${await throughput(2, formulas)}`);
    await latency(formulas);
    await rates(sample);
    dvipngRoute(formulas, quantile(typeset, 0.5) + quantile(raster, 0.5));
  },
};
