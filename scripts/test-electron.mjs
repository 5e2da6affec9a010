// Developer runner for tier 2 in desktop VS Code, the ecosystem's usual way (@vscode/test-electron).
// Needs internet: it downloads VS Code 1.100.3 into .vscode-test/ on first use. On a headless Linux
// machine run it under a display: `xvfb-run -a node scripts/test-electron.mjs`. CI has no such
// download, so it runs the same suite in code-server instead (scripts/test-tier-integration.sh).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
// A cache folder of its own: a test's stand-in default library must never replace the user's default index.
const cache = mkdtempSync(path.join(tmpdir(), 'formula-lens-test-cache-'));
try {
  await runTests({
    extensionTestsEnv: { FORMULA_LENS_CACHE: cache },
    version: '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
    // The fixture workspace, and no other installed extension to interfere.
    launchArgs: [path.join(root, 'test', 'fixtures', 'workspace'), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  console.error(`test-electron: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  rmSync(cache, { recursive: true, force: true });
}
