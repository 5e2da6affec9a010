import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Encoder } from '../../../src/core/encode/encoder';
import { BITMAP_BYTES } from '../../../src/core/encode/types';

// Built by fixtures/make_fixtures.py: a contract-shaped encoder whose only feature is mean ink, and
// the same graph with 32 outputs.
const tinyEncoder = path.join(__dirname, 'fixtures', 'tiny-encoder.onnx');
const wrongOutput = path.join(__dirname, 'fixtures', 'wrong-output.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-encoder-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function bitmapWithInk(share: number): Uint8Array {
  const bitmap = new Uint8Array(BITMAP_BYTES);
  bitmap.fill(255, 0, Math.round(share * BITMAP_BYTES));
  return bitmap;
}

async function open(model: string, executionProvider: 'cpu' | 'auto' | 'cuda' = 'cpu', log?: (line: string) => void) {
  return Encoder.open({ model, executionProvider, batchSize: 4, log });
}

test('a missing model file is a model-not-found error', async () => {
  const result = await open(path.join(scratch, 'absent.onnx'));
  assert.ok(!result.ok);
  assert.equal(result.reason.kind, 'model-not-found');
  assert.match(result.reason.message, /absent\.onnx does not exist/);
});

test('a file that is not ONNX is an invalid-model error, not a crash', async () => {
  const garbage = path.join(scratch, 'garbage.onnx');
  writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151) % 256)));
  const result = await open(garbage);
  assert.ok(!result.ok);
  assert.equal(result.reason.kind, 'invalid-model');
  assert.match(result.reason.message, /garbage\.onnx is not a loadable ONNX model/);
});

test('a directory given as the model is an invalid-model error', async () => {
  const result = await open(scratch);
  assert.ok(!result.ok);
  assert.equal(result.reason.kind, 'invalid-model');
});

test('an ONNX model with the wrong output shape is refused with the expected and found shapes', async () => {
  const result = await open(wrongOutput);
  assert.ok(!result.ok);
  assert.equal(result.reason.kind, 'wrong-model-shape');
  assert.match(result.reason.message, /expected output embeddings: float32 \[N, 64\], found embeddings: float32 \[batch, 32\]/);
});

test('the fingerprint is the sha256 of the model file', async () => {
  const result = await open(tinyEncoder);
  assert.ok(result.ok);
  assert.equal(result.value.model.fingerprint, createHash('sha256').update(readFileSync(tinyEncoder)).digest('hex'));
  assert.equal(result.value.executionProvider, 'cpu');
  await result.value.dispose();
});

test('embeddings come back in order, unit-norm, and the same whatever the batching', async () => {
  const result = await open(tinyEncoder);
  assert.ok(result.ok);
  const encoder = result.value;
  const bitmaps = [0.05, 0.3, 0.6, 0.1, 0.9, 0.2, 0.45].map(bitmapWithInk);
  const together = await encoder.embed(bitmaps); // batch size 4: batches of 4 and 3
  const alone = await Promise.all(bitmaps.map(async (bitmap) => (await encoder.embed([bitmap]))[0]));
  assert.equal(together.length, bitmaps.length);
  together.forEach((embedding, i) => {
    assert.equal(embedding.length, 64);
    assert.ok(Math.abs(Math.hypot(...embedding) - 1) < 1e-5);
    alone[i].forEach((value, j) => assert.ok(Math.abs(value - embedding[j]) < 1e-6, `bitmap ${i}, dimension ${j}`));
  });
  assert.notDeepEqual(together[0], together[4], 'different ink gives different embeddings');
  assert.deepEqual(await encoder.embed([]), []);
  await encoder.dispose();
});

test('a bitmap of the wrong size is a RangeError naming it', async () => {
  const result = await open(tinyEncoder);
  assert.ok(result.ok);
  await assert.rejects(result.value.embed([bitmapWithInk(0.1), new Uint8Array(10)]), /bitmap 1 has 10 bytes/);
  await result.value.dispose();
});

test('auto falls back to the CPU with one log line when CUDA is unavailable; cuda then fails cleanly', async (t) => {
  const lines: string[] = [];
  const auto = await open(tinyEncoder, 'auto', (line) => lines.push(line));
  assert.ok(auto.ok);
  if (auto.value.executionProvider === 'cuda') {
    await auto.value.dispose();
    t.skip('CUDA is available on this machine');
    return;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /CUDA unavailable .*using the CPU/);
  await auto.value.dispose();
  const cuda = await open(tinyEncoder, 'cuda');
  assert.ok(!cuda.ok);
  assert.equal(cuda.reason.kind, 'provider-unavailable');
});
