// Places a typeset formula on the encoder's canvas and rasterizes it with sharp (librsvg).
// Ink is the alpha channel: MathJax draws on a transparent background, so coverage is the ink
// whatever the colour (\color, \textcolor), with 0 = paper and 255 = full ink.
import { createRequire } from 'node:module';
import type Sharp from 'sharp';
import { CANVAS_HEIGHT, CANVAS_WIDTH, CROP_LEFT, CROP_TOP, PX_PER_EM, type RenderRegion, regionSize } from './geometry';
import type { TypesetFormula } from './typeset';

let sharpModule: typeof Sharp | undefined;

/** sharp is native: loaded on first use only, with one libvips thread per call (the workers give the parallelism). */
function sharp(): typeof Sharp {
  if (!sharpModule) {
    sharpModule = createRequire(__filename)('sharp') as typeof Sharp;
    sharpModule.concurrency(1);
    sharpModule.cache(false);
  }
  return sharpModule;
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

/** Rasterizes the formula into the region: `height × width` bytes, row-major, 0 = paper, 255 = full ink. */
export async function rasterize(formula: TypesetFormula, region: RenderRegion = 'crop'): Promise<Uint8Array> {
  const { width, height } = regionSize(region);
  const { data, info } = await sharp()(Buffer.from(composeSvg(formula, region)), { density: 72 })
    .ensureAlpha()
    .extractChannel('alpha')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 1) {
    throw new Error(`rasterizer returned ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×1`);
  }
  // A copy of its own, so it can be transferred between threads without detaching sharp's buffer.
  return new Uint8Array(data);
}
