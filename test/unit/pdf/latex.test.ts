// PDF formulas written back as LaTeX for the token signals (src/core/pdf/latex.ts), from the fixture PDFs.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readPdf } from '../../../src/core/pdf';
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
