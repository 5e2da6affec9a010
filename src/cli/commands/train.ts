// `formula-lens train <folders…>`: fine-tunes the default SEE and the symbolic encoder on the library's papers
// (training/finetune.py), reports the held-out measures of the default and the new models, and re-embeds the
// index with each new one that is better (or when asked). Ctrl-C cancels and leaves the current models and index untouched.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { ExitCode, UsageError, type CliCommand } from '../command';
import { FormulaIndex } from '../../core/index/store';
import { indexLibrary } from '../../core/library/index-library';
import { trainOnLibrary, type FinetuneReport, type HeldOutMeasures, type TrainProgress } from '../../core/library/train';
import { SymbolicEncoder } from '../../core/encode/symbolic';
import { openEmbedder } from '../../core/search/embedder';
import { openHybridIndex } from '../../core/search/hybrid-store';
import { progressBar } from '../progress-bar';
import { parseCommandLine, positiveInteger, positiveNumber } from './command-line';
import { libraryHome, libraryHomeName } from '../../core/library/home';

const help = `Usage: formula-lens train <folder>… [--steps N | --minutes N] [options]

Fine-tunes the default SEE and the symbolic encoder on the papers of the library folders (formulas
of one paper are similar, of different papers not), holding out about 20% of the papers (at least 2)
to compare the default and the new models (same-paper mAP, triple ranking loss). Writes the new
models and, for each one that is better (or with --use), re-embeds the index with it: the SEE's
vectors into its bitmap sidecar (search with --model to use them), the symbolic ones beside it (search
with --symbolic-model); the index's catalogue is only brought up to date with the library.

Options:
  --library DIR      a library folder (same as a positional folder; repeatable)
  --steps N          training steps (default 200 unless --minutes is given)
  --minutes N        wall-clock training budget
  --out FILE         the new model (default <first folder>/${libraryHomeName}/models/see-finetuned-<timestamp>.onnx)
  --index DIR        the index to re-embed (default <first folder>/${libraryHomeName}/index, when it exists)
  --use              re-embed with the new model even when it is not better
  --no-use-if-better keep the index on its current model
  --init FILE        the model to start from (default: the shipped SEE)
  --symbolic-out F   the new symbolic model (default <out without .onnx>.symbolic.onnx)
  --symbolic-init F  the symbolic model to start from (default: the shipped one)
  --no-symbolic      fine-tune the SEE only
  --work DIR         corpus, dataset, split and report (default <out without .onnx>.work)
  --cache DIR        unpacked e-prints (default <first folder>/${libraryHomeName}/cache)
  --python FILE      the Python interpreter (default $FORMULA_LENS_PYTHON, /usr/bin/python3, python3)
  --threads N        PyTorch threads (default 1)
  --workers N        render worker threads (default: cores − 1)`;

interface Options {
  folders: string[];
  steps?: number;
  minutes?: number;
  out?: string;
  index?: string;
  use: boolean;
  useIfBetter: boolean;
  init?: string;
  symbolic: boolean;
  symbolicOut?: string;
  symbolicInit?: string;
  work?: string;
  cache?: string;
  python?: string;
  threads: number;
  workers: number;
}

const DEFAULT_STEPS = 200;

