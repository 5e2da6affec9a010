// A stand-in for the bundled default library (data/default-library/papers.jsonl.gz), for the engine's
// FORMULA_LENS_DEFAULT_LIBRARY: many small papers, so a default index build takes batches.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { BundledRecord } from '../../src/core/search/default-library';

/** Writes `papers` papers to `file`, paper n with the display formulas `formulas(n)`. */
export function writeStandInLibrary(file: string, papers: number, formulas: (paper: number) => string[]): void {
  const records: BundledRecord[] = Array.from({ length: papers }, (_, paper) => ({
    id: `paper-${paper}`,
    title: `Paper ${paper}`,
    authors: [],
    source: 'github:example/repo',
    path: `paper-${paper}.tex`,
    license: 'CC-BY-4.0',
    macros: '',
    formulas: formulas(paper).map((latex) => ({ latex, env: 'equation', inline: false })),
  }));
  writeFileSync(file, gzipSync(records.map((record) => JSON.stringify(record)).join('\n') + '\n'));
}
