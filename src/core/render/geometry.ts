// The encoder's view of a formula (Pfahler et al. 2019, section 3): the formula is typeset at a
// fixed scale, centred on a 531×106 canvas, and the encoder sees the centre 333×32 rectangle.
// Long formulas are never shrunk to fit; their ends fall outside the crop.

export const CANVAS_WIDTH = 531;
export const CANVAS_HEIGHT = 106;
export const CROP_WIDTH = 333;
export const CROP_HEIGHT = 32;
/** Top-left corner of the crop on the canvas (both whole pixels, so crop pixels equal canvas pixels). */
export const CROP_LEFT = (CANVAS_WIDTH - CROP_WIDTH) / 2;
export const CROP_TOP = (CANVAS_HEIGHT - CROP_HEIGHT) / 2;

/**
 * Pixels per em of the math font. At 12 px/em a text-style x-height is 5.2 px and a first-level
 * subscript's about 3.7 px, still legible; a display fraction (about 2.4 em) fits the 32-px
 * crop height, and the crop spans 27.75 em, the width of a single-column display formula.
 * docs/render.md gives the measured figures behind the choice.
 */
export const PX_PER_EM = 12;

/** Bump whenever the pixels change (geometry, shims, MathJax or rasterizer settings). */
export const RENDERER_VERSION = 'mathjax-3.2.2+resvg-2.6.2/12pxem/4';

export type RenderRegion = 'crop' | 'canvas';

export function regionSize(region: RenderRegion): { width: number; height: number } {
  return region === 'crop' ? { width: CROP_WIDTH, height: CROP_HEIGHT } : { width: CANVAS_WIDTH, height: CANVAS_HEIGHT };
}
