import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { infoRequest } from '../../../src/engine/protocol';
import { tsxArgs } from '../../helpers/paths';

test('the engine answers info over JSON-RPC on stdio and loads no native module for it', async () => {
  const child = spawn(process.execPath, tsxArgs('src/engine/main.ts'), { stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  try {
    const info = await connection.sendRequest(infoRequest);
    assert.equal(info.pid, child.pid);
    assert.deepEqual(info.loadedNativeModules, []);
  } finally {
    connection.dispose();
    child.stdin.end();
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, 'the engine exits when its client closes stdin');
});
