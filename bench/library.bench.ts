// Library indexing speed (goal: a 1,000-paper library, ~60k formulas, in under 5 minutes on 2 cores).
// 200 corpus documents, spread over the whole corpus, are written back as LaTeX folders (preamble
// with their macros, sections, each formula in its environment) plus a .bib naming half of them,
// then indexed from scratch with the real reader, renderer and encoder, and once more unchanged.
// FORMULA_LENS_BENCH_PAPERS sets the paper count (200), FORMULA_LENS_BENCH_WORKERS the render workers (the cores).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { modelPath } from '../src/core/encode/models';
import { FormulaIndex } from '../src/core/index/store';
import { indexLibrary } from '../src/core/library/index-library';
import { openEmbedder } from '../src/core/search/embedder';
import { corpusPath, noCorpusReason, repoRoot } from '../test/helpers/paths';
import type { Bench } from './run';

const paperCount = Number(process.env.FORMULA_LENS_BENCH_PAPERS ?? 200);

interface CorpusRecord {
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

/** `paperCount` records spread evenly over the corpus, so every source group is represented. */
function sampleRecords(corpus: string): CorpusRecord[] {
  const lines = readFileSync(corpus, 'utf8').split('\n').filter(Boolean);
  const step = lines.length / paperCount;
  return Array.from({ length: Math.min(paperCount, lines.length) }, (_, i) => JSON.parse(lines[Math.floor(i * step)]!) as CorpusRecord);
}

function writeLibrary(dir: string, records: CorpusRecord[]): void {
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

export const bench: Bench = {
  title: `Library indexing: ${paperCount} corpus documents as LaTeX folders, from scratch and unchanged`,
  async run() {
    const corpus = corpusPath();
    if (!corpus) {
      console.log(`skipped: ${noCorpusReason}`);
      return;
    }
    const shipped = modelPath('see');
    const fallback = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
    const model = shipped && existsSync(shipped) ? 'see' : fallback;
    const workers = Number(process.env.FORMULA_LENS_BENCH_WORKERS ?? availableParallelism());
    const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-library-bench-'));
    try {
      const library = path.join(scratch, 'library');
      mkdirSync(library);
      writeLibrary(library, sampleRecords(corpus));
      const embedder = await openEmbedder({ encoder: { model }, renderWorkers: workers });
      if (!embedder.ok) throw new Error(embedder.reason.message);
      const opened = FormulaIndex.open(path.join(scratch, 'index'), { modelFingerprint: embedder.value.model.fingerprint, dimensions: embedder.value.dimensions });
      if (!opened.ok) throw new Error(opened.reason.message);
      const phases: Record<string, number> = {}; // seconds per phase
      let phaseStarted = performance.now();
      let phase = '';
      const options = {
        library: 'bench',
        cacheDir: path.join(scratch, 'cache'),
        onProgress: (progress: { phase: string }) => {
          if (progress.phase === phase) return;
          const now = performance.now();
          if (phase) phases[phase] = (phases[phase] ?? 0) + (now - phaseStarted) / 1000;
          phase = progress.phase;
          phaseStarted = now;
        },
      };
      const started = performance.now();
      const cpuStarted = process.cpuUsage(); // all threads: the render workers too
      const first = await indexLibrary([library], opened.value.index, embedder.value, options);
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStarted);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      if (!first.ok) throw new Error(first.reason.message);
      const again = performance.now();
      const second = await indexLibrary([library], opened.value.index, embedder.value, options);
      const rerunSeconds = (performance.now() - again) / 1000;
      opened.value.index.close();
      await embedder.value.close();
      if (!second.ok) throw new Error(second.reason.message);

      const { indexed, formulas, degraded, failed } = first.value;
      const formulasPerSecond = formulas / seconds;
      console.log(`model ${model === 'see' ? 'see' : 'tiny test encoder (models/see.onnx absent)'}, ${workers} render workers`);
      console.log(`papers indexed       ${indexed} (${failed} failed), ${formulas} formulas (${degraded} degraded renders)`);
      console.log(`time                 ${seconds.toFixed(1)} s (${Object.entries(phases).filter(([name]) => name !== 'done').map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ')})`);
      console.log(`papers/min           ${((indexed / seconds) * 60).toFixed(1)}`);
      console.log(`formulas/s           ${formulasPerSecond.toFixed(1)}`);
      console.log(`1,000 papers / 60k formulas would take ~${(60_000 / formulasPerSecond / 60).toFixed(1)} min (goal: < 5 min)`);
      // Other jobs share the cores: CPU time shows what two idle cores would do.
      const perCpuSecond = formulas / cpuSeconds;
      console.log(`formulas/CPU-s       ${perCpuSecond.toFixed(1)} (${cpuSeconds.toFixed(0)} CPU-s; on ${workers} idle cores ~${(60_000 / (perCpuSecond * workers) / 60).toFixed(1)} min for 60k formulas)`);
      console.log(`unchanged rerun      ${rerunSeconds.toFixed(1)} s (${second.value.unchanged} papers skipped by content hash)`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
