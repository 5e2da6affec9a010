// `formula-lens search "<latex>"`: the papers whose formulas look most like the query, one row per
// paper with its best formulas. Searches the bundled default index unless --index names another.
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { ExitCode, UsageError, type CliCommand } from '../command';
import type { HitFilter } from '../../core/index/types';
import { yearNumber } from '../../core/index/metadata';
import { MAX_QUERY_CHARS, queryProblem, type PaperResult, type SearchResponse } from '../../core/search/search';
import { chooseSearchMode } from '../../core/search/hybrid-search';
import { SearchSession, type SessionProgress, type SessionRequest, type SessionResponse } from '../../core/search/session';
import { parseCommandLine, positiveInteger, readTextArgument } from './command-line';

/** Raised when a field of the --json output changes meaning or goes away (new fields do not raise it). */
export const searchOutputVersion = 1;

const help = `Usage: formula-lens search "<latex>" | @FILE | - [--index DIR] [--k 10] [--json] [options]
       formula-lens search --batch [--index DIR] [options] < queries.jsonl

Finds the formulas of the index most like the query and prints the papers they come from, best first:
one row per paper with its best formulas. The score is the ranking's similarity in [0, 1]: in the
default hybrid mode the fused score (Σ weight × signal similarity, weights from models/fusion.json).
Without --index, searches the bundled default index of openly licensed papers, which is built
into a cache folder on first use (about a minute; progress on stderr) and reused after.

The formula is given as it is, as @FILE (read from that file) or as - (read from stdin): the way for
long formulas, and for one that itself begins with @.

Options:
  --index DIR        the index folder to search, which must exist (default: the bundled default index), or a
                     shared index in PostgreSQL: postgres://USER@HOST:PORT/DATABASE (password from PGPASSWORD
                     or ~/.pgpass; docs/postgres.md). It is ranked like a folder index of the same library.
  --k N              papers to show (default 10)
  --per-paper N      formulas shown per paper (default 3)
  --ef N             HNSW search breadth (default 128; higher = slower, closer to exact)
  --macros TEXT      macro definitions for the query, one per line (or @FILE, or - for stdin)
  --inline           typeset the query in text style (default: display style)
  --env NAME         the query's environment, e.g. align* (default: equation, or inline with --inline)
  --exclude ID       leave out this paper (the query's own document)
  --year-from Y      only papers from year Y on
  --year-to Y        only papers up to year Y
  --library NAME     only papers of this library (repeatable)
  --model M          see (default), bee, or the path of an encoder .onnx
  --encoder E        the ranking signal: bitmap, symbolic, lexical, structure (layout trees aligned with
                     variables renamed) or hybrid (their fusion); default: models/fusion.json's mode.
                     symbolic, and hybrid when models/fusion.json weighs it, need models/symbolic.onnx.
  --symbolic-model F the symbolic encoder .onnx (default: the shipped one), e.g. one \`formula-lens train\` wrote
  --json             print the results as JSON instead of a table: {"outputVersion": ${searchOutputVersion},
                     "papers": [{"paper": {…, "year": number when known}, "score", "formulas"}], …}
  --batch            read one query a line from stdin as JSON, {"latex", "macros"?, "exclude"?, "k"?}, and
                     write one --json answer a line (a bad line gets {"line", "error"}): many queries,
                     one start-up. The options above apply to every query.

Exit codes: 0 results printed (possibly none), 1 the index (e.g. no index in DIR) or model could not
be used, 2 bad usage (an empty query, or one over ${MAX_QUERY_CHARS} characters, included).`;

const options = {
  index: { type: 'string' },
  k: { type: 'string' },
  'per-paper': { type: 'string' },
  ef: { type: 'string' },
  macros: { type: 'string' },
  inline: { type: 'boolean' },
  env: { type: 'string' },
  exclude: { type: 'string' },
  'year-from': { type: 'string' },
  'year-to': { type: 'string' },
  library: { type: 'string', multiple: true },
  model: { type: 'string' },
  encoder: { type: 'string' },
  'symbolic-model': { type: 'string' },
  json: { type: 'boolean' },
  batch: { type: 'boolean' },
} as const;

