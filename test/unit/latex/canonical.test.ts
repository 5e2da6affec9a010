import assert from 'node:assert/strict';
import { test } from 'node:test';
import katex from 'katex';
import { canonicalize, type CanonicalOptions } from '../../../src/core/latex/canonical';
import { detokenize, lex, tokenizeFormula } from '../../../src/core/latex/tokenize';
import { sampleCorpusFormulas } from '../../helpers/corpus-sample';
import { seededRandom } from '../../../src/core/seeded-random';
import { corpusPath, noCorpusReason } from '../../helpers/paths';

function canonical(latex: string, options: CanonicalOptions = {}): string {
  return detokenize(canonicalize(lex(latex), options));
}

function renders(latex: string): boolean {
  try {
    katex.renderToString(latex, { throwOnError: true, displayMode: true, strict: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the issue\'s notation pairs meet', () => {
  assert.equal(canonical(String.raw`\|x\|_2^2`), canonical(String.raw`\left\lVert x \right\rVert^{2}_{2}`));
  assert.equal(canonical(String.raw`\frac{a}{b}`), canonical('a/b'));
  const rename = { renameVariables: true };
  assert.equal(canonical(String.raw`\sum_i w_i x_i`, rename), canonical(String.raw`\sum_{j} x_j w_j`, rename));
  assert.equal(canonical(String.raw`\|\bm{x}\|_2^2`), canonical(String.raw`\lVert \boldsymbol{x} \rVert_{2}^{2}`));
});

const rewrites: [rule: string, input: string, expected: string][] = [
  ['spacing and style are dropped', String.raw`\displaystyle a\,b\;c\!d\quad e~f`, 'abcdef'],
  ['\\left/\\right and null delimiters go', String.raw`\left. \frac{x}{y}\right|_{0}`, String.raw`\frac{x}{y}|_0`],
  ['\\left< is an angle bracket', String.raw`\left<\psi\right>`, String.raw`\langle\psi\rangle`],
  ['\\limits goes', String.raw`\sum\limits_{i=1}^n`, String.raw`\sum_{i=1}^n`],
  ['labels and spaces with arguments go', String.raw`x\label{eq:1}\hspace*{2em}y\vphantom{\int}`, 'xy'],
  ['fraction synonyms', String.raw`\dfrac{1}{2}+\tfrac{3}{4}`, String.raw`\frac{1}{2}+\frac{3}{4}`],
  ['relation synonyms', String.raw`a\le b\ge c\ne d\to e`, String.raw`a\leq b\geq c\neq d\rightarrow e`],
  ['bold synonyms', String.raw`\bm{x}+\boldsymbol{y}`, String.raw`\mathbf{x}+\mathbf{y}`],
  ['spelled-out operators', String.raw`\operatorname{log}x+\operatorname*{max}_i y+\mathrm{exp}(z)`, String.raw`\log x+\max_iy+\exp(z)`],
  ['operators keep braces in scripts', String.raw`x_{\mathrm{max}}`, String.raw`x_{\max}`],
  ['other operator names stay', String.raw`\operatorname*{argmin}_x`, String.raw`\operatorname{argmin}_x`],
  ['old font switches', String.raw`{\bf x}+{\rm d}y+\cal{L}`, String.raw`\mathbf{x}+\mathrm{d}y+\mathcal{L}`],
  ['font switches inside text stay', String.raw`\hbox{\rm Im}`, String.raw`\text{\rm Im}`],
  ['\\over and \\choose', String.raw`{a+b \over c} + {n \choose k}`, String.raw`\frac{a+b}{c}+\binom{n}{k}`],
  ['double braces', String.raw`\frac{{a}}{{{b}}}`, String.raw`\frac{a}{b}`],
  ['one-token script braces', String.raw`x^{2}_{i}+y^{10}`, 'x_i^2+y^{10}'],
  ['subscript before superscript', String.raw`x^{a+b}_{c}`, 'x_c^{a+b}'],
  ['grouping braces go', String.raw`{a}+{b+c}=d`, 'a+b+c=d'],
  ['braces before a script stay unless one token', String.raw`{a+b}^2+{x}^2`, '{a+b}^2+x^2'],
  ['empty groups stay', String.raw`C^a{}_{bc}`, String.raw`C^a{}_{bc}`],
  ['argument braces stay', String.raw`\frac1{\sqrt{2}}+\sqrt[3]{x}`, String.raw`\frac1{\sqrt{2}}+\sqrt[3]{x}`],
  ['slash between simple terms', String.raw`x^2/2+(a+b)/(c-d)`, String.raw`\frac{x^2}{2}+\frac{a+b}{c-d}`],
  ['nested slashes', '(a/b)/c', String.raw`\frac{\frac{a}{b}}{c}`],
  ['slash next to juxtaposition stays', String.raw`p(x)/q(x)+d/dx+a/b/c`, String.raw`p(x)/q(x)+d/dx+a/b/c`],
  ['literal arguments keep slashes', String.raw`0.61\text{m/s}`, String.raw`0.61\text{m/s}`],
  ['dropped space between scripts keeps them apart', String.raw`t^\prime\ ^{24}`, String.raw`t^\prime{}^{24}`],
  ['a row break before a bracket keeps it a bracket', String.raw`a\\\left[b\right]`, String.raw`a\\{}[b]`],
];

for (const [rule, input, expected] of rewrites) {
  test(`rule: ${rule}`, () => {
    const output = canonical(input);
    assert.equal(output, expected);
    assert.equal(canonical(output), output, 'idempotent');
    if (renders(input)) assert.ok(renders(output), `${output} no longer renders`);
  });
}

test('variable renaming: order of appearance, case kept, literal arguments untouched', () => {
  assert.equal(
    canonical(String.raw`\int f(y)\,\mathrm{d}y + \text{for } Y_y`, { renameVariables: true }),
    String.raw`\int a(b)\mathrm{d}b+\text{for}A_b`,
  );
});

test('total: random token soup and unbalanced input never throw and stay idempotent', () => {
  const random = seededRandom(42);
  const alphabet = ['{', '}', '^', '_', '/', '(', ')', 'x', '2', '\\over', '\\left', '.', '\\bf', '\\frac', '&', "'",
    '\\operatorname', '*', 'l', 'o', 'g', '\\,', '\\\\', '[', ']', '\\text', '\\mathfrak', '+'];
  for (let n = 0; n < 2000; n++) {
    const tokens = Array.from({ length: 1 + Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]);
    for (const options of [{}, { renameVariables: true }]) {
      const once = canonicalize(tokens, options);
      assert.deepEqual(canonicalize(once, options), once, detokenize(tokens));
    }
  }
  assert.deepEqual(canonicalize(lex('{'.repeat(5000) + 'x')), lex('{'.repeat(5000) + 'x'), 'deep nesting left alone');
});

test('corpus sample: idempotent, total, and what rendered still renders', { skip: corpusPath() ? false : noCorpusReason }, () => {
  const sample = sampleCorpusFormulas(corpusPath()!, 5000, 11);
  let checkedRendering = 0;
  for (const formula of sample) {
    const tokenized = tokenizeFormula(formula.latex, formula.macros);
    assert.ok(tokenized.ok);
    for (const options of [{}, { renameVariables: true }]) {
      const once = canonicalize(tokenized.tokens, options);
      assert.deepEqual(canonicalize(once, options), once, formula.latex);
    }
    // Rendering is checked on the first 300 (KaTeX dominates the time); align bodies need their environment.
    if (checkedRendering < 300 && formula.env === 'equation') {
      const source = detokenize(tokenized.tokens);
      if (!renders(source)) continue;
      checkedRendering++;
      const output = detokenize(canonicalize(tokenized.tokens));
      assert.ok(renders(output), `${source}\n  became ${output}`);
    }
  }
  assert.ok(checkedRendering > 150, `only ${checkedRendering} formulas checked by rendering`);
});
