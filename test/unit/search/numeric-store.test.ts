// The numeric signatures beside an index: stored by the build, read back on open without evaluating again,
// computed again (with a notice) when the file is damaged, of another numericSignatureVersion or lacks
// formulas, pruned to the index's formulas; and a hybrid search that weighs them tags what they found.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { numericSignature, numericSignatureVersion } from '../../../src/core/latex/numeric-signature';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers } from '../../../src/core/search/build';
import { openHybridIndex } from '../../../src/core/search/hybrid-store';
import { searchHybrid } from '../../../src/core/search/hybrid-search';
import { onlySignal } from '../../../src/core/search/hybrid';
import {
  computeSignatures,
  ContentKeys,
  NUMERIC_SIGNATURES_FILE,
  readNumericSignatures,
  writeNumericSignatures,
} from '../../../src/core/search/numeric-store';
import { hashEmbedding } from './hashing-embedder';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-numeric-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const symbolic = {
  model: { name: 'fake', path: '(test double)', fingerprint: '5'.repeat(64) },
  async embed(formulas: readonly { latex: string }[]): Promise<Float32Array[]> {
    return formulas.map((formula) => {
      const vector = new Float32Array(64);
      vector.set(hashEmbedding(formula.latex));
      return vector;
    });
  },
};

const formula = (latex: string) => ({ latex, inline: false, env: 'equation' });
const sigmoidPaper = { paper: { id: 'sigmoid', title: 'S', authors: [], library: 'main', macros: '\\newcommand{\\sig}[1]{\\frac{1}{1+e^{-#1}}}' }, formulas: [formula('\\sig{z}'), formula('\\int_0^1 g')] };
const otherPaper = { paper: { id: 'other', title: 'O', authors: [], library: 'main' }, formulas: [formula('y = x^2 + 1')] };

function freshIndex(name: string) {
  const directory = path.join(scratch, name);
  const opened = FormulaIndex.open(directory);
  assert.ok(opened.ok);
  return { directory, index: opened.value.index };
}

/** Every stored signature replaced by one side key no formula computes: what the view then holds came from the file. */
function markStored(directory: string): void {
  const stored = readNumericSignatures(directory).byContent;
  writeNumericSignatures(directory, new Map([...stored].map(([key, sides]) => [key, sides && ['from-the-file']])));
}

test('a round trip keeps every entry, signed or not; a missing file is empty without a problem', () => {
  const directory = mkdtempSync(path.join(scratch, 'round-trip-'));
  assert.deepEqual(readNumericSignatures(directory), { byContent: new Map() });
  const entries = new Map([['a', ['k1', 'k2']], ['b', null]]);
  writeNumericSignatures(directory, entries);
  assert.deepEqual(readNumericSignatures(directory), { byContent: entries });
  assert.deepEqual(JSON.parse(readFileSync(path.join(directory, NUMERIC_SIGNATURES_FILE), 'utf8')).version, numericSignatureVersion);
});

test('content keys depend on the LaTeX and the macros only', () => {
  const keys = new ContentKeys();
  assert.equal(keys.key({ latex: 'x^2', macros: '' }), keys.key({ latex: 'x^2' }));
  assert.notEqual(keys.key({ latex: 'x^2' }), keys.key({ latex: 'x^3' }));
  assert.notEqual(keys.key({ latex: '\\R', macros: '\\newcommand{\\R}{x}' }), keys.key({ latex: '\\R', macros: '\\newcommand{\\R}{y}' }));
  assert.equal(new ContentKeys().key({ latex: 'a', macros: 'm' }), keys.key({ latex: 'a', macros: 'm' }), 'stable across instances');
});

test('computeSignatures gives the side keys of numericSignature, null without one', async () => {
  const [sigmoid, prose] = await computeSignatures([{ latex: '(1+\\exp(-x))^{-1}' }, { latex: '\\text{for all}' }]);
  const expected = numericSignature('\\frac{1}{1+e^{-z}}');
  assert.ok(expected.ok);
  assert.deepEqual(sigmoid, expected.value.sides.map((side) => side.key));
  assert.equal(prose, null);
});