function year(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value)) throw new UsageError(`${flag} needs a year such as 2019`);
  return Number(value);
}

/** The --json document: versioned, years as numbers (the index keeps them as the .bib wrote them). */
export function jsonOutput(response: SearchResponse): string {
  const papers = response.papers.map((result) => {
    const { year, ...paper } = result.paper;
    // A PDF formula's crop is PNG bytes: base64 in JSON, as the engine sends it.
    const formulas = result.formulas.map((hit) => {
      const { pdf } = hit.formula;
      return pdf?.crop ? { ...hit, formula: { ...hit.formula, pdf: { ...pdf, crop: Buffer.from(pdf.crop).toString('base64') } } } : hit;
    });
    return { ...result, formulas, paper: { ...paper, year: yearNumber(year) } };
  });
  return JSON.stringify({ outputVersion: searchOutputVersion, ...response, papers }, null, 2);
}

/** One line, at most `width` characters (an ellipsis marks the cut). */
function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

function paperLabel(paper: PaperResult['paper']): string {
  return paper.title ? `${paper.title} [${paper.id}]` : paper.id;
}

/** The ranked table: one block per paper, its best formula on the paper's row and the others below. */
export function formatTable(response: SearchResponse, width: number): string {
  if (response.papers.length === 0) return 'No similar formulas found.';
  const paperWidth = Math.max(24, Math.min(60, Math.floor(width * 0.35)));
  const sectionWidth = 20;
  const formulaWidth = Math.max(20, width - (4 + 7 + 6 + paperWidth + sectionWidth + 5));
  const header = ['#'.padStart(3), 'score'.padEnd(6), 'year'.padEnd(5), 'paper'.padEnd(paperWidth), 'section'.padEnd(sectionWidth), 'formula'];
  const lines = [header.join(' ')];
  response.papers.forEach((result, rank) => {
    result.formulas.forEach(({ formula, score }, i) => {
      const first = i === 0;
      lines.push(
        [
          (first ? `${rank + 1}` : '').padStart(3),
          score.toFixed(3).padEnd(6),
          (first ? (result.paper.year ?? '') : '').padEnd(5),
          (first ? clip(paperLabel(result.paper), paperWidth) : '').padEnd(paperWidth),
          clip(formula.pdf ? `p. ${formula.pdf.page} ${formula.pdf.number ?? ''}` : (formula.section ?? ''), sectionWidth).padEnd(sectionWidth),
          clip(formula.latex, formulaWidth),
        ].join(' ').trimEnd(),
      );
    });
  });
  if (response.queryDegraded) {
    lines.push('', `note: the query did not render faithfully (${response.queryIssues.map((issue) => issue.detail).join('; ')}); results may be off.`);
  }
  return lines.join('\n');
}

export const searchCommand: CliCommand = {
  name: 'search',
  summary: 'find the papers whose formulas look like a LaTeX formula',
  help,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, options);
    if (values.batch ? positionals.length !== 0 : positionals.length !== 1) {
      throw new UsageError(values.batch ? '--batch reads the queries from stdin: give no formula' : 'expects exactly one LaTeX formula (quote it)');
    }
    const mode = chooseSearchMode(values.encoder);
    if (!mode.ok) throw new UsageError(mode.reason);
    if ((values.batch || positionals[0] === '-') && values.macros === '-') throw new UsageError('only one of the query and --macros can be read from stdin');
    const macros = values.macros === undefined ? undefined : readTextArgument('--macros', values.macros);
    const filter: HitFilter = {
      yearFrom: year('--year-from', values['year-from']),
      yearTo: year('--year-to', values['year-to']),
      libraries: values.library,
    };
    const request = (query: { latex: string; macros?: string; exclude?: string; k?: number }): SessionRequest => ({
      query: {
        latex: query.latex,
        macros: query.macros ?? macros,
        display: !values.inline,
        env: values.env ?? (values.inline ? 'inline' : 'equation'),
        paperId: query.exclude ?? values.exclude,
      },
      indexes: values.index ? [values.index] : [],
      defaultIndex: values.index ? undefined : { prepare: 'wait' },
      mode: values.encoder,
      model: values.model ?? 'see',
      symbolicModel: values['symbolic-model'],
      k: query.k ?? positiveInteger('--k', values.k) ?? 10,
      formulasPerPaper: positiveInteger('--per-paper', values['per-paper']) ?? 3,
      ef: positiveInteger('--ef', values.ef) ?? 128,
      filter,
    });
    const latex = values.batch ? '' : readTextArgument('the query', positionals[0]!);
    const problem = values.batch ? undefined : queryProblem(latex);
    if (problem) throw new UsageError(problem.message);

    // The default index may need building on first use: then every core renders.
    const session = new SearchSession({
      log: (line) => process.stderr.write(`${line}\n`),
      onProgress: defaultIndexProgress(),
      renderWorkers: values.index ? 1 : availableParallelism(),
    });
    try {
      if (values.batch) return await searchBatch(session, request);
      const found = await searchOnce(session, request({ latex }));
      if (!found) return ExitCode.failure;
      process.stdout.write(`${values.json ? jsonOutput(found) : formatTable(found, process.stdout.columns || 160)}\n`);
      return ExitCode.ok;
    } finally {
      await session.dispose();
    }
  },
};

