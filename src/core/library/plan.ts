// The library plan: which papers a set of library folders holds, where each one's LaTeX is, its
// metadata and content hash, plus a report line for every bib entry and source. The indexing
// pipeline consumes the papers; `planChanges` compares them with what the index already has.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { archiveKind, extractToCache, hashFile, isSourceFileName } from './archive';
import { ArxivFetcher, type ArxivFetcherOptions } from './arxiv';
import { findArxivId, parseBib, type BibEntry } from './bib';
import { chooseMainFile, defaultScanLimits, readHead, scanLibrary, type ScanLimits } from './scan';
import {
  defaultArchiveLimits,
  type ArchiveLimits,
  type LibraryPaper,
  type PaperSource,
  type PaperMetadata,
  type ReportEntry,
} from './types';

export interface PlanOptions {
  /** Holds unpacked archives (`sources/`) and downloaded e-prints (`arxiv/`). */
  cacheDir: string;
  /** Download missing arXiv e-prints (setting `formulaLens.library.allowNetwork`, off by default). */
  allowNetwork?: boolean;
  /** Overrides for the arXiv fetcher (tests: a local base URL and a fake clock). */
  arxiv?: Omit<ArxivFetcherOptions, 'cacheDir'>;
  archiveLimits?: ArchiveLimits;
  scanLimits?: ScanLimits;
  /** Progress lines (downloads, extraction problems) for a log or output channel. */
  log?: (line: string) => void;
}

export interface LibraryPlan {
  papers: LibraryPaper[];
  /** One line per bib entry and per source without one, in bib order then path order. */
  report: ReportEntry[];
}

/** Something in the library that may hold a paper's LaTeX (or only its PDF). */
type Candidate =
  | { kind: 'folder'; path: string; mainFile: string }
  | { kind: 'archive'; path: string }
  | { kind: 'file'; path: string }
  | { kind: 'pdf'; path: string };

/**
 * The name form matching compares: lower case, no version suffix or `arXiv` prefix, letters,
 * digits and dots only, so `hep-th_0301001v2.tar.gz`, `hep-th/0301001` and `Smith:2020` ↔
 * `smith2020/` meet.
 */
export function matchName(name: string): string {
  return name
    .toLowerCase()
    .replace(/(\.tar\.gz|\.tgz|\.gz|\.tex|\.ltx|\.pdf)$/, '')
    .replace(/^arxiv[-_:.]?(?=\d|[a-z-]+[/_-]?\d{7})/, '')
    .replace(/^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?[/_-]?\d{7})v\d+$/, '$1')
    .replace(/[^a-z0-9.]/g, '');
}

const sourceKinds: Candidate['kind'][] = ['folder', 'archive', 'file'];

function describe(candidate: Candidate): string {
  const kind = { file: 'loose file', pdf: 'PDF (no LaTeX source)', folder: 'folder', archive: 'archive' }[candidate.kind];
  return `${kind} ${candidate.path}${candidate.kind === 'folder' ? ` (main ${path.basename(candidate.mainFile)})` : ''}`;
}

/** Source files under a folder, relative and sorted: what the content hash covers. */
function sourceFilesUnder(dir: string, limit = 10_000): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      if (found.length >= limit || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && isSourceFileName(entry.name)) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

