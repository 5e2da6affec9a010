// `npm run bench [name…]`: runs every bench/<name>.bench.ts (or the named ones) and prints figures.
// Speed goals live here, never in the tests.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export interface Bench {
  /** What the bench measures, printed as its heading. */
  title: string;
  run(): Promise<void>;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
    .sort();
  for (const file of files) {
    const { bench } = (await import(path.join(__dirname, file))) as { bench: Bench };
    console.log(`\n## ${bench.title} (bench/${file})`);
    const started = performance.now();
    await bench.run();
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

void main();