/** One search; its problems on stderr. Undefined (after saying why) when no index or model could be used. */
async function searchOnce(session: SearchSession, request: SessionRequest): Promise<SessionResponse | undefined> {
  const found = await session.search(request);
  if (!found.ok) {
    process.stderr.write(`formula-lens search: ${found.reason.message}\n`);
    return undefined;
  }
  for (const problem of found.value.problems) process.stderr.write(`formula-lens search: ${problem}\n`);
  return found.value.searched.length > 0 ? found.value : undefined;
}

/** One query of `--batch`: a JSON line. */
interface BatchQuery {
  latex: string;
  macros?: string;
  exclude?: string;
  k?: number;
}

function batchQuery(line: string): BatchQuery | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const query = parsed as Partial<BatchQuery> | null;
  if (typeof query !== 'object' || query === null || typeof query.latex !== 'string') return 'needs {"latex": "…"} (and optionally "macros", "exclude", "k")';
  if (query.macros !== undefined && typeof query.macros !== 'string') return '"macros" must be a string';
  if (query.exclude !== undefined && typeof query.exclude !== 'string') return '"exclude" must be a string';
  if (query.k !== undefined && !(Number.isInteger(query.k) && query.k > 0)) return '"k" must be a positive integer';
  return queryProblem(query.latex)?.message ?? (query as BatchQuery);
}

/**
 * `--batch`: a JSON query a line on stdin, a JSON answer a line on stdout, in order, with one start-up for
 * all. A bad line is answered `{"outputVersion", "line", "error"}` and the batch goes on; an index or model
 * that cannot be used ends it with exit 1.
 */
async function searchBatch(session: SearchSession, request: (query: BatchQuery) => SessionRequest): Promise<number> {
  let number = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    number++;
    if (!line.trim()) continue;
    const query = batchQuery(line);
    if (typeof query === 'string') {
      process.stdout.write(`${JSON.stringify({ outputVersion: searchOutputVersion, line: number, error: query })}\n`);
      continue;
    }
    const found = await searchOnce(session, request(query));
    if (!found) return ExitCode.failure;
    process.stdout.write(`${JSON.stringify(JSON.parse(jsonOutput(found)))}\n`);
  }
  return ExitCode.ok;
}

/** First-use build progress on stderr: at most one line per 10%, and where the index goes. */
function defaultIndexProgress() {
  let lastTenth = -1;
  let started = 0;
  return ({ indexDir: directory, phase, formulasDone, formulasTotal }: SessionProgress) => {
    if (phase !== 'default index' || !formulasTotal || formulasDone === undefined) return;
    if (lastTenth < 0) {
      started = performance.now();
      process.stderr.write(`Building the default index (${formulasTotal} formulas, once for this version of the library) in ${directory}\n`);
    }
    const tenth = Math.floor((formulasDone / formulasTotal) * 10);
    if (tenth <= lastTenth) return;
    lastTenth = tenth;
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`  ${formulasDone}/${formulasTotal} formulas (${seconds.toFixed(0)} s)\n`);
  };
}
