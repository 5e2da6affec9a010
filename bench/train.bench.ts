// Custom training on a library (Train Model on Library / `formula-lens train`): 60 documents of the corpus's
// test split (sources neither shipped model trained on) written back as a library folder, then both encoders
// fine-tuned for FORMULA_LENS_BENCH_TRAIN_MINUTES (default 5; a quarter of it for the symbolic encoder) and
// the default and new models scored on the held-out fifth of the papers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkPython, defaultPython, trainOnLibrary, type HeldOutMeasures } from '../src/core/library/train';
import { corpusPath, noCorpusReason, repoRoot } from '../test/helpers/paths';
import { sampleRecords, writeLibrary } from './corpus-library';
import type { Bench } from './run';

const paperCount = 60;
const minutes = Number(process.env.FORMULA_LENS_BENCH_TRAIN_MINUTES ?? 5);

const line = (name: string, measures: HeldOutMeasures) =>
  `  ${name.padEnd(10)} mAP ${measures.mAP.toFixed(4)}  P@10 ${measures['P@10'].toFixed(4)}  ranking loss ${measures.ranking_loss.toFixed(4)}`;

export const bench: Bench = {
  title: `Training on a library: ${paperCount} test-split corpus documents, ${minutes} min, SEE and symbolic encoder`,
  async run() {
    const corpus = corpusPath();
    if (!corpus) return void console.log(`skipped: ${noCorpusReason}`);
    const python = await checkPython(defaultPython());
    if (!python.ok) return void console.log(`skipped: ${python.reason.message}`);
    const split = JSON.parse(readFileSync(path.join(repoRoot, 'models', 'split.json'), 'utf8')) as { test: string[] };
    const testSources = new Set(split.test);
    const records = sampleRecords(corpus, paperCount, (record) => testSources.has(record.source) && record.formulas.length >= 6);
    const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-train-bench-'));
    try {
      const library = path.join(scratch, 'library');
      mkdirSync(library);
      writeLibrary(library, records);
      const started = performance.now();
      const result = await trainOnLibrary({
        folders: [library],
        workDir: path.join(scratch, 'work'),
        out: path.join(scratch, 'see.onnx'),
        symbolicOut: path.join(scratch, 'symbolic.onnx'),
        cacheDir: path.join(scratch, 'cache'),
        minutes,
      });
      if (!result.ok) throw new Error(result.reason.message);
      const report = result.value;
      console.log(`papers               ${report.train.papers} trained (${report.train.formulas} formulas), ${report.heldOut.papers} held out (${report.heldOut.formulas} formulas)`);
      console.log(`wall time            ${((performance.now() - started) / 1000).toFixed(0)} s (script ${report.seconds} s)`);
      console.log(`SEE (${report.steps} steps)${report.better ? ', better' : ', not better'}`);
      console.log(`${line('default', report.default)}\n${line('finetuned', report.finetuned)}`);
      if (report.symbolic) {
        console.log(`symbolic (${report.symbolic.steps} steps)${report.symbolic.better ? ', better' : ', not better'}`);
        console.log(`${line('default', report.symbolic.default)}\n${line('finetuned', report.symbolic.finetuned)}`);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
