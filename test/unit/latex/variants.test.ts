import assert from 'node:assert/strict';
import { test } from 'node:test';
import katex from 'katex';
import { canonicalize } from '../../../src/core/latex/canonical';
import { detokenize, lex, tokenizeFormula, type Token } from '../../../src/core/latex/tokenize';
import {
  applyTransform,
  generateVariants,
  variantTransforms,
  type VariantTransform,
} from '../../../src/core/latex/variants';
import { seededRandom } from '../../../src/core/seeded-random';
import { sampleCorpusFormulas } from '../../helpers/corpus-sample';
import { corpusPath, noCorpusReason } from '../../helpers/paths';

function renders(latex: string): boolean {
  try {
    katex.renderToString(latex, { throwOnError: true, displayMode: true, strict: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sorted = (tokens: readonly Token[]): string => tokens.slice().sort().join(' ');
const without = (tokens: readonly Token[], dropped: ReadonlySet<Token>): Token[] => tokens.filter((token) => !dropped.has(token));

/**
 * Why each transform keeps the mathematics, as a check on (original, variant):
 * renamings are bijections (canonical renaming in order of appearance undoes them), presentational
 * changes vanish under the canonicalizer, reorderings keep every token (a leading `+` may come or go),
 * \cdot only comes or goes.
 */
const keepsMathematics: Record<VariantTransform, (original: Token[], variant: Token[]) => boolean> = {
  'rename-variables': (a, b) => same(canonicalize(a, { renameVariables: true }), canonicalize(b, { renameVariables: true })),
  'index-letters': (a, b) => same(canonicalize(a, { renameVariables: true }), canonicalize(b, { renameVariables: true })),
  'bold-style': (a, b) => same(canonicalize(a), canonicalize(b)),
  'fraction-style': (a, b) => same(canonicalize(a), canonicalize(b)),
  'left-right': (a, b) => same(canonicalize(a), canonicalize(b)),
  'relation-synonyms': (a, b) => same(canonicalize(a), canonicalize(b)),
  'reorder-sum': (a, b) => sorted(without(a, new Set(['+']))) === sorted(without(b, new Set(['+']))),
  'reorder-product': (a, b) => sorted(a) === sorted(b),
  cdot: (a, b) => same(without(a, new Set(['\\cdot'])), without(b, new Set(['\\cdot']))),
};
const presentational = new Set<VariantTransform>(['bold-style', 'fraction-style', 'left-right', 'relation-synonyms', 'cdot']);

function same(a: readonly Token[], b: readonly Token[]): boolean {
  return a.length === b.length && a.every((token, n) => token === b[n]);
}

function variant(latex: string, transform: VariantTransform, seed = 1): string | undefined {
  const tokens = applyTransform(lex(latex), transform, seededRandom(seed));
  return tokens && detokenize(tokens);
}

test('renaming is consistent and leaves constants and literal arguments alone', () => {
  const output = variant(String.raw`\int_0^x e^{t} f(t)\,\mathrm{d}t + \text{const}`, 'rename-variables')!;
  const letters = (latex: string) => lex(latex).filter((token) => /^[a-z]$/.test(token));
  assert.match(output, /\\mathrm\{d\}/);
  assert.match(output, /\\text\{const\}/);
  assert.match(output, /e\^\{/);
  const before = letters(String.raw`\int_0^x e^{t} f(t)\,t`).join('');
  const after = letters(output.replace(/\\(mathrm|text)\{[a-z]+\}/g, '')).join('');
  // the same pattern of repeated letters
  const pattern = (word: string) => [...word].map((letter) => word.indexOf(letter)).join(',');
  assert.equal(pattern(after), pattern(before));
  assert.notEqual(after, before);
});

test('index letters change only where they occur only in scripts', () => {
  for (let seed = 1; seed < 20; seed++) {
    const output = variant(String.raw`\sum_{i=1}^{N} w_i x_i = y`, 'index-letters', seed)!;
    assert.match(output, /^\\sum_\{([j-v])=1\}\^\{N\}w_\1x_\1=y$/);
  }
  assert.equal(variant(String.raw`e^{i\theta}+a_i`, 'index-letters'), undefined, 'i is the imaginary unit beside e');
});

test('sums reorder with their signs, between relations, also inside parentheses', () => {
  const seen = new Set<string>();
  for (let seed = 1; seed < 30; seed++) seen.add(variant(String.raw`y = a - b^2 + \frac{c}{d}`, 'reorder-sum', seed)!);
  assert.ok(seen.has(String.raw`y=-b^2+a+\frac{c}{d}`) || seen.has(String.raw`y=\frac{c}{d}+a-b^2`), [...seen].join('\n'));
  for (const output of seen) assert.match(output, /^y=/);
  assert.equal(variant(String.raw`2(x+y)`, 'reorder-sum'), '2(y+x)');
  assert.equal(variant(String.raw`\sum_i a_i + b`, 'reorder-sum'), undefined, 'a big operator reaches past +');
  assert.equal(variant(String.raw`a \pm b`, 'reorder-sum'), undefined);
});

test('products reorder only scalar factors bounded by looser operators', () => {
  assert.equal(variant(String.raw`\sum_j w_j x_j`, 'reorder-product'), String.raw`\sum_jx_jw_j`);
  assert.equal(variant(String.raw`a f(x)`, 'reorder-product'), undefined, 'f applied to (x) must stay next to it');
  assert.equal(variant(String.raw`\mathbf{A}\mathbf{B}`, 'reorder-product'), undefined, 'matrices do not commute');
  assert.equal(variant(String.raw`x\,dx`, 'reorder-product'), undefined);
});

test('presentational transforms', () => {
  assert.equal(variant(String.raw`\frac{a+b}{c} = d`, 'fraction-style'), '(a+b)/c=d');
  assert.equal(variant('a/b = c', 'fraction-style'), String.raw`\frac{a}{b}=c`);
  assert.equal(variant(String.raw`\frac{a}{b}c`, 'fraction-style'), undefined, 'a/bc would read differently');
  assert.equal(variant(String.raw`f(x)`, 'left-right', 2), String.raw`f\left(x\right)`);
  assert.equal(variant(String.raw`\left< x \right.`, 'left-right'), String.raw`\langle x`);
  assert.equal(variant(String.raw`a \le b \leq c`, 'relation-synonyms', 1)?.replace(/\\leq? ?/g, 'R'), 'aRbRc');
  assert.equal(variant(String.raw`w_i x_i`, 'cdot'), String.raw`w_i\cdot x_i`);
  assert.equal(variant(String.raw`w_i \cdot x_i`, 'cdot'), String.raw`w_ix_i`);
  assert.match(variant(String.raw`\mathbf{x}+\bm{y}`, 'bold-style')!, /boldsymbol|bm/);
});

test('the issue\'s pair: \\sum_i w_i x_i and \\sum_{j} x_j w_j are variants of each other', () => {
  const target = canonicalize(lex(String.raw`\sum_{j} x_j w_j`), { renameVariables: true }).join(' ');
  const variants = generateVariants(lex(String.raw`\sum_i w_i x_i`), { count: 30, seed: 5 });
  assert.ok(variants.some((v) => canonicalize(v.tokens, { renameVariables: true }).join(' ') === target));
});

test('generateVariants: reproducible, distinct, never the original', () => {
  const tokens = lex(String.raw`\left\| \mathbf{x} - \mu_k \right\|_2^2 \le \frac{1}{2} \sum_{i=1}^n a_i b_i`);
  const first = generateVariants(tokens, { count: 8, seed: 9 });
  assert.deepEqual(generateVariants(tokens, { count: 8, seed: 9 }), first);
  assert.equal(first.length, 8);
  const keys = new Set(first.map((v) => v.tokens.join(' ')));
  assert.equal(keys.size, 8);
  assert.ok(!keys.has(tokens.join(' ')));
  assert.deepEqual(generateVariants(lex('1'), { count: 3, seed: 1 }), [], 'nothing to vary');
});

test('corpus sample: every transform keeps the mathematics; presentational ones still render', { skip: corpusPath() ? false : noCorpusReason }, () => {
  const sample = sampleCorpusFormulas(corpusPath()!, 1500, 23);
  const random = seededRandom(4);
  const applied = new Map<VariantTransform, number>();
  let renderChecks = 0;
  for (const formula of sample) {
    const tokenized = tokenizeFormula(formula.latex, formula.macros);
    assert.ok(tokenized.ok);
    const source = canonicalize(tokenized.tokens); // canonical input: what the training pipeline varies
    const sourceRenders = renderChecks < 150 && formula.env === 'equation' && renders(detokenize(source));
    for (const transform of variantTransforms) {
      const output = applyTransform(source, transform, random);
      if (!output) continue;
      applied.set(transform, (applied.get(transform) ?? 0) + 1);
      assert.ok(keepsMathematics[transform](source, output), `${transform}: ${detokenize(source)}\n  → ${detokenize(output)}`);
      if (sourceRenders && presentational.has(transform)) {
        renderChecks++;
        assert.ok(renders(detokenize(output)), `${transform}: ${detokenize(source)}\n  → ${detokenize(output)}`);
      }
    }
  }
  for (const transform of variantTransforms) assert.ok((applied.get(transform) ?? 0) > 10, `${transform} applied ${applied.get(transform) ?? 0}×`);
});
