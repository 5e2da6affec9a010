// .bib files through @retorquere/bibtex-parser, reduced to what matching and the index need: key,
// metadata, the paths in `file`/`source`, and the arXiv id. The file is cut into entries here and the
// parser sees one entry at a time: on a whole file it grows superlinearly with junk (41 s for 300 KB),
// and one bad entry must cost only that entry.
import type { Creator, Entry } from '@retorquere/bibtex-parser';
import * as path from 'node:path';
import { bibPieces } from './bib-entries';
import type { PaperMetadata } from './types';
import { errorMessage } from '../result';

export interface BibEntry {
  key: string;
  bibFile: string;
  metadata: PaperMetadata;
  /** Absolute paths from the `file` field (JabRef, Zotero/Better BibTeX and Mendeley styles). */
  files: string[];
  /** Absolute path from the `source` field: a LaTeX folder, archive or .tex file. */
  source?: string;
}

export interface BibProblem {
  bibFile: string;
  /** The cite key when the broken entry still shows one. */
  key?: string;
  problem: string;
}

export interface BibLimits {
  /** Largest entry parsed, in characters (a long abstract is a few thousand); a larger one is reported. */
  maxEntryChars: number;
  /** Parsing time per file; the entries after it are reported as not read. */
  timeBudgetMs: number;
}

export const defaultBibLimits: BibLimits = { maxEntryChars: 100_000, timeBudgetMs: 60_000 };

/**
 * Problems of entries that name a known type and a key are listed one by one, once per key; of the
 * others (junk gives one per line) the first 100, the rest are counted in one line.
 */
const maxListedJunkProblems = 100;
const entryTypes = new Set(
  ('article book mvbook inbook bookinbook suppbook booklet collection mvcollection incollection suppcollection dataset manual misc online ' +
    'patent periodical suppperiodical proceedings mvproceedings inproceedings reference mvreference inreference report set software thesis ' +
    'unpublished artwork audio commentary image jurisdiction legislation legal letter movie music performance review standard video ' +
    'conference mastersthesis phdthesis techreport electronic www').split(' '),
);

export interface ParsedBib {
  entries: BibEntry[];
  problems: BibProblem[];
}

const newStyleArxivId = String.raw`\d{4}\.\d{4,5}`;
const oldStyleArxivId = String.raw`[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}`;
const arxivIdPattern = `(${newStyleArxivId}|${oldStyleArxivId})(?:v\\d+)?`;

