// Tokenizer and canonicalizer throughput on one core (per CPU second of this process) (goal for the canonicalizer: ≥ 50,000 formulas/CPU-s),
// over the corpus's formulas when ../shared/corpus is present.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { canonicalize } from '../src/core/latex/canonical';
import { tokenizeFormula, type Token } from '../src/core/latex/tokenize';
import { generateVariants } from '../src/core/latex/variants';
import { sampleCorpusFormulas } from '../test/helpers/corpus-sample';
import type { Bench } from './run';

const corpus = process.env.FORMULA_LENS_CORPUS ?? path.resolve(__dirname, '..', '..', 'shared', 'corpus', 'papers.jsonl');
const sampleSize = 50_000;

/**
 * Runs `work` over the items for at least `seconds` of this process's CPU time; returns items per CPU
 * second, which is the one-core rate even when other jobs share the machine's cores.
 */
function throughput<T>(items: readonly T[], work: (item: T) => unknown, seconds = 2): number {
  for (const item of items.slice(0, 2000)) work(item); // warm up the JIT
  const cpuSeconds = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
  };
  let done = 0;
  const started = process.cpuUsage();
  while (cpuSeconds(started) < seconds) {
    for (const item of items) work(item);
    done += items.length;
  }
  return done / cpuSeconds(started);
}

const format = (perSecond: number): string => Math.round(perSecond).toLocaleString('en-US').padStart(10);

export const bench: Bench = {
  title: 'LaTeX tokenizer and canonicalizer throughput, one core',
  async run() {
    if (!existsSync(corpus)) {
      console.log(`skipped: needs the corpus at ${corpus}`);
      return;
    }
    const formulas = sampleCorpusFormulas(corpus, sampleSize, 1);
    const tokens: Token[][] = [];
    for (const formula of formulas) {
      const tokenized = tokenizeFormula(formula.latex, formula.macros);
      if (tokenized.ok) tokens.push(tokenized.tokens);
    }
    const meanTokens = tokens.reduce((sum, list) => sum + list.length, 0) / tokens.length;
    console.log(`${tokens.length} corpus formulas, ${meanTokens.toFixed(1)} tokens on average (macros expanded)`);
    console.log(`tokenize (lex + macro expansion)        ${format(throughput(formulas, (f) => tokenizeFormula(f.latex, f.macros)))} formulas/CPU-s`);
    const canonicalRate = throughput(tokens, (list) => canonicalize(list));
    console.log(`canonicalize                            ${format(canonicalRate)} formulas/CPU-s  (goal ≥ 50,000: ${canonicalRate >= 50_000 ? 'met' : 'NOT met'})`);
    console.log(`canonicalize with variable renaming     ${format(throughput(tokens, (list) => canonicalize(list, { renameVariables: true })))} formulas/CPU-s`);
    const few = tokens.slice(0, 5000);
    console.log(`generate 4 variants                     ${format(throughput(few, (list) => generateVariants(list, { count: 4, seed: 1 })))} formulas/CPU-s`);
  },
};
