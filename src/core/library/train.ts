// Custom training on the user's library: the library's papers become a corpus (one record per paper,
// source = paper id, so the split keeps a paper's formulas together), a seeded split holds some papers
// out, the serving renderer turns them into a training dataset, and training/finetune.py fine-tunes the
// default SEE on the rest, evaluates both models on the held-out papers and exports the new ONNX; with a
// symbolic output it does the same for the shipped symbolic encoder (the hybrid ranking's dense signal).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { availableParallelism } from 'node:os';
import { exportDataset } from '../render/dataset';
import { modelPath, modelsDirectory } from '../encode/models';
import { symbolicModelPath } from '../encode/symbolic';
import { onnxRuntimeEnvironment } from '../encode/runtime';
import { seededRandom, shuffled } from '../seeded-random';
import { extractProject } from '../latex';
import type { CorpusRecord } from '../render/corpus';
import { planLibrary, type PlanOptions } from './plan';
import { fail, ok, type Result } from '../result';

/** A paper trains or is held out only with this many formulas: fewer give no anchor/positive pairs to speak of. */
export const MIN_FORMULAS_PER_PAPER = 3;
export const MIN_PAPERS = 4;
export const MIN_HELD_OUT = 2;
const HELD_OUT_SHARE = 0.2;

export const installAdvice =
  'Training needs Python 3 with PyTorch and onnx: on Debian or Ubuntu `sudo apt-get install python3-torch python3-onnx`, ' +
  'elsewhere `pip install torch onnx`.';

export type TrainErrorKind = 'no-python' | 'no-torch' | 'library-too-small' | 'cancelled' | 'script-failed' | 'no-model';

export interface TrainError {
  kind: TrainErrorKind;
  message: string;
}

const trainError = (kind: TrainErrorKind, message: string) => fail<TrainError>({ kind, message });

/** The split file training/data.py reads; held-out papers are its `test` part. */
export interface LibrarySplit {
  seed: number;
  train: string[];
  validation: string[];
  test: string[];
}

/** Held-out measures of one model (training/evaluate.py's names). */
export interface HeldOutMeasures {
  mAP: number;
  'P@10': number;
  ranking_loss: number;
  constant_margin_loss: number;
}

/** The symbolic encoder's part of the report. */
export interface SymbolicFinetuneReport {
  steps: number;
  model: string;
  fingerprint: string;
  better: boolean;
  default: HeldOutMeasures;
  finetuned: HeldOutMeasures;
}

/** The JSON report finetune.py writes. */
export interface FinetuneReport {
  steps: number;
  seconds: number;
  model: string;
  fingerprint: string;
  better: boolean;
  train: { papers: number; formulas: number };
  heldOut: { papers: number; formulas: number; triples: number; queries: number };
  default: HeldOutMeasures;
  finetuned: HeldOutMeasures;
  /** Present when the symbolic encoder was fine-tuned too. */
  symbolic?: SymbolicFinetuneReport;
}

export interface TrainProgress {
  /** 0..1 over the whole run. */
  fraction: number;
  message: string;
}

export interface TrainOptions extends Pick<PlanOptions, 'cacheDir' | 'allowNetwork' | 'log'> {
  folders: string[];
  /** Working folder for the corpus, dataset, split and report (kept: the report and split stay inspectable). */
  workDir: string;
  /** The fine-tuned .onnx to write. */
  out: string;
  /** The model to start from (default: the shipped SEE). */
  init?: string;
  /** Also fine-tune the symbolic encoder, into this .onnx. */
  symbolicOut?: string;
  /** The symbolic model to start from (default: the shipped one). */
  symbolicInit?: string;
  steps?: number;
  minutes?: number;
  seed?: number;
  /** The Python interpreter (default: $FORMULA_LENS_PYTHON, else /usr/bin/python3 when present, else python3). */
  python?: string;
  renderWorkers?: number;
  threads?: number;
  signal?: AbortSignal;
  onProgress?(progress: TrainProgress): void;
}

