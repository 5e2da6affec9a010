// Tier 2 entry, loaded by VS Code's extension test runner (code-server via test/runner/integration.ts,
// or desktop VS Code via scripts/test-electron.mjs): runs every bundled *.test.js beside this file with
// mocha (bundled in, so no ESM mocha needs requiring in the extension host). Prints the spec report to
// the console and, when FORMULA_LENS_TEST_REPORT names a file, writes an IntegrationReport there.
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import type { IntegrationReport } from './report';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 60_000, grep: process.env.FORMULA_LENS_TEST_GREP });
  for (const file of readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  const report: IntegrationReport = { passed: 0, failed: 0, skipped: 0, failures: [], measurements: {} };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => {
      report.passed += 1;
      Object.assign(report.measurements, (test as Mocha.Test & { measurements?: Record<string, number> }).measurements);
    });
    runner.on('fail', (test, error: Error) => {
      report.failed += 1;
      report.failures.push({ title: test.fullTitle(), message: String(error?.stack ?? error) });
    });
    runner.on('pending', () => (report.skipped += 1));
  });
  const reportPath = process.env.FORMULA_LENS_TEST_REPORT;
  if (reportPath) writeFileSync(reportPath, JSON.stringify(report, null, 2));
  if (report.failed > 0) throw new Error(`${report.failed} integration test(s) failed`);
}
