// Show Engine Info says what the engine really loaded: a lexical search maps no bitmap encoder session
// (nor render workers), a bitmap search does; a default-mode search on a fresh default index neither (its catalogue
// is built without rendering); and a cancelled search answers RequestCancelled.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { startEngine, type TestEngine } from '../../helpers/engine';
import { repoRoot } from '../../helpers/paths';
import { infoRequest, isCancelledAnswer, searchRequest, type IndexSelection, type SearchParams } from '../../../src/engine/protocol';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers } from '../../../src/core/search/build';
import { readFusionConfig } from '../../../src/core/search/hybrid';

const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'fl-engine-info-'));
const indexDir = path.join(scratch, 'index');
const latex = '\\oint_{\\partial S} \\omega = \\int_S d\\omega';
const bitmapSession = 'onnxruntime session: bitmap encoder (tiny-encoder.onnx)';

let engine: TestEngine;

before(async () => {
  const opened = FormulaIndex.open(indexDir);
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  const added = await indexPapers(opened.value.index, [
    { paper: { id: 'stokes', title: 'Stokes', authors: [], library: 'test' }, formulas: [{ latex, inline: false, env: 'equation' }] },
  ]);
  opened.value.index.close();
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

test('with the shipped fusion, a default-mode search on a fresh default index renders nothing: no onnxruntime, no render workers, no bitmap sidecar; bitmap mode builds the sidecar', async () => {
  const fusion = readFusionConfig();
  assert.ok(fusion.ok && fusion.value.weights.bitmap === 0, 'the shipped fusion gives the bitmap signal no weight');
  const libraryFile = path.join(scratch, 'papers.jsonl.gz');
  const record = { id: 'stokes', title: 'Stokes', authors: [], year: 1854, source: 'github:example/repo', path: 'stokes.tex', license: 'CC-BY-4.0', macros: '' };
  writeFileSync(libraryFile, gzipSync(`${JSON.stringify({ ...record, formulas: [{ latex, env: 'equation', inline: false }] })}\n`));
  const cache = path.join(scratch, 'default-cache');
  const fresh = startEngine({ ...process.env, FORMULA_LENS_DEFAULT_LIBRARY: libraryFile });
  try {
    const defaultMode = (searchMode?: IndexSelection['searchMode']): SearchParams => ({
      ...search(searchMode),
      indexes: { locations: [], includeDefault: true, model: { kind: 'custom', path: tinyEncoder }, executionProvider: 'cpu', defaultIndexCache: cache, searchMode },
    });
    let found = await fresh.connection.sendRequest(searchRequest, defaultMode());
    for (const deadline = Date.now() + 30_000; found.kind === 'noIndex' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the catalogue is built in the background
      found = await fresh.connection.sendRequest(searchRequest, defaultMode());
    }
    assert.ok(found.kind === 'results' && found.papers[0]?.paper.id === 'stokes', JSON.stringify(found));
    const loaded = (await fresh.connection.sendRequest(infoRequest)).loadedNativeModules;
    assert.ok(!loaded.includes('onnxruntime-node'), loaded.join(', '));
    assert.ok(!loaded.some((name) => name.includes('render workers')), loaded.join(', '));
    const [folder] = readdirSync(cache).filter((name) => name.startsWith('default-index-'));
    assert.ok(folder && existsSync(path.join(cache, folder, 'library.sha256')), 'the default index is complete');
    const sidecars = () => readdirSync(path.join(cache, folder)).filter((name) => name.startsWith('bitmap-'));
    assert.deepEqual(sidecars(), []);

    const bitmap = await fresh.connection.sendRequest(searchRequest, defaultMode('bitmap'));
    assert.ok(bitmap.kind === 'results' && bitmap.papers[0]?.paper.id === 'stokes', JSON.stringify(bitmap));
    assert.ok(sidecars().some((name) => name.endsWith('.vectors')), sidecars().join(', '));
  } finally {
    await fresh.stop();
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
