// Draws media/icon.png, the extension's 128×128 marketplace icon: a magnifying lens over a sum sign,
// typeset by the renderer's MathJax and rasterized by its resvg, so no drawing tool is needed.
// Usage: node --import tsx scripts/draw-icon.ts [out.png]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Resvg, initWasm } from '@resvg/resvg-wasm';
import { Typesetter } from '../src/core/render/typeset';

const output = process.argv[2] ?? path.resolve(__dirname, '..', 'media', 'icon.png');
const size = 128;
const ink = '#16325c';

/** MathJax's SVG of the sign, resized into the lens (its aspect kept, centred by the nested viewport). */
function sign(x: number, y: number, width: number, height: number): string {
  const { svg } = new Typesetter().typeset({ latex: '\\sum', macros: '', display: true });
  return svg
    .replace(/ (width|height|style)="[^"]*"/g, '')
    .replace('<svg ', `<svg x="${x}" y="${y}" width="${width}" height="${height}" color="${ink}" `);
}

const icon = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
  <defs>
    <linearGradient id="back" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#2f6fd6"/>
      <stop offset="1" stop-color="#173f8a"/>
    </linearGradient>
    <radialGradient id="glass" cx="0.4" cy="0.35" r="0.75">
      <stop offset="0" stop-color="#ffffff"/>
      <stop offset="1" stop-color="#d6e6fb"/>
    </radialGradient>
  </defs>
  <rect width="${size}" height="${size}" rx="24" fill="url(#back)"/>
  <line x1="80" y1="80" x2="108" y2="108" stroke="#0d2550" stroke-width="20" stroke-linecap="round"/>
  <line x1="80" y1="80" x2="108" y2="108" stroke="#f5b82e" stroke-width="14" stroke-linecap="round"/>
  <circle cx="56" cy="56" r="38" fill="url(#glass)" stroke="#ffffff" stroke-width="8"/>
  ${sign(33, 31, 46, 50)}
</svg>`;

const wasm = readFileSync(createRequire(__filename).resolve('@resvg/resvg-wasm/index_bg.wasm'));
void initWasm(wasm).then(() => {
  writeFileSync(output, new Resvg(icon, { fitTo: { mode: 'width', value: size } }).render().asPng());
  console.log(`wrote ${output}`);
});