export function defaultPython(): string {
  return process.env.FORMULA_LENS_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** The interpreter can run the training script: it exists and imports torch and onnx (asynchronous: the import takes seconds). */
export function checkPython(python: string): Promise<Result<void, TrainError>> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import torch, onnx'], (error, _stdout, stderr) => {
      if (!error) return resolve(ok(undefined));
      if (typeof error.code === 'string') return resolve(trainError('no-python', `Python was not found (${python}). ${installAdvice}`));
      const missing = /No module named '([^']+)'/.exec(stderr)?.[1] ?? 'torch or onnx';
      resolve(trainError('no-torch', `${python} lacks the Python module ${missing}. ${installAdvice}`));
    });
  });
}

/** Every paper the library plan finds, read by the LaTeX reader into a corpus record (id = source = paper id). */
export async function libraryCorpus(folders: string[], options: Pick<PlanOptions, 'cacheDir' | 'allowNetwork' | 'log'>): Promise<CorpusRecord[]> {
  const plan = await planLibrary(folders, options);
  const records: CorpusRecord[] = [];
  // Training renders each formula's LaTeX: a PDF paper's, written back from its glyphs, would teach the wrong pictures.
  for (const paper of plan.papers.filter(({ source }) => source.kind !== 'pdf')) {
    const project = await extractProject(paper.source.mainFile);
    if (!project.ok) {
      options.log?.(`${paper.id}: LaTeX reader: ${project.reason}`);
      continue;
    }
    records.push({
      id: paper.id,
      source: paper.id,
      macros: project.value.macros,
      formulas: project.value.formulas.map(({ latex, env, section, inline }) => ({ latex, env, section, inline })),
    });
  }
  return records;
}

/** About 80/20 of the usable papers, at least MIN_HELD_OUT held out; too small a library is an error. */
export function splitLibrary(records: CorpusRecord[], seed: number): Result<LibrarySplit, TrainError> {
  const usable = records.filter((record) => record.formulas.length >= MIN_FORMULAS_PER_PAPER).map((record) => record.source);
  if (usable.length < MIN_PAPERS) {
    return trainError(
      'library-too-small',
      `the library has ${usable.length} paper(s) with at least ${MIN_FORMULAS_PER_PAPER} formulas; training needs ${MIN_PAPERS} or more ` +
        `(${MIN_HELD_OUT} are held out to compare the models)`,
    );
  }
  // Seeded: the same library and seed always hold out the same papers.
  const order = shuffled([...usable].sort(), seededRandom(seed));
  const heldOut = Math.max(MIN_HELD_OUT, Math.round(usable.length * HELD_OUT_SHARE));
  return ok({ seed, train: order.slice(heldOut).sort(), validation: [], test: order.slice(0, heldOut).sort() });
}

export function finetuneScript(): string | undefined {
  const models = modelsDirectory();
  const script = models && path.join(path.dirname(models), 'training', 'finetune.py');
  return script && existsSync(script) ? script : undefined;
}

