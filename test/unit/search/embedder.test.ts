// The render → encode pipeline encodes the pixels of a formula repeated in one batch once, and still gives
// every formula its own vector.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RenderPool } from '../../../src/core/render';
import { PipelineEmbedder, type BitmapEncoder } from '../../../src/core/search/embedder';

test('a formula repeated in a batch is encoded once, and each result owns its vector', async () => {
  const encoded: number[] = [];
  const encoder: BitmapEncoder = {
    model: { name: 'counting', fingerprint: 'counting', path: '' },
    dimensions: 64,
    embed: async (bitmaps) => {
      encoded.push(bitmaps.length);
      return bitmaps.map((bitmap) => Float32Array.from({ length: 64 }, (_, i) => (i === 0 ? bitmap.reduce((sum, value) => sum + value, 0) : 1)));
    },
    dispose: async () => {},
  };
  const embedder = new PipelineEmbedder(new RenderPool({ workers: 1 }), encoder);
  try {
    const n = { latex: 'n', display: false, env: 'inline' };
    const results = await embedder.embed([n, { latex: '\\sum_i x_i', display: true }, { ...n }], 'batch');
    assert.deepEqual(encoded, [2], 'two distinct bitmaps reached the encoder');
    assert.deepEqual(results[2]!.embedding, results[0]!.embedding);
    assert.notEqual(results[2]!.embedding, results[0]!.embedding, 'not one shared array');
    assert.notDeepEqual(results[1]!.embedding, results[0]!.embedding);
  } finally {
    await embedder.close();
  }
});
