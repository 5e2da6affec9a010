// Downloads arXiv e-prints missing from the library into a cache, when the user allows network
// access (off by default). arXiv asks robots for at most one request every 3 s and a User-Agent
// that says who is asking; requests are serialised behind that interval. The clock is injectable
// so tests do not sleep, and the base URL so they can point at a local server.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { version } from '../../../package.json';
import { errorMessage, fail, ok, type Result } from '../result';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ArxivFetcherOptions {
  /** Where downloaded e-prints are kept (`<cacheDir>/<id>.tar.gz` or `.gz`). */
  cacheDir: string;
  /** Prefix the id is appended to. */
  baseUrl?: string;
  minIntervalMs?: number;
  clock?: Clock;
  maxBytes?: number;
  timeoutMs?: number;
}

export const defaultArxivBaseUrl = 'https://arxiv.org/e-print/';
export const arxivUserAgent = `formula-lens/${version} (VS Code extension; formula-aware literature lookup; e-prints of the user's own bibliography)`;

export type FetchFailure = 'pdf-only' | 'not-found' | 'http' | 'network' | 'too-large' | 'unknown-format';

export interface FetchError {
  kind: FetchFailure;
  message: string;
}

/** The cached e-print: a gzipped tar or a single gzipped .tex, named so `extractArchive` knows which. */
export interface FetchedEprint {
  file: string;
  fromCache: boolean;
}

/** A file-name-safe form of an arXiv id (`hep-th/0301001` → `hep-th_0301001`). */
export const arxivFileStem = (id: string): string => id.replace(/\//g, '_');

const pdfOnly = (id: string): FetchError => ({ kind: 'pdf-only', message: `arXiv has only a PDF of ${id}` });

function isTar(bytes: Buffer): boolean {
  return bytes.length >= 512 && bytes.subarray(257, 262).toString('latin1') === 'ustar';
}

export class ArxivFetcher {
  private readonly baseUrl: string;
  private readonly minIntervalMs: number;
  private readonly clock: Clock;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private lastRequestAt = -Infinity;
  /** Requests run one after another, so the interval holds under concurrent callers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ArxivFetcherOptions) {
    this.baseUrl = options.baseUrl ?? defaultArxivBaseUrl;
    this.minIntervalMs = options.minIntervalMs ?? 3000;
    this.clock = options.clock ?? systemClock;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The cached e-print of `id`, downloading it first when it is not cached yet. */
  fetchEprint(id: string): Promise<Result<FetchedEprint, FetchError>> {
    for (const extension of ['.tar.gz', '.gz']) {
      const cached = path.join(this.options.cacheDir, arxivFileStem(id) + extension);
      if (existsSync(cached)) return Promise.resolve(ok({ file: cached, fromCache: true }));
    }
    if (existsSync(this.pdfOnlyMarker(id))) return Promise.resolve(fail(pdfOnly(id)));
    const next = this.queue.then(() => this.download(id));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Remembers that arXiv has no source for an id, so later runs do not ask again. */
  private pdfOnlyMarker(id: string): string {
    return path.join(this.options.cacheDir, `${arxivFileStem(id)}.pdf-only`);
  }

  private async download(id: string): Promise<Result<FetchedEprint, FetchError>> {
    const wait = this.lastRequestAt + this.minIntervalMs - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
    this.lastRequestAt = this.clock.now();
    let response: Response;
    try {
      response = await fetch(this.baseUrl + id, {
        headers: { 'User-Agent': arxivUserAgent },
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return fail({ kind: 'network', message: `${this.baseUrl}${id}: ${cause ?? errorMessage(error)}` });
    }
    if (response.status === 404) return fail({ kind: 'not-found', message: `arXiv has no e-print ${id}` });
    if (!response.ok) return fail({ kind: 'http', message: `arXiv answered ${response.status} for ${id}` });
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > this.maxBytes) return fail({ kind: 'too-large', message: `e-print ${id} has ${declared} bytes` });
    const bytes = await this.readCapped(response);
    if (!bytes) return fail({ kind: 'too-large', message: `e-print ${id} has more than ${this.maxBytes} bytes` });
    return this.store(id, bytes);
  }

  private async readCapped(response: Response): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let size = 0;
    if (!response.body) return Buffer.alloc(0);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > this.maxBytes) return undefined;
      parts.push(Buffer.from(chunk));
    }
    return Buffer.concat(parts);
  }

  /**
   * Saves the bytes as `.tar.gz` (tar inside) or `.gz` (one .tex inside). The transport may already
   * have undone arXiv's gzip, so a bare tar or .tex is gzipped again; a PDF means arXiv has no source.
   */
  private store(id: string, bytes: Buffer): Result<FetchedEprint, FetchError> {
    mkdirSync(this.options.cacheDir, { recursive: true });
    if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
      writeFileSync(this.pdfOnlyMarker(id), '');
      return fail(pdfOnly(id));
    }
    let gzipped: Buffer;
    let extension: string;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      gzipped = bytes;
      // Which kind the gzip holds is decided by extraction, which accepts a tar in a .gz too.
      extension = '.gz';
    } else if (isTar(bytes)) {
      gzipped = gzipSync(bytes);
      extension = '.tar.gz';
    } else if (bytes.length > 0 && !bytes.subarray(0, 8192).includes(0)) {
      gzipped = gzipSync(bytes);
      extension = '.gz';
    } else {
      return fail({ kind: 'unknown-format', message: `e-print ${id} is neither gzip, tar, PDF nor text` });
    }
    const file = path.join(this.options.cacheDir, arxivFileStem(id) + extension);
    const partial = `${file}.partial-${process.pid}`;
    try {
      writeFileSync(partial, gzipped);
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true });
    }
    return ok({ file, fromCache: false });
  }
}
