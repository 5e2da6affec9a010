// .bib files through @retorquere/bibtex-parser (it recovers after a broken entry), reduced to what
// matching and the index need: key, metadata, the paths in `file`/`source`, and the arXiv id.
import type { Creator } from '@retorquere/bibtex-parser';
import * as path from 'node:path';
import type { PaperMetadata } from './types';

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

/**
 * Parses the text of one .bib file. Entries that fail to parse become problems, never exceptions.
 * The parser loads through import(): its CommonJS build requires an ESM-only dependency.
 */
export async function parseBib(text: string, bibFile: string): Promise<ParsedBib> {
  const { parse } = await import('@retorquere/bibtex-parser');
  const library = parse(text, { english: false, sentenceCase: false, caseProtection: false, unsupported: 'ignore' });
  const problems: BibProblem[] = library.errors.map((error) => {
    const key = error.input ? /^@\w+\s*[{(]\s*([^,\s}]+)\s*,/.exec(error.input)?.[1] : undefined;
    return { bibFile, key, problem: `broken entry: ${error.error}` };
  });
  const brokenKeys = new Set(problems.map((problem) => problem.key).filter(Boolean));
  const bibDir = path.dirname(bibFile);
  const entries: BibEntry[] = [];
  for (const entry of library.entries) {
    if (brokenKeys.has(entry.key)) continue; // reported above; its fields are lost
    if (!entry.key) {
      problems.push({ bibFile, problem: `@${entry.type} entry without a cite key` });
      continue;
    }
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
    entries.push({
      key: entry.key,
      bibFile,
      metadata,
      files: fields.file ? fileFieldPaths(fields.file).map((file) => path.resolve(bibDir, file)) : [],
      source: fields.source ? path.resolve(bibDir, fields.source) : undefined,
    });
  }
  return { entries, problems };
}
