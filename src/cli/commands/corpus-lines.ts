// The loop of the commands that write one JSON line per corpus formula (signatures, variants): read the
// corpus, write each record's lines with back-pressure, report progress on stderr, and turn a read or
// write error into a failure exit code with a message.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readCorpus, type CorpusRecord } from '../../core/render/corpus';
import { ExitCode } from '../command';
import { errorMessage } from '../../core/result';

export interface CorpusLinesJob<T> {
  /** The command's name, for error messages. */
  command: string;
  corpus: string;
  out: string;
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

export async function writeCorpusLines<T>(job: CorpusLinesJob<T>): Promise<number> {
  let records: CorpusRecord[];
  try {
    records = await readCorpus(job.corpus);
  } catch (error) {
    process.stderr.write(`formula-lens ${job.command}: ${errorMessage(error)}\n`);
    return ExitCode.failure;
  }
  const selected = job.select ? job.select(records) : records;
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
