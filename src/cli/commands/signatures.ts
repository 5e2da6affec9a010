// `formula-lens signatures`: the numeric signature (src/core/latex/numeric-signature.ts) of every corpus
// formula, for training/symbolic_fusion.py, which weighs the numeric signal of the hybrid ranking on the
// validation split. Only the side keys are written: they are all the similarity reads
// (NumericSignatureIndex, and its Python twin in symbolic_fusion.py).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { numericSignature, numericSignatureVersion } from '../../core/latex/numeric-signature';
import { readCorpus, type CorpusRecord } from '../../core/render/corpus';
import { ExitCode, UsageError, type CliCommand } from '../command';
import { parseCommandLine, positiveInteger } from './command-line';

const help = `Usage: formula-lens signatures --corpus <papers.jsonl> --out <file.jsonl> [--limit <n>]

Writes the numeric signature of every corpus formula, in corpus order, one line per formula:
{"record": <record id>, "formula": <index in the record's formulas>, "version": <numericSignatureVersion>,
 "signature": {"key": <hash>, "sides": [<side key>, …]} or null, "reason": <why not, when null>}.
Each formula has a time budget of 1 s; the whole corpus takes about 15 CPU minutes. Progress and the
coverage go to stderr.

Options:
  --corpus <file>   the corpus (papers.jsonl)
  --out <file>      the output (JSON lines)
  --limit <n>       only the first n records (a quick look)`;

export interface FormulaSignatureLine {
  record: string;
  formula: number;
  version: number;
  signature: { key: string; sides: string[] } | null;
  reason?: string;
}

/** One output line per formula of the record, in order. */
export function recordSignatures(record: CorpusRecord): FormulaSignatureLine[] {
  return record.formulas.map((formula, index) => {
    const result = numericSignature(formula.latex, record.macros ?? '');
    const line: FormulaSignatureLine = { record: record.id, formula: index, version: numericSignatureVersion, signature: null };
    if (result.ok) line.signature = { key: result.value.key, sides: result.value.sides.map((side) => side.key) };
    else line.reason = result.reason;
    return line;
  });
}

export const signaturesCommand: CliCommand = {
  name: 'signatures',
  summary: 'write the numeric signature of every corpus formula (for the fusion weights)',
  help,
  async run(args) {
    const { values, positionals } = parseCommandLine(args, { corpus: { type: 'string' }, out: { type: 'string' }, limit: { type: 'string' } });
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (!values.corpus || !values.out) throw new UsageError('--corpus and --out are required');
    const limit = positiveInteger('--limit', values.limit);
    let records: CorpusRecord[];
    try {
      records = await readCorpus(values.corpus);
    } catch (error) {
      process.stderr.write(`formula-lens signatures: ${(error as Error).message}\n`);
      return ExitCode.failure;
    }
    if (limit !== undefined) records = records.slice(0, limit);
    const total = records.reduce((sum, record) => sum + record.formulas.length, 0);
    const started = Date.now();
    const output = createWriteStream(values.out);
    const failed = once(output, 'error').then(([error]) => error as Error);
    const reasons = new Map<string, number>();
    let done = 0;
    let signed = 0;
    let reported = 0;
    for (const record of records) {
      for (const line of recordSignatures(record)) {
        if (line.signature) signed++;
        else reasons.set(line.reason!, (reasons.get(line.reason!) ?? 0) + 1);
        if (!output.write(JSON.stringify(line) + '\n')) await Promise.race([once(output, 'drain'), failed]);
      }
      done += record.formulas.length;
      if (done - reported >= 5_000 || done === total) {
        reported = done;
        process.stderr.write(`signatures: ${done}/${total} formulas, ${signed} signed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }
    }
    output.end();
    const error = await Promise.race([once(output, 'finish').then(() => undefined), failed]);
    if (error) {
      process.stderr.write(`formula-lens signatures: ${values.out}: ${error.message}\n`);
      return ExitCode.failure;
    }
    const why = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `${reason} ${count}`).join(', ');
    process.stderr.write(`signatures: ${signed} of ${total} formulas signed (${((100 * signed) / Math.max(total, 1)).toFixed(1)}%); without: ${why || 'none'} → ${values.out}\n`);
    return ExitCode.ok;
  },
};
