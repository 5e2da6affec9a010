// The shipped default model (models/see.onnx) opens by name through the models folder lookup,
// fits the encoder contract and tells rendered formulas apart.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Encoder } from '../../../src/core/encode/encoder';
import { modelFingerprint, modelPath } from '../../../src/core/encode/models';
import { BITMAP_BYTES, BITMAP_WIDTH } from '../../../src/core/encode/types';
import { repoRoot } from '../../helpers/paths';

/** A bar of ink `width` pixels wide in rows 12–19, starting at `left`. */
function bar(left: number, width: number): Uint8Array {
  const bitmap = new Uint8Array(BITMAP_BYTES);
  for (let row = 12; row < 20; row++) bitmap.fill(255, row * BITMAP_WIDTH + left, row * BITMAP_WIDTH + left + width);
  return bitmap;
}

test('`see` resolves to models/see.onnx and opens with its fingerprint', async () => {
  assert.equal(modelPath('see'), path.join(repoRoot, 'models', 'see.onnx'));
  const opened = await Encoder.open({ model: 'see', executionProvider: 'cpu' });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  const encoder = opened.value;
  assert.equal(encoder.model.name, 'see');
  assert.equal(encoder.model.fingerprint, modelFingerprint(path.join(repoRoot, 'models', 'see.onnx')));
  const [short, long, shifted] = await encoder.embed([bar(150, 30), bar(40, 250), bar(160, 30)]);
  for (const embedding of [short, long, shifted]) assert.ok(Math.abs(Math.hypot(...embedding) - 1) < 1e-4);
  const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i], 0);
  assert.ok(cosine(short, long) < 1 - 1e-4, 'different pictures give different embeddings');
  assert.ok(cosine(short, shifted) > cosine(short, long), 'a slightly shifted picture stays nearer than a different one');
  await encoder.dispose();
});
