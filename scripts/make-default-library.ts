// Makes the bundled default library (data/default-library/): the formulas and metadata of the corpus
// records whose stated licence clearly allows redistributing their text, thinned so that embedding them
// on first use stays within a few minutes on 2 cores, plus ATTRIBUTION.md listing sources and licences.
//
//   node --import tsx scripts/make-default-library.ts [--corpus ../shared/corpus/papers.jsonl]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BundledRecord } from '../src/core/search/default-library';

interface CorpusRecord {
  id: string;
  title: string;
  authors: string[];
  year: number | null;
  source: string;
  path: string;
  license: string | null;
  doc_type: string;
  macros: string;
  formulas: { latex: string; env: string; section: string | null; inline: boolean }[];
}

/** Formulas kept per record: enough to represent it, few enough for a quick first-use build. */
const maxFormulasPerRecord = 40;

/**
 * Licences that cover the text itself and allow redistribution. GitHub repositories under code licences
 * (MIT, GPL, Apache for a paper repository) are left out: the corpus README warns they may cover only the code.
 * CC-BY-NC and CC-BY-ND are left out too (no commercial use; no derivatives, which an extract arguably is).
 */
function redistributable(record: CorpusRecord): string | undefined {
  const license = record.license ?? '';
  if (record.source === 'github:IllDepence/unarXive') {
    return /creativecommons\.org\/(licenses\/by(-sa)?\/|publicdomain\/zero\/)/.test(license) ? license : undefined;
  }
  if (record.source === 'github:stacks/stacks-project' && license === 'GFDL') return 'GFDL-1.2 (GNU Free Documentation License)';
  if (record.source.startsWith('github:jirilebl/')) return 'CC-BY-SA-4.0'; // dual-licensed; we take the CC-BY-SA-4.0 side
  if (/^CC-BY(-SA)?-4\.0$/.test(license) && record.source.startsWith('github:')) return license; // d2l, MLR, mdeff papers
  // R packages: the DESCRIPTION licence covers the whole package, vignettes included.
  if (record.source.startsWith('debian:r-cran-') && /GPL|MIT|Apache|BSD/.test(license)) return license;
  return undefined;
}

/** Display formulas first, then inline ones, thinned evenly across the document. */
function thin<T extends { inline: boolean }>(formulas: T[], limit: number): T[] {
  const ordered = [...formulas.filter((f) => !f.inline), ...formulas.filter((f) => f.inline)];
  const display = ordered.filter((f) => !f.inline);
  const pool = display.length >= limit ? display : ordered;
  if (pool.length <= limit) return pool;
  return Array.from({ length: limit }, (_, i) => pool[Math.floor((i * pool.length) / limit)]);
}

/** The home page of a source: its repository or Debian package. */
function sourceHome(source: string): string {
  if (source.startsWith('github:')) return `https://github.com/${source.slice('github:'.length)}`;
  return `https://packages.debian.org/sid/${source.replace(/^debian:/, '')}`;
}

/** Where a reader finds the document: its arXiv page for arXiv papers, else its source's home. */
function documentUrl(record: CorpusRecord): string {
  return record.source === 'github:IllDepence/unarXive' ? `https://arxiv.org/abs/${record.id}` : sourceHome(record.source);
}

function main(): void {
  const args = process.argv.slice(2);
  const corpusFlag = args.indexOf('--corpus');
  const corpus = corpusFlag >= 0 && args[corpusFlag + 1] ? args[corpusFlag + 1] : path.resolve(__dirname, '..', '..', 'shared', 'corpus', 'papers.jsonl');
  const out = path.resolve(__dirname, '..', 'data', 'default-library');
  const records = readFileSync(corpus, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as CorpusRecord);

  const bundled: BundledRecord[] = [];
  const bySource = new Map<string, { license: string; records: number; formulas: number; authors: Set<string> }>();
  for (const record of records) {
    const license = redistributable(record);
    if (!license) continue;
    const formulas = thin(record.formulas, maxFormulasPerRecord);
    const url = documentUrl(record);
    bundled.push({
      id: record.id,
      title: record.title,
      authors: record.authors,
      year: record.year ?? undefined,
      url,
      eprint: record.source === 'github:IllDepence/unarXive' ? record.id : undefined,
      source: record.source,
      path: record.path,
      license,
      macros: record.macros,
      formulas: formulas.map(({ latex, env, section, inline }) => ({ latex, env, section: section ?? undefined, inline })),
    });
    const entry = bySource.get(record.source) ?? { license, records: 0, formulas: 0, authors: new Set<string>() };
    entry.records += 1;
    entry.formulas += formulas.length;
    for (const author of record.authors) entry.authors.add(author);
    bySource.set(record.source, entry);
  }

  const jsonl = bundled.map((record) => JSON.stringify(record)).join('\n') + '\n';
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'papers.jsonl.gz'), gzipSync(jsonl, { level: 9 }));
  const total = bundled.reduce((sum, record) => sum + record.formulas.length, 0);
  const rows = [...bySource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, entry]) => {
      const authors = [...entry.authors].slice(0, 4).join(', ') + (entry.authors.size > 4 ? ', …' : '');
      const where = source === 'github:IllDepence/unarXive' ? 'arXiv papers from the unarXive open subset (each: https://arxiv.org/abs/<id>)' : sourceHome(source);
      const cell = (text: string) => text.replace(/\|/g, '\\|');
      return `| ${source} | ${where} | ${cell(authors) || '—'} | ${entry.records} | ${entry.formulas} | ${cell(entry.license)} |`;
    });
  const attribution = `# Default library: sources and licences

\`papers.jsonl.gz\` holds formulas (LaTeX source text, with section titles, environments and the documents'
macro definitions) and bibliographic metadata extracted from the documents below: ${bundled.length} documents,
${total} formulas (at most ${maxFormulasPerRecord} per document). Only documents whose stated licence clearly covers
their text and allows redistribution are included; documents from repositories whose licence may cover only code,
and CC-BY-NC / CC-BY-ND texts, are left out. Every record carries its own \`license\` and \`url\`.
The extracts are unmodified apart from whitespace normalisation and the removal of \`\\label\`, \`\\nonumber\`
and \`\\notag\` (see the corpus README's extraction notes).

Made by \`scripts/make-default-library.ts\` from the project's research corpus (corpus sha256 ${createHash('sha256').update(readFileSync(corpus)).digest('hex').slice(0, 16)}…).

Licence texts: CC-BY-4.0 https://creativecommons.org/licenses/by/4.0/ · CC-BY-SA-4.0
https://creativecommons.org/licenses/by-sa/4.0/ · CC0 https://creativecommons.org/publicdomain/zero/1.0/ ·
GFDL https://www.gnu.org/licenses/fdl-1.2.html (the Stacks Project: https://stacks.math.columbia.edu, whose
source repository includes the licence) · GPL https://www.gnu.org/licenses/ · MIT, BSD-3-Clause, Apache-2.0 as
named in each R package's DESCRIPTION (https://cran.r-project.org/web/licenses/). Jiří Lebl's books are dual-licensed
CC-BY-SA-4.0 / CC-BY-NC-SA-4.0; we use them under CC-BY-SA-4.0.

| source | where | authors | documents | formulas | licence |
|---|---|---|---:|---:|---|
${rows.join('\n')}
`;
  writeFileSync(path.join(out, 'ATTRIBUTION.md'), attribution);
  console.log(`${bundled.length} documents, ${total} formulas from ${bySource.size} sources → ${out}`);
}

main();
