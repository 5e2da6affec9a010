// `npm run package [-- --target <os-arch>]` (or VSCE_TARGET): a production build, then a vsix for one
// platform holding only that platform's native binaries. hnswlib-node is compiled during `npm ci`,
// so only the platform of this machine can be packaged here; the others are built on a machine of
// that platform (a CI runner per OS) with `npm ci && npm run package`. Any other target is refused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { binaryTarget, chooseTarget, hnswlibAddon, onnxruntimeFolder, packageIgnoreRules, requestedTarget } from './package-target';

const repoRoot = path.resolve(__dirname, '..');
process.chdir(repoRoot);

function fail(message: string): never {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(command: string, args: string[]): void {
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) fail(`${[command, ...args].join(' ')} exited with ${status}`);
}

const choice = chooseTarget(requestedTarget(process.argv.slice(2), process.env), existsSync(hnswlibAddon) ? binaryTarget(readFileSync(hnswlibAddon)) : undefined);
if (!choice.ok) fail(choice.reason);
const { target } = choice;
if (!existsSync(onnxruntimeFolder(target))) fail(`onnxruntime-node has no ${target} binaries (${onnxruntimeFolder(target)}).`);

run(process.execPath, ['scripts/build.mjs', '--production']);
const work = mkdtempSync(path.join(tmpdir(), 'formula-lens-package-'));
try {
  const ignoreFile = path.join(work, 'vscodeignore');
  writeFileSync(ignoreFile, packageIgnoreRules(readFileSync('.vscodeignore', 'utf8'), target));
  const vsix = `formula-lens-${target}-${JSON.parse(readFileSync('package.json', 'utf8')).version}.vsix`;
  // No repository is declared, so README links stay relative: the images they show ship in the package.
  run(process.execPath, [
    'node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', vsix,
    '--no-rewrite-relative-links', '--allow-missing-repository',
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
