// `formula-lens dataset`: the command-line front of the training-dataset export
// (src/core/render/dataset.ts), which renders the corpus through the serving renderer.
import { availableParallelism } from 'node:os';
import { CROP_HEIGHT, CROP_WIDTH } from '../../core/render';
import { type DatasetOptions, type DatasetOutput, UnknownRecordsError, exportDataset } from '../../core/render/dataset';
import { type CliCommand, ExitCode, UsageError } from '../command';

const help = `Usage: formula-lens dataset --corpus <papers.jsonl> --out <dir> [options]

Renders every formula (display and inline) of the corpus with its record's macros into:
  <dir>/bitmaps.u8      N×${CROP_HEIGHT}×${CROP_WIDTH} uint8, row-major, 0 = paper, 255 = ink (numpy.memmap-able)
  <dir>/formulas.jsonl  one line per bitmap: record, source, formula, section, env, inline, degraded (+ issues)
  <dir>/meta.json       {"count", "height", "width", "renderer"}, written last: its presence marks a complete export
  <dir>/report.json     faithful-render rates by source group and the top failure reasons

Options:
  --corpus <file>     the corpus (papers.jsonl)
  --out <dir>         output directory (created; existing files are replaced)
  --records <ids>     only these record ids (comma-separated)
  --limit <n>         stop after n formulas
  --display-only      only display formulas
  --workers <n>       render threads (default: all cores)
  --budget-ms <n>     time budget per formula (default 2000)`;

function positiveInteger(name: string, value: string | undefined): number {
  const number = Number(value);
  if (!value || !Number.isInteger(number) || number <= 0) throw new UsageError(`${name} needs a positive integer, got '${value ?? ''}'`);
  return number;
}

function parseOptions(args: string[]): DatasetOptions {
  const values = new Map<string, string>();
  let displayOnly = false;
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!;
    if (name === '--display-only') {
      displayOnly = true;
      continue;
    }
    if (!['--corpus', '--out', '--records', '--limit', '--workers', '--budget-ms'].includes(name)) throw new UsageError(`unknown option '${name}'`);
    const value = args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    values.set(name, value);
  }
  const corpus = values.get('--corpus');
  const out = values.get('--out');
  if (!corpus || !out) throw new UsageError('--corpus and --out are required');
  const records = values.get('--records');
  return {
    corpus,
    out,
    records: records === undefined ? undefined : new Set(records.split(',').map((id) => id.trim()).filter(Boolean)),
    limit: values.has('--limit') ? positiveInteger('--limit', values.get('--limit')) : Infinity,
    displayOnly,
    workers: values.has('--workers') ? positiveInteger('--workers', values.get('--workers')) : availableParallelism(),
    budgetMs: values.has('--budget-ms') ? positiveInteger('--budget-ms', values.get('--budget-ms')) : 2000,
  };
}

const consoleOutput: DatasetOutput = {
  progress: (line) => process.stderr.write(line),
  summary: (line) => process.stdout.write(line),
};

async function run(args: string[]): Promise<number> {
  try {
    await exportDataset(parseOptions(args), consoleOutput);
  } catch (error) {
    if (error instanceof UnknownRecordsError) throw new UsageError(error.message);
    throw error;
  }
  return ExitCode.ok;
}

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: 'render the corpus into the encoder training dataset (bitmaps.u8 + formulas.jsonl)',
  help,
  run,
};
