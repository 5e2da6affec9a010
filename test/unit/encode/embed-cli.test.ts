// `formula-lens embed`: one output line per input line, in order, with an error line for each bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { embedLines, MAX_LINE_BYTES, readLines } from '../../../src/cli/commands/embed';
import { tsxArgs } from '../../helpers/paths';

// A contract-shaped model (see fixtures/make_fixtures.py): these tests are about the command, not the weights.
const tinyEncoder = path.join(__dirname, 'fixtures', 'tiny-encoder.onnx');
const options = { model: tinyEncoder, batch: 2, threads: 1, executionProvider: 'cpu' as const };

async function embedAll(input: Buffer): Promise<Record<string, unknown>[]> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  await embedLines(Readable.from([input]), output, options, () => {});
  return Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
}

function isUnitEmbedding(value: unknown): boolean {
  return Array.isArray(value) && value.length === 64 && Math.abs(Math.hypot(...(value as number[])) - 1) < 1e-4;
}

test('every input line gets one output line, in order, errors in place', async () => {
  const lines = [
    JSON.stringify({ latex: 'x^2 + y^2 = z^2', display: true }),
    'not json',
    '',
    JSON.stringify({ latex: 5 }),
    JSON.stringify({ latex: '\\R^n', macros: '\\newcommand{\\R}{\\mathbb{R}}', display: false }),
    JSON.stringify({ latex: 'a', display: 'yes' }),
    '[1, 2]',
    JSON.stringify({ latex: '   ' }),
    JSON.stringify({ latex: 'a', macros: ['\\def\\x{y}'] }),
    JSON.stringify({ latex: '\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}', env: 'align*' }),
  ];
  const results = await embedAll(Buffer.from(lines.join('\n'))); // the last line has no newline
  assert.equal(results.length, lines.length);
  assert.ok(isUnitEmbedding(results[0].embedding));
  assert.match(String(results[1].error), /^not JSON/);
  assert.equal(results[2].error, 'empty line');
  assert.equal(results[3].error, '"latex" must be a string');
  assert.ok(isUnitEmbedding(results[4].embedding));
  assert.equal(results[5].error, '"display" must be true or false');
  assert.equal(results[6].error, 'not a JSON object');
  assert.equal(results[7].error, '"latex" is empty');
  assert.equal(results[8].error, '"macros" must be a string of definitions');
  assert.ok(isUnitEmbedding(results[9].embedding));
});

test('binary garbage and an over-long line are error lines, and the lines after them still work', async () => {
  const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b, 0x22]);
  const longLine = Buffer.alloc(MAX_LINE_BYTES + 10, 0x61);
  const good = Buffer.from(JSON.stringify({ latex: '\\frac{a}{b}' }));
  const results = await embedAll(Buffer.concat([garbage, Buffer.from('\n'), longLine, Buffer.from('\r\n'), good, Buffer.from('\n')]));
  assert.equal(results.length, 3);
  assert.match(String(results[0].error), /^not JSON/);
  assert.match(String(results[1].error), /line of 1048587 bytes exceeds the 1048576-byte limit/);
  assert.ok(isUnitEmbedding(results[2].embedding));
});

test('lines split across chunks are joined, CRLF is accepted, and an over-long line is never buffered whole', async () => {
  const input = Readable.from([Buffer.from('{"lat'), Buffer.from('ex": "a"}\r'), Buffer.from('\nsecond'), Buffer.from(' line')]);
  const lines = [];
  for await (const line of readLines(input, 8)) lines.push(line);
  assert.deepEqual(lines, [{ tooLong: 15 }, { tooLong: 11 }]);
  const short = [];
  for await (const line of readLines(Readable.from([Buffer.from('{"lat'), Buffer.from('ex": 1}\r\nb')]))) short.push(line);
  assert.deepEqual(short, [{ text: '{"latex": 1}' }, { text: 'b' }]);
});

test('the command reads stdin and writes stdout', () => {
  const result = spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'embed', '--encoder', 'bitmap', '--model', tinyEncoder, '--execution-provider', 'cpu'), {
    input: '{"latex": "e^{i\\\\pi} = -1"}\n{}\n',
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const [first, second] = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.ok(isUnitEmbedding(first.embedding));
  assert.equal(second.error, '"latex" must be a string');
});

test('a model file that is not an encoder stops the command with the reason', async () => {
  const wrong = { ...options, model: path.join(__dirname, 'fixtures', 'wrong-output.onnx') };
  await assert.rejects(embedLines(Readable.from([]), new PassThrough(), wrong, () => {}), /is not an equation encoder: expected output embeddings/);
});
