// training/tokenizer.py must tokenize and canonicalize exactly as src/core/latex does: the symbolic encoder
// trains on the Python tokens and searches with the TypeScript ones.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { canonicalize } from '../../../src/core/latex/canonical';
import { tokenizeFormula } from '../../../src/core/latex/tokenize';
import { vocabulary } from '../../../src/core/latex/tokenize-vocab';
import { sampleCorpusFormulas } from '../../helpers/corpus-sample';
import { corpusPath, noCorpusReason, repoRoot } from '../../helpers/paths';

const python = '/usr/bin/python3';
const noPython = existsSync(python) ? false : `needs ${python}`;

interface Formula {
  latex: string;
  macros?: string;
}

function typescriptSide(formula: Formula) {
  const tokenized = tokenizeFormula(formula.latex, formula.macros ?? '');
  if (!tokenized.ok) return { error: tokenized.reason };
  const canonical = canonicalize(tokenized.tokens);
  return {
    tokens: tokenized.tokens,
    canonical,
    renamed: canonicalize(tokenized.tokens, { renameVariables: true }),
    ids: Array.from(vocabulary.encode(canonical)),
  };
}

function pythonSide(formulas: readonly Formula[]): unknown[] {
  const result = spawnSync(python, [path.join(repoRoot, 'training', 'tokenizer.py')], {
    input: formulas.map((formula) => JSON.stringify(formula)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

function assertParity(formulas: readonly Formula[]): void {
  const fromPython = pythonSide(formulas);
  assert.equal(fromPython.length, formulas.length);
  formulas.forEach((formula, n) => {
    const expected = typescriptSide(formula);
    const actual = fromPython[n] as Record<string, unknown>;
    if ('error' in expected) assert.ok('error' in actual, formula.latex.slice(0, 80));
    else assert.deepEqual(actual, expected, `${formula.latex}\n(macros: ${formula.macros ?? ''})`);
  });
}

const fixtures: Formula[] = [
  { latex: String.raw`\left\lVert \mathbf{x} \right\rVert^{2}_{2} \le \dfrac{a}{b}` },
  { latex: String.raw`\sum_{i=1}^n w_i x_i + {a \over b} - (c+d)/(e-f)` },
  { latex: String.raw`\norm{\vx}+\norm[1]{y}+\abs*{z}+\argmin_\theta\E{x}`, macros: [
    String.raw`\newcommand{\norm}[2][2]{\|#2\|_{#1}}`, String.raw`\newcommand\vx{\mathbf{x}}`,
    String.raw`\DeclarePairedDelimiter{\abs}{\lvert}{\rvert}`, String.raw`\DeclareMathOperator*{\argmin}{arg\,min}`,
    String.raw`\def\E#1{\mathbb{E}[#1]}`, String.raw`\let\eps=\varepsilon`].join('\n') },
  { latex: String.raw`\a`, macros: String.raw`\def\a{\b x}` + '\n' + String.raw`\def\b{\a y}` },
  { latex: String.raw`{\rm d}x\,{\bf v}_{\mathrm{max}}\ ^{2}\hbox{\rm Im}\operatorname*{log}\\\left[x\right]` },
  { latex: String.raw`\begin{ align* } a &= b^\prime_{i}{}^{j} \\ C^a{}_{bc} \end{align*} % comment` },
  { latex: 'garbage \u0000\u0007 ∑𝔸 \ud800 \\' },
  { latex: '}}{x^' + '{'.repeat(300) + 'y' },
  { latex: 'x'.repeat(60_000) },
];

test('Python tokenizer agrees with TypeScript on fixtures', { skip: noPython }, () => {
  assertParity(fixtures);
});

test('Python tokenizer agrees with TypeScript on a corpus sample', { skip: noPython || (corpusPath() ? false : noCorpusReason) }, () => {
  assertParity(sampleCorpusFormulas(corpusPath()!, 2000, 3).map(({ latex, macros }) => ({ latex, macros })));
});
