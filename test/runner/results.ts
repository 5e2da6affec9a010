// The counts a test tier writes to test-results/<tier>.json, which scripts/test-all.sh sums.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

export interface TierCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export const resultsDir = path.join(repoRoot, 'test-results');

export function writeTierCounts(tier: string, counts: TierCounts): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${tier}.json`), JSON.stringify(counts) + '\n');
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  console.log(`${tier}: ${counts.passed} passed, ${counts.failed} failed${skipped}`);
}

/** Removes what a previous run of the tier left in test-results (its `<tier>-*` screenshots and logs). */
export function clearTierArtifacts(tier: string): void {
  mkdirSync(resultsDir, { recursive: true });
  for (const name of readdirSync(resultsDir).filter((name) => name.startsWith(`${tier}-`))) {
    rmSync(path.join(resultsDir, name), { force: true });
  }
}
