// The engine's side of the default index and of the user's library (issues 6 and 8): the default index is
// prepared in the client's cache folder on first use with progress (searches meanwhile say so), a missing
// model is a clear failure, the search mode reaches the core, and Build Index keeps each folder set's
// papers under its own library name with a per-entry report. Runs the engine through JSON-RPC with the
// tiny test encoder and a two-paper stand-in for the bundled library.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startEngine } from '../../helpers/engine';
import { symbolicModelPath } from '../../../src/core/encode/symbolic';
import type { BundledRecord } from '../../../src/core/search/default-library';
import { readFusionConfig, SIGNALS } from '../../../src/core/search/hybrid';
import { buildIndexRequest, indexProgressNotification, searchRequest, type IndexProgress, type IndexSelection, type SearchResult } from '../../../src/engine/protocol';
import { repoRoot } from '../../helpers/paths';

const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const model = { kind: 'custom', path: tinyEncoder } as const;
const scratch = mkdtempSync(path.join(tmpdir(), 'fl-engine-default-'));
const cacheRoot = path.join(scratch, 'global-storage');

const record = (id: string, latex: string[]): BundledRecord => ({
  id,
  title: `Title ${id}`,
  authors: ['An Author'],
  year: 2020,
  source: 'github:example/repo',
  path: `${id}.tex`,
  license: 'CC-BY-4.0',
  macros: '',
  formulas: latex.map((body) => ({ latex: body, env: 'equation', section: 'Intro', inline: false })),
});

let connection: MessageConnection;
let stop: () => Promise<void>;
const progress: IndexProgress[] = [];

