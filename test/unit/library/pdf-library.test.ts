// A library of PDFs only (a .bib whose entries point at the fixture PDFs, no LaTeX): `indexLibrary` reads their
// display formulas into the catalogue with page, box and crop, a LaTeX query finds the paper, bad PDFs are report
// lines, and a rerun skips unchanged PDFs by content hash.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexLibrary } from '../../../src/core/library/index-library';
import { pngToCrop } from '../../../src/core/pdf/png';
import { CROP_HEIGHT, CROP_WIDTH } from '../../../src/core/render/geometry';
import { SearchSession } from '../../../src/core/search/session';
import { repoRoot } from '../../helpers/paths';
import { HashingEmbedder } from '../search/hashing-embedder';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-pdf-library-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const libraryDir = path.join(scratch, 'papers');
const indexDir = path.join(scratch, 'index');
const fusionFile = path.join(scratch, 'fusion.json');

mkdirSync(path.join(libraryDir, 'pdfs'), { recursive: true });
for (const name of ['displays.pdf', 'twocolumn.pdf', 'encrypted.pdf']) copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'pdf', name), path.join(libraryDir, 'pdfs', name));
writeFileSync(path.join(libraryDir, 'pdfs', 'scan.pdf'), '%PDF-1.4\nnot really a PDF\n');
writeFileSync(
  path.join(libraryDir, 'refs.bib'),
  [
    '@article{descent, title = {Gradient Descent and Softmax}, author = {Ada Lovelace}, year = {2020}, file = {pdfs/displays.pdf}}',
    '@article{twocolumn, title = {Two Columns of Mechanics}, author = {Emmy Noether}, year = {2021}}', // matched by name
    '@article{locked, title = {A Locked Paper}, author = {Alan Turing}, file = {:pdfs/encrypted.pdf:PDF}}',
    '@article{broken, title = {A Broken Paper}, author = {Kurt Gödel}, file = {pdfs/scan.pdf}}',
  ].join('\n\n'),
);
copyFileSync(path.join(libraryDir, 'pdfs', 'twocolumn.pdf'), path.join(libraryDir, 'twocolumn.pdf'));
rmSync(path.join(libraryDir, 'pdfs', 'twocolumn.pdf'));
writeFileSync(fusionFile, JSON.stringify({ weights: { bitmap: 0, symbolic: 0, lexical: 0.5, structure: 0.5 }, defaultMode: 'hybrid' }));

async function indexOnce(bitmap?: HashingEmbedder) {
  const opened = FormulaIndex.open(indexDir);
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  try {
    const result = await indexLibrary([libraryDir], opened.value.index, bitmap, { library: 'main', cacheDir: path.join(scratch, 'cache') });
    assert.ok(result.ok, result.ok ? '' : result.reason.message);
    return { summary: result.value, formulas: [...opened.value.index.allFormulas()] };
  } finally {
    opened.value.index.close();
  }
}

test('the PDFs of a .bib are indexed: report lines with counts or the reason, formulas with page, box, crop and LaTeX', async () => {
  const bitmap = new HashingEmbedder();
  const { summary, formulas } = await indexOnce(bitmap);
  const line = (id: string) => summary.report.find((entry) => entry.id === id)!;
  assert.deepEqual([line('bib:descent').status, line('bib:descent').formulas], ['indexed', 4]);
  assert.match(line('bib:descent').detail, /^PDF, 1 pages \(.*displays\.pdf\)$/);
  assert.equal(line('bib:twocolumn').status, 'indexed');
  assert.ok(line('bib:twocolumn').formulas! >= 5, String(line('bib:twocolumn').formulas));
  assert.equal(line('bib:locked').status, 'failed');
  assert.match(line('bib:locked').detail, /encrypted\.pdf: encrypted: it needs a password/);
  assert.match(line('bib:broken').detail, /scan\.pdf: damaged PDF/);
  assert.equal(summary.indexed, 2);

  const gradient = formulas.find((formula) => formula.latex.startsWith('\\theta_{t + 1} = \\theta_{t} - \\eta'))!;
  assert.equal(gradient.paperId, 'bib:descent');
  assert.deepEqual({ page: gradient.pdf?.page, number: gradient.pdf?.number, env: gradient.env, inline: gradient.inline }, { page: 1, number: '(1)', env: 'pdf', inline: false });
  assert.ok(gradient.pdf!.box.right > gradient.pdf!.box.left && gradient.pdf!.box.top > gradient.pdf!.box.bottom);
  const ink = pngToCrop(gradient.pdf!.crop!, CROP_WIDTH, CROP_HEIGHT);
  assert.ok(ink.some((value) => value > 128), 'the crop has ink');
  assert.deepEqual(bitmap.calls, [{ count: formulas.length, priority: 'pictures' }], 'the bitmap sidecar embeds the crops, rendering nothing');
});

test('a LaTeX query finds the PDF paper first in the default (lexical + structure) ranking', async () => {
  const session = new SearchSession({ fusionFile });
  try {
    for (const latex of ['\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', 'p_k = \\frac{\\exp(z_k)}{\\sum_{j=1}^{K} \\exp(z_j)}']) {
      const found = await session.search({ query: { latex, display: true }, indexes: [indexDir], model: 'see' });
      assert.ok(found.ok, found.ok ? '' : found.reason.message);
      assert.equal(found.value.papers[0]?.paper.id, 'bib:descent', latex);
      assert.equal(found.value.papers[0]!.formulas[0]!.formula.pdf?.page, 1);
    }
  } finally {
    await session.dispose();
  }
});

test('a rerun skips unchanged PDFs by content hash, indexed or failed, and reads a changed one again', async () => {
  const idle = new HashingEmbedder();
  const rerun = await indexOnce(idle);
  assert.deepEqual(idle.calls, [], 'the sidecar has every crop already');
  assert.equal(rerun.summary.unchanged, 2);
  assert.equal(rerun.summary.indexed, 0);
  const locked = rerun.summary.report.find((entry) => entry.id === 'bib:locked')!;
  assert.equal(locked.status, 'failed');
  assert.match(locked.detail, /encrypted: it needs a password to open \(unchanged since it failed; not read again\)$/);
  appendFileSync(path.join(libraryDir, 'pdfs', 'displays.pdf'), '\n% appended\n');
  const changed = await indexOnce();
  assert.deepEqual(changed.summary.report.filter((entry) => entry.status === 'indexed').map((entry) => entry.id), ['bib:descent']);
});
