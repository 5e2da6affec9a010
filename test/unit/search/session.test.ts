// The search session (issue 18): opens only what the mode weighs, merges several indexes on one scale with a
// paper found twice shown once, and sees a newer committed generation.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers, type PaperFormulas } from '../../../src/core/search/build';
import { mergePapers, SearchSession } from '../../../src/core/search/session';
import { repoRoot } from '../../helpers/paths';

const model = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-session-'));
const first = path.join(scratch, 'first');
const second = path.join(scratch, 'second');
const fusionFile = path.join(scratch, 'fusion.json');
after(() => rmSync(scratch, { recursive: true, force: true }));

const formula = (latex: string) => ({ latex, inline: false, env: 'equation' });
const gradient: PaperFormulas = {
  paper: { id: 'gd', title: 'Gradient methods', authors: [], library: 'a', eprint: '2101.00001' },
  formulas: [formula('\\mathbf{x} \\leftarrow \\mathbf{x} - \\eta \\nabla f(\\mathbf{x})')],
};
const others: PaperFormulas[] = [
  { paper: { id: 'em', title: 'Electromagnetism', authors: [], library: 'a' }, formulas: [formula('\\nabla \\times \\mathbf{B} = \\mu_0 \\mathbf{J}')] },
  { paper: { id: 'int', title: 'Integrals', authors: [], library: 'a' }, formulas: [formula('\\int_0^1 x^2 \\, dx = \\frac{1}{3}')] },
];

async function build(directory: string, papers: PaperFormulas[]): Promise<void> {
  const opened = FormulaIndex.open(directory);
  assert.ok(opened.ok);
  assert.ok((await indexPapers(opened.value.index, papers)).ok);
  opened.value.index.close();
}

before(async () => {
  await build(first, [gradient, ...others]);
  // the same paper under another id in a second index: one arXiv id
  await build(second, [{ ...gradient, paper: { ...gradient.paper, id: 'gradient-copy', library: 'b' } }]);
  writeFileSync(fusionFile, JSON.stringify({ weights: { bitmap: 0, symbolic: 0, lexical: 0.5, structure: 0.5 }, defaultMode: 'hybrid' }));
});

const query = { latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', display: true };

test('a fusion without the bitmap and symbolic signals opens neither encoder nor sidecar; bitmap mode opens the bitmap one and builds its sidecar', async () => {
  const session = new SearchSession({ fusionFile });
  try {
    const found = await session.search({ query, indexes: [first], model });
    assert.ok(found.ok, found.ok ? '' : found.reason.message);
    assert.equal(found.value.mode, 'hybrid');
    assert.equal(found.value.papers[0]!.paper.id, 'gd');
    assert.ok(found.value.papers[0]!.formulas[0]!.foundBy?.includes('structure'));
    assert.deepEqual(session.openedEncoders, { bitmap: [], symbolic: [] }, 'no ONNX session, no render workers');
    const sidecars = () => readdirSync(first).filter((name) => name.startsWith('bitmap-')).map((name) => name.replace(/^bitmap-[0-9a-f]{16}/, 'bitmap-<model>'));
    assert.deepEqual(sidecars(), [], 'nor a bitmap sidecar');
    const bitmap = await session.search({ query, indexes: [first], model, mode: 'bitmap' });
    assert.ok(bitmap.ok);
    assert.equal(session.openedEncoders.bitmap.length, 1);
    assert.equal(bitmap.value.papers.length, 3);
    assert.deepEqual(sidecars().map((name) => name.replace(/-[0-9a-f]{16}-[0-9a-f]{64}\.hnsw$/, '-<set>-<sha256>.hnsw')).sort(), [
      'bitmap-<model>-<set>-<sha256>.hnsw',
      'bitmap-<model>.vectors',
    ], 'bitmap mode built the sidecar: vectors and graph');
  } finally {
    await session.dispose();
  }
});

test('several indexes merge into one ranking; a paper found in two of them (same arXiv id) is shown once', async () => {
  const session = new SearchSession({ fusionFile });
  try {
    const found = await session.search({ query, indexes: [first, second, path.join(scratch, 'missing')], model, k: 10 });
    assert.ok(found.ok);
    assert.deepEqual(found.value.searched, [first, second]);
    assert.equal(found.value.problems.length, 1);
    assert.match(found.value.problems[0]!, /No index in .*missing/);
    const gradients = found.value.papers.filter((paper) => paper.paper.eprint === '2101.00001');
    assert.equal(gradients.length, 1);
    const scores = found.value.papers.map((paper) => paper.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best first across indexes');
  } finally {
    await session.dispose();
  }
});

test('mergePapers keeps the best-scoring copy by arXiv id (any version), DOI or cite key', () => {
  const paper = (id: string, score: number, extra: object) => ({ paper: { id, title: id, authors: [], library: 'x', ...extra }, score });
  const merged = mergePapers([
    paper('a1', 0.5, { eprint: '2101.00001v2' }),
    paper('a2', 0.7, { eprint: '2101.00001' }),
    paper('d1', 0.4, { doi: '10.1/ABC' }),
    paper('d2', 0.3, { doi: '10.1/abc' }),
    paper('k1', 0.2, { key: 'smith2020' }),
    paper('k2', 0.6, { key: 'smith2020' }),
    paper('plain', 0.1, {}),
  ]);
  assert.deepEqual(merged.map((entry) => entry.paper.id), ['a2', 'k2', 'd1', 'plain']);
});

test('a held index is reopened when a writer commits a newer generation', async () => {
  const session = new SearchSession({ fusionFile });
  const directory = path.join(scratch, 'growing');
  try {
    await build(directory, others);
    const before = await session.search({ query, indexes: [directory], model });
    assert.ok(before.ok);
    assert.ok(!before.value.papers.some((paper) => paper.paper.id === 'gd'));
    await build(directory, [gradient]);
    const afterCommit = await session.search({ query, indexes: [directory], model });
    assert.ok(afterCommit.ok);
    assert.equal(afterCommit.value.papers[0]!.paper.id, 'gd');
  } finally {
    await session.dispose();
  }
});
