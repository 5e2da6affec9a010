// Equation encoder speed on this CPU: onnxruntime-node throughput at batch 1/32/256 on 2 threads and
// single-formula latency (the editor's 1 thread), beside the same model in PyTorch (goal: onnxruntime
// ≥ 1.5× PyTorch), and PyTorch training throughput in triples/s. Wall-clock figures: the machine is
// shared, so the load average is printed with them.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { Encoder } from '../src/core/encode/encoder';
import { modelPath } from '../src/core/encode/models';
import { BITMAP_BYTES, type BuiltinModel } from '../src/core/encode/types';
import type { Bench } from './run';

const BATCH_SIZES = [1, 32, 256] as const;
const SECONDS_PER_FIGURE = 3;
const LATENCY_SAMPLES = 200;

interface TorchFigures {
  inference_per_second: Record<string, number>;
  latency_ms: { p50: number; p95: number };
  training_triples_per_second: number;
}

/** Random ink on 10% of the pixels: a CNN's speed does not depend on what the bitmap shows. */
function bitmaps(count: number): Uint8Array[] {
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: count }, () => Uint8Array.from({ length: BITMAP_BYTES }, () => (random() < 0.1 ? 255 : 0)));
}

async function formulasPerSecond(encoder: Encoder, batch: Uint8Array[]): Promise<number> {
  await encoder.embed(batch);
  let done = 0;
  const started = performance.now();
  while (done === 0 || performance.now() - started < SECONDS_PER_FIGURE * 1000) {
    await encoder.embed(batch);
    done += batch.length;
  }
  return done / ((performance.now() - started) / 1000);
}

async function latency(encoder: Encoder): Promise<{ p50: number; p95: number }> {
  const [single] = bitmaps(1);
  const times: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const started = performance.now();
    await encoder.embed([single]);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(0.5 * times.length)], p95: times[Math.floor(0.95 * times.length)] };
}

function torchFigures(arch: BuiltinModel): TorchFigures | string {
  const script = path.join(__dirname, '..', 'training', 'train.py');
  // Passive OpenMP waiting: on a loaded machine, spinning threads wait for each other and PyTorch slows
  // down tenfold, which would flatter onnxruntime.
  const result = spawnSync('/usr/bin/python3', [script, 'benchmark', '--arch', arch, '--threads', '2', '--seconds', String(SECONDS_PER_FIGURE)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  if (result.status !== 0) return `PyTorch figures unavailable: ${(result.stderr || String(result.error)).trim().split('\n').pop()}`;
  return JSON.parse(result.stdout) as TorchFigures;
}

const number = (value: number, digits = 0) => value.toFixed(digits).padStart(9);

async function benchModel(name: BuiltinModel): Promise<void> {
  const opened = await Encoder.open({ model: name, executionProvider: 'cpu', intraOpThreads: 2, batchSize: 256 });
  if (!opened.ok) {
    console.log(`${name}: skipped (${opened.reason.message})`);
    return;
  }
  const torch = torchFigures(name);
  const encoder = opened.value;
  console.log(`\n${name} (${modelPath(name)}, sha256 ${encoder.model.fingerprint.slice(0, 12)}…), load average ${loadavg()[0].toFixed(1)}`);
  console.log('formulas/s, 2 threads   onnxruntime    PyTorch    ratio');
  for (const size of BATCH_SIZES) {
    const ort = await formulasPerSecond(encoder, bitmaps(size));
    const reference = typeof torch === 'string' ? undefined : torch.inference_per_second[String(size)];
    console.log(`  batch ${String(size).padEnd(4)}           ${number(ort)}  ${reference ? number(reference) : '        –'}  ${reference ? (ort / reference).toFixed(2).padStart(6) + '×' : ''}`);
  }
  await encoder.dispose();

  const editor = await Encoder.open({ model: name, executionProvider: 'cpu', intraOpThreads: 1 });
  if (editor.ok) {
    const { p50, p95 } = await latency(editor.value);
    await editor.value.dispose();
    console.log(`single formula, 1 thread: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`);
  }
  if (typeof torch === 'string') {
    console.log(torch);
  } else {
    console.log(`PyTorch single formula, 2 threads: p50 ${torch.latency_ms.p50.toFixed(2)} ms, p95 ${torch.latency_ms.p95.toFixed(2)} ms`);
    console.log(`PyTorch training (triplet loss, batch 100, channels_last, 2 threads): ${torch.training_triples_per_second.toFixed(1)} triples/s`);
  }
}

export const bench: Bench = {
  title: 'Equation encoder: onnxruntime-node vs PyTorch on this CPU, and training throughput',
  async run() {
    for (const name of ['see', 'bee'] as const) await benchModel(name);
  },
};
