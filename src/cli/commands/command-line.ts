// Option parsing for the CLI commands: node's util.parseArgs in strict mode,
// with its errors turned into usage errors (exit code 2, with the command's help).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../command';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandLine<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
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