test('the build stores the signatures and opening reads them instead of computing', async () => {
  const { directory, index } = freshIndex('built');
  assert.ok((await indexPapers(index, [sigmoidPaper, otherPaper], { numericSignatures: true })).ok);
  const stored = readNumericSignatures(directory);
  assert.equal(stored.problem, undefined);
  assert.equal(stored.byContent.size, 3, 'one entry per indexed formula');
  assert.equal([...stored.byContent.values()].filter(Boolean).length, 2, 'the integral has no signature');

  markStored(directory);
  const notices: string[] = [];
  const view = await openHybridIndex(index, symbolic, { directory, numeric: true, onNotice: (notice) => notices.push(notice) });
  assert.deepEqual(notices, []);
  const hits = view.search({ latex: 'q', numeric: { sides: [{ key: 'from-the-file' }] } }, { weights: onlySignal('numeric') });
  assert.deepEqual(hits.map((hit) => hit.formulaId).length, 2, 'both signed formulas carry the stored key');
  assert.ok(hits.every((hit) => hit.scores.numeric === 1));

  const withoutNumeric = await openHybridIndex(index, symbolic, { directory });
  assert.equal(withoutNumeric.search({ latex: 'q', numeric: { sides: [{ key: 'from-the-file' }] } }, { weights: onlySignal('numeric') }).length, 0, 'not loaded unless asked');
  index.close();
});

test('a damaged file, another version and missing formulas are computed again with a notice; removed papers are pruned', async () => {
  const { directory, index } = freshIndex('repaired');
  assert.ok((await indexPapers(index, [sigmoidPaper, otherPaper], { numericSignatures: true })).ok);
  const file = path.join(directory, NUMERIC_SIGNATURES_FILE);
  const good = readFileSync(file, 'utf8');
  const open = async () => {
    const notices: string[] = [];
    await openHybridIndex(index, symbolic, { directory, numeric: true, onNotice: (notice) => notices.push(notice) });
    return notices;
  };

  writeFileSync(file, good.slice(0, good.length / 2));
  const damaged = await open();
  assert.equal(damaged.length, 1);
  assert.match(damaged[0], /numeric-signatures\.json is damaged .*computing the numeric signatures again/);
  assert.equal(readFileSync(file, 'utf8'), good, 'rewritten whole');

  writeFileSync(file, good.replace(`"version":${numericSignatureVersion}`, '"version":0'));
  const otherVersion = await open();
  assert.match(otherVersion[0], /version 0, this version computes version \d+; computing them again/);
  assert.equal(readFileSync(file, 'utf8'), good);

  const partial = readNumericSignatures(directory).byContent;
  partial.delete([...partial.keys()][0]);
  writeNumericSignatures(directory, partial);
  assert.match((await open())[0], /1 formulas of .* had no stored numeric signature; computing them/);
  assert.equal(readNumericSignatures(directory).byContent.size, 3);

  assert.ok(index.update({ remove: ['other'] }).ok);
  assert.deepEqual(await open(), []);
  assert.equal(readNumericSignatures(directory).byContent.size, 2, 'the removed paper\'s formula is dropped');
  index.close();
});

test('a hybrid search that weighs the numeric signal signs the query and tags what the signatures found', async () => {
  const { directory, index } = freshIndex('search');
  assert.ok((await indexPapers(index, [sigmoidPaper, otherPaper])).ok);
  const view = await openHybridIndex(index, symbolic, { directory, numeric: true });
  const fusion = { bitmap: 0, symbolic: 0, lexical: 0.5, canonical: 0, numeric: 0.5, structure: 0 };
  // The editor's 20 ms budget can run out on a loaded machine (a cold first signature); this test is about signing.
  const found = await searchHybrid(index, view, {}, { latex: '(1+\\exp(-t))^{-1}', display: true }, { mode: 'hybrid', fusion, numericBudgetMs: 10_000 });
  assert.ok(found.ok);
  const best = found.value.papers[0].formulas[0];
  assert.equal(best.formula.latex, '\\sig{z}', 'the macro is expanded before the signature');
  assert.ok(best.foundBy.includes('numeric'));
  assert.equal(best.scores.numeric, 1);
  const lexical = await searchHybrid(index, view, {}, { latex: '(1+\\exp(-t))^{-1}', display: true }, { mode: 'lexical', fusion });
  assert.ok(lexical.ok && lexical.value.papers.every((paper) => paper.formulas.every((f) => f.scores.numeric === 0)), 'single modes leave it out');
  assert.ok(existsSync(path.join(directory, NUMERIC_SIGNATURES_FILE)));
  index.close();
});
