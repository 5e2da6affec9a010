// The symbolic vectors beside an index: embedded once, reused, extended with new formulas, and rebuilt
// when the file is damaged or from another model; the hybrid view then ranks the index's formulas, and
// searchHybrid groups them by paper with their tags, in every mode, with the index's filters.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { SymbolicFormula } from '../../../src/core/encode/symbolic';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers } from '../../../src/core/search/build';
import { BitmapSidecar } from '../../../src/core/search/bitmap-store';
import { openHybridIndex, readSymbolicVectors, SYMBOLIC_VECTORS_FILE } from '../../../src/core/search/hybrid-store';
import { chooseSearchMode, searchHybrid } from '../../../src/core/search/hybrid-search';
import { onlySignal } from '../../../src/core/search/hybrid';
import { hashEmbedding, HashingEmbedder } from './hashing-embedder';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-hybrid-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A symbolic encoder double: 64-d hashing of the LaTeX with its macros, counting what it embeds. */
function fakeSymbolic(fingerprint: string) {
  const embedded: string[] = [];
  return {
    embedded,
    model: { name: 'fake', path: '(test double)', fingerprint },
    async embed(formulas: readonly SymbolicFormula[]): Promise<Float32Array[]> {
      embedded.push(...formulas.map((formula) => formula.latex));
      return formulas.map((formula) => {
        const half = hashEmbedding(`${formula.macros ?? ''}${formula.latex}`);
        const vector = new Float32Array(64);
        vector.set(half);
        return vector;
      });
    },
  };
}

const formula = (latex: string) => ({ latex, inline: false, env: 'equation' });
const papers = [
  { paper: { id: 'a', title: 'A', authors: [], library: 'main', macros: '\\newcommand{\\R}{\\mathbb{R}}' }, formulas: [formula('x \\in \\R^n'), formula('f(x) = x^2')] },
  { paper: { id: 'b', title: 'B', authors: [], library: 'main' }, formulas: [formula('\\int_0^1 g(t)\\,dt')] },
];

/** A writable index of `papers` in `directory`, embedded by the hashing double. */
async function indexedPapers(directory: string): Promise<FormulaIndex> {
  const opened = FormulaIndex.open(directory);
  assert.ok(opened.ok);
  assert.ok((await indexPapers(opened.value.index, papers)).ok);
  return opened.value.index;
}

test('symbolic vectors are embedded once, extended for new formulas, and rebuilt when unusable', async () => {
  const directory = path.join(scratch, 'index');
  const index = await indexedPapers(directory);

  const first = fakeSymbolic('1'.repeat(64));
  const hybrid = await openHybridIndex(index, first, { directory });
  assert.equal(hybrid.size, 3);
  assert.equal(first.embedded.length, 3);
  const hits = hybrid.search({ latex: 'x \\in \\mathbb{R}^n' }, { weights: { bitmap: 0, symbolic: 0, lexical: 1, canonical: 0, numeric: 0, structure: 0 } });
  assert.equal(hits[0].paperId, 'a', 'the paper macros reach the lexical signal');
  assert.ok(Math.abs(hits[0].scores.lexical - 1) < 1e-6);

  const again = fakeSymbolic('1'.repeat(64));
  await openHybridIndex(index, again, { directory });
  assert.deepEqual(again.embedded, [], 'all vectors come from the file');

  assert.ok((await indexPapers(index, [{ paper: { id: 'c', title: 'C', authors: [], library: 'main' }, formulas: [formula('e^{i\\pi}')] }])).ok);
  const extended = fakeSymbolic('1'.repeat(64));
  assert.equal((await openHybridIndex(index, extended, { directory })).size, 4);
  assert.deepEqual(extended.embedded, ['e^{i\\pi}']);
  assert.equal(readSymbolicVectors(path.join(directory, SYMBOLIC_VECTORS_FILE), '1'.repeat(64)).size, 4);

  const otherModel = fakeSymbolic('2'.repeat(64));
  await openHybridIndex(index, otherModel, { directory });
  assert.equal(otherModel.embedded.length, 4, 'another model: every formula again');

  writeFileSync(path.join(directory, SYMBOLIC_VECTORS_FILE), Buffer.from('formula-lens symbolic vectors 1\n{"model":"' + '2'.repeat(64) + '","count":9}\n\u0000\u0001'));
  const damaged = fakeSymbolic('2'.repeat(64));
  await openHybridIndex(index, damaged, { directory });
  assert.equal(damaged.embedded.length, 4, 'a truncated file is rebuilt');
  index.close();
});

