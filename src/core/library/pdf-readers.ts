// Reads the library's PDFs in worker threads, as many at once as there are cores (at most 4). readPdf's time
// budget is checked between pdf.js's asynchronous steps, but pdf.js parses a font program or a content stream in
// one synchronous step the budget cannot interrupt; ending the thread can. So a file that outlasts its budget by
// a grace period, or fills its thread's heap, is stopped, its worker replaced, and the run goes on.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { PdfFailure, ReadPdfOptions } from '../pdf';
import { errorMessage, fail, type Result } from '../result';
import { startWorkerThread } from '../worker-thread';
import { libraryPdfLimits, type PdfPaperFormulas } from './pdf-paper';

export interface PdfReadJob {
  file: string;
  limits: ReadPdfOptions;
}

export type PdfReadReply = Result<PdfPaperFormulas, PdfFailure>;

export interface PdfReadersOptions {
  /** PDFs read at once (default: the machine's cores, at most 4). */
  concurrency?: number;
  /** How long past a file's own budget its worker is stopped, in ms (default 10 s: pdf.js's first load in a fresh thread takes a second or two of the budget). */
  graceMs?: number;
}
/** A thread's JavaScript heap; the file's bytes are outside it (200 MB at most, `libraryPdfLimits`). */
const HEAP_MB = 1536;

export class PdfReaders {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();

  readonly concurrency: number;
  private readonly graceMs: number;

  constructor(options: PdfReadersOptions = {}) {
    this.concurrency = options.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
    this.graceMs = options.graceMs ?? 10_000;
  }

  /** Reads one PDF in a worker; resolves with the worker's answer, or a failure when it had to be stopped. */
  read(file: string, limits: ReadPdfOptions = libraryPdfLimits, signal?: AbortSignal): Promise<PdfReadReply> {
    const worker = this.idle.pop() ?? this.spawn();
    this.busy.add(worker);
    const budgetMs = limits.budgetMs ?? libraryPdfLimits.budgetMs ?? 60_000;
    return new Promise<PdfReadReply>((resolve) => {
      const finish = (reply: PdfReadReply, reusable: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        this.busy.delete(worker);
        if (reusable) this.idle.push(worker);
        else void worker.terminate();
        resolve(reply);
      };
      const stopped = (kind: PdfFailure['kind'], message: string) => finish(fail({ kind, message }), false);
      const onMessage = (reply: PdfReadReply) => finish(reply, true);
      const onError = (error: Error) => stopped('unreadable', `the PDF reader stopped: ${errorMessage(error)}`);
      const onExit = (code: number) => stopped('unreadable', `the PDF reader stopped (exit code ${code})`);
      const onAbort = () => stopped('unreadable', 'cancelled while reading');
      const timer = setTimeout(() => stopped('timeout', `not read within the time budget (${budgetMs / 1000} s); stopped`), budgetMs + this.graceMs);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ file, limits } satisfies PdfReadJob);
    });
  }

  private spawn(): Worker {
    const worker = startWorkerThread('pdf-worker', path.join(__dirname, 'pdf-worker.ts'), { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
    // A read in flight hears its worker's error and exit; an idle worker that ends is forgotten, not handed a file.
    worker.on('error', () => undefined).on('exit', () => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return worker;
  }

  async close(): Promise<void> {
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(all.map((worker) => worker.terminate()));
  }
}
