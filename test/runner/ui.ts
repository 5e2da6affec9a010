// Tier 3 runner: Playwright drives the workbench like a person. Loads this repository as the development
// extension (no tests module), runs every check exported by test/ui/*.ui.ts against one workbench,
// saves a screenshot of each failure, and writes the counts to test-results/ui.json.
// Run: bash scripts/test-tier-ui.sh
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import type { UiCheck } from '../ui/check';
import { relayConsole, withWorkbench } from './code-server';
import { clearTierArtifacts, resultsDir, writeTierCounts, type TierCounts } from './results';

const checksDir = path.join(repoRoot, 'test', 'ui');

async function loadChecks(): Promise<{ file: string; checks: UiCheck[] }[]> {
  // FORMULA_LENS_UI_FILES=results,panel runs only the files whose names contain one of those words.
  const only = process.env.FORMULA_LENS_UI_FILES?.split(',').filter(Boolean);
  const files = readdirSync(checksDir)
    .filter((name) => name.endsWith('.ui.ts') && (!only || only.some((word) => name.includes(word))))
    .sort();
  return Promise.all(
    files.map(async (file) => ({ file, checks: ((await import(path.join(checksDir, file))) as { checks: UiCheck[] }).checks })),
  );
}

async function main(): Promise<TierCounts> {
  clearTierArtifacts('ui');
  const suites = await loadChecks();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  await withWorkbench(
    { beforeNavigate: async (page) => relayConsole(page, () => undefined, path.join(resultsDir, 'ui-workbench.log')) },
    async ({ page }) => {
      for (const { file, checks } of suites) {
        console.log(`  ${file}`);
        for (const [index, check] of checks.entries()) {
          try {
            await check.run(page);
            counts.passed += 1;
            console.log(`    ✔ ${check.name}`);
          } catch (error) {
            counts.failed += 1;
            console.log(`    ✘ ${check.name}\n      ${error instanceof Error ? error.message : error}`);
            const screenshot = path.join(resultsDir, `ui-failed-${path.basename(file, '.ui.ts')}-${index + 1}.png`);
            await page.screenshot({ path: screenshot }).catch(() => undefined);
            await page.keyboard.press('Escape').catch(() => undefined); // close a palette left open
          }
        }
      }
    },
  );
  return counts;
}

main()
  .then((counts) => {
    writeTierCounts('ui', counts);
    process.exit(counts.failed ? 1 : 0);
  })
  .catch((error: unknown) => {
    console.error(`ui: ${error instanceof Error ? error.stack : error}`);
    writeTierCounts('ui', { passed: 0, failed: 1, skipped: 0 });
    process.exit(1);
  });
