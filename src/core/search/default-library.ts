// The bundled default library: formulas and metadata of openly licensed documents shipped in
// data/default-library/papers.jsonl.gz (see its ATTRIBUTION.md). Its catalogue is built on first use (seconds:
// nothing is rendered) into a cache folder named by the bundled file's hash, and reused after; a signal's sidecar
// (the bitmap vectors of a model, …) is built there when a search first weighs it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormulaIndex, type OpenedIndex } from '../index/store';
import type { IndexError } from '../index/types';
import { errorMessage, fail, ok, type Result } from '../result';
import { indexPapers, type BuildOptions, type PaperFormulas } from './build';

/** One line of papers.jsonl.gz. */
export interface BundledRecord {
  /** The corpus record id (arXiv id, `gh:owner/repo:…`, `debian:…`). */
  id: string;
  title: string;
  authors: string[];
  year?: number;
  url?: string;
  eprint?: string;
  /** `github:owner/repo` or `debian:r-cran-…`. */
  source: string;
  /** The file inside the source. */
  path: string;
  license: string;
  macros: string;
  formulas: { latex: string; env: string; section?: string; inline: boolean }[];
}

export const defaultLibraryName = 'default';
const completeMarker = 'library.sha256';

/** data/default-library/papers.jsonl.gz of this checkout or installed extension, found from this file upwards. */
export function defaultLibraryFile(start: string = __dirname): string | undefined {
  for (let directory = start; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, 'data', 'default-library', 'papers.jsonl.gz');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory) return undefined;
  }
}

/** Where built indexes are cached: $FORMULA_LENS_CACHE, else $XDG_CACHE_HOME/formula-lens, else ~/.cache/formula-lens. */
export function defaultCacheRoot(): string {
  if (process.env.FORMULA_LENS_CACHE) return process.env.FORMULA_LENS_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'formula-lens');
}

/** The cache folder of the default index of one bundled library file (by its sha256). */
export function defaultIndexDirectory(librarySha: string, cacheRoot = defaultCacheRoot()): string {
  return path.join(cacheRoot, `default-index-${librarySha.slice(0, 16)}`);
}

/** Parses the bundled file into papers ready for indexing; a damaged file is a typed error. */
export function readDefaultLibrary(file: string): Result<PaperFormulas[], string> {
  let lines: string[];
  try {
    lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean);
  } catch (error) {
    return fail(`${file} is unreadable (${errorMessage(error)})`);
  }
  const papers: PaperFormulas[] = [];
  for (const [number, line] of lines.entries()) {
    let record: BundledRecord;
    try {
      record = JSON.parse(line) as BundledRecord;
      if (typeof record.id !== 'string' || !Array.isArray(record.formulas)) throw new Error('not a library record');
    } catch (error) {
      return fail(`${file}, record ${number + 1}: ${errorMessage(error)}`);
    }
    papers.push({
      paper: {
        id: record.id,
        library: defaultLibraryName,
        title: record.title,
        authors: record.authors,
        year: record.year === undefined ? undefined : String(record.year),
        url: record.url,
        eprint: record.eprint,
        sourcePath: `${record.source}/${record.path}`,
        macros: record.macros,
        license: record.license,
        contentHash: createHash('sha256').update(line).digest('hex'),
      },
      formulas: record.formulas.map((formula) => ({ ...formula, file: record.path })),
    });
  }
  return ok(papers);
}

export function librarySha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Whether the index in `directory` was completed for this bundled library file (its marker names the file's hash). */
export function defaultIndexMarkerMatches(directory: string, libraryFile: string, sha = librarySha256(libraryFile)): boolean {
  const marker = path.join(directory, completeMarker);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === sha;
}

export interface DefaultIndexOptions extends Pick<BuildOptions, 'onProgress' | 'signal'> {
  cacheRoot?: string;
  /** The bundled file (default: found from this module's folder). */
  libraryFile?: string;
  /** How long a build waits for another process writing the index (see IndexOptions). */
  lockWaitMs?: number;
}

/**
 * Opens the default index (its catalogue), building (or finishing) it first when the cache does not hold a complete
 * one for the current bundled file. An interrupted build resumes where it stopped.
 */
export async function openDefaultIndex(options: DefaultIndexOptions = {}): Promise<Result<OpenedIndex & { built: boolean }, IndexError>> {
  const file = options.libraryFile ?? defaultLibraryFile();
  if (!file) return fail({ kind: 'io', message: 'The bundled default library (data/default-library/papers.jsonl.gz) is not installed.' });
  const librarySha = librarySha256(file);
  const directory = defaultIndexDirectory(librarySha, options.cacheRoot);
  const marker = path.join(directory, completeMarker);
  // A reset on open (notices) means the cached index may not hold the whole library any more.
  const complete = (notices: string[]) => notices.length === 0 && defaultIndexMarkerMatches(directory, file, librarySha);
  // Built already (the usual case): read it like any index, without the writer lock.
  const reader = FormulaIndex.openForReading(directory);
  if (reader.ok && complete(reader.value.notices)) return ok({ ...reader.value, built: false });
  if (reader.ok) reader.value.index.close();

  const opened = FormulaIndex.open(directory, {
    onMismatch: 'rebuild', // a cache: rebuilding is always right
    lockWaitMs: options.lockWaitMs,
  });
  if (!opened.ok) return opened;
  if (complete(opened.value.notices)) return ok({ ...opened.value, built: false }); // another process just built it

  const { index } = opened.value;
  const closeAndFail = (error: IndexError) => {
    index.close();
    return fail(error);
  };
  // The folder is named by the file's hash, so what it holds already is of this file: an interrupted build resumes.
  const papers = readDefaultLibrary(file);
  if (!papers.ok) return closeAndFail({ kind: 'corrupt', message: papers.reason });
  const built = await indexPapers(index, papers.value, { batchFormulas: 1000, onProgress: options.onProgress, signal: options.signal });
  if (!built.ok) return closeAndFail(built.reason);
  if (options.signal?.aborted) return closeAndFail({ kind: 'io', message: 'The default index build was stopped; the next build resumes it.' });
  writeFileSync(marker, librarySha + '\n');
  return ok({ ...opened.value, built: true });
}
