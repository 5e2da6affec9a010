// A tiny synthetic corpus for the fusion tests: 10 sources × 2 documents, each document one polynomial with its
// own exponent k written in several notations (other letters, other orders), and a fixed 6/2/2 source split.
import { writeFileSync } from 'node:fs';

const SOURCES = Array.from({ length: 10 }, (_, source) => `github:synthetic/${source}`);

/** Writes the corpus (`notations(k)`: the formulas of the document with exponent k) and its split file. */
export function writeNotationCorpus(corpusFile: string, splitFile: string, notations: (k: number) => string[]): void {
  const records = [];
  for (let source = 0; source < SOURCES.length; source++) {
    for (let document = 0; document < 2; document++) {
      records.push({
        id: `doc-${source}-${document}`,
        source: SOURCES[source],
        macros: '',
        formulas: notations(2 + source * 2 + document).map((latex, i) => ({ latex, env: 'equation', section: `S${i % 2}`, inline: false })),
      });
    }
  }
  writeFileSync(corpusFile, records.map((record) => JSON.stringify(record) + '\n').join(''));
  writeFileSync(splitFile, JSON.stringify({ seed: 0, train: SOURCES.slice(0, 6), validation: SOURCES.slice(6, 8), test: SOURCES.slice(8) }));
}
