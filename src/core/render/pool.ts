// Renders formulas in worker threads: MathJax is synchronous and can run long on hostile input,
// so each formula gets a time budget, after which its worker is replaced and the formula's source
// is typeset as plain text instead. Interactive requests (the cursor) go ahead of batch work
// (indexing, the dataset export); results are cached by (macros, body, style, region).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type RenderRegion, regionSize } from './geometry';
import { LruCache } from './lru';
import type { TimedRenderResult } from './render';
import type { FormulaInput, RenderIssue } from './types';

/** A message to a worker: render one formula (or, with `failure`, only its source as text). */
export interface WorkerJob {
  id: number;
  formula: FormulaInput;
  region: RenderRegion;
  failure?: RenderIssue;
}

export type WorkerReply = { id: number; ok: true; result: TimedRenderResult } | { id: number; ok: false; error: string };

export type RenderPriority = 'interactive' | 'batch';

export interface RenderPoolOptions {
  /** Worker threads (default: the machine's cores, at most 4). */
  workers?: number;
  /** Time one formula may take to typeset and rasterize, in ms (default 2000). */
  budgetMs?: number;
  /** Results kept in the LRU cache (default 1000; 0 disables it). */
  cacheSize?: number;
}

export interface RenderOptions {
  region?: RenderRegion;
  priority?: RenderPriority;
}

