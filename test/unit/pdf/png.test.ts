// Crops as PNG (src/core/pdf/png.ts): the pixels come back exactly, and a PNG of another shape is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { cropToPng, pngToCrop } from '../../../src/core/pdf/png';

test('a crop written as PNG reads back to the same ink, drawn dark on white', () => {
  const ink = new Uint8Array(7 * 3).map((_, i) => (i * 37) % 256);
  const png = cropToPng(ink, 7, 3);
  assert.deepEqual(pngToCrop(png, 7, 3), ink);
  // The first pixel of the first row (after its filter byte) is 255 − ink.
  const idat = png.indexOf('IDAT');
  const rows = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
  assert.equal(rows[1], 255 - ink[0]!);
  assert.throws(() => pngToCrop(png, 3, 7), /not a 3×7 8-bit grey crop/);
  assert.throws(() => pngToCrop(new Uint8Array([1, 2, 3]), 7, 3), /not a PNG/);
});
