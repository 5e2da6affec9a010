// Worker-thread entry of the render pool (bundled as out/render-worker.js; run from source through tsx).
// MathJax is synchronous, so jobs run one after another; the pool keeps up to `prefetch` of them queued here.
import { parentPort } from 'node:worker_threads';
import { renderInThisThread } from './render';
import type { WorkerJob, WorkerReply } from './pool';

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('render worker started outside a worker thread');
  // Load MathJax and resvg, and warm them, before the pool starts timing our jobs.
  await renderInThisThread({ latex: 'x^2', display: true });
  port.on('message', (job: WorkerJob) => {
    renderInThisThread(job.formula, job.region, job.failure).then(
      (result) => port.postMessage({ id: job.id, ok: true, result } satisfies WorkerReply, [result.pixels.buffer as ArrayBuffer]),
      (error: unknown) =>
        port.postMessage({ id: job.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply),
    );
  });
  port.postMessage('ready');
}

void serve();
