// The bitmap sidecar (bitmap-store.ts): built beside the catalogue per bitmap model, rendering only the formulas
// whose content it lacks, resumable batch by batch, rebuilt with a notice when damaged, and never touching the
// catalogue when the model changes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { BitmapSidecar, bitmapVectorsFileName, listBitmapSidecars } from '../../../src/core/search/bitmap-store';
import { indexPapers, type PaperFormulas } from '../../../src/core/search/build';
import { hashEmbedding, HashingEmbedder } from './hashing-embedder';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-bitmap-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;

const formula = (latex: string, inline = false) => ({ latex, inline, env: inline ? 'inline' : 'equation' });
const library: PaperFormulas[] = [
  { paper: { id: 'a', title: 'A', authors: [], library: 'main', year: '2001' }, formulas: [formula('x^2 + y^2 = z^2'), formula('e^{i\\pi} + 1 = 0'), formula('x^2 + y^2 = z^2', true)] },
  { paper: { id: 'b', title: 'B', authors: [], library: 'main', year: '2020' }, formulas: [formula('\\int_0^1 f(x)\\,dx'), formula('x^2 + y^2 = z^2')] },
];

/** Another bitmap model: the same test embedder under another fingerprint. */
class OtherModel extends HashingEmbedder {
  override readonly model = { name: 'other', path: '(test double)', fingerprint: 'e'.repeat(64) };
}

async function indexed(papers = library): Promise<FormulaIndex> {
  const opened = FormulaIndex.open(path.join(scratch, `index-${++folders}`));
  assert.ok(opened.ok);
  assert.ok((await indexPapers(opened.value.index, papers)).ok);
  return opened.value.index;
}

const rendered = (embedder: HashingEmbedder) => embedder.calls.reduce((sum, call) => sum + call.count, 0);

test('a bitmap search builds the sidecar once per content (display and inline apart), and after a new paper renders only it', async () => {
  const index = await indexed();
  const embedder = new HashingEmbedder();
  const progress: [number, number][] = [];
  const sidecar = await BitmapSidecar.open(index, embedder, { onProgress: (done, total) => progress.push([done, total]) });
  assert.ok(sidecar);
  // Five formulas, four contents: the display formula that paper b repeats is rendered once.
  assert.equal(rendered(embedder), 4);
  assert.deepEqual(progress.at(-1), [4, 4]);
  assert.equal(sidecar.vectors.size, 5);
  const [best] = sidecar.nearest(hashEmbedding('e^{i\\pi} + 1 = 0'), 1, 32);
  assert.equal(best?.paperId, 'a');
  assert.ok(best!.score > 0.999);
  const filtered = sidecar.nearest(hashEmbedding('x^2 + y^2 = z^2'), 5, 32, { yearFrom: 2010 });
  assert.deepEqual([...new Set(filtered.map((hit) => hit.paperId))], ['b'], 'the catalogue filters the hits');

  const again = new HashingEmbedder();
  assert.equal((await BitmapSidecar.open(index, again))!.rendered.formulas, 0);
  assert.equal(rendered(again), 0, 'reopened from the file, nothing rendered');

  assert.ok((await indexPapers(index, [{ paper: { id: 'c', title: 'C', authors: [], library: 'main' }, formulas: [formula('\\nabla \\cdot E = \\rho'), formula('e^{i\\pi} + 1 = 0')] }])).ok);
  const added = new HashingEmbedder();
  const extended = await BitmapSidecar.open(index, added);
  assert.equal(rendered(added), 1, 'only the new content is rendered');
  assert.equal(extended!.vectors.size, 7);
  assert.equal(extended!.nearest(hashEmbedding('\\nabla \\cdot E = \\rho'), 1, 32)[0]?.paperId, 'c');
  index.close();
});

test('an interrupted build keeps its finished batches and resumes there', async () => {
  const index = await indexed();
  const stop = new AbortController();
  const first = new HashingEmbedder();
  const stopped = await BitmapSidecar.open(index, first, { batchFormulas: 1, signal: stop.signal, onProgress: (done) => done === 2 && stop.abort() });
  assert.equal(stopped, undefined);
  assert.equal(rendered(first), 2);
  const resumed = new HashingEmbedder();
  const sidecar = await BitmapSidecar.open(index, resumed, { batchFormulas: 1 });
  assert.equal(rendered(resumed), 2, 'the two contents the first build stored are not rendered again');
  assert.equal(sidecar!.vectors.size, 5);
  index.close();
});

test('switching the bitmap model builds another sidecar and leaves the catalogue generation untouched', async () => {
  const index = await indexed();
  const { directory } = index;
  const { generation } = index.stats();
  const catalogue = () => readdirSync(directory).filter((name) => name.startsWith('metadata-') || name === 'CURRENT').map((name) => [name, readFileSync(path.join(directory, name)).toString('base64')]);
  const before = catalogue();
  await BitmapSidecar.open(index, new HashingEmbedder());
  const other = await BitmapSidecar.open(index, new OtherModel());
  other!.prepareGraph();
  assert.deepEqual(catalogue(), before, 'the catalogue files are byte for byte the same');
  assert.equal(index.isCurrent(), true);
  assert.equal(index.stats().generation, generation);
  assert.deepEqual(listBitmapSidecars(directory).sort((a, b) => a.model.localeCompare(b.model)), [
    { model: 'e'.repeat(16), vectors: true, graphs: 1 },
    { model: 'f'.repeat(16), vectors: true, graphs: 0 },
  ]);
  index.close();
});

test('a damaged vectors file or graph is rebuilt with a notice, never a crash', async () => {
  const index = await indexed();
  const embedder = new HashingEmbedder();
  (await BitmapSidecar.open(index, embedder))!.prepareGraph();
  const vectors = path.join(index.directory, bitmapVectorsFileName(embedder.model.fingerprint));
  truncateSync(vectors, statSync(vectors).size - 7);
  const graph = readdirSync(index.directory).find((name) => name.endsWith('.hnsw'))!;
  writeFileSync(path.join(index.directory, graph), 'not a graph');
  const notices: string[] = [];
  const again = new HashingEmbedder();
  const repaired = await BitmapSidecar.open(index, again, { onNotice: (notice) => notices.push(notice) });
  assert.equal(rendered(again), 4, 'the vectors are rendered again');
  assert.equal(repaired!.nearest(hashEmbedding('\\int_0^1 f(x)\\,dx'), 1, 32)[0]?.paperId, 'b');
  assert.match(notices.join('\n'), /bitmap vectors file .* is unusable \(it is truncated.*rendering the formulas again/);
  assert.match(notices.join('\n'), /bitmap graph .* was unusable \(checksum mismatch.*rebuilding it/);
  assert.equal(readdirSync(index.directory).filter((name) => name.endsWith('.hnsw')).length, 1, 'the damaged graph file was replaced');
  index.close();
});
