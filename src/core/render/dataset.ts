// The encoder's training dataset: every formula of a corpus (papers.jsonl) rendered through the
// serving renderer (the same RenderPool the engine uses, so training and search see identical
// pixels) into bitmaps.u8 (N×32×333 uint8), formulas.jsonl (one line per bitmap), meta.json, and
// report.json (faithful-render rates by source group, with the top failure reasons).
// `formula-lens dataset` and custom training on a library both call exportDataset.
import { mkdir, open, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CROP_HEIGHT, CROP_WIDTH, RENDERER_VERSION } from './geometry';
import { RenderPool } from './pool';
import type { RenderIssue } from './types';
import { type CorpusRecord, formulaInput, readCorpus, sourceGroup } from './corpus';

export interface DatasetOptions {
  corpus: string;
  out: string;
  /** Only these record ids (all must exist in the corpus). */
  records?: Set<string>;
  limit: number;
  /** Only display formulas (inline ones such as `$x$` carry next to no signal in pixels). */
  displayOnly?: boolean;
  workers: number;
  budgetMs: number;
}

/** Record ids asked for that the corpus does not hold. */
export class UnknownRecordsError extends Error {
  constructor(readonly ids: string[]) {
    super(`no such record(s) in the corpus: ${ids.join(', ')}`);
  }
}

interface Item {
  record: CorpusRecord;
  index: number;
}

function* selectedFormulas(records: CorpusRecord[], limit: number, displayOnly: boolean): Generator<Item> {
  let count = 0;
  for (const record of records) {
    for (let index = 0; index < record.formulas.length; index++) {
      if (displayOnly && record.formulas[index]!.inline) continue;
      if (count++ >= limit) return;
      yield { record, index };
    }
  }
}

/** One issue as a failure reason to count: the kind, and for unknown names the name itself. */
function reasonOf(issue: RenderIssue): string {
  return issue.kind === 'unknown-macro' || issue.kind === 'unknown-environment' ? `${issue.kind} ${issue.detail}` : issue.kind;
}

class GroupTally {
  formulas = 0;
  degraded = 0;
  private readonly reasons = new Map<string, number>();

  add(degraded: boolean, issues: RenderIssue[]): void {
    this.formulas++;
    if (!degraded) return;
    this.degraded++;
    for (const reason of new Set(issues.map(reasonOf))) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  toJSON(): object {
    return {
      formulas: this.formulas,
      degraded: this.degraded,
      faithfulRate: this.formulas ? 1 - this.degraded / this.formulas : null,
      topReasons: [...this.reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 15),
    };
  }
}

/** The three tallies the issue's goal is stated in: by group, records with macros (all but hep-th), everything. */
class Report {
  readonly groups = new Map<string, GroupTally>();
  readonly withMacros = new GroupTally();
  readonly all = new GroupTally();

  add(source: string, degraded: boolean, issues: RenderIssue[]): void {
    const group = sourceGroup(source);
    if (!this.groups.has(group)) this.groups.set(group, new GroupTally());
    this.groups.get(group)!.add(degraded, issues);
    if (group !== 'hep-th') this.withMacros.add(degraded, issues);
    this.all.add(degraded, issues);
  }
}

/** Where the exporter's lines go: the CLI prints them; callers with their own channel (the engine) pass theirs. */
export interface DatasetOutput {
  progress(line: string): void;
  summary(line: string): void;
}

/** Writes the dataset files into `options.out`; meta.json last, so its presence marks a complete export. */
export async function exportDataset(options: DatasetOptions, output: DatasetOutput): Promise<void> {
  const all = await readCorpus(options.corpus);
  const records = options.records ? all.filter((record) => options.records!.has(record.id)) : all;
  if (options.records) {
    const missing = [...options.records].filter((id) => !records.some((record) => record.id === id));
    if (missing.length) throw new UnknownRecordsError(missing);
  }
  const selected = (record: CorpusRecord) => (options.displayOnly ? record.formulas.filter((formula) => !formula.inline).length : record.formulas.length);
  const total = Math.min(options.limit, records.reduce((sum, record) => sum + selected(record), 0));
  await mkdir(options.out, { recursive: true });
  const bitmaps = await open(path.join(options.out, 'bitmaps.u8'), 'w');
  const index = await open(path.join(options.out, 'formulas.jsonl'), 'w');
  const pool = new RenderPool({ workers: options.workers, budgetMs: options.budgetMs, cacheSize: 0 });
  const report = new Report();
  const started = performance.now();
  let written = 0;
  let lastProgress = started;
  const pendingPixels: Uint8Array[] = [];
  const pendingLines: string[] = [];
  const flush = async () => {
    await bitmaps.write(Buffer.concat(pendingPixels));
    await index.write(pendingLines.join(''));
    pendingPixels.length = 0;
    pendingLines.length = 0;
  };
  try {
    const items = [...selectedFormulas(records, options.limit, options.displayOnly ?? false)];
    const inputs = items.map(({ record, index: number }) => formulaInput(record, record.formulas[number]!));
    for await (const result of pool.renderOrdered(inputs, 8 * pool.workerCount)) {
      const { record, index: number } = items[written]!;
      const formula = record.formulas[number]!;
      pendingPixels.push(result.pixels);
      const line: Record<string, unknown> = {
        record: record.id,
        source: record.source,
        formula: number,
        section: formula.section,
        env: formula.env,
        inline: formula.inline,
        degraded: result.degraded,
      };
      if (result.degraded) line.issues = result.issues;
      pendingLines.push(JSON.stringify(line) + '\n');
      report.add(record.source, result.degraded, result.issues);
      written++;
      if (pendingPixels.length >= 512) await flush();
      const now = performance.now();
      if (now - lastProgress > 5000) {
        lastProgress = now;
        const rate = written / ((now - started) / 1000);
        output.progress(
          `dataset: ${written}/${total} formulas (${rate.toFixed(0)}/s, ${((total - written) / rate / 60).toFixed(1)} min left), ` +
            `${((report.all.degraded / written) * 100).toFixed(1)}% degraded\n`,
        );
      }
    }
    await flush();
  } finally {
    await pool.close();
    await bitmaps.close();
    await index.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    renderer: RENDERER_VERSION,
    count: written,
    workers: options.workers,
    seconds: Number(seconds.toFixed(1)),
    formulasPerSecond: Number((written / seconds).toFixed(1)),
    withMacros: report.withMacros,
    all: report.all,
    groups: Object.fromEntries([...report.groups].sort(([a], [b]) => a.localeCompare(b))),
  };
  await writeFile(path.join(options.out, 'report.json'), JSON.stringify(summary, null, 1) + '\n');
  const meta = { count: written, height: CROP_HEIGHT, width: CROP_WIDTH, renderer: RENDERER_VERSION };
  await writeFile(path.join(options.out, 'meta.json'), JSON.stringify(meta) + '\n');
  const rate = (tally: GroupTally) => `${(100 * (1 - tally.degraded / Math.max(1, tally.formulas))).toFixed(2)}%`;
  output.summary(
    `${written} formulas in ${seconds.toFixed(1)} s (${summary.formulasPerSecond}/s) → ${options.out}\n` +
      `faithful: ${rate(report.all)} of all, ${rate(report.withMacros)} outside hep-th\n`,
  );
}
