// Finds what a library folder holds: .bib files, LaTeX source folders, e-print archives, loose
// .tex files and PDFs. Bounded on purpose: depth, entry count and file-size caps, no descent into
// node_modules/.git/hidden folders, and symlinked folders are followed at most once (loops end).
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { archiveKind } from './archive';

export interface ScanLimits {
  maxDepth: number;
  /** Directory entries looked at in total, across all roots. */
  maxEntries: number;
  /** Bytes of a .tex file read to decide whether it is a main file. */
  headBytes: number;
  /** Largest .bib or .tex file taken; larger ones are reported. */
  maxTextFileBytes: number;
  maxArchiveBytes: number;
}

export const defaultScanLimits: ScanLimits = {
  maxDepth: 12,
  maxEntries: 200_000,
  headBytes: 256 * 1024,
  maxTextFileBytes: 32 * 1024 * 1024,
  maxArchiveBytes: 256 * 1024 * 1024,
};

/** A LaTeX source folder: a folder with a main file; its subfolders belong to it. */
export interface SourceFolder {
  dir: string;
  mainFile: string;
}

export interface LibraryScan {
  bibFiles: string[];
  sourceFolders: SourceFolder[];
  archives: string[];
  /** Main .tex files that stand alone (in a library root, or several in one folder). */
  looseTex: string[];
  pdfs: string[];
  /** Files or folders skipped, and why. */
  problems: { path: string; problem: string }[];
}

const skippedFolders = new Set(['node_modules', '__pycache__', '__MACOSX']);
const texExtensions = new Set(['.tex', '.ltx', '.latex']);
/** Main-file names authors use, in order of preference. */
const conventionalMainNames = ['main', 'ms', 'paper', 'article', 'manuscript', 'root'];

/** The start of a file, as text: enough to tell a main file, without reading a huge one whole. */
export function readHead(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether LaTeX text is a main document: an uncommented `\documentclass` (not `standalone`, which
 * holds figures) and `\begin{document}`.
 */
export function isMainTex(text: string): boolean {
  const documentClass = /^[^%\n]*?\\documentclass\s*(?:\[[^\]]*\])?\s*\{\s*([^}]*?)\s*\}/m.exec(text);
  if (!documentClass || documentClass[1] === 'standalone') return false;
  return /^[^%\n]*?\\begin\s*\{\s*document\s*\}/m.test(text);
}

const stemOf = (file: string) => path.basename(file, path.extname(file)).toLowerCase();

/** Among a folder's main .tex files, the one named after the folder or conventionally, if any. */
function namedMain(dir: string, mains: { file: string }[]): string | undefined {
  const byName = (name: string) => mains.find((main) => stemOf(main.file) === name)?.file;
  return byName(path.basename(dir).toLowerCase()) ?? conventionalMainNames.map(byName).find((file) => file !== undefined);
}

/**
 * The main file among candidate .tex files of one source (e.g. an unpacked e-print), or undefined
 * if none is a main document. A lone .tex file is the main file even without \documentclass, as in
 * body-only sources. Prefers a name after the folder or a conventional one, then the shallowest, then the largest.
 */
export function chooseMainFile(dir: string, texFiles: { file: string; size: number; text: string }[]): string | undefined {
  if (texFiles.length === 1) return texFiles[0]!.file;
  const mains = texFiles.filter((candidate) => isMainTex(candidate.text));
  const depth = (file: string) => path.relative(dir, file).split(path.sep).length;
  return (
    namedMain(dir, mains) ??
    mains.sort((a, b) => depth(a.file) - depth(b.file) || b.size - a.size)[0]?.file
  );
}

export function scanLibrary(roots: string[], limits: ScanLimits = defaultScanLimits): LibraryScan {
  const scan: LibraryScan = { bibFiles: [], sourceFolders: [], archives: [], looseTex: [], pdfs: [], problems: [] };
  const visited = new Set<string>();
  let entriesSeen = 0;

  const statOf = (file: string) => {
    try {
      return statSync(file);
    } catch (error) {
      scan.problems.push({ path: file, problem: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return undefined;
    }
  };

  const walk = (dir: string, depth: number, isRoot: boolean): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (error) {
      scan.problems.push({ path: dir, problem: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return;
    }
    if (visited.has(real)) return; // a symlink loop, or a folder reached twice
    visited.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      scan.problems.push({ path: dir, problem: `cannot list: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return;
    }
    const subfolders: string[] = [];
    const mains: { file: string; size: number }[] = [];
    const here = { bibFiles: [] as string[], archives: [] as string[], pdfs: [] as string[] };
    for (const entry of entries) {
      if (++entriesSeen > limits.maxEntries) {
        if (entriesSeen === limits.maxEntries + 1) scan.problems.push({ path: dir, problem: `stopped after ${limits.maxEntries} entries` });
        return;
      }
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      const stat = entry.isSymbolicLink() ? statOf(full) : undefined;
      const isDirectory = stat ? stat.isDirectory() : entry.isDirectory();
      const isFile = stat ? stat.isFile() : entry.isFile();
      if (isDirectory) {
        if (!skippedFolders.has(entry.name)) subfolders.push(full);
        continue;
      }
      if (!isFile) continue;
      const extension = path.extname(entry.name).toLowerCase();
      const size = () => statOf(full)?.size ?? Infinity;
      if (extension === '.bib') {
        if (size() > limits.maxTextFileBytes) scan.problems.push({ path: full, problem: `larger than ${limits.maxTextFileBytes} bytes` });
        else here.bibFiles.push(full);
      } else if (texExtensions.has(extension)) {
        const bytes = size();
        if (bytes > limits.maxTextFileBytes) scan.problems.push({ path: full, problem: `larger than ${limits.maxTextFileBytes} bytes` });
        else if (isMainTex(readHead(full, limits.headBytes))) mains.push({ file: full, size: bytes });
      } else if (archiveKind(entry.name)) {
        if (size() > limits.maxArchiveBytes) scan.problems.push({ path: full, problem: `larger than ${limits.maxArchiveBytes} bytes` });
        else here.archives.push(full);
      } else if (extension === '.pdf') {
        here.pdfs.push(full);
      }
    }
    scan.pdfs.push(...here.pdfs);
    const main = isRoot ? undefined : mains.length === 1 ? mains[0]!.file : namedMain(dir, mains);
    if (main) {
      // A paper's own folder: its .bib holds its references, not library entries, and its
      // subfolders are its parts.
      scan.sourceFolders.push({ dir, mainFile: main });
      return;
    }
    scan.looseTex.push(...mains.map((candidate) => candidate.file));
    scan.bibFiles.push(...here.bibFiles);
    scan.archives.push(...here.archives);
    if (depth >= limits.maxDepth) {
      if (subfolders.length) scan.problems.push({ path: dir, problem: `deeper than ${limits.maxDepth} folders: not scanned` });
      return;
    }
    for (const subfolder of subfolders) walk(subfolder, depth + 1, false);
  };

  for (const root of roots) {
    const stat = statOf(root);
    if (stat?.isDirectory()) walk(path.resolve(root), 0, true);
    else if (stat) scan.problems.push({ path: root, problem: 'not a folder' });
  }
  return scan;
}
