// The worker pool: same pixels as in-thread rendering whatever the worker count or order, a time
// budget that turns runaway typesetting into a degraded bitmap, and the cache.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type FormulaInput, RenderPool, renderInThisThread } from '../../../src/core/render';

const formulas: FormulaInput[] = [
  { latex: '\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}', display: true, env: 'equation' },
  { latex: 'a &= b + c \\\\ &= d', display: true, env: 'align' },
  { latex: '\\vec{v} \\cdot \\R^n', macros: '\\renewcommand{\\vec}[1]{\\mathbf{#1}}\n\\newcommand{\\R}{\\mathbb{R}}', display: false, env: 'inline' },
  { latex: '\\vec{v} \\cdot \\R^n', display: false, env: 'inline' },
  { latex: '\\argmax_\\theta \\log p(x \\mid \\theta)', macros: '\\DeclareMathOperator*{\\argmax}{arg\\,max}', display: true },
  { latex: '\\frac{1', display: true },
];

// 1,000 fractions from three lines of macros: seconds of typesetting, legal TeX.
const tenfold = (name: string, of: string) => `\\def\\${name}{${`\\${of}`.repeat(10)}}`;
const thousandFractions = ['\\def\\a{\\frac{x}{y}}', tenfold('b', 'a'), tenfold('c', 'b'), tenfold('d', 'c')].join('\n');

const two = new RenderPool({ workers: 2, cacheSize: 10 });
const one = new RenderPool({ workers: 1, cacheSize: 0 });
after(() => Promise.all([two.close(), one.close()]));

test('the pool renders byte-identical pixels to in-thread rendering, with 1 or 2 workers, in any order', async () => {
  const expected = [];
  for (const formula of formulas) expected.push((await renderInThisThread(formula)).pixels);
  const viaTwo = await two.renderBatch(formulas);
  const viaOne = (await one.renderBatch([...formulas].reverse())).reverse();
  for (let i = 0; i < formulas.length; i++) {
    assert.deepEqual(viaTwo[i]!.pixels, expected[i], `formula ${i} with 2 workers`);
    assert.deepEqual(viaOne[i]!.pixels, expected[i], `formula ${i} with 1 worker`);
  }
  // Both macro sets were honoured per formula, not per worker.
  assert.notDeepEqual(viaTwo[2]!.pixels, viaTwo[3]!.pixels);
});

test('renderOrdered yields results in input order', async () => {
  const results = [];
  for await (const result of two.renderOrdered(formulas, 2)) results.push(result);
  const batch = await two.renderBatch(formulas);
  assert.deepEqual(results.map((r) => r.pixels), batch.map((r) => r.pixels));
});

test('a formula over its time budget is reported and still yields a bitmap', async () => {
  const strict = new RenderPool({ workers: 1, budgetMs: 300, cacheSize: 0 });
  try {
    const result = await strict.render({ latex: '\\d', macros: thousandFractions, display: true });
    assert.equal(result.degraded, true);
    assert.equal(result.issues[0]?.kind, 'timeout');
    assert.equal(result.pixels.length, 32 * 333);
    // The pool replaced its worker and keeps working.
    const next = await strict.render({ latex: 'x', display: true });
    assert.equal(next.pixels.length, 32 * 333);
  } finally {
    await strict.close();
  }
});

test('formulas queued behind one over its budget on the same worker render normally', async () => {
  const strict = new RenderPool({ workers: 1, budgetMs: 300, cacheSize: 0, prefetch: 4 });
  try {
    const slow = { latex: '\\d', macros: thousandFractions, display: true };
    const results = await Promise.all([slow, ...formulas.slice(0, 3)].map((formula) => strict.render(formula, { priority: 'batch' })));
    assert.equal(results[0]!.issues[0]?.kind, 'timeout');
    for (let i = 0; i < 3; i++) assert.deepEqual(results[i + 1]!.pixels, (await renderInThisThread(formulas[i]!)).pixels, `queued formula ${i}`);
  } finally {
    await strict.close();
  }
});

test('a formula asked for twice before its rendering is done is rendered once, at each priority', async () => {
  const sharing = new RenderPool({ workers: 1, cacheSize: 10 });
  try {
    const [first, second, third] = await Promise.all([
      sharing.render(formulas[0]!, { priority: 'batch' }),
      sharing.render({ ...formulas[0]! }, { priority: 'batch' }),
      sharing.render(formulas[0]!, { priority: 'interactive' }),
    ]);
    assert.equal(first, second, 'one rendering shared');
    assert.notEqual(third, first, 'the cursor request did not wait for the batch one');
    assert.deepEqual(third!.pixels, first!.pixels);
  } finally {
    await sharing.close();
  }
});

test('the cache answers a repeated request with the same result', async () => {
  const first = await two.render(formulas[0]!);
  assert.equal(await two.render({ ...formulas[0]! }), first);
  assert.notEqual(await one.render(formulas[0]!), first); // a pool without cache renders anew
  assert.notEqual(await two.render(formulas[0]!, { region: 'canvas' }), first);
});

test('a closed pool rejects new work', async () => {
  const closing = new RenderPool({ workers: 1 });
  await closing.close();
  await assert.rejects(closing.render(formulas[0]!), /closed/);
});