function hashOf(parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/**
 * A candidate for a path given in a bib entry (which may lie outside the scanned folders), or
 * undefined when nothing usable (or readable) is there.
 */
function candidateAt(file: string, headBytes: number): Candidate | undefined {
  try {
    if (statSync(file).isDirectory()) {
      const texFiles = readdirSync(file)
        .filter((name) => /\.(tex|ltx)$/i.test(name))
        .map((name) => path.join(file, name))
        .map((tex) => ({ file: tex, size: statSync(tex).size, text: readHead(tex, headBytes) }));
      const mainFile = chooseMainFile(file, texFiles);
      return mainFile ? { kind: 'folder', path: file, mainFile } : undefined;
    }
  } catch {
    return undefined;
  }
  if (archiveKind(file)) return { kind: 'archive', path: file };
  if (/\.(tex|ltx)$/i.test(file)) return { kind: 'file', path: file };
  if (/\.pdf$/i.test(file)) return { kind: 'pdf', path: file };
  return undefined;
}

export async function planLibrary(folders: string[], options: PlanOptions): Promise<LibraryPlan> {
  const log = options.log ?? (() => undefined);
  const archiveLimits = options.archiveLimits ?? defaultArchiveLimits;
  const scanLimits = options.scanLimits ?? defaultScanLimits;
  const scan = scanLibrary(folders, scanLimits);
  const report: ReportEntry[] = [];
  for (const problem of scan.problems) log(`skipped ${problem.path}: ${problem.problem}`);

  const byPath = new Map<string, Candidate>();
  const byName = new Map<string, Candidate[]>();
  /** A bib `file` field may name a folder's main file: that means the folder. */
  const folderByMainFile = new Map<string, Candidate>();
  const add = (candidate: Candidate) => {
    byPath.set(candidate.path, candidate);
    if (candidate.kind === 'folder') folderByMainFile.set(candidate.mainFile, candidate);
    const name = matchName(path.basename(candidate.path));
    byName.set(name, [...(byName.get(name) ?? []), candidate]);
  };
  scan.sourceFolders.forEach((folder) => add({ kind: 'folder', path: folder.dir, mainFile: folder.mainFile }));
  scan.archives.forEach((file) => add({ kind: 'archive', path: file }));
  scan.looseTex.forEach((file) => add({ kind: 'file', path: file }));
  scan.pdfs.forEach((file) => add({ kind: 'pdf', path: file }));

  const entries: BibEntry[] = [];
  const keys = new Map<string, string>();
  for (const bibFile of scan.bibFiles) {
    let parsed;
    try {
      parsed = await parseBib(readFileSync(bibFile, 'utf8'), bibFile);
    } catch (error) {
      report.push({ id: `bib:${bibFile}`, status: 'failed', detail: `cannot read this .bib file: ${(error as Error).message}`, bibFile });
      continue;
    }
    parsed.problems.forEach((problem, index) =>
      report.push({ id: problem.key ? `bib:${problem.key}` : `bib:${bibFile}#${index + 1}`, status: 'failed', detail: problem.problem, bibFile }),
    );
    for (const entry of parsed.entries) {
      const earlier = keys.get(entry.key);
      if (earlier !== undefined) {
        report.push({ id: `bib:${entry.key}`, status: 'failed', detail: `duplicate cite key (first in ${earlier})`, bibFile });
        continue;
      }
      keys.set(entry.key, bibFile);
      entries.push(entry);
    }
  }

  const fetcher = options.allowNetwork
    ? new ArxivFetcher({ ...options.arxiv, cacheDir: path.join(options.cacheDir, 'arxiv') })
    : undefined;
  const claimedBy = new Map<string, string>();
  const planned: { id: string; metadata: PaperMetadata; candidate: Candidate; bibFile?: string; via?: string }[] = [];

  for (const entry of entries) {
    const id = `bib:${entry.key}`;
    const reportFor = (status: ReportEntry['status'], detail: string) => report.push({ id, status, detail, bibFile: entry.bibFile });
    const named = (entry.source ? [entry.source] : []).concat(entry.files);
    const explicit = named
      .map((file) => byPath.get(file) ?? folderByMainFile.get(file) ?? candidateAt(file, scanLimits.headBytes))
      .filter((candidate) => candidate !== undefined);
    const byNames = [entry.key, entry.metadata.eprint].filter((name) => name !== undefined).flatMap((name) => byName.get(matchName(name)) ?? []);
    const candidates = [...explicit, ...byNames];
    // The LaTeX when there is some (its formulas are exact), else the PDF.
    let source = candidates.find((candidate) => sourceKinds.includes(candidate.kind)) ?? candidates.find((candidate) => candidate.kind === 'pdf');
    let via: string | undefined;
    if (source && claimedBy.has(source.path)) {
      reportFor('failed', `duplicate: its source ${source.path} belongs to ${claimedBy.get(source.path)}`);
      continue;
    }
    if ((!source || source.kind === 'pdf') && entry.metadata.eprint && fetcher) {
      log(`downloading arXiv e-print ${entry.metadata.eprint} for ${entry.key}`);
      const fetched = await fetcher.fetchEprint(entry.metadata.eprint);
      if (fetched.ok) {
        source = { kind: 'archive', path: fetched.value.file };
        via = `arXiv e-print ${entry.metadata.eprint}${fetched.value.fromCache ? ' (cached)' : ''}`;
      } else if (source) {
        log(`${entry.key}: arXiv has no source (${fetched.reason.message}); reading its PDF ${source.path}`);
      } else if (fetched.reason.kind === 'pdf-only') {
        reportFor('pdf-only', `${fetched.reason.message}: downloaded PDFs are not read; put the PDF in the library folder or name it in the entry's file field`);
        continue;
      } else {
        reportFor('failed', `arXiv download failed: ${fetched.reason.message}`);
        continue;
      }
    }
    if (!source) {
      const hint = entry.metadata.eprint
        ? `; arXiv ${entry.metadata.eprint} can be downloaded when network access is allowed`
        : '';
      const missing = named.length ? `; file/source field points to missing ${named.join(', ')}` : '';
      reportFor('no-source', `no source found${missing}${hint}`);
      continue;
    }
    claimedBy.set(source.path, entry.key);
    planned.push({ id, metadata: entry.metadata, candidate: source, bibFile: entry.bibFile, via });
  }

  for (const candidate of byPath.values()) {
    if (!sourceKinds.includes(candidate.kind) || claimedBy.has(candidate.path)) continue;
    const eprint = findArxivId(path.basename(candidate.path).replace(/(\.tar\.gz|\.tgz|\.gz)$/i, '').replace(/_/, '/'));
    planned.push({ id: `src:${candidate.path}`, metadata: { title: '', authors: [], ...(eprint ? { eprint } : {}) }, candidate });
  }

  const papers: LibraryPaper[] = [];
  for (const item of planned) {
    const resolved = await resolveSource(item.candidate, options.cacheDir, archiveLimits, scanLimits.headBytes);
    if (!resolved.ok) {
      report.push({ id: item.id, status: 'failed', detail: resolved.reason, ...(item.bibFile ? { bibFile: item.bibFile } : {}) });
      continue;
    }
    const metadata = item.id.startsWith('src:') ? { ...item.metadata, title: titleFromName(item.candidate.path) } : item.metadata;
    const contentHash = hashOf([JSON.stringify(metadata), resolved.value.hash]);
    papers.push({ id: item.id, metadata, source: resolved.value.source, contentHash });
    report.push({ id: item.id, status: 'ready', detail: item.via ?? describe(item.candidate), ...(item.bibFile ? { bibFile: item.bibFile } : {}) });
  }
  return { papers, report };
}

/**
 * A source without a bib entry is titled by its file name here; indexing replaces that with its
 * \title and \author as the LaTeX reader finds them.
 */
function titleFromName(origin: string): string {
  return path.basename(origin).replace(/(\.tar\.gz|\.tgz|\.gz|\.tex|\.ltx)$/i, '');
}

/** Where the candidate's LaTeX is, unpacking archives, and the hash of its source files. */
async function resolveSource(
  candidate: Candidate,
  cacheDir: string,
  limits: ArchiveLimits,
  headBytes: number,
): Promise<{ ok: true; value: { source: PaperSource; hash: string } } | { ok: false; reason: string }> {
  try {
    if (candidate.kind === 'folder') {
      const files = sourceFilesUnder(candidate.path);
      const hash = hashOf(files.flatMap((file) => [file, readFileSync(path.join(candidate.path, file))]));
      return { ok: true, value: { source: { kind: 'folder', origin: candidate.path, root: candidate.path, mainFile: candidate.mainFile }, hash } };
    }
    if (candidate.kind === 'file') {
      const source: PaperSource = { kind: 'file', origin: candidate.path, root: path.dirname(candidate.path), mainFile: candidate.path };
      return { ok: true, value: { source, hash: await hashFile(candidate.path) } };
    }
    if (candidate.kind === 'pdf') {
      const source: PaperSource = { kind: 'pdf', origin: candidate.path, root: path.dirname(candidate.path), mainFile: candidate.path };
      return { ok: true, value: { source, hash: await hashFile(candidate.path) } };
    }
    const extracted = await extractToCache(candidate.path, path.join(cacheDir, 'sources'), limits);
    if (!extracted.ok) return { ok: false, reason: `unsafe or broken archive (${extracted.reason.kind}): ${extracted.reason.message}` };
    const { root, files, archiveHash } = extracted.value;
    const texFiles = files
      .filter((file) => /\.(tex|ltx|latex)$/i.test(file))
      .map((file) => path.join(root, file))
      .map((file) => ({ file, size: statSync(file).size, text: readHead(file, headBytes) }));
    const mainFile = chooseMainFile(root, texFiles);
    if (!mainFile) return { ok: false, reason: `no main .tex file in ${candidate.path}` };
    return { ok: true, value: { source: { kind: 'archive', origin: candidate.path, root: path.dirname(mainFile), mainFile }, hash: archiveHash } };
  } catch (error) {
    return { ok: false, reason: `cannot read ${candidate.path}: ${(error as Error).message}` };
  }
}

export interface PlanChanges {
  /** New papers, and papers whose content hash differs from the indexed one. */
  toIndex: LibraryPaper[];
  unchanged: LibraryPaper[];
  /** Ids in the index that the library no longer has. */
  removed: string[];
}

/** Compares the plan with the index's paper ids and content hashes. */
export function planChanges(papers: LibraryPaper[], indexed: ReadonlyMap<string, string>): PlanChanges {
  const current = new Set(papers.map((paper) => paper.id));
  return {
    toIndex: papers.filter((paper) => indexed.get(paper.id) !== paper.contentHash),
    unchanged: papers.filter((paper) => indexed.get(paper.id) === paper.contentHash),
    removed: [...indexed.keys()].filter((id) => !current.has(id)),
  };
}
