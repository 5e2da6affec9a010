// Safe extraction of arXiv-style e-prints (.tar.gz/.tgz, or one gzipped .tex) into a cache folder.
// The archive is hostile until proven otherwise: we gunzip ourselves (counting bytes both sides, so a
// zip bomb stops early), let node-tar parse headers, and write only plain text-source files at
// checked relative paths inside a fresh temporary folder that is renamed into place when complete.
// Links are never created; unsafe paths reject the whole archive.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { errorMessage, fail, ok, type Result } from '../result';
import { defaultArchiveLimits, type ArchiveLimits } from './types';

export type ExtractionFailure =
  | 'unsafe-path' // absolute, `..`, NUL or drive-letter path
  | 'entry-too-large'
  | 'too-large' // total decompressed bytes
  | 'too-many-files'
  | 'ratio' // decompression ratio: a bomb
  | 'corrupt' // broken gzip or tar
  | 'not-an-archive'
  | 'unreadable';

export interface ExtractionError {
  kind: ExtractionFailure;
  message: string;
}

export interface Extracted {
  /** The folder holding the extracted files. */
  root: string;
  /** Extracted files, relative to root, `/`-separated. */
  files: string[];
  /** Entries deliberately not extracted (links, devices), with why. */
  skipped: { path: string; reason: string }[];
}

/** The file types a LaTeX build reads; figures and binaries are not needed to find formulas. */
const sourceExtensions = new Set(['.tex', '.ltx', '.sty', '.cls', '.def', '.cfg', '.clo', '.fd', '.bib', '.bbl', '.latex']);

export function isSourceFileName(name: string): boolean {
  return sourceExtensions.has(path.extname(name).toLowerCase());
}

class Abort extends Error {
  constructor(readonly failure: ExtractionError) {
    super(failure.message);
  }
}

const abort = (kind: ExtractionFailure, message: string): never => {
  throw new Abort({ kind, message });
};

/**
 * A safe relative path for an archive entry, or the reason it is unsafe. Rejects absolute paths
 * (POSIX, Windows drive or UNC), any `..` segment, NUL bytes and backslash tricks.
 */
export function safeRelativePath(entryPath: string): Result<string> {
  if (entryPath.includes('\0')) return fail('contains a NUL byte');
  const unified = entryPath.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) return fail('absolute path');
  const segments = unified.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return fail('contains ..');
  return ok(segments.join('/'));
}

/** The archive kinds we unpack, by file name. */
export function archiveKind(fileName: string): 'tar.gz' | 'gz' | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  if (lower.endsWith('.gz')) return 'gz';
  return undefined;
}

/** Gunzipped chunks of a file, enforcing total size and ratio caps as bytes arrive. */
async function* gunzipped(file: string, limits: ArchiveLimits): AsyncGenerator<Buffer> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  let compressed = 0;
  let decompressed = 0;
  input.on('data', (chunk) => (compressed += chunk.length));
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      decompressed += chunk.length;
      if (decompressed > limits.maxTotalBytes) abort('too-large', `more than ${limits.maxTotalBytes} bytes uncompressed`);
      if (decompressed > limits.ratioGraceBytes && decompressed > limits.maxRatio * compressed) {
        abort('ratio', `decompression ratio above ${limits.maxRatio}:1`);
      }
      yield chunk;
    }
  } catch (error) {
    if (error instanceof Abort) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') abort('unreadable', errorMessage(error));
    abort('corrupt', `broken gzip stream: ${errorMessage(error)}`);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

const tarMagicOffset = 257;

function looksLikeTar(head: Buffer): boolean {
  return head.length >= 512 && head.subarray(tarMagicOffset, tarMagicOffset + 5).toString('latin1') === 'ustar';
}

/** Text, not binary: no NUL byte in the first 8 KiB. */
function looksLikeText(head: Buffer): boolean {
  return !head.subarray(0, 8192).includes(0);
}

/** Tar entries of the stream into `dir`, under the caps. */
async function untar(chunks: AsyncIterable<Buffer>, dir: string, limits: ArchiveLimits): Promise<Extracted> {
  const files: string[] = [];
  const skipped: Extracted['skipped'] = [];
  let entries = 0;
  let failure: Abort | undefined;
  const parser = new Parser({ strict: true });
  const onEntry = (entry: ReadEntry) => {
    entries += 1;
    if (entries > limits.maxFiles) abort('too-many-files', `more than ${limits.maxFiles} entries`);
    const relative = safeRelativePath(entry.path);
    if (!relative.ok) abort('unsafe-path', `entry '${entry.path}': ${relative.reason}`);
    const target = relative.ok ? relative.value : '';
    if (entry.size > limits.maxEntryBytes) abort('entry-too-large', `entry '${entry.path}' has ${entry.size} bytes`);
    const write = (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') && target !== '' && isSourceFileName(target);
    if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
      skipped.push({ path: target, reason: `${entry.type === 'Link' ? 'hard' : 'symbolic'} link to '${entry.linkpath ?? ''}'` });
    } else if (!['File', 'OldFile', 'ContiguousFile', 'Directory'].includes(entry.type)) {
      skipped.push({ path: target, reason: `unsupported entry type ${entry.type}` });
    }
    if (!write) {
      entry.resume();
      return;
    }
    const parts: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => parts.push(chunk));
    entry.on('end', () => {
      const destination = path.join(dir, target);
      mkdirSync(path.dirname(destination), { recursive: true });
      writeFileSync(destination, Buffer.concat(parts), { flag: 'w', mode: 0o644 });
      if (!files.includes(target)) files.push(target);
    });
  };
  parser.on('entry', (entry: ReadEntry) => {
    if (failure) return entry.resume();
    try {
      onEntry(entry);
    } catch (error) {
      if (!(error instanceof Abort)) throw error;
      failure = error;
      entry.resume();
    }
  });
  const parseErrors: string[] = [];
  parser.on('error', (error: Error) => parseErrors.push(error.message));
  const done = new Promise<void>((resolve) => parser.on('end', () => resolve()));
  for await (const chunk of chunks) {
    if (failure || parseErrors.length) break;
    parser.write(chunk);
  }
  if (!failure && !parseErrors.length) {
    parser.end();
    await done;
  }
  if (failure) throw failure;
  if (parseErrors.length) abort('corrupt', `broken tar: ${parseErrors[0]}`);
  if (entries === 0) abort('not-an-archive', 'no tar entries');
  return { root: dir, files: files.sort(), skipped };
}

