// `formula-lens variants` in-process: the file training/symbolic.py reads (corpus order, split filter,
// seeded and independent of the split selection, LaTeX that re-lexes to the generator's tokens), and its
// failure paths.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { UsageError } from '../../../src/cli/command';
import { recordVariants, variantsCommand, type FormulaVariants } from '../../../src/cli/commands/variants';
import { lex, tokenizeFormula } from '../../../src/core/latex/tokenize';
import type { CorpusRecord } from '../../../src/core/render/corpus';

let dir = '';
const corpus = () => path.join(dir, 'corpus.jsonl');
const split = () => path.join(dir, 'split.json');

const records: CorpusRecord[] = [
  {
    id: 'paper-a',
    source: 'arxiv:a',
    macros: '\\newcommand{\\vw}{\\mathbf{w}}',
    formulas: [
      { latex: '\\vw_{t+1} = \\vw_t - \\eta \\nabla L(\\vw_t)', env: 'equation', section: 'Method', inline: false },
      { latex: '1', env: 'inline', section: 'Method', inline: true },
      { latex: '\\sum_{i=1}^n a_i b_i \\le \\left( \\sum_i a_i^2 \\right)^{1/2}', env: 'equation', section: null, inline: false },
    ],
  },
  {
    id: 'paper-b',
    source: 'arxiv:b',
    formulas: [{ latex: 'f(x) = \\frac{1}{1 + e^{-x}}', env: 'equation', section: null, inline: false }],
  },
];

async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await variantsCommand.run(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

const readLines = (file: string): FormulaVariants[] =>
  readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as FormulaVariants);

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-variants-'));
  writeFileSync(corpus(), records.map((record) => JSON.stringify(record) + '\n').join(''));
  writeFileSync(split(), JSON.stringify({ seed: 0, train: ['arxiv:a'], validation: [], test: ['arxiv:b'] }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('writes the variants of every formula that has one, in corpus order, with progress on stderr', async () => {
  const out = path.join(dir, 'all.jsonl');
  const { code, stderr } = await run('--corpus', corpus(), '--out', out, '--per-formula', '3', '--seed', '7');
  assert.equal(code, 0, stderr);
  const lines = readLines(out);
  assert.deepEqual(lines.map(({ record, formula }) => [record, formula]), [['paper-a', 0], ['paper-a', 2], ['paper-b', 0]],
    'the lone digit has no variant');
  for (const line of lines) {
    assert.ok(line.variants.length >= 1 && line.variants.length <= 3);
    assert.equal(new Set(line.variants).size, line.variants.length, 'variants are distinct');
  }
  assert.match(stderr, /variants: 4\/4 formulas/);
  assert.match(stderr, /variants of 3 of 4 formulas \(2 records\)/);
  const again = path.join(dir, 'again.jsonl');
  assert.equal((await run('--corpus', corpus(), '--out', again, '--per-formula', '3', '--seed', '7')).code, 0);
  assert.equal(readFileSync(again, 'utf8'), readFileSync(out, 'utf8'), 'seeded');
  const otherSeed = path.join(dir, 'other-seed.jsonl');
  assert.equal((await run('--corpus', corpus(), '--out', otherSeed, '--per-formula', '3', '--seed', '8')).code, 0);
  assert.notEqual(readFileSync(otherSeed, 'utf8'), readFileSync(out, 'utf8'));
});

test('variants are macro-expanded LaTeX: read without macros they lex to new token lists of the same formula', () => {
  const [first] = recordVariants(records[0]!, { perFormula: 2, seed: 0 });
  assert.ok(first);
  const original = tokenizeFormula(records[0]!.formulas[0]!.latex, records[0]!.macros);
  assert.ok(original.ok);
  for (const variant of first.variants) {
    assert.doesNotMatch(variant, /\\vw/, 'the document macro is expanded');
    assert.notDeepEqual(lex(variant), original.tokens);
    assert.ok(lex(variant).includes('\\nabla'), 'the operator survives every transform');
  }
});

test('--splits keeps the formulas of those splits, and a formula gets the same variants either way', async () => {
  const all = path.join(dir, 'every-split.jsonl');
  const train = path.join(dir, 'train.jsonl');
  assert.equal((await run('--corpus', corpus(), '--out', all)).code, 0);
  assert.equal((await run('--corpus', corpus(), '--out', train, '--split', split(), '--splits', 'train')).code, 0);
  const trainLines = readLines(train);
  assert.deepEqual([...new Set(trainLines.map((line) => line.record))], ['paper-a']);
  assert.deepEqual(trainLines, readLines(all).filter((line) => line.record === 'paper-a'));
});

test('bad options are usage errors; an unreadable corpus or output exits 1 with the reason', async () => {
  await assert.rejects(run('--corpus', corpus()), UsageError);
  await assert.rejects(run('--corpus', corpus(), '--out', 'x', '--splits', 'train'), /--splits needs --split/);
  await assert.rejects(run('--corpus', corpus(), '--out', 'x', '--split', split(), '--splits', 'dev'), /unknown split 'dev'/);
  await assert.rejects(run('--corpus', corpus(), '--out', 'x', '--per-formula', '0'), /--per-formula/);
  await assert.rejects(run('--corpus', corpus(), '--out', 'x', '--split', path.join(dir, 'none.json'), '--splits', 'test'), UsageError);
  const garbage = path.join(dir, 'garbage.jsonl');
  writeFileSync(garbage, '\u0000\u0001 not json\n');
  const unreadable = await run('--corpus', garbage, '--out', path.join(dir, 'x.jsonl'));
  assert.equal(unreadable.code, 1);
  assert.match(unreadable.stderr, /garbage\.jsonl:1: not JSON/);
  const unwritable = await run('--corpus', corpus(), '--out', path.join(dir, 'missing-folder', 'out.jsonl'));
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /ENOENT/);
});