/** Runs finetune.py, relaying its `progress <fraction> <message>` lines; the signal kills it (nothing exported). */
function runScript(
  python: string,
  args: string[],
  onLine: (fraction: number, message: string) => void,
  signal?: AbortSignal,
): Promise<Result<void, TrainError>> {
  return new Promise((resolve) => {
    // The script checks its exports in onnxruntime-node with this runtime (VS Code's own, where `node` may be absent).
    const env = { ...process.env, ...onnxRuntimeEnvironment, FORMULA_LENS_NODE: process.execPath };
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^progress (\d+(?:\.\d+)?) (.*)$/.exec(line);
        if (match) onLine(Number(match[1]), match[2]!);
      }
    });
    // Only the tail matters for the error message; torch warnings can be long.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const cancel = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', cancel, { once: true });
    child.on('error', (error) => resolve(trainError('no-python', `${python}: ${error.message}. ${installAdvice}`)));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', cancel);
      if (signal?.aborted) resolve(trainError('cancelled', 'training cancelled; the current model is unchanged'));
      else if (code === 0) resolve(ok(undefined));
      else resolve(trainError('script-failed', `finetune.py exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

/** The whole run: corpus → split → dataset → fine-tune, evaluate and export. The current model is never touched. */
export async function trainOnLibrary(options: TrainOptions): Promise<Result<FinetuneReport, TrainError>> {
  const report = (fraction: number, message: string) => options.onProgress?.({ fraction, message });
  const python = options.python ?? defaultPython();
  const usable = await checkPython(python);
  if (!usable.ok) return usable;
  const script = finetuneScript();
  if (!script) return trainError('script-failed', 'training/finetune.py is not installed beside the models folder');
  const init = options.init ?? modelPath('see');
  if (!init || !existsSync(init)) return trainError('no-model', `the starting model ${init ?? 'see'} is missing`);
  const symbolicInit = options.symbolicOut === undefined ? undefined : (options.symbolicInit ?? symbolicModelPath());
  if (options.symbolicOut !== undefined && (!symbolicInit || !existsSync(symbolicInit))) {
    return trainError('no-model', `the starting symbolic model ${symbolicInit ?? 'symbolic'} is missing`);
  }
  if (options.steps === undefined && options.minutes === undefined) throw new Error('trainOnLibrary needs steps or minutes');

  report(0, 'reading the library');
  await mkdir(options.workDir, { recursive: true });
  const records = await libraryCorpus(options.folders, options);
  const split = splitLibrary(records, options.seed ?? 0);
  if (!split.ok) return split;
  const kept = new Set([...split.value.train, ...split.value.test]);
  const corpus = path.join(options.workDir, 'corpus.jsonl');
  const splitFile = path.join(options.workDir, 'split.json');
  await writeFile(corpus, records.filter((record) => kept.has(record.source)).map((record) => JSON.stringify(record) + '\n').join(''));
  await writeFile(splitFile, JSON.stringify(split.value, null, 1) + '\n');
  if (options.signal?.aborted) return trainError('cancelled', 'training cancelled; the current model is unchanged');

  report(0.02, `rendering the formulas of ${kept.size} papers`);
  const dataset = path.join(options.workDir, 'dataset');
  await exportDataset(
    { corpus, out: dataset, limit: Infinity, workers: options.renderWorkers ?? Math.max(1, availableParallelism() - 1), budgetMs: 2000 },
    { progress: (line) => options.log?.(line.trimEnd()), summary: (line) => options.log?.(line.trimEnd()) },
  );
  if (options.signal?.aborted) return trainError('cancelled', 'training cancelled; the current model is unchanged');

  const reportFile = path.join(options.workDir, 'report.json');
  await mkdir(path.dirname(options.out), { recursive: true });
  if (options.symbolicOut) await mkdir(path.dirname(options.symbolicOut), { recursive: true });
  const args = [
    script, '--dataset', dataset, '--split', splitFile, '--init', init, '--out', options.out, '--report', reportFile,
    '--threads', String(options.threads ?? 1), '--seed', String(options.seed ?? 0),
    ...(options.steps !== undefined ? ['--steps', String(options.steps)] : []),
    ...(options.minutes !== undefined ? ['--minutes', String(options.minutes)] : []),
    ...(symbolicInit ? ['--symbolic-init', symbolicInit, '--symbolic-out', options.symbolicOut!, '--corpus', corpus] : []),
  ];
  // Rendering is the first 10% of the bar, the script the rest.
  const ran = await runScript(python, args, (fraction, message) => report(0.1 + 0.9 * fraction, message), options.signal);
  if (!ran.ok) return ran;
  return ok(JSON.parse(await readFile(reportFile, 'utf8')) as FinetuneReport);
}
