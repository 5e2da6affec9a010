// Places a typeset formula on the encoder's canvas and rasterizes it with resvg (WebAssembly).
// Ink is the alpha channel: MathJax draws on a transparent background, so coverage is the ink
// whatever the colour (\color, \textcolor), with 0 = paper and 255 = full ink.
//
// resvg rather than sharp (librsvg): 1.3 ms against 4.1 ms per formula here (bench/render.bench.ts
// prints both), a quarter of the render time; and WebAssembly with one bundled font draws the rare characters MathJax's fonts lack (§, 𝟙, CJK in \text{}) the same on every
// machine, where librsvg took whatever system fonts were installed.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Resvg, initWasm, type ResvgRenderOptions } from '@resvg/resvg-wasm';
import { CANVAS_HEIGHT, CANVAS_WIDTH, CROP_HEIGHT, CROP_LEFT, CROP_TOP, CROP_WIDTH, PX_PER_EM, type RenderRegion, regionSize } from './geometry';
import type { TypesetFormula } from './typeset';
import { errorMessage } from '../result';

/** The font for characters MathJax's own fonts lack, which it emits as SVG <text>. */
const FALLBACK_FONT_FAMILY = 'DejaVu Serif';

/**
 * A file resvg needs at run time: beside the bundle (the build copies it into out/), else in
 * node_modules when running from the TypeScript sources.
 */
function asset(bundledName: string, packagePath: string): string {
  const bundled = path.join(__dirname, bundledName);
  return existsSync(bundled) ? bundled : createRequire(__filename).resolve(packagePath);
}

const RESVG_ASSETS = {
  wasm: () => asset('resvg.wasm', '@resvg/resvg-wasm/index_bg.wasm'),
  font: () => asset('fonts/DejaVuSerif.ttf', 'dejavu-fonts-ttf/ttf/DejaVuSerif.ttf'),
};

let ready: Promise<ResvgRenderOptions> | undefined;

/** Instantiates resvg's WebAssembly once per thread; resolves to the options every drawing uses. */
function resvgReady(): Promise<ResvgRenderOptions> {
  ready ??= initWasm(readFileSync(RESVG_ASSETS.wasm())).then(() => ({
    font: {
      fontBuffers: [new Uint8Array(readFileSync(RESVG_ASSETS.font()))],
      defaultFontFamily: FALLBACK_FONT_FAMILY,
      serifFamily: FALLBACK_FONT_FAMILY,
      sansSerifFamily: FALLBACK_FONT_FAMILY,
      monospaceFamily: FALLBACK_FONT_FAMILY,
    },
  }));
  return ready;
}

/** MathJax's SVG units per em. */
const UNITS_PER_EM = 1000;

/** The formula's size in pixels and its top-left corner on the canvas: centred, whole pixels, never scaled to fit. */
export function placement(viewBox: TypesetFormula['viewBox']): { left: number; top: number; width: number; height: number } {
  const width = (viewBox.width / UNITS_PER_EM) * PX_PER_EM;
  const height = (viewBox.height / UNITS_PER_EM) * PX_PER_EM;
  return { left: Math.round((CANVAS_WIDTH - width) / 2), top: Math.round((CANVAS_HEIGHT - height) / 2), width, height };
}

/** An SVG of exactly the region's size with the formula placed where the canvas puts it. */
export function composeSvg(formula: TypesetFormula, region: RenderRegion): string {
  const { width, height } = regionSize(region);
  const place = placement(formula.viewBox);
  const left = region === 'crop' ? place.left - CROP_LEFT : place.left;
  const top = region === 'crop' ? place.top - CROP_TOP : place.top;
  // Replace MathJax's root attributes (sizes in ex, a CSS vertical-align) with pixel geometry.
  const inner = formula.svg.replace(
    /^<svg\b[^>]*?(viewBox="[^"]*")[^>]*>/,
    `<svg x="${left}" y="${top}" width="${place.width}" height="${place.height}" $1 overflow="visible">`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${inner}</svg>`
  );
}

/** Draws an SVG of the region's size: `height × width` alpha bytes. Throws when resvg fails. */
function draw(svg: string, region: RenderRegion, options: ResvgRenderOptions): Uint8Array {
  const { width, height } = regionSize(region);
  const renderer = new Resvg(svg, options);
  // A panic inside render() leaves the renderer borrowed: it cannot be freed then, and is left to the GC.
  const image = renderer.render();
  try {
    if (image.width !== width || image.height !== height) {
      throw new Error(`rasterizer returned ${image.width}×${image.height}, expected ${width}×${height}`);
    }
    const rgba = image.pixels;
    const alpha = new Uint8Array(width * height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3]!;
    return alpha;
  } finally {
    image.free();
    renderer.free();
  }
}

/** The crop's pixels out of the canvas's (whole-pixel offsets, so they are the pixels a crop drawing has). */
function cropOfCanvas(canvas: Uint8Array): Uint8Array {
  const crop = new Uint8Array(CROP_WIDTH * CROP_HEIGHT);
  for (let row = 0; row < CROP_HEIGHT; row++) {
    const start = (CROP_TOP + row) * CANVAS_WIDTH + CROP_LEFT;
    crop.set(canvas.subarray(start, start + CROP_WIDTH), row * CROP_WIDTH);
  }
  return crop;
}

/**
 * Rasterizes an SVG already laid out at the region's size (formulas cropped from PDF pages, src/core/pdf):
 * the same rasterizer and polarity as typeset formulas. Throws when resvg fails.
 */
export async function rasterizeSvg(svg: string, region: RenderRegion = 'crop'): Promise<Uint8Array> {
  return draw(svg, region, await resvgReady());
}

/** Rasterizes the formula into the region: `height × width` bytes, row-major, 0 = paper, 255 = full ink. */
export async function rasterize(formula: TypesetFormula, region: RenderRegion = 'crop'): Promise<Uint8Array> {
  const options = await resvgReady();
  try {
    return draw(composeSvg(formula, region), region, options);
  } catch (error) {
    if (region !== 'crop') throw error;
    // resvg 2.6.2 panics on about 0.1% of corpus crops: stretched delimiters (nested <svg> viewports) of tall
    // multi-row formulas that fall outside the 32-px crop. The canvas draws them; the crop is its centre.
    try {
      return cropOfCanvas(draw(composeSvg(formula, 'canvas'), 'canvas', options));
    } catch {
      throw new Error(`resvg could not draw the formula (${errorMessage(error)})`);
    }
  }
}
