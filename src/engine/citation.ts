// Finds a paper's key in the user's .bib files, or builds a BibTeX entry for it from its metadata
// under a key none of those files uses. Parsing is the library's, entry by entry within its limits
// (src/core/library/bib.ts); it runs in the engine because the parser is too heavy to load into the extension host.
import type { Entry } from '@retorquere/bibtex-parser';
import { parseBibtex } from '../core/library/bib';
import type { CitationParams, CitationResult, PaperMeta } from './protocol';

export async function findOrBuildCitation({ paper, bibFiles }: CitationParams): Promise<CitationResult> {
  const usedKeys = new Set<string>();
  for (const { path, text } of bibFiles) {
    // A broken entry is simply skipped here: the library's index report is where it is named.
    const entries = (await parseBibtex(text, path)).entries;
    const match = entries.find((entry) => describesPaper(entry, paper));
    if (match) return { kind: 'found', key: match.key, bibPath: path, entry: match.input.trim() };
    for (const entry of entries) usedKeys.add(entry.key.toLowerCase());
  }
  const key = uniqueKey(baseKey(paper), usedKeys);
  return { kind: 'missing', key, entry: bibtexEntry(paper, key) };
}

/** A paper and an entry agree on key, arXiv id or DOI, or else on title (ignoring case, markup and punctuation). */
function describesPaper(entry: Entry, paper: PaperMeta): boolean {
  if (paper.key && entry.key === paper.key) return true;
  const fields = entry.fields as Record<string, unknown>;
  const field = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
  if (paper.arxivId) {
    const arxiv = paper.arxivId.toLowerCase();
    if ([field('eprint'), field('url'), field('journal'), field('note')].some((value) => value.toLowerCase().includes(arxiv))) return true;
  }
  if (paper.doi && field('doi').toLowerCase() === paper.doi.toLowerCase()) return true;
  const title = normalizeTitle(paper.title);
  return title.length >= 12 && normalizeTitle(field('title').replace(/<[^>]*>/g, '')) === title;
}

function normalizeTitle(title: string): string {
  // Decomposed accents (the parser's ö may be o + U+0308) compare equal to precomposed ones.
  return title.normalize('NFKD').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Google Scholar style: first author's last name, year, first long title word (`kanatchikov2003precanonical`). */
export function baseKey(paper: PaperMeta): string {
  const lastName = (paper.authors[0] ?? '').split(/\s+/).filter(Boolean).pop() ?? '';
  const titleWord = paper.title.split(/[^\p{L}\p{N}]+/u).find((word) => word.length > 3) ?? '';
  const ascii = (text: string) => text.normalize('NFKD').replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const key = `${ascii(lastName)}${paper.year ?? ''}${ascii(titleWord)}`;
  return key || `paper${ascii(paper.id)}`;
}

/** `key`, or `key` + a, b, … z, aa, … : the first that is not used (keys compare case-insensitively, as in BibTeX). */
export function uniqueKey(key: string, usedKeys: Set<string>): string {
  if (!usedKeys.has(key.toLowerCase())) return key;
  for (let n = 1; ; n++) {
    const candidate = key + suffix(n);
    if (!usedKeys.has(candidate.toLowerCase())) return candidate;
  }
}

function suffix(n: number): string {
  let text = '';
  for (let rest = n; rest > 0; rest = Math.floor((rest - 1) / 26)) text = String.fromCharCode(97 + ((rest - 1) % 26)) + text;
  return text;
}

/** A BibTeX entry from the paper's metadata: @article with eprint for arXiv papers, @misc otherwise. */
export function bibtexEntry(paper: PaperMeta, key: string): string {
  const fields: [string, string | undefined][] = [
    ['title', paper.title.trim() ? `{${bibtexText(paper.title)}}` : undefined],
    ['author', paper.authors.length ? paper.authors.map(bibtexText).join(' and ') : undefined],
    ['year', paper.year === null ? undefined : String(paper.year)],
    ['eprint', paper.arxivId],
    ['archiveprefix', paper.arxivId ? 'arXiv' : undefined],
    ['doi', paper.doi],
    ['url', paper.url],
  ];
  const body = fields
    .filter((field): field is [string, string] => Boolean(field[1]))
    .map(([name, value]) => `  ${name} = {${value}},`)
    .join('\n');
  return `@${paper.arxivId ? 'article' : 'misc'}{${key},\n${body}\n}\n`;
}

/** Text safe inside a braced BibTeX field: braces balanced, LaTeX specials escaped. */
function bibtexText(text: string): string {
  const balanced = bracesBalanced(text) ? text : text.replace(/[{}]/g, '');
  return balanced.replace(/(?<!\\)[&%#]/g, '\\$&').replace(/\s+/g, ' ').trim();
}

function bracesBalanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth < 0) return false;
  }
  return depth === 0;
}
