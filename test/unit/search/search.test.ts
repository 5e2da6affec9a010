import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { BitmapSidecar } from '../../../src/core/search/bitmap-store';
import { indexPapers, type PaperFormulas } from '../../../src/core/search/build';
import { fuseCandidates, groupByPaper, searchSimilar } from '../../../src/core/search/search';
import { HashingEmbedder } from './hashing-embedder';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-search-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;

function openIndex() {
  const opened = FormulaIndex.open(path.join(scratch, `index-${++folders}`));
  assert.ok(opened.ok);
  return opened.value.index;
}

/** The index's bitmap sidecar of the test embedder's model. */
async function sidecar(index: FormulaIndex, embedder: HashingEmbedder): Promise<BitmapSidecar> {
  const opened = await BitmapSidecar.open(index, embedder);
  assert.ok(opened);
  return opened;
}

const formula = (latex: string, line = 1) => ({ latex, inline: false, env: 'equation', section: 'Method', file: 'main.tex', line });

const library: PaperFormulas[] = [
  {
    paper: { id: 'sgd', title: 'Stochastic gradient descent', authors: ['R. Monro'], year: '1951', library: 'main', contentHash: 'h1' },
    formulas: [
      formula('\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', 3),
      formula('\\theta_{t+1} = \\theta_t - \\eta_t g_t', 9),
      formula('\\sum_t \\eta_t = \\infty', 12),
      formula('\\sum_t \\eta_t^2 < \\infty', 13),
    ],
  },
  {
    paper: { id: 'adam', title: 'Adam', authors: ['D. Kingma'], year: '2014', library: 'main', contentHash: 'h2' },
    formulas: [formula('m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t'), formula('\\theta_t = \\theta_{t-1} - \\eta \\hat m_t / \\sqrt{\\hat v_t}')],
  },
  {
    paper: { id: 'maxwell', title: 'Electrodynamics', authors: [], year: '1865', library: 'physics', contentHash: 'h3' },
    formulas: [formula('\\nabla \\cdot E = \\rho / \\epsilon_0'), formula('\\nabla \\times B = \\mu_0 J')],
  },
  {
    paper: { id: 'euler', title: 'Identity', authors: [], library: 'physics', contentHash: 'h4' },
    formulas: [formula('e^{i\\pi} + 1 = 0')],
  },
];

test('fusion keeps each formula once with its best score; grouping keeps one row per paper', () => {
  const fused = fuseCandidates([
    [
      { formulaId: 1, paperId: 'a', score: 0.9 },
      { formulaId: 2, paperId: 'b', score: 0.5 },
    ],
    [
      { formulaId: 2, paperId: 'b', score: 0.95 },
      { formulaId: 3, paperId: 'a', score: 0.4 },
    ],
  ]);
  assert.deepEqual(fused.map((c) => [c.formulaId, c.score]), [[2, 0.95], [1, 0.9], [3, 0.4]]);
  const groups = groupByPaper(
    [
      { formulaId: 1, paperId: 'a', score: 0.9 },
      { formulaId: 2, paperId: 'a', score: 0.8 },
      { formulaId: 3, paperId: 'a', score: 0.7 },
      { formulaId: 4, paperId: 'b', score: 0.6 },
      { formulaId: 5, paperId: 'c', score: 0.5 },
      { formulaId: 6, paperId: 'b', score: 0.4 },
    ],
    2,
    2,
  );
  assert.deepEqual(
    groups.map((g) => [g.paperId, g.score, g.hits.map((h) => h.formulaId)]),
    [['a', 0.9, [1, 2]], ['b', 0.6, [4, 6]]],
  );
});

test('indexing commits in batches, reports progress and skips unchanged papers; asked, it renders the bitmap sidecar', async () => {
  const index = openIndex();
  const embedder = new HashingEmbedder();
  const progress: number[] = [];
  const first = await indexPapers(index, library, { batchFormulas: 4, onProgress: (p) => progress.push(p.formulasDone) });
  assert.deepEqual(first, { ok: true, value: { indexed: 4, unchanged: 0, formulas: 9, rendered: 0, degraded: 0 } });
  assert.deepEqual(progress, [0, 4, 8, 9]);
  const changed = [{ ...library[3], paper: { ...library[3].paper, contentHash: 'h4-v2' } }, ...library.slice(0, 3)];
  const second = await indexPapers(index, changed, { bitmap: embedder });
  assert.deepEqual(second, { ok: true, value: { indexed: 1, unchanged: 3, formulas: 1, rendered: 9, degraded: 0 } });
  assert.ok(embedder.calls.length > 0 && embedder.calls.every((call) => call.priority === 'batch'));
  assert.equal(index.formulaCount, 9);
  index.close();
});

