// PDF formulas written back as LaTeX for the token signals (src/core/pdf/latex.ts), from the fixture PDFs.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readPdf } from '../../../src/core/pdf';
import type { Glyph } from '../../../src/core/pdf';
import { formulaLatex } from '../../../src/core/pdf/latex';
import { tokenizeFormula } from '../../../src/core/latex/tokenize';
import { repoRoot } from '../../helpers/paths';

async function latexOf(name: string): Promise<string[]> {
  const result = await readPdf(path.join(repoRoot, 'test', 'fixtures', 'pdf', name), { crops: false });
  assert.ok(result.ok, result.ok ? '' : result.reason.message);
  return result.value.formulas.map(formulaLatex);
}

test('scripts, Greek, operators, fractions, big-operator limits and function names come back as LaTeX', async () => {
  const [gradient, bound, , softmax] = await latexOf('displays.pdf');
  assert.equal(gradient, '\\theta_{t + 1} = \\theta_{t} - \\eta \\nabla L ( \\theta_{t} )');
  // Two rows of an align: each fraction keeps its own numerator and denominator, the next row stays out.
  assert.equal(
    bound,
    'L ( \\theta_{t} ) - L ( \\theta^{\\ast} ) \\leq \\frac{\\beta \\| \\theta_{0} - \\theta^{\\ast} \\|^{2}}{2 t} , ' +
      '\\| \\nabla L ( \\theta_{t} ) \\|^{2} \\leq \\frac{2 \\beta}{t} ( L ( \\theta_{0} ) - L ( \\theta^{\\ast} ) ) .',
  );
  assert.equal(softmax, 'p_{k} = \\frac{\\exp ( z_{k} )}{\\sum_{j = 1}^{K} \\exp ( z_{j} )} , k = 1 , \\dots , K .');
});

test('radicals, calligraphic capitals and upright words; every formula tokenizes', async () => {
  const formulas = await latexOf('twocolumn.pdf');
  assert.ok(formulas.includes('\\eta_{t} = \\frac{\\eta_{0}}{\\sqrt{1 + t / \\tau}} , t = 0 , 1 , 2 , \\dots'), formulas.join('\n'));
  assert.ok(formulas.some((latex) => latex.includes('\\sqrt{2 \\pi} , E [ x^{2} ] = \\sigma^{2} \\mathrm{for} x \\sim \\mathcal{N} ( 0 , \\sigma^{2} )')));
  for (const latex of [...formulas, ...(await latexOf('displays.pdf'))]) assert.ok(tokenizeFormula(latex).ok, latex);
});

test("a display operator's upper limit, which TeX writes before the operator, is its superscript; dots are \\dots or \\cdots", () => {
  let order = 0;
  const glyph = (text: string, font: string, size: number, left: number, bottom: number, right: number, top: number, baseline = bottom): Glyph => ({
    text, font, size, baseline, box: { left, bottom, right, top }, matrix: [1, 0, 0, 1, 0, 0], order: order++,
  });
  const glyphs = [
    glyph('G', 'CMMI10', 10, 0, 0, 7, 7),
    glyph('N', 'CMMI7', 7, 14, 12, 19, 17), // above the sum
    glyph('∑', 'CMEX10', 10, 12, -6, 22, 11, 0),
    glyph('n', 'CMMI7', 7, 12, -12, 15, -8), // below it
    glyph('=', 'CMR7', 7, 15, -12, 19, -9),
    glyph('1', 'CMR7', 7, 19, -12, 22, -7),
    glyph('x', 'CMMI10', 10, 24, 0, 29, 5),
    glyph('·', 'CMSY10', 10, 31, 2, 32, 3),
    glyph('·', 'CMSY10', 10, 33, 2, 34, 3),
    glyph('·', 'CMSY10', 10, 35, 2, 36, 3),
  ];
  assert.equal(formulaLatex({ glyphs, rules: [], emSize: 10 }), 'G \\sum_{n = 1}^{N} x \\cdots');
});
