// `formula-lens embed --encoder symbolic|hybrid` with the shipped symbolic model: one line per input line,
// unit vectors, errors in place; the hybrid vector's halves are the √weight-scaled bitmap and symbolic vectors.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { embedLines } from '../../../src/cli/commands/embed';
import { symbolicModelPath } from '../../../src/core/encode/symbolic';

const tinyEncoder = path.join(__dirname, 'fixtures', 'tiny-encoder.onnx');
const shipped = symbolicModelPath();
const skip = shipped && existsSync(shipped) ? false : 'models/symbolic.onnx is not shipped in this checkout';

async function embed(lines: string[], encoder: 'bitmap' | 'symbolic' | 'hybrid', fusion = { bitmap: 0.25, symbolic: 0.75, lexical: 0 }) {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  await embedLines(Readable.from([Buffer.from(lines.join('\n'))]), output, { encoder, fusion, model: tinyEncoder, batch: 2, threads: 1, executionProvider: 'cpu' }, () => {});
  return Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { embedding?: number[]; error?: string });
}

const lines = [
  JSON.stringify({ latex: '\\R^n', macros: '\\newcommand{\\R}{\\mathbb{R}}' }),
  'not json',
  JSON.stringify({ latex: '\\mathbb{R}^n' }),
  JSON.stringify({ latex: '\\frac{a}{b} + \\sum_{i=1}^n x_i' }),
];

test('symbolic: unit vectors from tokens, macros expanded, errors in place', { skip }, async () => {
  const results = await embed(lines, 'symbolic');
  assert.equal(results.length, lines.length);
  assert.match(results[1].error ?? '', /not JSON/);
  for (const i of [0, 2, 3]) {
    assert.equal(results[i].embedding?.length, 64);
    assert.ok(Math.abs(Math.hypot(...results[i].embedding!) - 1) < 1e-4);
  }
  assert.ok(results[0].embedding!.every((value, j) => Math.abs(value - results[2].embedding![j]) < 1e-5), 'the same tokens after expansion');
});

test('hybrid: √weight-scaled bitmap and symbolic vectors side by side', { skip }, async () => {
  const [bitmap, symbolic, hybrid] = await Promise.all([embed(lines, 'bitmap'), embed(lines, 'symbolic'), embed(lines, 'hybrid')]);
  assert.match(hybrid[1].error ?? '', /not JSON/);
  for (const i of [0, 2, 3]) {
    const vector = hybrid[i].embedding!;
    assert.equal(vector.length, 128);
    vector.slice(0, 64).forEach((value, j) => assert.ok(Math.abs(value - 0.5 * bitmap[i].embedding![j]) < 1e-5));
    vector.slice(64).forEach((value, j) => assert.ok(Math.abs(value - Math.sqrt(0.75) * symbolic[i].embedding![j]) < 1e-5));
  }
});
