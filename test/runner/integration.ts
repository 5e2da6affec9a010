// Tier 2 runner: VS Code's extension test runner inside code-server. Loads this repository as the
// development extension with out/test/integration/index.js as its tests, relays the extension host's
// console (mocha's spec report), waits for the workbench's codeAutomationExit, and turns the suite's
// report into test-results/integration.json. Run: bash scripts/test-tier-integration.sh
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import type { IntegrationReport } from '../integration/report';
import { relayConsole, withWorkbench } from './code-server';
import { clearTierArtifacts, resultsDir, writeTierCounts, type TierCounts } from './results';

/** The whole suite's budget, from workbench load to codeAutomationExit. */
const suiteTimeoutMs = 180_000;

async function runSuite(reportPath: string): Promise<TierCounts> {
  const testsModule = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
  if (!existsSync(testsModule)) throw new Error(`${testsModule} is missing: run npm run build`);
  let reportExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (reportExit = resolve));
  return withWorkbench(
    {
      // The extension host inherits code-server's environment.
      env: { FORMULA_LENS_TEST_REPORT: reportPath },
      extensionTestsPath: testsModule,
      beforeNavigate: async (page) => {
        relayConsole(page, (line) => console.log(line), path.join(resultsDir, 'integration-workbench.log'));
        await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
      },
    },
    async ({ page }, server) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the suite did not finish within ${suiteTimeoutMs} ms`)), suiteTimeoutMs);
      });
      let code: number;
      try {
        code = await Promise.race([exited, timedOut]);
      } catch (error) {
        await page.screenshot({ path: path.join(resultsDir, 'integration-timeout.png') }).catch(() => undefined);
        copyFileSync(server.logFile, path.join(resultsDir, 'integration-code-server.log'));
        throw error;
      } finally {
        clearTimeout(timer);
      }
      if (!existsSync(reportPath)) throw new Error(`the suite exited with code ${code} without writing its report`);
      const report = JSON.parse(readFileSync(reportPath, 'utf8')) as IntegrationReport;
      for (const [name, value] of Object.entries(report.measurements)) console.log(`integration: ${name} = ${value.toFixed(1)}`);
      for (const failure of report.failures) console.log(`integration: FAILED ${failure.title}\n${failure.message}`);
      const counts = { passed: report.passed, failed: report.failed, skipped: report.skipped };
      // A non-zero exit with no failed test means the runner itself broke (e.g. a suite did not load).
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      return counts;
    },
  );
}

async function main(): Promise<TierCounts> {
  clearTierArtifacts('integration');
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'formula-lens-integration-'));
  try {
    return await runSuite(path.join(reportDir, 'report.json'));
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

main()
  .then((counts) => {
    writeTierCounts('integration', counts);
    process.exit(counts.failed ? 1 : 0);
  })
  .catch((error: unknown) => {
    console.error(`integration: ${error instanceof Error ? error.stack : error}`);
    writeTierCounts('integration', { passed: 0, failed: 1, skipped: 0 });
    process.exit(1);
  });
