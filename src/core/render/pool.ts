// Renders formulas in worker threads: MathJax is synchronous and can run long on hostile input,
// so each formula gets a time budget, after which its worker is replaced and the formula's source
// is typeset as plain text instead. Interactive requests (the cursor) go ahead of batch work
// (indexing, the dataset export); results are cached by (macros, body, style, region). Each worker
// holds a few formulas at once, so it keeps drawing while this thread is busy (the encoder's
// inference blocks it for tens of milliseconds per batch) instead of waiting for its next job.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { type RenderRegion, regionSize } from './geometry';
import { LruCache } from '../lru';
import { startWorkerThread } from '../worker-thread';
import { recordNativeUse } from '../native';
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
  /** Formulas sent to a worker ahead of its replies (default 4). */
  prefetch?: number;
}

export interface RenderOptions {
  region?: RenderRegion;
  priority?: RenderPriority;
}

interface Task {
  formula: FormulaInput;
  region: RenderRegion;
  priority: RenderPriority;
  failure?: RenderIssue;
  resolve(result: TimedRenderResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Sent and not yet answered, in the order the worker renders them (one at a time). */
  tasks: { id: number; task: Task }[];
  /** The budget of the first of them, started when it became first: the worker may have begun it earlier, never later. */
  timer?: NodeJS.Timeout;
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
  /** Renderings asked for and not done yet, by cache key, one table per priority. */
  private readonly inFlight: Record<RenderPriority, Map<string, Promise<TimedRenderResult>>> = { interactive: new Map(), batch: new Map() };
  private readonly budgetMs: number;
  private readonly prefetch: number;
  private nextId = 0;
  private closed = false;

  constructor(options: RenderPoolOptions = {}) {
    this.budgetMs = options.budgetMs ?? 2000;
    this.prefetch = Math.max(1, options.prefetch ?? 4);
    const cacheSize = options.cacheSize ?? 1000;
    this.cache = cacheSize > 0 ? new LruCache(cacheSize) : undefined;
    const workers = Math.max(1, options.workers ?? Math.min(4, availableParallelism()));
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
    recordNativeUse('@resvg/resvg-wasm (render workers)');
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
    const priority = options.priority ?? 'interactive';
    // A formula asked for again before its first rendering is done (a paper's repeated $n$ in one batch)
    // shares that rendering; a cursor request never waits for a batch one.
    const inFlight = this.inFlight[priority];
    const pending = inFlight.get(key);
    if (pending) return pending;
    const rendering = new Promise<TimedRenderResult>((resolve, reject) => {
      const task: Task = {
        formula,
        region,
        priority,
        resolve: (result) => {
          this.cache?.set(key, result);
          resolve(result);
        },
        reject,
      };
      (priority === 'batch' ? this.batch : this.interactive).push(task);
      this.pump();
    });
    inFlight.set(key, rendering);
    const settled = () => inFlight.delete(key);
    rendering.then(settled, settled);
    return rendering;
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
        for (const { task } of slot.tasks.splice(0)) task.reject(error);
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
    const worker = startWorkerThread('render-worker', path.join(__dirname, 'worker.ts'));
    const slot: Slot = { worker, ready: false, tasks: [] };
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

  /**
   * Gives workers the next tasks, interactive ones first, to the least loaded worker first (a cursor query
   * waits behind at most prefetch − 1 formulas); keeps the process alive only while there is work.
   */
  private pump(): void {
    for (let depth = 1; depth <= this.prefetch; depth++) {
      for (const slot of this.slots) {
        if (!slot.ready || slot.tasks.length >= depth) continue;
        const task = this.interactive.shift() ?? this.batch.shift();
        if (!task) break;
        const id = this.nextId++;
        slot.tasks.push({ id, task });
        slot.worker.postMessage({ id, formula: task.formula, region: task.region, failure: task.failure } satisfies WorkerJob);
        if (slot.tasks.length === 1) this.startBudget(slot);
      }
    }
    const busy = this.slots.some((slot) => slot.tasks.length > 0) || this.interactive.length + this.batch.length > 0;
    for (const slot of this.slots) {
      if (busy) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  private startBudget(slot: Slot): void {
    slot.timer = setTimeout(() => this.replace(slot, { kind: 'timeout', detail: `typesetting took longer than ${this.budgetMs} ms` }), this.budgetMs);
  }

  private finish(slot: Slot, reply: WorkerReply): void {
    const head = slot.tasks[0];
    if (head?.id !== reply.id) return; // a worker answers in order; anything else is not ours to resolve
    clearTimeout(slot.timer);
    slot.tasks.shift();
    if (slot.tasks.length > 0) this.startBudget(slot);
    if (reply.ok) head.task.resolve(reply.result);
    else this.retryAsText(head.task, { kind: 'mathjax-error', detail: reply.error.split('\n')[0]! });
    this.pump();
  }

  /**
   * Ends a worker that overran its budget or crashed, starts a fresh one, and retries the formula it was
   * drawing as text; the formulas queued behind it go back to the front of their queues, in order.
   */
  private replace(slot: Slot, failure: RenderIssue): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return; // already replaced (e.g. 'error' followed by 'exit')
    const [head, ...queued] = slot.tasks.splice(0);
    clearTimeout(slot.timer);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {}); // the old worker's last words no longer matter
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
    for (const { task } of queued.reverse()) (task.priority === 'batch' ? this.batch : this.interactive).unshift(task);
    if (head) this.retryAsText(head.task, failure);
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
