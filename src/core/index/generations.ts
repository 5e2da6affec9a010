// The index folder as immutable generations behind an atomic pointer, so that any number of processes read
// while one writes (docs/index.md says why: node-sqlite3-wasm's lock lets one process in at a time, readers
// included):
//
//   CURRENT                  {"generation": g}: the committed generation, replaced by rename (the commit point)
//   metadata-<g>.sqlite      the SQLite database of generation g (the catalogue), never modified once CURRENT names it
//   writer.lock              the pid of the one writer (writer-lock.ts)
//   readers/<pid>-<n>.sqlite a reader's hard link to the database it reads
//
// SQLite locks a database by `mkdir <path it was opened by>.lock`, so each reader opens its own link: readers
// never contend, and the link keeps the generation's bytes alive after the writer deletes the name.
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isAlive } from './writer-lock';

const currentFileName = 'CURRENT';
/** The database of the layout before generations (format 1 indexes built by earlier versions). */
export const legacyMetadataFileName = 'metadata.sqlite';
const readersFolderName = 'readers';

export const metadataFileName = (generation: number) => `metadata-${generation}.sqlite`;

/**
 * Files of a generation, committed (`metadata-3.sqlite`) or being written (`…sqlite.tmp`, its journal and lock); and
 * the graph files (`vectors-3.hnsw`) of format 1, which kept the embeddings in the generation.
 */
const generationFilePattern = /^(metadata|vectors)-(\d+)\.(sqlite|hnsw)(\.tmp)?(-journal|\.lock)?$/;

/** Whether `directory` holds an index (committed, or in the layout before generations). */
export function holdsIndex(directory: string): boolean {
  return existsSync(path.join(directory, currentFileName)) || existsSync(path.join(directory, legacyMetadataFileName));
}

/** Whether `directory` holds an index of the layout before generations, not yet moved to them. */
export function holdsEarlierLayout(directory: string): boolean {
  return !existsSync(path.join(directory, currentFileName)) && existsSync(path.join(directory, legacyMetadataFileName));
}

/** The committed generation, or undefined when none is (a new or legacy folder); throws when CURRENT is unreadable. */
export function readCurrent(directory: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(directory, currentFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const generation = (JSON.parse(text) as { generation?: unknown }).generation;
  if (!Number.isSafeInteger(generation) || (generation as number) < 0) throw new Error(`${currentFileName} names no generation`);
  return generation as number;
}

/** Commits `generation`: its files must be complete and durable. A crash leaves the old CURRENT or the new one. */
export function writeCurrent(directory: string, generation: number): void {
  const file = path.join(directory, currentFileName);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ generation })}\n`);
  syncFile(temporary);
  renameSync(temporary, file);
  syncDirectory(directory);
}

let pins = 0;

/**
 * A private name for a committed file (a hard link in readers/): the database for one connection to open and lock
 * alone. Throws ENOENT when the file was removed meanwhile (a writer committed).
 */
export function pin(directory: string, file: string): string {
  const folder = path.join(directory, readersFolderName);
  mkdirSync(folder, { recursive: true });
  const link = path.join(folder, `${process.pid}-${++pins}${path.extname(file)}`);
  unpin(link); // a leftover of an earlier process with this pid
  linkSync(path.join(directory, file), link);
  return link;
}

/** Removes a pinned name and what SQLite made beside it (its lock folder, left behind by a killed process). */
export function unpin(link: string): void {
  rmSync(`${link}.lock`, { recursive: true, force: true });
  rmSync(link, { force: true });
}

/** Removes the pins of processes that are gone (killed readers), which would keep their generation's bytes. */
export function removeDeadReaders(directory: string): void {
  const folder = path.join(directory, readersFolderName);
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    const pid = Number.parseInt(name, 10);
    // The link, or a lock folder whose link is gone already (a kill between the two removals).
    if (!(pid > 0 && isAlive(pid))) unpin(path.join(folder, name.replace(/\.lock$/, '')));
  }
}

/**
 * Removes the files of every generation but `keep` (superseded, or left half-written by a killed writer). Only the
 * writer calls it; a reader that pinned a removed database keeps reading it, one that had not retries (store.ts).
 */
export function removeOtherGenerations(directory: string, keep: number): void {
  for (const name of readdirSync(directory)) {
    const match = generationFilePattern.exec(name);
    if (match && (Number(match[2]) !== keep || match[4] || match[5])) rmSync(path.join(directory, name), { recursive: true, force: true });
  }
}

/** Removes an index's own files (never anything else a user may have put in the folder). */
export function removeIndexFiles(directory: string): void {
  if (!existsSync(directory)) return;
  for (const name of readdirSync(directory)) {
    if (name === currentFileName || name.startsWith(legacyMetadataFileName) || generationFilePattern.test(name)) {
      rmSync(path.join(directory, name), { recursive: true, force: true });
    }
  }
}

export function syncFile(file: string): void {
  const descriptor = openSync(file, 'r+');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Makes a rename durable: fsync the folder entry (not supported on every platform; best effort there). */
export function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Windows cannot open folders for fsync; NTFS renames are journaled anyway.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
