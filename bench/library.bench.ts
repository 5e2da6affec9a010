// Library indexing speed (goal: a 1,000-paper library, ~60k formulas, in under 5 minutes on 2 cores).
// 200 corpus documents, spread over the whole corpus, are written back as LaTeX folders (preamble
// with their macros, sections, each formula in its environment) plus a .bib naming half of them,
// then indexed from scratch with the real reader, renderer and encoder, and once more unchanged.
// FORMULA_LENS_BENCH_PAPERS sets the paper count (200), FORMULA_LENS_BENCH_WORKERS the render workers (the cores).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { modelPath } from '../src/core/encode/models';
import { FormulaIndex } from '../src/core/index/store';
import { indexLibrary } from '../src/core/library/index-library';
import { openEmbedder } from '../src/core/search/embedder';
import { corpusPath, noCorpusReason, repoRoot } from '../test/helpers/paths';
import { sampleRecords, writeLibrary } from './corpus-library';
import type { Bench } from './run';

const paperCount = Number(process.env.FORMULA_LENS_BENCH_PAPERS ?? 200);

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
      writeLibrary(library, sampleRecords(corpus, paperCount));
      const embedder = await openEmbedder({ encoder: { model }, renderWorkers: workers });
      if (!embedder.ok) throw new Error(embedder.reason.message);
      const opened = FormulaIndex.open(path.join(scratch, 'index'));
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
