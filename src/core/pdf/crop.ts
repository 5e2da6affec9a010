// A PDF formula as the bitmap encoder sees a typeset one: scaled so that its font's em is PX_PER_EM
// pixels, its box centred on the canvas exactly as `placement` centres MathJax's (whole-pixel corner),
// and the centre crop drawn by the same rasterizer with the same polarity (alpha: 0 = paper, 255 = ink).
// Only the formula's own glyphs and rules are drawn, so neighbouring text and the equation number never
// enter the picture, whatever the page's layout.
import { CROP_LEFT, CROP_TOP, PX_PER_EM, type RenderRegion, regionSize } from '../render/geometry';
import { placement, rasterizeSvg } from '../render/rasterize';
import { apply, multiply } from './marks';
import type { Matrix, PdfFormula } from './types';

const DRAW_MOVE = 0;
const DRAW_LINE = 1;
const DRAW_CURVE = 2;
const DRAW_QUAD = 3;
const DRAW_CLOSE = 4;

/** SVG path data of pdf.js draw ops under `m` (pixel coordinates), two decimals. */
function pathData(path: ArrayLike<number>, m: Matrix): string {
  const parts: string[] = [];
  const point = (i: number): string => {
    const [x, y] = apply(m, path[i]!, path[i + 1]!);
    return `${x.toFixed(2)} ${y.toFixed(2)}`;
  };
  for (let i = 0; i < path.length; ) {
    const op = path[i++];
    if (op === DRAW_MOVE) parts.push(`M${point(i)}`), (i += 2);
    else if (op === DRAW_LINE) parts.push(`L${point(i)}`), (i += 2);
    else if (op === DRAW_CURVE) parts.push(`C${point(i)} ${point(i + 2)} ${point(i + 4)}`), (i += 6);
    else if (op === DRAW_QUAD) parts.push(`Q${point(i)} ${point(i + 2)}`), (i += 4);
    else if (op === DRAW_CLOSE) parts.push('Z');
    else break;
  }
  return parts.join('');
}

/** The SVG of the region (the encoder's crop, or the whole canvas) with the formula placed as the renderer places one. */
function formulaSvg(formula: Pick<PdfFormula, 'box' | 'emSize' | 'glyphs' | 'rules'>, region: RenderRegion): string {
  const scale = PX_PER_EM / formula.emSize;
  const { box } = formula;
  // placement() takes MathJax units (1000 per em).
  const place = placement({
    x: 0,
    y: 0,
    width: ((box.right - box.left) / formula.emSize) * 1000,
    height: ((box.top - box.bottom) / formula.emSize) * 1000,
  });
  const offsetX = place.left - (region === 'crop' ? CROP_LEFT : 0);
  const offsetY = place.top - (region === 'crop' ? CROP_TOP : 0);
  const { width, height } = regionSize(region);
  // Page (points, y up) → region pixels (y down).
  const toPixels: Matrix = [scale, 0, 0, -scale, offsetX - box.left * scale, offsetY + box.top * scale];
  const visible = (left: number, right: number, bottom: number, top: number): boolean => {
    const [x0, y0] = apply(toPixels, left, top);
    const [x1, y1] = apply(toPixels, right, bottom);
    return x1 >= 0 && x0 <= width && y1 >= 0 && y0 <= height;
  };
  const shapes: string[] = [];
  for (const glyph of formula.glyphs) {
    if (!glyph.outline || !visible(glyph.box.left, glyph.box.right, glyph.box.bottom, glyph.box.top)) continue;
    shapes.push(`<path d="${pathData(glyph.outline, multiply(glyph.matrix, toPixels))}"/>`);
  }
  for (const rule of formula.rules) {
    if (!visible(rule.box.left, rule.box.right, rule.box.bottom, rule.box.top)) continue;
    const d = pathData(rule.path, multiply(rule.matrix, toPixels));
    if (rule.fill) shapes.push(`<path d="${d}"/>`);
    if (rule.strokeWidth > 0) shapes.push(`<path d="${d}" fill="none" stroke="#000" stroke-width="${(rule.strokeWidth * scale).toFixed(3)}"/>`);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g fill="#000">${shapes.join('')}</g></svg>`
  );
}

/** The formula's pixels in the region: `height × width` bytes, 0 = paper, 255 = full ink. Throws when resvg fails. */
export function drawFormula(formula: Pick<PdfFormula, 'box' | 'emSize' | 'glyphs' | 'rules'>, region: RenderRegion = 'crop'): Promise<Uint8Array> {
  return rasterizeSvg(formulaSvg(formula, region), region);
}
