// Show Engine Info says what the engine really loaded: a lexical search maps no bitmap encoder session
// (nor render workers), a bitmap search does; and a cancelled search answers RequestCancelled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { startEngine, type TestEngine } from '../../helpers/engine';
import { repoRoot } from '../../helpers/paths';
import { infoRequest, isCancelledAnswer, searchRequest, type IndexSelection, type SearchParams } from '../../../src/engine/protocol';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers } from '../../../src/core/search/build';
import { openEmbedder } from '../../../src/core/search/embedder';

const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'fl-engine-info-'));
const indexDir = path.join(scratch, 'index');
const latex = '\\oint_{\\partial S} \\omega = \\int_S d\\omega';
const bitmapSession = 'onnxruntime session: bitmap encoder (tiny-encoder.onnx)';

let engine: TestEngine;

before(async () => {
  const embedder = await openEmbedder({ encoder: { model: tinyEncoder } });
  assert.ok(embedder.ok, embedder.ok ? '' : embedder.reason.message);
  const opened = FormulaIndex.open(indexDir, { modelFingerprint: embedder.value.model.fingerprint, dimensions: embedder.value.dimensions });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  const added = await indexPapers(opened.value.index, embedder.value, [
    { paper: { id: 'stokes', title: 'Stokes', authors: [], library: 'test' }, formulas: [{ latex, inline: false, env: 'equation' }] },
  ]);
  opened.value.index.close();
  await embedder.value.close();
  assert.ok(added.ok);
  engine = startEngine();
});
after(async () => {
  await engine?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function search(searchMode: IndexSelection['searchMode']): SearchParams {
  const indexes: IndexSelection = { locations: [indexDir], includeDefault: false, model: { kind: 'custom', path: tinyEncoder }, executionProvider: 'cpu', searchMode };
  return { formula: { latex, display: true }, k: 5, indexes };
}

test('a lexical search loads no onnxruntime session and no render workers; a bitmap search loads the bitmap encoder', async () => {
  const { connection } = engine;
  assert.deepEqual((await connection.sendRequest(infoRequest)).loadedNativeModules, []);

  const lexical = await connection.sendRequest(searchRequest, search('lexical'));
  assert.ok(lexical.kind === 'results' && lexical.papers[0]?.paper.id === 'stokes', JSON.stringify(lexical));
  const afterLexical = (await connection.sendRequest(infoRequest)).loadedNativeModules;
  assert.ok(afterLexical.includes('node-sqlite3-wasm'), `the index was read: ${afterLexical.join(', ')}`);
  assert.ok(!afterLexical.includes(bitmapSession), afterLexical.join(', '));
  // Neither encoder is weighed by the lexical mode, so onnxruntime itself stays unloaded.
  assert.ok(!afterLexical.includes('onnxruntime-node'), afterLexical.join(', '));
  assert.ok(!afterLexical.some((name) => name.includes('render workers')), afterLexical.join(', '));

  const bitmap = await connection.sendRequest(searchRequest, search('bitmap'));
  assert.ok(bitmap.kind === 'results' && bitmap.papers[0]?.paper.id === 'stokes', JSON.stringify(bitmap));
  const afterBitmap = (await connection.sendRequest(infoRequest)).loadedNativeModules;
  for (const loaded of ['onnxruntime-node', bitmapSession, '@resvg/resvg-wasm (render workers)']) {
    assert.ok(afterBitmap.includes(loaded), `${loaded} in ${afterBitmap.join(', ')}`);
  }
});

test('a search cancelled while it runs answers JSON-RPC RequestCancelled (-32800), not a failure to show', async () => {
  const { connection } = engine;
  const source = new CancellationTokenSource();
  // The symbolic model opens on this engine's first symbolic search: the cancellation arrives meanwhile.
  const answer = connection.sendRequest(searchRequest, search('symbolic'), source.token);
  source.cancel();
  await assert.rejects(answer, (error: unknown) => isCancelledAnswer(error));
  const again = await connection.sendRequest(searchRequest, search('symbolic'));
  assert.equal(again.kind, 'results', 'the engine serves the next search as usual');
  const refused = connection.sendRequest(searchRequest, { ...search('symbolic'), k: -1 });
  await assert.rejects(refused, (error: unknown) => !isCancelledAnswer(error), 'other refusals are errors the client reports');
});
