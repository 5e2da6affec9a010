// Issue 20's "Done when" figures: the size of the package `npm run package` makes for this machine (goal for
// linux-x64: ≤ 35 MB), and a fresh install's first result (test/runner/first-result.ts: an empty cache folder,
// the real default index, a .tex file opened and the cursor in a formula; goal ≤ 30 s on 2 cores). The package
// step's production build is what the measurement then loads. Needs code-server (scripts/setup-vscode.sh) and
// Debian's chromium for the second figure.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/helpers/paths';
import { codeServerExecutable } from '../test/runner/code-server';
import { measureFirstResult } from '../test/runner/first-result';
import type { Bench } from './run';

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const packages = () => readdirSync(repoRoot).filter((file) => file.endsWith('.vsix'));

function packageSize(): void {
  for (const old of packages()) rmSync(path.join(repoRoot, old));
  const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/package.ts'], { cwd: repoRoot, encoding: 'utf8' });
  const [vsix] = packages();
  if (made.status !== 0 || !vsix) {
    console.log(`package: npm run package failed (exit ${made.status}): ${(made.stderr || made.stdout).trim().split('\n').slice(-3).join(' / ')}`);
    return;
  }
  console.log(`package: ${vsix} ${megabytes(statSync(path.join(repoRoot, vsix)).size)} MB (goal for linux-x64: ≤ 35 MB)`);
}

async function firstResult(): Promise<void> {
  if (!existsSync(codeServerExecutable())) {
    console.log(`first result: skipped, no code-server at ${codeServerExecutable()} (bash scripts/setup-vscode.sh)`);
    return;
  }
  const { seconds, cores, firstPaper } = await measureFirstResult();
  console.log(`first result of a fresh install (empty cache, real default index): ${seconds.toFixed(1)} s on ${cores} cores (goal ≤ 30 s on 2), first paper "${firstPaper}"`);
}

export const bench: Bench = {
  title: 'first run: package size and a fresh install’s first result',
  async run() {
    packageSize();
    await firstResult();
  },
};
