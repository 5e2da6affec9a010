import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  insertCiteCommand,
  ipcMessage,
  isFormulaRef,
  isIpcMessage,
  isPaperRef,
  onIpc,
  stateNotification,
} from '../../../src/webview/protocol';

test('messages are recognised by shape and dispatched by method', () => {
  const message = ipcMessage(insertCiteCommand, { paperId: 'a' });
  assert.ok(isIpcMessage(message));
  for (const junk of [null, 'x', 1, {}, { method: 1, params: {} }, { method: 'a' }]) assert.equal(isIpcMessage(junk), false);
  let seen: unknown;
  assert.equal(onIpc(stateNotification, message, () => assert.fail('wrong type')), false);
  assert.equal(onIpc(insertCiteCommand, message, (params) => (seen = params.paperId)), true);
  assert.equal(seen, 'a');
});

test('refs from the webview are checked before use', () => {
  assert.ok(isPaperRef({ paperId: 'x' }));
  assert.ok(!isPaperRef({ paperId: 1 }));
  assert.ok(isFormulaRef({ paperId: 'x', formula: 2 }));
  for (const formula of [-1, 1.5, '2', NaN, undefined]) assert.ok(!isFormulaRef({ paperId: 'x', formula }), String(formula));
});