test('searchHybrid: every mode ranks, groups by paper, tags, filters, and reports a missing encoder', async () => {
  const directory = path.join(scratch, 'search-index');
  const opened = FormulaIndex.open(directory);
  assert.ok(opened.ok);
  const index = opened.value.index;
  const library = [...papers, { paper: { id: 'old', title: 'Old', authors: [], library: 'archive', year: '1900' }, formulas: [formula('f(x) = x^2 + 1')] }];
  assert.ok((await indexPapers(index, library)).ok);
  const symbolic = fakeSymbolic('3'.repeat(64));
  const bitmap = await BitmapSidecar.open(index, new HashingEmbedder());
  const view = await openHybridIndex(index, symbolic, { directory, bitmap: bitmap!.vectors });
  const encoders = { bitmap: bitmap!.embedder, symbolic };
  const fusion = { bitmap: 0.3, symbolic: 0.3, lexical: 0.4, canonical: 0, numeric: 0, structure: 0 };
  const query = { latex: 'f(x) = x^2', display: true };

  const hybrid = await searchHybrid(index, view, encoders, query, { mode: 'hybrid', fusion, k: 5 });
  assert.ok(hybrid.ok);
  assert.deepEqual(hybrid.value.papers.map((paper) => paper.paper.id).slice(0, 2), ['a', 'old']);
  const best = hybrid.value.papers[0].formulas[0];
  assert.equal(best.formula.latex, 'f(x) = x^2');
  assert.deepEqual([...best.foundBy].sort(), ['bitmap', 'lexical', 'symbolic']);
  assert.ok(Math.abs(best.score - (0.3 * best.scores.bitmap + 0.3 * best.scores.symbolic + 0.4 * best.scores.lexical)) < 1e-6);

  for (const mode of ['bitmap', 'symbolic', 'lexical'] as const) {
    const single = await searchHybrid(index, view, encoders, query, { mode, fusion });
    assert.ok(single.ok);
    assert.ok(single.value.papers.every((paper) => paper.formulas.every((f) => f.foundBy.every((signal) => signal === mode))), mode);
  }
  const lexicalOnly = await searchHybrid(index, view, {}, query, { mode: 'lexical', fusion });
  assert.ok(lexicalOnly.ok, 'the lexical mode needs no encoder');

  const filtered = await searchHybrid(index, view, encoders, { ...query, paperId: 'a' }, { mode: 'hybrid', fusion, filter: { yearFrom: 1950 } });
  assert.ok(filtered.ok);
  assert.ok(filtered.value.papers.every((paper) => paper.paper.id !== 'a' && paper.paper.id !== 'old'));
  const archive = await searchHybrid(index, view, encoders, query, { mode: 'hybrid', fusion, filter: { libraries: ['archive'] } });
  assert.ok(archive.ok);
  assert.deepEqual(archive.value.papers.map((paper) => paper.paper.id), ['old']);

  const missing = await searchHybrid(index, view, { bitmap: encoders.bitmap }, query, { mode: 'symbolic', fusion });
  assert.equal(!missing.ok && missing.reason.kind, 'embedding-failed');
  const empty = await searchHybrid(index, view, encoders, { latex: '  ', display: true }, { mode: 'hybrid', fusion });
  assert.equal(!empty.ok && empty.reason.kind, 'empty-query');
  index.close();
});