/** The arXiv id (without version) in a bare id, `arXiv:` mention, arxiv.org URL or arXiv DOI. */
export function findArxivId(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const patterns = [
    new RegExp(`^\\s*(?:arxiv:\\s*)?${arxivIdPattern}\\s*$`, 'i'),
    new RegExp(`arxiv\\.org/(?:abs|pdf|e-print|format)/${arxivIdPattern}`, 'i'),
    new RegExp(`10\\.48550/arxiv\\.${arxivIdPattern}`, 'i'),
    new RegExp(`arxiv:\\s*${arxivIdPattern}`, 'i'),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/**
 * Paths in a `file` field: `;`-separated items, each either a bare path or `description:path:type`,
 * with `\:` and `\;` escaping (Windows drives as `C\:`). Mendeley's `$\backslash$` is undone too.
 */
export function fileFieldPaths(field: string): string[] {
  const unescaped = field.replace(/\$\\backslash\$/g, '\\');
  const items = unescaped.split(/(?<!\\);/).filter((item) => item.trim() !== '');
  return items.map((item) => {
    const parts = item.split(/(?<!\\):/);
    const raw = parts.length >= 3 ? parts.slice(1, -1).join(':') : item;
    return raw.replace(/\\([:;])/g, '$1').trim();
  }).filter((file) => file !== '');
}

function creatorName(creator: Creator): string {
  return (creator.name ?? [creator.firstName, creator.prefix, creator.lastName, creator.suffix].filter(Boolean).join(' ')).normalize('NFC');
}

const lines = ({ first, last }: { first: number; last: number }) => (first === last ? `line ${first}` : `lines ${first}–${last}`);

const parseOptions = { english: false, sentenceCase: false, caseProtection: false, unsupported: 'ignore' } as const;

/** Parses the text of one .bib file within `limits`, reduced to what matching and the index need. */
export async function parseBib(text: string, bibFile: string, limits: BibLimits = defaultBibLimits): Promise<ParsedBib> {
  const { entries, problems } = await parseBibtex(text, bibFile, limits);
  return { entries: entries.map((entry) => bibEntry(entry, bibFile)), problems };
}

/**
 * The parser's entries of one .bib file (each with its own text as `input`), parsed within `limits`.
 * Entries that fail to parse become problems, never exceptions; the others are kept. The parser loads
 * through import(): its CommonJS build requires an ESM-only dependency.
 */
export async function parseBibtex(text: string, bibFile: string, limits: BibLimits = defaultBibLimits): Promise<{ entries: Entry[]; problems: BibProblem[] }> {
  const { parse } = await import('@retorquere/bibtex-parser');
  const entries: Entry[] = [];
  const problems: BibProblem[] = [];
  const reportedKeys = new Set<string>();
  let listedJunk = 0;
  let unlisted: { count: number; first: number; last: number } | undefined;
  const report = (line: number, problem: Omit<BibProblem, 'bibFile'>, type?: string) => {
    const named = problem.key !== undefined && type !== undefined && entryTypes.has(type) && !reportedKeys.has(problem.key);
    if (named) reportedKeys.add(problem.key!);
    if (named || listedJunk++ < maxListedJunkProblems) problems.push({ bibFile, ...problem });
    else unlisted = { count: (unlisted?.count ?? 0) + 1, first: unlisted?.first ?? line, last: line };
  };
  /** @string definitions so far, for the entries after them. */
  const strings: Record<string, string> = {};
  // Junk gives an `@` after another: one report line for each run of them.
  let stray: { first: number; last: number; count: number } | undefined;
  const reportStray = () => {
    if (stray) report(stray.first, { problem: `not an entry: ${stray.count} "@" starting no @type{key, …} at ${lines(stray)} (skipped)` });
    stray = undefined;
  };
  let pieces = 0;
  const started = performance.now();
  let lastYield = started;
  for (const piece of bibPieces(text, limits.maxEntryChars)) {
    pieces++;
    if (piece.kind === 'stray') {
      stray = stray ? { ...stray, last: piece.line, count: stray.count + 1 } : { first: piece.line, last: piece.line, count: 1 };
      continue;
    }
    reportStray();
    const now = performance.now();
    if (now - started >= limits.timeBudgetMs) {
      problems.push({ bibFile, problem: `parsing stopped at line ${piece.line}, over its ${limits.timeBudgetMs / 1000} s budget: the entries from there on were not read` });
      break;
    }
    if (now - lastYield > 50) {
      await new Promise(setImmediate); // an engine stays responsive while a large file parses
      lastYield = performance.now();
    }
    const where = `@${piece.type} at line ${piece.line}`;
    if (piece.kind === 'unclosed') {
      report(piece.line, { key: piece.key, problem: `broken entry: ${where} is not closed (a missing "}")` }, piece.type);
      continue;
    }
    if (piece.kind === 'too-long') {
      report(piece.line, { key: piece.key, problem: `${where} is over the ${limits.maxEntryChars}-character limit of one entry (skipped)` }, piece.type);
      continue;
    }
    if (piece.type === 'comment' || piece.type === 'preamble') continue;
    let parsed: { entries: Entry[]; errors: { error: string }[]; strings: Record<string, string> };
    try {
      parsed = parse(piece.text, { ...parseOptions, strings });
    } catch (error) {
      parsed = { entries: [], errors: [{ error: errorMessage(error) }], strings: {} };
    }
    if (piece.type === 'string') {
      Object.assign(strings, parsed.strings);
      continue;
    }
    // The parser keeps an entry despite minor errors (an unknown @string): then so do we.
    const [entry] = parsed.entries;
    if (!entry) report(piece.line, { key: piece.key, problem: `broken entry: ${parsed.errors[0]?.error ?? 'no fields'} (${where})` }, piece.type);
    else if (!entry.key) report(piece.line, { problem: `${where} has no cite key` });
    else if (Object.keys(entry.fields).length === 0) report(piece.line, { key: entry.key, problem: `${where} has no fields (skipped)` }, piece.type);
    else entries.push(entry);
  }
  reportStray();
  if (unlisted) problems.push({ bibFile, problem: `${unlisted.count} more problems at ${lines(unlisted)}, not listed one by one` });
  if (pieces === 0 && text.trim() !== '') problems.push({ bibFile, problem: 'no BibTeX entries in this file (@type{key, fields})' });
  return { entries, problems };
}

function bibEntry(entry: Entry, bibFile: string): BibEntry {
  const fields = entry.fields;
  const eprintField = fields.archiveprefix === undefined || /arxiv/i.test(fields.archiveprefix) ? fields.eprint : undefined;
  const eprint = [eprintField, fields.arxiv, fields.arxivid, fields.url, fields.doi, fields.journal, fields.note, fields.howpublished]
    .map(findArxivId)
    .find((id) => id !== undefined);
  const metadata: PaperMetadata = {
    title: (fields.title ?? '').normalize('NFC'), // the parser leaves accents decomposed
    authors: (fields.author ?? fields.editor ?? []).map(creatorName).filter((name) => name !== ''),
    year: fields.year ?? fields.date?.slice(0, 4),
    key: entry.key,
    doi: fields.doi,
    url: fields.url,
    eprint,
  };
  for (const field of Object.keys(metadata) as (keyof PaperMetadata)[]) if (metadata[field] === undefined) delete metadata[field];
  const bibDir = path.dirname(bibFile);
  return {
    key: entry.key,
    bibFile,
    metadata,
    files: fields.file ? fileFieldPaths(fields.file).map((file) => path.resolve(bibDir, file)) : [],
    source: fields.source ? path.resolve(bibDir, fields.source) : undefined,
  };
}
