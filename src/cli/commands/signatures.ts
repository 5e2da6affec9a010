// `formula-lens signatures`: the numeric signature (src/core/latex/numeric-signature.ts) of every corpus
// formula, for training/symbolic_fusion.py, which weighs the numeric signal of the hybrid ranking on the
// validation split. Only the side keys are written: they are all the similarity reads
// (NumericSignatureIndex, and its Python twin in symbolic_fusion.py).
import { numericSignature, numericSignatureVersion } from '../../core/latex/numeric-signature';
import type { CorpusRecord } from '../../core/render/corpus';
import { UsageError, type CliCommand } from '../command';
import { writeCorpusLines } from './corpus-lines';
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
    const reasons = new Map<string, number>();
    let signed = 0;
    return writeCorpusLines({
      command: 'signatures',
      corpus: values.corpus,
      out: values.out,
      select: (records) => (limit === undefined ? records : records.slice(0, limit)),
      linesOf: recordSignatures,
      onLine: (line) => {
        if (line.signature) signed++;
        else reasons.set(line.reason!, (reasons.get(line.reason!) ?? 0) + 1);
      },
      progressEvery: 5_000,
      progress: (done, total, seconds) => `signatures: ${done}/${total} formulas, ${signed} signed, ${seconds.toFixed(0)} s`,
      summary: (total) => {
        const why = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `${reason} ${count}`).join(', ');
        return `signatures: ${signed} of ${total} formulas signed (${((100 * signed) / Math.max(total, 1)).toFixed(1)}%); without: ${why || 'none'} → ${values.out}`;
      },
    });
  },
};
