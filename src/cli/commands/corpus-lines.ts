// The loop of the commands that write one JSON line per corpus formula (signatures, variants, structure pairs): read the
// corpus, write each record's lines with back-pressure, report progress on stderr, and turn a read or
// write error into a failure exit code with a message.
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { readCorpus, type CorpusRecord } from '../../core/render/corpus';
import { ExitCode, UsageError } from '../command';
import { errorMessage } from '../../core/result';

export interface CorpusLinesJob<T> {
  /** The command's name, for error messages. */
  command: string;
  corpus: string;
  out: string;
  /** Only the records of these sources (all when undefined); `select` sees what is left. */
  sources?: ReadonlySet<string>;
  /** The records to write (default: all). */
  select?(records: CorpusRecord[]): CorpusRecord[];
  linesOf(record: CorpusRecord): Iterable<T>;
  /** Sees every line written (for the command's counts). */
  onLine?(line: T): void;
  /** A progress line is printed after every this many formulas, and at the end. */
  progressEvery: number;
  progress(done: number, total: number, seconds: number): string;
  summary(total: number, records: number, seconds: number): string;
}

const splitNames = ['train', 'validation', 'test'] as const;
type SplitName = (typeof splitNames)[number];

/** `--splits`' comma-separated names, each one of the split file's. */
export function parseSplitNames(list: string): SplitName[] {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(splitNames as readonly string[]).includes(name));
  if (unknown !== undefined) throw new UsageError(`--splits: unknown split '${unknown}' (train, validation, test)`);
  return names as SplitName[];
}

/** The sources of the named splits in a split file (models/split.json format). */
export function splitSources(file: string, names: SplitName[]): Set<string> {
  let split: Record<string, unknown>;
  try {
    split = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--split ${file}: ${errorMessage(error)}`);
  }
  const sources = new Set<string>();
  for (const name of names) {
    const list = split[name];
    if (!Array.isArray(list)) throw new UsageError(`--split ${file} has no "${name}" list`);
    for (const source of list) sources.add(String(source));
  }
  return sources;
}

/** The options every corpus-lines command takes, checked: the corpus, the output, and the sources of `--splits`. */
export function corpusLineTarget(values: { corpus?: string; out?: string; split?: string; splits?: string }): { corpus: string; out: string; sources?: ReadonlySet<string> } {
  if (!values.corpus || !values.out) throw new UsageError('--corpus and --out are required');
  if (values.splits !== undefined && !values.split) throw new UsageError('--splits needs --split');
  return { corpus: values.corpus, out: values.out, sources: values.splits !== undefined ? splitSources(values.split!, parseSplitNames(values.splits)) : undefined };
}

export async function writeCorpusLines<T>(job: CorpusLinesJob<T>): Promise<number> {
  let records: CorpusRecord[];
  try {
    records = await readCorpus(job.corpus);
  } catch (error) {
    process.stderr.write(`formula-lens ${job.command}: ${errorMessage(error)}\n`);
    return ExitCode.failure;
  }
  const kept = job.sources ? records.filter((record) => job.sources!.has(record.source)) : records;
  const selected = job.select ? job.select(kept) : kept;
  const total = selected.reduce((sum, record) => sum + record.formulas.length, 0);
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const output = createWriteStream(job.out);
  const failed = once(output, 'error').then(([error]) => error as Error);
  let done = 0;
  let reported = 0;
  for (const record of selected) {
    for (const line of job.linesOf(record)) {
      job.onLine?.(line);
      if (!output.write(JSON.stringify(line) + '\n')) await Promise.race([once(output, 'drain'), failed]);
    }
    done += record.formulas.length;
    if (done - reported >= job.progressEvery || done === total) {
      reported = done;
      process.stderr.write(`${job.progress(done, total, seconds())}\n`);
    }
  }
  output.end();
  const error = await Promise.race([once(output, 'finish').then(() => undefined), failed]);
  if (error) {
    process.stderr.write(`formula-lens ${job.command}: ${job.out}: ${error.message}\n`);
    return ExitCode.failure;
  }
  process.stderr.write(`${job.summary(total, selected.length, seconds())}\n`);
  return ExitCode.ok;
}
