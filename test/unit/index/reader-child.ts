// Run as a separate process by readers-writer.test.ts and bench/core.bench.ts: reads the index in a loop as a
// CLI search does (open for reading, look formulas up, close) until the stop file appears, and fails on the first
// read without results. Prints `ready` after its first search and `searches <n>, papers <m>` at the end.
// Arguments: <index folder> <stop file>
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { FormulaIndex } from '../../../src/core/index/store';

async function main(): Promise<void> {
  const [directory, stopFile] = process.argv.slice(2) as [string, string];
  for (let searches = 1; ; searches++) {
    const stopping = existsSync(stopFile); // the writer has finished: this search must see its last commit
    const opened = FormulaIndex.openForReading(directory);
    if (!opened.ok) throw new Error(`search ${searches}: ${opened.reason.message}`);
    const { index } = opened.value;
    // The first formulas of the catalogue, read back by id as a search reads its hits.
    const hits: number[] = [];
    for (const formula of index.allFormulas()) if (hits.push(formula.id) >= 3) break;
    const stored = index.formulas(hits);
    const papers = index.papers().length;
    index.close();
    if (hits.length === 0 || hits.some((id) => !stored.has(id))) throw new Error(`search ${searches} found ${hits.length} formulas, ${stored.size} stored`);
    if (searches === 1) process.stdout.write('ready\n');
    if (stopping) {
      process.stdout.write(`searches ${searches}, papers ${papers}\n`);
      return;
    }
    await sleep(50);
  }
}

void main();
