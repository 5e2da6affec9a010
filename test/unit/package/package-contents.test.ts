// What the vsix holds, checked with vsce's own file listing (the one `vsce package` zips) over a
// small stand-in of the repository: the real .vscodeignore and README, empty files at the paths a
// built checkout has, and stand-in packages for the engine's runtime modules.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles } from '@vscode/vsce';
import { packageIgnoreRules, type Target } from '../../../scripts/package-target';
import { repoRoot } from '../../helpers/paths';

const onnx = 'node_modules/onnxruntime-node/bin/napi-v6';

/** What a linux-x64 package ships. */
const shipped = [
  'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'media/icon.png', 'media/results.css',
  'out/extension.js', 'out/engine.js', 'out/cli.js', 'out/render-worker.js', 'out/pdf-worker.js', 'out/webview.js', 'out/resvg.wasm',
  'out/katex/katex.min.css', 'out/katex/fonts/KaTeX_Main-Regular.woff2', 'out/fonts/DejaVuSerif.ttf', 'out/fonts/DejaVu-LICENSE',
  'models/see.onnx', 'models/MODEL_CARD.md', 'data/default-library/papers.jsonl.gz', 'data/default-library/ATTRIBUTION.md',
  'training/finetune.py', 'training/onnx_parity.mjs', 'src/core/latex/vocab.json', 'src/core/latex/canonical-rules.json',
  'docs/images/results-view.png', 'docs/images/library-build-index.png', 'docs/invariance.md', 'docs/render.md',
  'node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-node/dist/binding.js',
  `${onnx}/linux/x64/onnxruntime_binding.node`, `${onnx}/linux/x64/libonnxruntime.so.1`,
  'node_modules/onnxruntime-common/package.json', 'node_modules/onnxruntime-common/dist/cjs/index.js', 'node_modules/onnxruntime-common/dist/cjs/package.json',
  'node_modules/hnswlib-node/package.json', 'node_modules/hnswlib-node/LICENSE.txt', 'node_modules/hnswlib-node/lib/index.js',
  'node_modules/hnswlib-node/build/Release/addon.node',
  'node_modules/bindings/package.json', 'node_modules/bindings/LICENSE.md', 'node_modules/bindings/bindings.js',
  'node_modules/file-uri-to-path/package.json', 'node_modules/file-uri-to-path/LICENSE', 'node_modules/file-uri-to-path/index.js',
  'node_modules/node-sqlite3-wasm/package.json', 'node_modules/node-sqlite3-wasm/LICENSE',
  'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.js', 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm',
  'node_modules/pdfjs-dist/package.json', 'node_modules/pdfjs-dist/LICENSE', 'node_modules/pdfjs-dist/legacy/build/pdf.min.mjs',
  'node_modules/pdfjs-dist/legacy/build/pdf.worker.min.mjs', 'node_modules/pdfjs-dist/standard_fonts/FoxitSymbol.pfb',
];

/** What no package ships: other platforms' binaries, tests, sources, build leftovers, headers. */
const leftOut = [
  `${onnx}/linux/arm64/libonnxruntime.so.1`, `${onnx}/darwin/arm64/libonnxruntime.1.dylib`, `${onnx}/darwin/arm64/onnxruntime_binding.node`,
  `${onnx}/win32/x64/onnxruntime.dll`, `${onnx}/win32/x64/DirectML.dll`, `${onnx}/win32/arm64/onnxruntime_binding.node`,
  'out/test/integration/index.js', 'out/test/integration/editor.test.js', 'out/engine.js.map',
  'src/extension/main.ts', 'test/unit/extension/selection.test.ts', 'scripts/package.ts', 'bench/run.ts', 'bin/formula-lens',
  'docs/CONVENTIONS.md', 'docs/render-sheet.png', 'tsconfig.json', 'formula-lens-linux-x64-0.1.0.vsix', 'test-results/unit.json',
  'node_modules/onnxruntime-node/lib/index.ts', 'node_modules/onnxruntime-node/script/install.js',
  'node_modules/onnxruntime-common/dist/esm/index.js', 'node_modules/onnxruntime-common/dist/cjs/index.d.ts', 'node_modules/onnxruntime-common/dist/cjs/index.js.map',
  'node_modules/hnswlib-node/build/Release/obj.target/addon.node', 'node_modules/hnswlib-node/build/Release/obj.target/addon/src/addon.o',
  'node_modules/hnswlib-node/build/Release/.deps/Release/addon.node.d', 'node_modules/hnswlib-node/build/Makefile',
  'node_modules/hnswlib-node/build/config.gypi', 'node_modules/hnswlib-node/binding.gyp', 'node_modules/hnswlib-node/src/addon.cc',
  'node_modules/hnswlib-node/src/hnswlib/hnswalg.h', 'node_modules/node-addon-api/napi.h', 'node_modules/file-uri-to-path/test/test.js',
  'node_modules/pdfjs-dist/legacy/build/pdf.mjs', 'node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs.map', 'node_modules/pdfjs-dist/build/pdf.mjs',
  'node_modules/pdfjs-dist/cmaps/UniJIS-UCS2-H.bcmap', 'node_modules/@napi-rs/canvas/index.js',
  'node_modules/@napi-rs/canvas-linux-x64-gnu/skia.linux-x64-gnu.node',
];

const runtimeModules = [
  'onnxruntime-node', 'onnxruntime-common', 'hnswlib-node', 'bindings', 'file-uri-to-path', 'node-sqlite3-wasm', 'node-addon-api',
  'pdfjs-dist', '@napi-rs/canvas', '@napi-rs/canvas-linux-x64-gnu',
];

/** README's relative links and images, without their #anchors. */
function readmeTargets(readme: string): string[] {
  return [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/.test(target));
}

let fixture: string;
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

before(() => {
  fixture = mkdtempSync(path.join(tmpdir(), 'formula-lens-vsix-'));
  const write = (file: string, content = '') => {
    mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
    writeFileSync(path.join(fixture, file), content);
  };
  for (const file of [...shipped, ...leftOut, ...readmeTargets(readme)]) write(file);
  write('README.md', readme);
  const dependencies = Object.fromEntries(runtimeModules.map((name) => [name, '1.0.0']));
  write('package.json', JSON.stringify({ name: 'formula-lens', version: '0.1.0', publisher: 'formula-lens', engines: { vscode: '^1.100.0' }, dependencies }));
  for (const name of runtimeModules) write(`node_modules/${name}/package.json`, JSON.stringify({ name, version: '1.0.0' }));
});

after(() => rmSync(fixture, { recursive: true, force: true }));

/** The files `npm run package` zips for `target`. */
async function packaged(target: Target): Promise<string[]> {
  const ignoreFile = path.join(fixture, `${target}.vscodeignore`);
  writeFileSync(ignoreFile, packageIgnoreRules(readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8'), target));
  try {
    return (await listFiles({ cwd: fixture, ignoreFile })).sort();
  } finally {
    rmSync(ignoreFile);
  }
}

test('a linux-x64 package ships the runtime files and its own native binaries, nothing else', async () => {
  assert.deepEqual(await packaged('linux-x64'), [...new Set([...shipped, ...readmeTargets(readme)])].sort());
});

test("README's images and links point at files in the repository", () => {
  const targets = readmeTargets(readme);
  assert.ok(targets.includes('docs/images/results-view.png'), 'the README shows the results view');
  for (const target of targets) assert.doesNotThrow(() => readFileSync(path.join(repoRoot, target)), target);
});
