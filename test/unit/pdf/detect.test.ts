// Display formulas found in the fixture PDFs (test/fixtures/pdf/*.tex, typeset once by pdflatex),
// and their crops at the encoder's geometry.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { readPdf, type PdfReport } from '../../../src/core/pdf';
import { CROP_HEIGHT, CROP_WIDTH, renderInThisThread } from '../../../src/core/render';
import { inkColumns } from '../../helpers/ink';
import { repoRoot } from '../../helpers/paths';

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'pdf', name);

async function read(name: string): Promise<PdfReport> {
  const result = await readPdf(fixture(name));
  assert.ok(result.ok, result.ok ? '' : result.reason.message);
  return result.value;
}


let single: PdfReport;
let twoColumns: PdfReport;
before(async () => {
  single = await read('displays.pdf');
  twoColumns = await read('twocolumn.pdf');
});

test('the four displays of a one-column page are found, an align of two rows as one formula', () => {
  assert.equal(single.pages, 1);
  assert.deepEqual(single.issues, []);
  assert.deepEqual(
    single.formulas.map((formula) => formula.number),
    ['(1)', '(2) (3)', undefined, '(4)'],
  );
  assert.equal(single.formulas[0]!.text, 'θt+1 = θt − η∇L(θt)');
  assert.equal(single.formulas[1]!.text.split('\n').length, 2);
  assert.ok(single.formulas.every((formula) => formula.page === 1 && formula.emSize > 10 && formula.emSize < 11.5));
});

test('the equation number is cut off: neither in the text nor in the box', () => {
  for (const formula of single.formulas.filter((each) => each.number)) {
    assert.doesNotMatch(formula.text, /\(\d\)/);
    // The numbers sit at the right margin (x ≈ 470 pt); the formulas are centred on the column (x ≈ 305 pt).
    assert.ok(formula.box.right < 420, `${formula.text}: box ends at ${formula.box.right.toFixed(0)} pt`);
    assert.ok(formula.glyphs.every((glyph) => !/[()]/.test(glyph.text) || glyph.box.right < 420));
  }
});

test('inline math in paragraphs is not a display, even a line full of it', () => {
  const texts = [...single.formulas, ...twoColumns.formulas].map((formula) => formula.text);
  for (const inline of ['a2 + b2 = c2', 'O(1/t)', 'ℓ(fθ', 'eiπ', 'ab+cd']) {
    assert.ok(!texts.some((text) => text.replace(/\s/g, '').includes(inline.replace(/\s/g, ''))), `${inline} taken for a display`);
  }
});

test('a two-column page: cases, a matrix, eqnarray, gather, multline, a display with words, and one in the right column', () => {
  assert.deepEqual(
    twoColumns.formulas.map((formula) => formula.number),
    ['(1)', '(2)', '(3) (4)', '(5) (6)', '(7)', undefined, '(8)'],
  );
  const [cases, , eqnarray, , multline, words, right] = twoColumns.formulas;
  assert.match(cases!.text, /^sign\(z\) =\{\+1 z ≥ 0,−1 z < 0\.$/);
  assert.equal(eqnarray!.text.split('\n').length, 2);
  assert.equal(multline!.text.split('\n').length, 2);
  assert.equal(words!.text, 'f(x) = 0 for all x ∈ [0, 1].');
  assert.ok(right!.box.left > 306, 'the last display is in the right column');
  assert.ok(twoColumns.formulas.slice(0, -1).every((formula) => formula.box.right < 306));
});

test('Unicode math: CMEX operators and calligraphic capitals get their own characters', () => {
  assert.match(single.formulas[3]!.text, /∑Kj=1/);
  assert.match(twoColumns.formulas[3]!.text, /∫∞−∞.*𝒩\(0, σ2\)/s);
});

test('every crop is the encoder’s 333×32, with ink, centred like a rendered formula', () => {
  for (const formula of [...single.formulas, ...twoColumns.formulas]) {
    const crop = formula.crop!;
    assert.equal(crop.length, CROP_WIDTH * CROP_HEIGHT);
    const [first, last] = inkColumns(crop, CROP_WIDTH);
    assert.ok(last > first, `${formula.text}: no ink`);
    // Wider formulas are cut at both ends alike; narrower ones are centred to a pixel or two.
    assert.ok(Math.abs(first + last - (CROP_WIDTH - 1)) <= 4, `${formula.text}: ink spans columns ${first}..${last}`);
  }
});

test('a PDF formula is as wide in its crop as the same formula typeset for the encoder', async () => {
  const fromPdf = single.formulas[0]!.crop!;
  const rendered = (await renderInThisThread({ latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', display: true })).pixels;
  const [pdfFirst, pdfLast] = inkColumns(fromPdf, CROP_WIDTH);
  const [first, last] = inkColumns(rendered, CROP_WIDTH);
  const ratio = (pdfLast - pdfFirst) / (last - first);
  assert.ok(ratio > 0.9 && ratio < 1.1, `PDF ink ${pdfLast - pdfFirst} px wide, rendered ${last - first} px`);
});
