// One searcher of bench/postgres.bench.ts, in its own process: opens the index at argv[2] with a search session
// (its first search reads the papers), says `ready`, waits for a line on stdin, then runs the queries of the JSON
// file argv[3] one after another and prints {"firstMs", "latenciesMs", "rssMb"}.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SearchSession } from '../src/core/search/session';

async function main(): Promise<void> {
  const [location, queriesFile] = process.argv.slice(2);
  const queries = JSON.parse(readFileSync(queriesFile!, 'utf8')) as string[];
  const session = new SearchSession();
  const search = async (latex: string) => {
    const found = await session.search({ query: { latex, display: true }, indexes: [location!], model: 'see', k: 10 });
    if (!found.ok || found.value.problems.length) throw new Error(found.ok ? found.value.problems.join('; ') : found.reason.message);
  };
  const opening = performance.now();
  await search(queries[0]!);
  const firstMs = performance.now() - opening;
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  await lines.next();
  const latenciesMs: number[] = [];
  for (const latex of queries) {
    const started = performance.now();
    await search(latex);
    latenciesMs.push(performance.now() - started);
  }
  process.stdout.write(`${JSON.stringify({ firstMs, latenciesMs, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`);
  await session.dispose();
  process.exit(0);
}

void main();
