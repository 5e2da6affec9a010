// Bundles every entry point with esbuild. Native modules (and packages that load
// their own .wasm/.node files at run time) stay external and are loaded lazily by the engine.
import * as esbuild from 'esbuild';
import { cpSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// pdf.js stays external too: an ES module that loads its worker and font files at run time (src/core/pdf/read.ts).
const nativeExternals = ['onnxruntime-node', 'sharp', 'hnswlib-node', 'node-sqlite3-wasm', 'pdfjs-dist'];

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

/** One build per bundle: the extension host, the engine process, the CLI, the webview, the tests. */
export const bundles = [
  { ...node, entryPoints: { extension: 'src/extension/main.ts' }, outdir: 'out', external: ['vscode'] },
  { ...node, entryPoints: { engine: 'src/engine/main.ts', cli: 'src/cli/main.ts', 'render-worker': 'src/core/render/worker.ts', 'pdf-worker': 'src/core/library/pdf-worker.ts' }, outdir: 'out', external: nativeExternals },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'out',
  },
  // Tier 2: the suite the extension host loads (index.js runs each *.test.js beside it). Mocha is
  // bundled into index.js, as mocha 12 is ESM, which the extension host may not require.
  {
    ...node,
    entryPoints: ['test/integration/index.ts', 'test/integration/*.test.ts'],
    outbase: 'test/integration',
    outdir: 'out/test/integration',
    external: ['vscode'],
    // Mocha's parallel mode (unused here) resolves its worker files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' },
  },
];

// The results webview loads KaTeX's stylesheet and fonts from the extension itself (its CSP allows nothing else).
cpSync('node_modules/katex/dist/katex.min.css', 'out/katex/katex.min.css');
cpSync('node_modules/katex/dist/fonts', 'out/katex/fonts', { recursive: true });
// The renderer's WebAssembly rasterizer and its fallback font (src/core/render/rasterize.ts).
cpSync('node_modules/@resvg/resvg-wasm/index_bg.wasm', 'out/resvg.wasm');
cpSync('node_modules/dejavu-fonts-ttf/ttf/DejaVuSerif.ttf', 'out/fonts/DejaVuSerif.ttf');
cpSync('node_modules/dejavu-fonts-ttf/LICENSE', 'out/fonts/DejaVu-LICENSE');

if (watch) {
  for (const options of bundles) await (await esbuild.context(options)).watch();
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(bundles.map((options) => esbuild.build(options)));
}