interface Task {
  formula: FormulaInput;
  region: RenderRegion;
  failure?: RenderIssue;
  resolve(result: TimedRenderResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
}

/**
 * Starts a render worker: the bundle beside the running bundle (out/render-worker.js), else the
 * TypeScript source through tsx's require hook (`--import tsx` in a worker's execArgv does not
 * reach the worker's module loader on Node 20).
 */
function startWorker(): Worker {
  const bundled = path.join(__dirname, 'render-worker.js');
  if (__filename.endsWith('.js') && existsSync(bundled)) return new Worker(bundled);
  const tsx = createRequire(__filename).resolve('tsx/cjs/api');
  const source = path.join(__dirname, 'worker.ts');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`, { eval: true });
}

function cacheKey(formula: FormulaInput, region: RenderRegion): string {
  return JSON.stringify([formula.macros ?? '', formula.latex, formula.display, formula.env ?? '', region]);
}

/** The last resort when even the plain-text fallback fails: a blank bitmap that says why. */
function blank(region: RenderRegion, issues: RenderIssue[]): TimedRenderResult {
  const { width, height } = regionSize(region);
  return { pixels: new Uint8Array(width * height), degraded: true, issues, typesetMs: 0, rasterMs: 0 };
}

export class RenderPool {
  private readonly slots: Slot[] = [];
  private readonly interactive: Task[] = [];
  private readonly batch: Task[] = [];
  private readonly cache: LruCache<string, TimedRenderResult> | undefined;
  private readonly budgetMs: number;
  private nextId = 0;
  private closed = false;

  constructor(options: RenderPoolOptions = {}) {
    this.budgetMs = options.budgetMs ?? 2000;
    const cacheSize = options.cacheSize ?? 1000;
    this.cache = cacheSize > 0 ? new LruCache(cacheSize) : undefined;
    const workers = Math.max(1, options.workers ?? Math.min(4, availableParallelism()));
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
  }

  get workerCount(): number {
    return this.slots.length;
  }

  /**
   * Renders one formula. Never rejects for bad input: failures come back as degraded results.
   * The returned pixels may be shared with the cache; do not modify them.
   */
  render(formula: FormulaInput, options: RenderOptions = {}): Promise<TimedRenderResult> {
    if (this.closed) return Promise.reject(new Error('render pool is closed'));
    const region = options.region ?? 'crop';
    const key = cacheKey(formula, region);
    const cached = this.cache?.get(key);
    if (cached) return Promise.resolve(cached);
    return new Promise<TimedRenderResult>((resolve, reject) => {
      const task: Task = {
        formula,
        region,
        resolve: (result) => {
          this.cache?.set(key, result);
          resolve(result);
        },
        reject,
      };
      (options.priority === 'batch' ? this.batch : this.interactive).push(task);
      this.pump();
    });
  }

  /** Renders many formulas at batch priority, keeping every worker busy; results in input order. */
  renderBatch(formulas: FormulaInput[], region: RenderRegion = 'crop'): Promise<TimedRenderResult[]> {
    return Promise.all(formulas.map((formula) => this.render(formula, { region, priority: 'batch' })));
  }

  /**
   * Renders a stream of formulas at batch priority and yields the results in input order, with at
   * most `window` formulas in flight, so memory stays bounded on a corpus of any size.
   */
  async *renderOrdered(formulas: Iterable<FormulaInput>, window = 64, region: RenderRegion = 'crop'): AsyncGenerator<TimedRenderResult> {
    const pending: Promise<TimedRenderResult>[] = [];
    for (const formula of formulas) {
      const result = this.render(formula, { region, priority: 'batch' });
      // Rejections (only when the pool closes) surface through the await below, in order.
      result.catch(() => {});
      pending.push(result);
      if (pending.length >= window) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  }

  async close(error = new Error('render pool closed')): Promise<void> {
    this.closed = true;
    for (const task of [...this.interactive.splice(0), ...this.batch.splice(0)]) task.reject(error);
    await Promise.all(
      this.slots.map((slot) => {
        clearTimeout(slot.timer);
        slot.task?.reject(error);
        return slot.worker.terminate();
      }),
    );
  }

  /** A worker that cannot even start (missing bundle, broken install) will not start next time either. */
  private broken(error: Error): void {
    if (this.closed) return;
    const failure = new Error(`render worker failed to start: ${error.message}`);
    void this.close(failure);
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker, ready: false };
    worker.on('message', (message: WorkerReply | 'ready') => {
      if (message === 'ready') {
        slot.ready = true;
        this.pump();
      } else {
        this.finish(slot, message);
      }
    });
    worker.on('error', (error) => {
      if (slot.ready) this.replace(slot, { kind: 'mathjax-error', detail: `render worker crashed: ${error.message}` });
      else this.broken(error);
    });
    worker.on('exit', (code) => {
      if (this.closed) return;
      if (slot.ready) this.replace(slot, { kind: 'mathjax-error', detail: `render worker exited with code ${code}` });
      else this.broken(new Error(`render worker exited with code ${code} while starting`));
    });
    worker.unref();
    return slot;
  }

  /** Gives idle workers the next tasks, interactive ones first; keeps the process alive only while there is work. */
  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.task) continue;
      const task = this.interactive.shift() ?? this.batch.shift();
      if (!task) break;
      slot.task = task;
      const job: WorkerJob = { id: this.nextId++, formula: task.formula, region: task.region, failure: task.failure };
      slot.worker.postMessage(job);
      slot.timer = setTimeout(
        () => this.replace(slot, { kind: 'timeout', detail: `typesetting took longer than ${this.budgetMs} ms` }),
        this.budgetMs,
      );
    }
    const busy = this.slots.some((slot) => slot.task) || this.interactive.length + this.batch.length > 0;
    for (const slot of this.slots) {
      if (busy) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  private finish(slot: Slot, reply: WorkerReply): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    if (task) {
      if (reply.ok) task.resolve(reply.result);
      else this.retryAsText(task, { kind: 'mathjax-error', detail: reply.error.split('\n')[0]! });
    }
    this.pump();
  }

  /** Ends a worker that overran its budget or crashed, starts a fresh one, and retries its formula as text. */
  private replace(slot: Slot, failure: RenderIssue): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return; // already replaced (e.g. 'error' followed by 'exit')
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {}); // the old worker's last words no longer matter
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
    if (task) this.retryAsText(task, failure);
    this.pump();
  }

  private retryAsText(task: Task, failure: RenderIssue): void {
    if (task.failure) {
      task.resolve(blank(task.region, [task.failure, { kind: failure.kind, detail: `plain-text fallback failed too: ${failure.detail}` }]));
      return;
    }
    this.interactive.unshift({ ...task, failure });
  }
}