before(() => {
  const libraryFile = path.join(scratch, 'papers.jsonl.gz');
  const records = [record('euler', ['e^{i\\pi} + 1 = 0', 'x^2 + y^2 = z^2']), record('gauss', ['\\int_{-\\infty}^{\\infty} e^{-x^2} dx = \\sqrt{\\pi}'])];
  writeFileSync(libraryFile, gzipSync(records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  const engine = startEngine({ ...process.env, FORMULA_LENS_DEFAULT_LIBRARY: libraryFile });
  connection = engine.connection;
  connection.onNotification(indexProgressNotification, (update) => progress.push(update));
  stop = async () => {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
});
after(() => stop());

const defaultOnly = (overrides: Partial<IndexSelection> = {}): IndexSelection => ({
  locations: [],
  includeDefault: true,
  model,
  executionProvider: 'cpu',
  defaultIndexCache: cacheRoot,
  ...overrides,
});

function search(latex: string, indexes: IndexSelection): Promise<SearchResult> {
  return connection.sendRequest(searchRequest, { formula: { latex, display: true }, k: 5, indexes });
}

async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (const deadline = Date.now() + 8_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the default index is prepared in the given cache on first use, with progress, then searched', async () => {
  const first = await search('e^{i\\pi} + 1 = 0', defaultOnly());
  assert.equal(first.kind, 'noIndex');
  assert.ok(first.kind === 'noIndex' && first.preparing, 'the first search says the default index is being prepared');
  assert.match(first.reason, /being prepared/);

  const done = await waitFor('the default index to be ready', () => progress.find((update) => update.defaultIndex && update.progress === 1));
  assert.ok(done.indexDir.startsWith(cacheRoot + path.sep), `built under the client's cache folder, not ${done.indexDir}`);
  assert.ok(existsSync(path.join(done.indexDir, 'CURRENT')));
  const counted = progress.filter((update) => update.defaultIndex && update.formulasTotal);
  assert.equal(counted.at(-1)?.formulasDone, 3, 'progress counts the formulas indexed');
  assert.ok(counted.every((update) => update.progress < 1), '1 is reported only once the index is open');

  // Pinned to bitmap: the default mode follows models/fusion.json, and only bitmap results come untagged.
  const found = await search('e^{i\\pi} + 1 = 0', defaultOnly({ searchMode: 'bitmap' }));
  assert.equal(found.kind, 'results');
  assert.ok(found.kind === 'results');
  assert.equal(found.indexName, 'the default index');
  assert.equal(found.papers[0]?.paper.id, 'euler');
  assert.equal(found.papers[0]?.formulas[0]?.foundBy, undefined, 'bitmap search does not tag');

  const hidden = await search('e^{i\\pi} + 1 = 0', defaultOnly({ includeDefault: false }));
  assert.equal(hidden.kind, 'noIndex', 'the default index is left out when the setting hides it');
});

test('a missing model file is a failure naming the file in the modes that weigh the bitmap signal; the others need no model', async () => {
  const absent = { kind: 'custom', path: path.join(scratch, 'see.onnx') } as const;
  const result = await search('x', defaultOnly({ model: absent, searchMode: 'bitmap' }));
  assert.equal(result.kind, 'failed');
  assert.match(result.kind === 'failed' ? result.reason : '', /see\.onnx/);
  const lexical = await search('e^{i\\pi} + 1 = 0', defaultOnly({ model: absent, searchMode: 'lexical' }));
  assert.ok(lexical.kind === 'results' && lexical.papers[0]?.paper.id === 'euler', JSON.stringify(lexical));
});

test('a search mode other than bitmap reaches the core: tagged with the signals that found each formula, or failing for want of the symbolic model', async () => {
  const result = await search('e^{i\\pi} + 1 = 0', defaultOnly({ searchMode: 'hybrid' }));
  const fusion = readFusionConfig();
  assert.ok(fusion.ok);
  const symbolicWeighed = fusion.value.weights.symbolic > 0;
  const symbolicModel = symbolicModelPath();
  if (symbolicWeighed && !(symbolicModel && existsSync(symbolicModel))) {
    assert.ok(result.kind === 'failed', JSON.stringify(result));
    assert.match(result.reason, /symbolic model/);
    return;
  }
  assert.ok(result.kind === 'results', JSON.stringify(result));
  const formulas = result.papers.flatMap((match) => match.formulas);
  assert.ok(formulas.length > 0);
  const weighed: string[] = SIGNALS.filter((signal) => fusion.value.weights[signal] > 0);
  for (const formula of formulas) {
    assert.ok(formula.foundBy?.length, 'every formula says what found it');
    assert.ok(formula.foundBy.every((signal) => weighed.includes(signal)), `${formula.foundBy} are signals models/fusion.json weighs`);
  }
  const embedded = progress.some((update) => update.phase === 'symbolic vectors' && update.progress === 1);
  assert.equal(embedded, symbolicWeighed, 'the symbolic vectors of the index are embedded (once, with progress) exactly when the fusion weighs them');
});

test('Build Index keeps each folder set under its own library name: indexing other folders leaves the first ones', async () => {
  const indexDir = path.join(scratch, 'index');
  const build = (folders: string[]) =>
    connection.sendRequest(buildIndexRequest, { folders, indexDir, cacheDir: path.join(scratch, 'cache'), model, executionProvider: 'cpu' });
  const editorLibrary = path.join(repoRoot, 'test', 'fixtures', 'editor', 'library');
  const bibFolder = path.join(repoRoot, 'test', 'fixtures', 'library', 'bib-folder');
  const first = await build([editorLibrary]);
  assert.ok(first.kind === 'built' && first.indexed === 2 && first.library === 'library');
  const second = await build([bibFolder]);
  assert.ok(second.kind === 'built', second.kind === 'failed' ? second.reason : '');
  assert.equal(second.library, 'bib-folder');
  assert.equal(second.removed, 0, 'the other library keeps its papers');
  const statuses = new Set(second.report?.map((entry) => entry.status));
  assert.ok(statuses.has('indexed') && statuses.has('no-source') && statuses.has('failed'), `the report lists every entry: ${[...statuses].join(', ')}`);
  const golub = await search('R \\hat{x} = Q^\\top b', { locations: [indexDir], includeDefault: false, model, executionProvider: 'cpu' });
  assert.ok(golub.kind === 'results' && golub.papers.some((match) => match.paper.id === 'bib:golub2013'));
});
