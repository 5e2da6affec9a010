import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CROP_HEIGHT, CROP_WIDTH, CANVAS_HEIGHT, CANVAS_WIDTH, renderInThisThread } from '../../../src/core/render';
import { inkColumns } from '../../helpers/ink';

const ink = (pixels: Uint8Array) => pixels.reduce((sum, value) => sum + value, 0);


test('a formula renders to the 333×32 crop with ink, faithfully', async () => {
  const result = await renderInThisThread({ latex: 'E = mc^2', display: true });
  assert.equal(result.pixels.length, CROP_HEIGHT * CROP_WIDTH);
  assert.equal(result.degraded, false);
  assert.deepEqual(result.issues, []);
  assert.ok(ink(result.pixels) > 1000);
});

test('the formula is centred: its ink is symmetric about the middle column', async () => {
  const { pixels } = await renderInThisThread({ latex: 'a + b = c', display: true });
  const [first, last] = inkColumns(pixels, CROP_WIDTH);
  assert.ok(Math.abs(first + last - (CROP_WIDTH - 1)) <= 2, `ink spans columns ${first}..${last}`);
});

test('the crop is exactly the centre of the canvas', async () => {
  const formula = { latex: '\\sum_{i=1}^n \\frac{x_i}{y_i} = \\int_0^1 f(t)\\,dt', display: true };
  const crop = (await renderInThisThread(formula, 'crop')).pixels;
  const canvas = (await renderInThisThread(formula, 'canvas')).pixels;
  assert.equal(canvas.length, CANVAS_WIDTH * CANVAS_HEIGHT);
  const top = (CANVAS_HEIGHT - CROP_HEIGHT) / 2;
  const left = (CANVAS_WIDTH - CROP_WIDTH) / 2;
  for (let row = 0; row < CROP_HEIGHT; row++) {
    const fromCanvas = canvas.subarray((top + row) * CANVAS_WIDTH + left, (top + row) * CANVAS_WIDTH + left + CROP_WIDTH);
    assert.deepEqual(crop.subarray(row * CROP_WIDTH, (row + 1) * CROP_WIDTH), fromCanvas, `row ${row}`);
  }
});

test('a long formula is not shrunk: it overflows the crop on both sides', async () => {
  const latex = Array.from({ length: 40 }, (_, i) => `x_{${i}}`).join(' + ');
  const { pixels } = await renderInThisThread({ latex, display: true });
  const [first, last] = inkColumns(pixels, CROP_WIDTH);
  assert.equal(first, 0);
  assert.equal(last, CROP_WIDTH - 1);
});

test('display style is larger than inline style', async () => {
  const latex = '\\sum_{i=1}^{n} \\frac{1}{i}';
  const display = await renderInThisThread({ latex, display: true });
  const inline = await renderInThisThread({ latex, display: false, env: 'inline' });
  assert.ok(ink(display.pixels) > ink(inline.pixels) * 1.2);
});

test('characters MathJax fonts lack (emitted as SVG text) are drawn with the bundled fallback font', async () => {
  // \S and \mathbb{1} are not in MathJax's SVG fonts; without a font loaded they would leave no ink.
  for (const latex of ['\\S', '\\mathbb{1}', '\\text{Привет}']) {
    const result = await renderInThisThread({ latex, display: true });
    assert.equal(result.degraded, false, latex);
    assert.ok(ink(result.pixels) > 500, `${latex} has ink ${ink(result.pixels)}`);
  }
});

test('a crop resvg cannot draw (tall stretched delimiters outside it) is cut from the canvas, pixel for pixel', async () => {
  // Diffyqs' boxed pivots: resvg 2.6.2 panics drawing this formula's 333×32 crop, not its canvas.
  const formula = {
    latex: '\\left[\n\\begin{array}{ccc|c}\n\\mybxsm{1} & 2 & 0 & -5 \\\\\n0 & 0 & \\mybxsm{1} & 3 \\\\\n0 & 0 & 0 & 0\n\\end{array}\n\\right]',
    macros: '\\newcommand{\\mybxsm}[1]{\\tcboxmath[colback=white,colframe=black,boxrule=0.5pt,left=0pt,right=0pt,top=0pt,bottom=0pt]{#1}}',
    display: true,
  };
  const crop = await renderInThisThread(formula, 'crop');
  assert.equal(crop.degraded, false, JSON.stringify(crop.issues));
  const canvas = (await renderInThisThread(formula, 'canvas')).pixels;
  const top = (CANVAS_HEIGHT - CROP_HEIGHT) / 2;
  const left = (CANVAS_WIDTH - CROP_WIDTH) / 2;
  for (let row = 0; row < CROP_HEIGHT; row++) {
    const start = (top + row) * CANVAS_WIDTH + left;
    assert.deepEqual(crop.pixels.subarray(row * CROP_WIDTH, (row + 1) * CROP_WIDTH), canvas.subarray(start, start + CROP_WIDTH));
  }
  assert.ok(ink(crop.pixels) > 1000);
});
