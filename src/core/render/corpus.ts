// The shared corpus (papers.jsonl, see its README) as the renderer's exporter and bench read it.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FormulaInput } from './types';

export interface CorpusFormula {
  latex: string;
  env: string;
  section: string | null;
  inline: boolean;
}

export interface CorpusRecord {
  id: string;
  source: string;
  macros?: string;
  formulas: CorpusFormula[];
}

/** Reads every record of a papers.jsonl file (about 33 MB for the full corpus). */
export async function readCorpus(file: string): Promise<CorpusRecord[]> {
  const records: CorpusRecord[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (!line.trim()) continue;
    let record: CorpusRecord;
    try {
      record = JSON.parse(line) as CorpusRecord;
    } catch (error) {
      throw new Error(`${file}:${number}: not JSON (${(error as Error).message})`);
    }
    if (typeof record.id !== 'string' || !Array.isArray(record.formulas)) throw new Error(`${file}:${number}: not a corpus record`);
    records.push(record);
  }
  return records;
}

/** A corpus formula as the renderer takes it, with its record's macros. */
export function formulaInput(record: CorpusRecord, formula: CorpusFormula): FormulaInput {
  return { latex: formula.latex, macros: record.macros ?? '', display: !formula.inline, env: formula.env };
}

const books = ['github:stacks/', 'github:HoTT/', 'github:hal3/ciml', 'github:jirilebl/', 'github:jermwatt/', 'github:d2l-ai/'];
const blogsAndNotes = [
  'github:bjlkeng/', 'github:wiseodd/', 'github:andrewcharlesjones/', 'github:benanne/', 'github:deepgenerativemodels/',
  'github:ermongroup/', 'github:cs231n/', 'github:lilianweng/', 'github:stan-dev/',
];

/** The corpus README's source groups. hep-th is the one group whose records lost their macros upstream. */
export type SourceGroup = 'hep-th' | 'unarXive' | 'github papers/theses' | 'github books' | 'github blogs/notes' | 'R vignettes';

export function sourceGroup(source: string): SourceGroup {
  if (source === 'github:allofphysicsgraph/latex-in-arxiv') return 'hep-th';
  if (source === 'github:IllDepence/unarXive') return 'unarXive';
  if (source.startsWith('debian:')) return 'R vignettes';
  if (books.some((prefix) => source.startsWith(prefix))) return 'github books';
  if (blogsAndNotes.some((prefix) => source.startsWith(prefix))) return 'github blogs/notes';
  return 'github papers/theses';
}