test('searchHybrid: modes that weigh the structure signal colour what matched in the returned formulas alone', async () => {
  const directory = path.join(scratch, 'why-index');
  const opened = FormulaIndex.open(directory);
  assert.ok(opened.ok);
  const index = opened.value.index;
  const step = '\\vx \\leftarrow \\vx - \\eta \\nabla f(\\vx)';
  const library = [
    { paper: { id: 'd2l', title: 'D2L', authors: [], library: 'main', macros: '\\newcommand{\\vx}{\\mathbf{x}}' }, formulas: [formula(step), formula('a^2 + b^2 = c^2')] },
    ...Array.from({ length: 8 }, (_, k) => ({ paper: { id: `p${k}`, title: `P${k}`, authors: [], library: 'main' }, formulas: [formula(`y_${k} = w x_${k} + b`), formula(`z = ${k}`)] })),
  ];
  assert.ok((await indexPapers(index, library)).ok);
  const view = await openHybridIndex(index, fakeSymbolic('4'.repeat(64)), { directory });
  const explained: number[] = [];
  const matchedSymbols = view.matchedSymbols.bind(view);
  view.matchedSymbols = (query, formulaIds) => {
    explained.push(...formulaIds);
    return matchedSymbols(query, formulaIds);
  };
  const fusion = { bitmap: 0, symbolic: 0, lexical: 0.5, canonical: 0, numeric: 0, structure: 0.5 };
  const query = { latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', display: true };

  const found = await searchHybrid(index, view, {}, query, { mode: 'hybrid', fusion, k: 3, formulasPerPaper: 1 });
  assert.ok(found.ok);
  const best = found.value.papers[0].formulas[0];
  assert.equal(best.formula.latex, step);
  assert.ok(best.highlightedLatex?.startsWith('\\vx \\textcolor{'), 'the paper macro is kept as written');
  assert.match(best.highlightedLatex!, /\\textcolor\{[^}]+\}\{\\nabla\}/);
  const returned = found.value.papers.flatMap((paper) => paper.formulas);
  assert.ok(explained.length === returned.length && explained.length <= 3, 'only the formulas returned are explained');
  for (const hit of returned) assert.ok(hit.highlightedLatex === undefined || hit.highlightedLatex !== hit.formula.latex);

  explained.length = 0;
  const lexical = await searchHybrid(index, view, {}, query, { mode: 'lexical', fusion, k: 3 });
  assert.ok(lexical.ok);
  assert.ok(lexical.value.papers.every((paper) => paper.formulas.every((hit) => hit.highlightedLatex === undefined)));
  assert.equal(explained.length, 0, 'a mode without the structure signal explains nothing');
  index.close();
});

test('chooseSearchMode: the asked mode, else the fusion file default, else bitmap; bad names are refused', () => {
  const file = path.join(scratch, 'fusion.json');
  writeFileSync(file, JSON.stringify({ weights: { bitmap: 0, symbolic: 1, lexical: 1 }, defaultMode: 'hybrid' }));
  assert.deepEqual(chooseSearchMode(undefined, file), { ok: true, value: { mode: 'hybrid', fusion: { bitmap: 0, symbolic: 0.5, lexical: 0.5, canonical: 0, numeric: 0, structure: 0 } } });
  const modeOf = (requested: string | undefined, fusionFile: string) => {
    const chosen = chooseSearchMode(requested, fusionFile);
    return chosen.ok ? chosen.value.mode : undefined;
  };
  assert.equal(modeOf('lexical', file), 'lexical');
  assert.equal(chooseSearchMode('pixels', file).ok, false);
  const absent = path.join(scratch, 'absent.json');
  assert.equal(modeOf(undefined, absent), 'bitmap');
  assert.equal(chooseSearchMode('hybrid', absent).ok, false, 'hybrid without weights');
});

test('the structure postings are a sidecar: built on the first search that weighs them, read back after, rebuilt when the formulas change', async () => {
  const directory = path.join(scratch, 'structure-index');
  const index = await indexedPapers(directory);
  const sidecars = () => readdirSync(directory).filter((name) => /^structure-.*\.bin$/.test(name));
  const lexicalOnly = await openHybridIndex(index, undefined, { directory, prepare: onlySignal('lexical') });
  lexicalOnly.search({ latex: 'f(y) = y^2' }, { weights: onlySignal('lexical') });
  assert.deepEqual(sidecars(), [], 'not built while nothing weighs structure');
  const query = { latex: 'g(y) = y^2' };
  const first = (await openHybridIndex(index, undefined, { directory })).search(query, { weights: onlySignal('structure') });
  assert.equal(sidecars().length, 1);
  const [file] = sidecars();
  const written = statSync(path.join(directory, file!)).mtimeMs;
  const second = (await openHybridIndex(index, undefined, { directory })).search(query, { weights: onlySignal('structure') });
  assert.deepEqual(second, first, 'read back: the same ranking');
  assert.equal(statSync(path.join(directory, file!)).mtimeMs, written, 'not written again');
  assert.ok((await indexPapers(index, [{ paper: { id: 'c', title: 'C', authors: [], library: 'main' }, formulas: [formula('h(y) = y^2')] }])).ok);
  (await openHybridIndex(index, undefined, { directory })).search(query, { weights: onlySignal('structure') });
  assert.equal(sidecars().length, 1);
  assert.notEqual(sidecars()[0], file, 'another formula set: another file, the old one removed');
  index.close();
});