function parse(args: string[]): Options {
  const { values, positionals } = parseCommandLine(args, {
    library: { type: 'string', multiple: true, default: [] },
    steps: { type: 'string' },
    minutes: { type: 'string' },
    out: { type: 'string' },
    index: { type: 'string' },
    use: { type: 'boolean', default: false },
    'no-use-if-better': { type: 'boolean', default: false },
    init: { type: 'string' },
    'symbolic-out': { type: 'string' },
    'symbolic-init': { type: 'string' },
    'no-symbolic': { type: 'boolean', default: false },
    work: { type: 'string' },
    cache: { type: 'string' },
    python: { type: 'string' },
    threads: { type: 'string' },
    workers: { type: 'string' },
  });
  const folders = [...values.library, ...positionals].map((folder) => path.resolve(folder));
  if (folders.length === 0) throw new UsageError('expects at least one library folder');
  const resolved = (file: string | undefined) => (file === undefined ? undefined : path.resolve(file));
  return {
    folders,
    steps: positiveInteger('--steps', values.steps),
    minutes: positiveNumber('--minutes', values.minutes),
    out: resolved(values.out),
    index: resolved(values.index),
    use: values.use,
    useIfBetter: !values['no-use-if-better'],
    init: resolved(values.init),
    symbolic: !values['no-symbolic'],
    symbolicOut: resolved(values['symbolic-out']),
    symbolicInit: resolved(values['symbolic-init']),
    work: resolved(values.work),
    cache: resolved(values.cache),
    python: values.python,
    threads: positiveInteger('--threads', values.threads) ?? 1,
    workers: positiveInteger('--workers', values.workers) ?? Math.max(1, availableParallelism() - 1),
  };
}

/** A redrawn bar on a terminal; otherwise plain lines, training steps at most one per 5% of the run. */
function progressPrinter(tty: boolean): (progress: TrainProgress) => void {
  let lastLine = '';
  let lastStepFraction = -1;
  return ({ fraction, message }) => {
    const percent = `${Math.round(fraction * 100)}%`.padStart(4);
    if (tty) {
      process.stderr.write(`\r${progressBar(fraction)} ${percent} ${message}`.padEnd(100).slice(0, 120));
      if (fraction >= 1) process.stderr.write('\n');
    } else if (message !== lastLine) {
      const step = message.startsWith('step ');
      if (step && fraction - lastStepFraction < 0.05) return;
      if (step) lastStepFraction = fraction;
      lastLine = message;
      process.stderr.write(`${percent} ${message}\n`);
    }
  };
}

const measuresLine = (name: string, measures: HeldOutMeasures) =>
  `${name.padEnd(10)} mAP ${measures.mAP.toFixed(4)}  P@10 ${measures['P@10'].toFixed(4)}  ranking loss ${measures.ranking_loss.toFixed(4)}`;

/** Both models' lines and the verdict, for the SEE and for the symbolic encoder alike. */
const comparison = (name: string, run: Pick<FinetuneReport, 'default' | 'finetuned' | 'model' | 'better'>) =>
  `${measuresLine('default', run.default)}\n${measuresLine('finetuned', run.finetuned)}\n` +
  `new ${name}: ${run.model} (${run.better ? 'better' : 'not better'} than the default)\n`;

function printReport(report: FinetuneReport): void {
  process.stdout.write(
    `held out: ${report.heldOut.papers} papers, ${report.heldOut.formulas} formulas (trained on ${report.train.papers} papers, ` +
      `${report.train.formulas} formulas, ${report.steps} steps in ${report.seconds} s)\n` +
      comparison('model', report),
  );
  if (report.symbolic) process.stdout.write(`symbolic encoder (${report.symbolic.steps} steps):\n${comparison('symbolic model', report.symbolic)}`);
}

/** Embeds the index's formulas with the new symbolic model into the file beside the index, so searches with it start at once. */
async function reembedSymbolic(indexDir: string, model: string): Promise<boolean> {
  const symbolic = await SymbolicEncoder.open({ model });
  if (!symbolic.ok) {
    process.stderr.write(`formula-lens train: ${symbolic.reason.message}\n`);
    return false;
  }
  const opened = FormulaIndex.openForReading(indexDir);
  try {
    if (!opened.ok) {
      process.stderr.write(`formula-lens train: ${opened.reason.message}\n`);
      return false;
    }
    const view = await openHybridIndex(opened.value.index, symbolic.value, { directory: indexDir, numeric: false });
    process.stdout.write(`embedded ${view.size} formulas with the new symbolic model beside ${indexDir}; search with --symbolic-model ${model}\n`);
    return true;
  } finally {
    if (opened.ok) opened.value.index.close();
    await symbolic.value.dispose();
  }
}

