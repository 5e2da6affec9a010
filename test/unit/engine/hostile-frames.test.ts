// Hostile JSON-RPC on the engine's stdin: malformed JSON, messages that are not JSON-RPC, wrong params
// and a broken frame header. Each gets an answer or a clean exit, never a deaf engine.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { test } from 'node:test';
import type { Message, ResponseMessage } from 'vscode-jsonrpc/node';
import { StrictMessageReader } from '../../../src/engine/message-reader';
import { tsxArgs } from '../../helpers/paths';

interface RawEngine {
  child: ChildProcessWithoutNullStreams;
  /** Writes raw bytes to the engine's stdin. */
  send(bytes: string): void;
  /** The response to request `id` (null: an error response without id), waiting up to 20 s. */
  response(id: number | null): Promise<ResponseMessage>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const request = (id: number, method: string, params?: unknown) => frame(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));

function startRawEngine(): RawEngine {
  const child = spawn(process.execPath, tsxArgs('src/engine/main.ts'), { stdio: ['pipe', 'pipe', 'pipe'] });
  const received: ResponseMessage[] = [];
  const waiting: (() => void)[] = [];
  new StrictMessageReader(child.stdout).listen((message: Message) => {
    if ('id' in message && !('method' in message)) received.push(message as ResponseMessage);
    waiting.splice(0).forEach((wake) => wake());
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return {
    child,
    send: (bytes) => child.stdin.write(bytes),
    exited,
    async response(id) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const index = received.findIndex((message) => message.id === id);
        if (index >= 0) return received.splice(index, 1)[0]!;
        assert.ok(Date.now() < deadline, `no response ${id} within 20 s`);
        await Promise.race([new Promise<void>((wake) => waiting.push(wake)), new Promise((wake) => setTimeout(wake, 1000))]);
      }
    },
  };
}

test('malformed JSON gets -32700, a message that is not JSON-RPC -32600, and the engine reads on', async () => {
  const engine = startRawEngine();
  try {
    engine.send(frame('{"jsonrpc": "2.0", "id": 1, "method": '));
    const parseError = await engine.response(null);
    assert.equal(parseError.error?.code, -32700);
    assert.match(parseError.error!.message, /^Parse error: /);
    engine.send(frame('{"jsonrpc": "2.0", "id": 2}'));
    assert.equal((await engine.response(2)).error?.code, -32600);
    engine.send(frame('[{"jsonrpc": "2.0", "id": 3, "method": "formulaLens/info"}]'));
    assert.equal((await engine.response(null)).error?.code, -32600);
    engine.send(request(4, 'formulaLens/info'));
    assert.equal((await engine.response(4)).error, undefined, 'answered after all that');
  } finally {
    engine.child.stdin.end();
  }
  assert.equal((await engine.exited).code, 0);
});

test('wrong params get -32602 naming the field, for every request', async () => {
  const engine = startRawEngine();
  const indexes = { locations: [], includeDefault: false, model: { kind: 'see' }, executionProvider: 'cpu' };
  const cases: [string, unknown, RegExp][] = [
    ['formulaLens/search', {}, /Invalid params for formulaLens\/search: params\.formula is missing/],
    ['formulaLens/search', { formula: { latex: 'x', display: true }, k: 0, indexes }, /params\.k must be a whole number ≥ 1, not number/],
    ['formulaLens/search', { formula: { latex: 'x', display: true }, k: 3, indexes: { ...indexes, model: { kind: 'custom' } } }, /params\.indexes\.model\.path is missing/],
    ['formulaLens/formulaAt', { uri: 'u', text: 't', offset: '1', languageId: 'latex', includeInline: true }, /params\.offset must be a whole number ≥ 0, not string/],
    ['formulaLens/buildIndex', { folders: [1], indexDir: 'i', cacheDir: 'c', model: { kind: 'see' }, executionProvider: 'cpu' }, /params\.folders\[0\] must be a string, not number/],
    ['formulaLens/citation', { paper: null, bibFiles: [] }, /params\.paper must be an object, not null/],
    ['formulaLens/trainModel', ['a', 'b'], /formulaLens\/trainModel takes one params object, not 2 values/],
    ['formulaLens/citation', undefined, /takes one params object, not 0 values/],
  ];
  try {
    cases.forEach(([method, params], index) => engine.send(request(10 + index, method, params)));
    for (const [index, [method, , message]] of cases.entries()) {
      const response = await engine.response(10 + index);
      assert.equal(response.error?.code, -32602, `${method}: ${JSON.stringify(response)}`);
      assert.match(response.error!.message, message);
    }
  } finally {
    engine.child.stdin.end();
  }
  await engine.exited;
});

test('a broken frame header ends the engine with a clear line (its client then starts a new one), never a deaf engine', async () => {
  const engine = startRawEngine();
  engine.send(request(1, 'formulaLens/info'));
  assert.equal((await engine.response(1)).error, undefined);
  engine.send('Content-Length: abc\r\n\r\n{}');
  engine.send(request(2, 'formulaLens/info'));
  const { code, stderr } = await within(engine.exited, 20_000, 'engine exit after the bad header').finally(() => engine.child.kill());
  assert.equal(code, 3);
  assert.match(stderr, /engine: unreadable message frame from the client \(Content-Length is not a number: "abc"\); exiting, the client starts a new engine/);
});