/** A stream that first yields already-read chunks, then the rest of the iterator. */
async function* prepend(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** Where `.gz`, a single gzipped file, lands: its name without `.gz`, as a .tex file. */
function singleFileName(archive: string): string {
  const base = path.basename(archive).replace(/\.gz$/i, '');
  const safe = base.replace(/[^\w.+-]/g, '_') || 'main';
  return isSourceFileName(safe) ? safe : `${safe}.tex`;
}

async function extractInto(archive: string, dir: string, limits: ArchiveLimits): Promise<Extracted> {
  const kind = archiveKind(archive);
  if (!kind) abort('not-an-archive', 'not a .tar.gz, .tgz or .gz file');
  const stream = gunzipped(archive, limits);
  const iterator = stream[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 8192) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const start = Buffer.concat(head);
  if (start.length === 0) abort('not-an-archive', 'empty after decompression');
  if (looksLikeTar(start)) return untar(prepend(head, iterator), dir, limits);
  if (kind === 'tar.gz') abort('not-an-archive', 'gzip holds no tar archive');
  if (!looksLikeText(start)) abort('not-an-archive', 'gzip holds neither a tar archive nor a text file');
  const parts = [...head];
  let size = headBytes;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    size += next.value.length;
    if (size > limits.maxEntryBytes) abort('entry-too-large', `the gzipped file has more than ${limits.maxEntryBytes} bytes`);
    parts.push(next.value);
  }
  if (size > limits.maxEntryBytes) abort('entry-too-large', `the gzipped file has more than ${limits.maxEntryBytes} bytes`);
  const name = singleFileName(archive);
  writeFileSync(path.join(dir, name), Buffer.concat(parts), { mode: 0o644 });
  return { root: dir, files: [name], skipped: [] };
}

/** Written last into a finished extraction: lists what it holds, and marks it complete. */
const manifestName = '.formula-lens-extracted.json';

/**
 * Extracts `archive` into `destination` (replacing it), all or nothing: files are written to a
 * temporary sibling folder, with a manifest, that is renamed to `destination` only on success,
 * so a kill mid-way never leaves a half-extracted source behind.
 */
export async function extractArchive(
  archive: string,
  destination: string,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<Result<Extracted, ExtractionError>> {
  const partial = `${destination}.partial-${process.pid}-${Date.now()}`;
  mkdirSync(partial, { recursive: true });
  try {
    const extracted = await extractInto(archive, partial, limits);
    writeFileSync(path.join(partial, manifestName), JSON.stringify({ files: extracted.files, skipped: extracted.skipped }));
    rmSync(destination, { recursive: true, force: true });
    renameSync(partial, destination);
    return ok({ ...extracted, root: destination });
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof Abort) return fail(error.failure);
    throw error;
  }
}

/** sha256 of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Extracts `archive` into `<cacheDir>/<sha256 of the archive>/`, reusing an earlier extraction of
 * the same bytes. The hash also serves as the paper's content hash.
 */
export async function extractToCache(
  archive: string,
  cacheDir: string,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<Result<Extracted & { archiveHash: string }, ExtractionError>> {
  let archiveHash: string;
  try {
    archiveHash = await hashFile(archive);
  } catch (error) {
    return fail({ kind: 'unreadable', message: errorMessage(error) });
  }
  const destination = path.join(cacheDir, archiveHash);
  const manifest = path.join(destination, manifestName);
  if (existsSync(manifest)) {
    const extracted = JSON.parse(readFileSync(manifest, 'utf8')) as Omit<Extracted, 'root'>;
    return ok({ ...extracted, root: destination, archiveHash });
  }
  const result = await extractArchive(archive, destination, limits);
  if (!result.ok) return result;
  return ok({ ...result.value, archiveHash });
}