async function reembed(options: Options, indexDir: string, model: string, signal: AbortSignal): Promise<boolean> {
  const embedder = await openEmbedder({ encoder: { model }, renderWorkers: options.workers });
  if (!embedder.ok) {
    process.stderr.write(`formula-lens train: ${embedder.reason.message}\n`);
    return false;
  }
  // The catalogue does not depend on the model: only the new model's bitmap sidecar is built.
  const opened = FormulaIndex.open(indexDir, { onMismatch: 'rebuild' });
  if (!opened.ok) {
    await embedder.value.close();
    process.stderr.write(`formula-lens train: ${opened.reason.message}\n`);
    return false;
  }
  try {
    const result = await indexLibrary(options.folders, opened.value.index, embedder.value, {
      library: path.basename(options.folders[0]!),
      cacheDir: options.cache ?? libraryHome(options.folders[0]!).cache,
      signal,
    });
    if (!result.ok) {
      process.stderr.write(`formula-lens train: ${result.reason.message}\n`);
      return false;
    }
    const { index } = opened.value;
    process.stdout.write(`re-embedded ${index.formulaCount} formulas of ${index.papers().length} papers into ${indexDir} (the new model's bitmap sidecar)\n`);
    return !result.value.cancelled;
  } finally {
    opened.value.index.close();
    await embedder.value.close();
  }
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: "fine-tune the default encoder on the library's papers and compare it on held-out papers",
  help,
  async run(args) {
    const options = parse(args);
    const home = libraryHome(options.folders[0]!);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    const out = options.out ?? path.join(home.models, `see-finetuned-${stamp}.onnx`);
    const controller = new AbortController();
    const onInterrupt = () => {
      process.stderr.write('\ncancelling: the current model stays in use…\n');
      controller.abort();
    };
    process.once('SIGINT', onInterrupt);
    try {
      const result = await trainOnLibrary({
        folders: options.folders,
        workDir: options.work ?? out.replace(/\.onnx$/, '') + '.work',
        out,
        init: options.init,
        symbolicOut: options.symbolic ? (options.symbolicOut ?? out.replace(/\.onnx$/, '') + '.symbolic.onnx') : undefined,
        symbolicInit: options.symbolicInit,
        steps: options.steps ?? (options.minutes === undefined ? DEFAULT_STEPS : undefined),
        minutes: options.minutes,
        python: options.python,
        cacheDir: options.cache ?? home.cache,
        renderWorkers: options.workers,
        threads: options.threads,
        signal: controller.signal,
        onProgress: progressPrinter(process.stderr.isTTY === true),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      if (!result.ok) {
        process.stderr.write(`formula-lens train: ${result.reason.message}\n`);
        return result.reason.kind === 'cancelled' ? 130 : ExitCode.failure;
      }
      printReport(result.value);
      const indexDir = options.index ?? home.index;
      const switches = (better: boolean) => options.use || (options.useIfBetter && better);
      const switching = switches(result.value.better);
      const symbolic = result.value.symbolic;
      const switchingSymbolic = symbolic !== undefined && switches(symbolic.better);
      if (!switching) {
        process.stdout.write('the index keeps its current model (--use switches anyway)\n');
      } else if (!options.index && !existsSync(indexDir)) {
        process.stdout.write(`no index at ${indexDir} to re-embed; build one with: formula-lens index ${options.folders.join(' ')} --model ${out}\n`);
        return ExitCode.ok;
      } else if (!(await reembed(options, indexDir, out, controller.signal))) {
        return ExitCode.failure;
      }
      if (symbolic && !switchingSymbolic) process.stdout.write('searches keep the current symbolic model (--use switches anyway)\n');
      else if (symbolic && existsSync(indexDir) && !(await reembedSymbolic(indexDir, symbolic.model))) return ExitCode.failure;
      return ExitCode.ok;
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  },
};
