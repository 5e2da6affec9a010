// `formula-lens variants`: generated notation variants of corpus formulas (src/core/latex/variants.ts),
// for training/symbolic.py, which uses them as extra positives (issue 10). The generator stays in
// TypeScript; Python reads LaTeX strings and puts them through its own tokenizer and canonicalizer, the
// very steps every other formula of training takes (the tokenizer-parity test keeps both tokenizers equal).
import { detokenize, tokenizeFormula } from '../../core/latex/tokenize';
import { generateVariants } from '../../core/latex/variants';
import type { CorpusRecord } from '../../core/render/corpus';
import { UsageError, type CliCommand } from '../command';
import { corpusLineTarget, writeCorpusLines } from './corpus-lines';
import { parseCommandLine, positiveInteger } from './command-line';

const help = `Usage: formula-lens variants --corpus <papers.jsonl> --out <file.jsonl> [options]

Writes generated notation variants (consistent renaming, index letters, reordered sums and products,
a/b and \\frac, \\left\\right, \\cdot, …) of the corpus formulas, in corpus order, one line per formula that
has at least one: {"record": <record id>, "formula": <index in the record's formulas>, "variants": [latex, …]}.
A variant is the LaTeX of the formula's tokens after its document's macros were expanded, so it is read
without macros. The same seed gives the same file; a formula's variants do not depend on which splits
are selected. Progress goes to stderr.

Options:
  --corpus <file>        the corpus (papers.jsonl)
  --out <file>           the output (JSON lines)
  --split <file>         the split (models/split.json format); needed with --splits
  --splits <names>       only formulas of these splits (comma-separated: train, validation, test)
  --per-formula <n>      variants tried for per formula (default 2; fewer when few transforms apply)
  --seed <n>             seed (default 0)`;

export interface VariantsOptions {
  perFormula: number;
  seed: number;
  /** Sources to keep; all when undefined. */
  sources?: ReadonlySet<string>;
}

export interface FormulaVariants {
  record: string;
  formula: number;
  variants: string[];
}

/** FNV-1a of the seed and the formula's identity: its variants' seed, independent of the corpus order. */
function formulaSeed(seed: number, record: string, formula: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}\u0000${record}\u0000${formula}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}

/** Variants of one record's formulas (refused or untransformable formulas are left out). */
export function recordVariants(record: CorpusRecord, options: VariantsOptions): FormulaVariants[] {
  const out: FormulaVariants[] = [];
  record.formulas.forEach((formula, index) => {
    const tokenized = tokenizeFormula(formula.latex, record.macros ?? '');
    if (!tokenized.ok) return;
    const variants = generateVariants(tokenized.tokens, { count: options.perFormula, seed: formulaSeed(options.seed, record.id, index) });
    if (variants.length) out.push({ record: record.id, formula: index, variants: variants.map((variant) => detokenize(variant.tokens)) });
  });
  return out;
}

function parseOptions(args: string[]): VariantsOptions & { corpus: string; out: string } {
  const { values, positionals } = parseCommandLine(args, {
    corpus: { type: 'string' },
    out: { type: 'string' },
    split: { type: 'string' },
    splits: { type: 'string' },
    'per-formula': { type: 'string' },
    seed: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const target = corpusLineTarget(values);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed needs a whole number ≥ 0');
  return { ...target, perFormula: positiveInteger('--per-formula', values['per-formula']) ?? 2, seed };
}

export const variantsCommand: CliCommand = {
  name: 'variants',
  summary: 'write generated notation variants of corpus formulas (training positives)',
  help,
  async run(args) {
    const options = parseOptions(args);
    let withVariants = 0;
    let variantCount = 0;
    return writeCorpusLines({
      command: 'variants',
      corpus: options.corpus,
      out: options.out,
      sources: options.sources,
      linesOf: (record) => recordVariants(record, options),
      onLine: (line) => {
        withVariants++;
        variantCount += line.variants.length;
      },
      progressEvery: 10_000,
      progress: (done, total, seconds) => `variants: ${done}/${total} formulas, ${seconds.toFixed(1)} s`,
      summary: (total, records, seconds) =>
        `variants: ${variantCount} variants of ${withVariants} of ${total} formulas (${records} records) in ${seconds.toFixed(1)} s → ${options.out}`,
    });
  },
};
