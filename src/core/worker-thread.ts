// Starts one of our worker threads: its bundle beside the running bundle (out/<bundle>.js), else its TypeScript
// source through tsx's require hook (`--import tsx` in a worker's execArgv does not reach the worker's module
// loader on Node 20), which is how the unit tests and `--import tsx` benches run.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorkerThread(bundle: string, source: string, options: WorkerOptions = {}): Worker {
  const bundled = path.join(__dirname, `${bundle}.js`);
  if (__filename.endsWith('.js') && existsSync(bundled)) return new Worker(bundled, options);
  const tsx = createRequire(__filename).resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`, { ...options, eval: true });
}
