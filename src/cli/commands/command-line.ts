// Option parsing for the CLI commands: node's util.parseArgs in strict mode,
// with its errors turned into usage errors (exit code 2, with the command's help).
import { closeSync, openSync, readSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../command';
import { errorMessage } from '../../core/result';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandLine<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

export function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} needs a positive whole number`);
  return number;
}

export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number > 0)) throw new UsageError(`${flag} needs a positive number`);
  return number;
}

/** CLI writers (and a first-use build of the default index) wait this long for another writer to finish. */
export const lockWaitMs = 10_000;

/** The most a text argument read from a file or stdin may hold: far above any formula or preamble. */
export const maxTextArgumentBytes = 16 * 1024 * 1024;

/**
 * A LaTeX argument as given, or read from a file (`@path`) or from stdin (`-`): long formulas and
 * macro sets belong in files, not on the command line. `what` names the argument in messages.
 */
export function readTextArgument(what: string, value: string): string {
  if (value === '-') return readBounded(what, 'stdin', 0);
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${what} from ${file}: ${errorMessage(error)}`);
  }
  try {
    return readBounded(what, file, fd);
  } finally {
    closeSync(fd);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Reads to the end, refusing more than maxTextArgumentBytes (a device or a huge file would never end). */
function readBounded(what: string, source: string, fd: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    let count: number;
    try {
      count = readSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 10); // a non-blocking pipe with nothing in it yet
        continue;
      }
      throw new UsageError(`cannot read ${what} from ${source}: ${errorMessage(error)}`);
    }
    if (count === 0) break;
    total += count;
    if (total > maxTextArgumentBytes) throw new UsageError(`${what} in ${source} is over the ${maxTextArgumentBytes / 1024 / 1024} MB limit of a text argument`);
    chunks.push(chunk.subarray(0, count));
  }
  return Buffer.concat(chunks).toString('utf8');
}
