import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Message } from 'vscode-jsonrpc/node';
import { FramingError, MalformedMessage, StrictMessageReader } from '../../../src/engine/message-reader';

function readAll(chunks: Buffer[]): { messages: Message[]; errors: Error[] } {
  const stream = new PassThrough();
  const reader = new StrictMessageReader(stream);
  const messages: Message[] = [];
  const errors: Error[] = [];
  reader.onError((error) => errors.push(error));
  reader.listen((message) => messages.push(message));
  // A PassThrough emits 'data' synchronously on write while flowing.
  for (const chunk of chunks) stream.write(chunk);
  return { messages, errors };
}

const frame = (message: unknown) => {
  const body = Buffer.from(JSON.stringify(message));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n`), body]);
};

test('messages split anywhere, several in one chunk, multi-byte text cut in the middle: all read, in order', () => {
  const sent = [
    { jsonrpc: '2.0', id: 1, method: 'a', params: { text: 'Schrödinger ∂ψ/∂t 𝔼' } },
    { jsonrpc: '2.0', method: 'b' },
    { jsonrpc: '2.0', id: 2, result: 'x'.repeat(200_000) },
  ];
  const bytes = Buffer.concat(sent.map(frame));
  const oneByOne = readAll([...bytes].map((byte) => Buffer.of(byte)).slice(0, 5000).concat([bytes.subarray(5000)]));
  assert.deepEqual(oneByOne.errors, []);
  assert.deepEqual(oneByOne.messages, sent);
  assert.deepEqual(readAll([bytes]).messages, sent);
});

test('a bad frame stops the reader for good; a bad body is one error and reading goes on', () => {
  const broken = readAll([Buffer.from('Content-Length: abc\r\n\r\n{}'), frame({ jsonrpc: '2.0', method: 'after' })]);
  assert.deepEqual(broken.messages, []);
  assert.equal(broken.errors.length, 1);
  assert.ok(broken.errors[0] instanceof FramingError);
  for (const header of ['Content-Type: x\r\n\r\n', 'no colon here\r\n\r\n', `Content-Length: ${2 ** 40}\r\n\r\n`, 'x'.repeat(9000)]) {
    const { errors } = readAll([Buffer.from(header)]);
    assert.ok(errors[0] instanceof FramingError, header.slice(0, 30));
  }
  const malformed = readAll([Buffer.from('Content-Length: 3\r\n\r\n{"a'), frame({ jsonrpc: '1.0', id: 9, method: 'm' }), frame({ jsonrpc: '2.0', method: 'after' })]);
  assert.deepEqual(malformed.errors.map((error) => error instanceof MalformedMessage && [error.code, error.id]), [[-32700, null], [-32600, 9]]);
  assert.deepEqual(malformed.messages, [{ jsonrpc: '2.0', method: 'after' }]);
});