test('search returns papers ranked by their best formula, with locations and scores', async () => {
  const index = openIndex();
  const embedder = new HashingEmbedder();
  await indexPapers(index, library);
  const result = await searchSimilar(index, await sidecar(index, embedder), { latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', display: true }, { k: 3, formulasPerPaper: 2 });
  assert.ok(result.ok);
  const { papers, queryDegraded } = result.value;
  assert.equal(queryDegraded, false);
  assert.deepEqual(papers.map((p) => p.paper.id), ['sgd', 'adam', 'maxwell']);
  const [top] = papers;
  assert.equal(top.formulas.length, 2);
  assert.equal(top.formulas[0].formula.line, 3);
  assert.ok(Math.abs(top.score - 1) < 1e-5, 'the identical formula scores 1');
  assert.equal(top.score, top.formulas[0].score);
  for (const paper of papers) {
    const scores = paper.formulas.map((f) => f.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  }
  const paperScores = papers.map((p) => p.score);
  assert.deepEqual(paperScores, [...paperScores].sort((a, b) => b - a));
  index.close();
});

test("the query's own paper is excluded; year and library filters apply; k beyond the library returns all", async () => {
  const index = openIndex();
  const embedder = new HashingEmbedder();
  await indexPapers(index, library);
  const query = { latex: '\\theta_{t+1} = \\theta_t - \\eta g_t', display: true };
  const bitmap = await sidecar(index, embedder);
  const ids = async (extra: Parameters<typeof searchSimilar>[3], paperId?: string) => {
    const result = await searchSimilar(index, bitmap, { ...query, paperId }, { k: 10, ...extra });
    assert.ok(result.ok);
    return result.value.papers.map((p) => p.paper.id);
  };
  assert.deepEqual((await ids({})).length, 4);
  assert.ok(!(await ids({}, 'sgd')).includes('sgd'));
  assert.deepEqual((await ids({ filter: { yearFrom: 1900 } })).sort(), ['adam', 'sgd']);
  assert.deepEqual((await ids({ filter: { libraries: ['physics'] } })).sort(), ['euler', 'maxwell']);
  index.close();
});

test('a paper with many close formulas does not crowd the others out', async () => {
  const index = openIndex();
  const embedder = new HashingEmbedder();
  const crowd: PaperFormulas = {
    paper: { id: 'crowd', title: 'Many variants', authors: [], library: 'main' },
    formulas: Array.from({ length: 300 }, (_, i) => formula(`x^{${i}} + y^{${i}} = z^{${i}}`)),
  };
  const lone: PaperFormulas = { paper: { id: 'lone', title: 'One', authors: [], library: 'main' }, formulas: [formula('\\int_0^1 f(x)\\,dx')] };
  await indexPapers(index, [crowd, lone]);
  const result = await searchSimilar(index, await sidecar(index, embedder), { latex: 'x^{2} + y^{2} = z^{2}', display: true }, { k: 2 });
  assert.ok(result.ok);
  assert.deepEqual(result.value.papers.map((p) => p.paper.id), ['crowd', 'lone']);
  index.close();
});

test('an empty or huge query is a typed error; a degraded rendering is reported', async () => {
  const index = openIndex();
  const embedder = new HashingEmbedder();
  await indexPapers(index, library);
  const empty = await searchSimilar(index, await sidecar(index, embedder), { latex: '   ', display: true });
  assert.equal(!empty.ok && empty.reason.kind, 'empty-query');
  const huge = await searchSimilar(index, await sidecar(index, embedder), { latex: 'x+'.repeat(30_000), display: true });
  assert.equal(!huge.ok && huge.reason.kind, 'query-too-long');
  const degraded = await searchSimilar(index, await sidecar(index, embedder), { latex: '\\unknownmacro{x}', display: true });
  assert.ok(degraded.ok && degraded.value.queryDegraded);
  assert.deepEqual(embedder.calls.at(-1), { count: 1, priority: 'interactive' });
  index.close();
});
