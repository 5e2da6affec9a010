// `formula-lens structure-pairs`: the structural teacher's training pairs (issue 21). For each display formula of
// the chosen splits, its best neighbours in other papers by the structure signal (src/core/search/structural.ts,
// the score the hybrid search gives: first-stage BM25 plus alignment with variables renamed), for
// training/train.py fit --positives structure: positives that share a formula's shape, not only its paper.
import { detokenize, tokenizeFormula } from '../../core/latex/tokenize';
import type { CorpusRecord } from '../../core/render/corpus';
import { topByScore } from '../../core/search/lexical';
import { StructureIndex, structureScore } from '../../core/search/structural';
import { UsageError, type CliCommand } from '../command';
import { corpusLineTarget, writeCorpusLines } from './corpus-lines';
import { parseCommandLine, positiveInteger } from './command-line';

/**
 * Neighbours scoring at least this much are kept. Read on the validation split's display formulas (MODEL_CARD.md,
 * "Structural teacher"): of eight sampled best neighbours scoring 0.5–0.6, seven write the same construction
 * (a Taylor step, a change of variables, a quadratic); from 0.4 to 0.5 half do, from 0.3 to 0.4 a quarter.
 */
export const DEFAULT_THRESHOLD = 0.5;

const help = `Usage: formula-lens structure-pairs --corpus <papers.jsonl> --out <file.jsonl> [options]

Writes, for each display formula of the selected records that has one, its best structural neighbours in
other records (the structure search's score ≥ the threshold; formulas that read the same once macros are
expanded are left out: their pictures add nothing to learn), in corpus order, one line per formula:
{"record": <id>, "formula": <index in the record's formulas>, "neighbours": [{"record", "formula", "score"}, …]}.
Neighbours are searched among the selected formulas only. Progress goes to stderr.

Options:
  --corpus <file>        the corpus (papers.jsonl)
  --out <file>           the output (JSON lines)
  --split <file>         the split (models/split.json format); needed with --splits
  --splits <names>       only formulas of these splits (comma-separated: train, validation, test)
  --threshold <x>        least structure score of a neighbour (default ${DEFAULT_THRESHOLD})
  --neighbours <n>       most neighbours kept per formula (default 3)
  --candidates <n>       first-stage candidates aligned per formula (default 50)`;

export interface StructurePairsOptions {
  threshold: number;
  neighbours: number;
  candidates: number;
}

export interface Neighbour {
  record: string;
  formula: number;
  score: number;
}

export interface FormulaNeighbours {
  record: string;
  formula: number;
  neighbours: Neighbour[];
}

interface IndexedFormula {
  record: string;
  formula: number;
  latex: string;
  macros: string;
  /** The formula as read after macro expansion: equal ones render alike. */
  written: string;
}

/** The structure index of the selected records' display formulas, asked for each formula's neighbours elsewhere. */
export class StructuralTeacher {
  private readonly formulas: IndexedFormula[] = [];
  private readonly index: StructureIndex;
  private readonly firstOf = new Map<string, number>();

  constructor(records: readonly CorpusRecord[], private readonly options: StructurePairsOptions) {
    for (const record of records) {
      this.firstOf.set(record.id, this.formulas.length);
      record.formulas.forEach((formula, index) => {
        if (formula.inline) return;
        const macros = record.macros ?? '';
        const tokenized = tokenizeFormula(formula.latex, macros);
        const written = tokenized.ok ? detokenize(tokenized.tokens) : formula.latex.replace(/\s+/g, '');
        this.formulas.push({ record: record.id, formula: index, latex: formula.latex, macros, written });
      });
    }
    this.index = StructureIndex.build(this.formulas.map(({ latex, macros }, id) => ({ id, latex, macros })));
  }

  get size(): number {
    return this.index.size;
  }

  /** The record's display formulas that have neighbours, each with its best ones (best first). */
  neighboursOf(record: CorpusRecord): FormulaNeighbours[] {
    const out: FormulaNeighbours[] = [];
    for (let id = this.firstOf.get(record.id) ?? this.formulas.length; this.formulas[id]?.record === record.id; id++) {
      const formula = this.formulas[id]!;
      const query = this.index.query(formula.latex, formula.macros);
      const firstStage = this.index.scoreAll(query);
      const elsewhere = (other: number) => this.formulas[other]!.record !== formula.record && this.formulas[other]!.written !== formula.written;
      const neighbours = topByScore(firstStage, this.index.formulaIds, this.options.candidates, elsewhere)
        // ids are build positions, so a hit's id indexes the scores and the alignment
        .map(({ formulaId }) => ({
          formulaId,
          score: structureScore(firstStage[formulaId]!, this.index.align(query, formulaId)),
        }))
        .filter(({ score }) => score >= this.options.threshold)
        .sort((a, b) => b.score - a.score || a.formulaId - b.formulaId)
        .slice(0, this.options.neighbours)
        .map(({ formulaId, score }) => ({ record: this.formulas[formulaId]!.record, formula: this.formulas[formulaId]!.formula, score: Math.round(score * 1e4) / 1e4 }));
      if (neighbours.length) out.push({ record: formula.record, formula: formula.formula, neighbours });
    }
    return out;
  }
}

function parseOptions(args: string[]): StructurePairsOptions & { corpus: string; out: string; sources?: ReadonlySet<string> } {
  const { values, positionals } = parseCommandLine(args, {
    corpus: { type: 'string' },
    out: { type: 'string' },
    split: { type: 'string' },
    splits: { type: 'string' },
    threshold: { type: 'string' },
    neighbours: { type: 'string' },
    candidates: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const target = corpusLineTarget(values);
  const threshold = values.threshold === undefined ? DEFAULT_THRESHOLD : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--threshold needs a number from 0 to 1');
  return {
    ...target,
    threshold,
    neighbours: positiveInteger('--neighbours', values.neighbours) ?? 3,
    candidates: positiveInteger('--candidates', values.candidates) ?? 50,
  };
}

export const structurePairsCommand: CliCommand = {
  name: 'structure-pairs',
  summary: 'write each display formula\'s best structural neighbours in other papers (training positives)',
  help,
  async run(args) {
    const options = parseOptions(args);
    let teacher: StructuralTeacher | undefined;
    let withNeighbours = 0;
    let pairs = 0;
    return writeCorpusLines({
      command: 'structure-pairs',
      corpus: options.corpus,
      out: options.out,
      sources: options.sources,
      select: (records) => {
        teacher = new StructuralTeacher(records, options);
        return records;
      },
      linesOf: (record) => teacher!.neighboursOf(record),
      onLine: (line) => {
        withNeighbours++;
        pairs += line.neighbours.length;
      },
      progressEvery: 2_000,
      progress: (done, total, seconds) => `structure-pairs: ${done}/${total} formulas, ${seconds.toFixed(1)} s`,
      summary: (_total, records, seconds) =>
        `structure-pairs: ${pairs} neighbours of ${withNeighbours} of ${teacher?.size ?? 0} display formulas (${records} records) ` +
        `in ${seconds.toFixed(1)} s → ${options.out}`,
    });
  },
};
