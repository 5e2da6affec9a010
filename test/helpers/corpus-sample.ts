// A seeded, reproducible sample of the corpus's formulas (with their document's macros) for property tests.
import { readFileSync } from 'node:fs';
import { seededRandom } from '../../src/core/seeded-random';
export interface SampledFormula {
  record: string;
  source: string;
  latex: string;
  macros: string;
  env: string;
}


/** `count` formulas drawn uniformly without replacement from papers.jsonl, in a seed-determined order. */
export function sampleCorpusFormulas(corpusFile: string, count: number, seed = 1): SampledFormula[] {
  const all: SampledFormula[] = [];
  for (const line of readFileSync(corpusFile, 'utf8').split('\n')) {
    if (!line) continue;
    const record = JSON.parse(line) as {
      id: string; source: string; macros: string; formulas: { latex: string; env: string }[];
    };
    for (const formula of record.formulas) {
      all.push({ record: record.id, source: record.source, latex: formula.latex, macros: record.macros, env: formula.env });
    }
  }
  const random = seededRandom(seed);
  const picked = Math.min(count, all.length);
  for (let i = 0; i < picked; i++) {
    const j = i + Math.floor(random() * (all.length - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, picked);
}
