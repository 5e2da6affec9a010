// Tier 1: the core's unit tests with node:test (TypeScript through tsx), no VS Code.
// Prints the spec report and writes the tier's counts to test-results/unit.json.
// `--tier NAME` runs test/NAME instead and writes test-results/NAME.json (the PostgreSQL server tier).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const args = process.argv.slice(2);
const tierAt = args.indexOf('--tier');
const tier = tierAt >= 0 ? args.splice(tierAt, 2)[1] : 'unit';
const filter = args;
const files = testFiles(`test/${tier}`)
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
mkdirSync('test-results', { recursive: true });
// A private TAP file per run, so concurrent runs cannot overwrite each other's counts.
const tap = join(tmpdir(), `formula-lens-unit-${process.pid}.tap`);
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
const summary = readFileSync(tap, 'utf8');
rmSync(tap, { force: true });
const count = (key) => Number(summary.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
const counts = { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
if (result.status !== 0 && counts.failed === 0) counts.failed = 1; // the runner itself broke
writeFileSync(`test-results/${tier}.json`, JSON.stringify(counts) + '\n');
console.log(`${tier}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed ? 1 : 0);
