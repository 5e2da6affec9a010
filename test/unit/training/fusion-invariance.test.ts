// symbolic_fusion.py --variants: the fusion weights must reach a notation-invariance goal on validation
// (a generated variant of a validation formula finds its original at rank 1), and the product reads the
// canonical signal's weight. A tiny synthetic corpus whose documents write polynomials in other letters:
// here the best combination on retrieval alone misses the goal, so the goal changes the choice.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { variantsCommand } from '../../../src/cli/commands/variants';
import { readFusionConfig } from '../../../src/core/search/hybrid';
import { writeNotationCorpus } from '../../helpers/notation-corpus';
import { trainingScript as script, trainingSkip } from '../../helpers/training-scripts';

const dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-fusion-invariance-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('symbolic_fusion.py --variants chooses weights that reach the invariance goal on validation, and the product reads them', { skip: trainingSkip }, async () => {
  const corpus = path.join(dir, 'corpus.jsonl');
  const split = path.join(dir, 'split.json');
  const variants = path.join(dir, 'variants.jsonl');
  const fusion = path.join(dir, 'fusion.json');
  const report = path.join(dir, 'report.json');
  writeNotationCorpus(corpus, split, (k) => [
    `x^{${k}} + ${k} x`, `${k} t + t^{${k}}`, `f(u) = u^{${k}} + ${k} u`, `\\left(s^{${k}} + ${k}\\, s\\right)`, `a_{${k}} b + c`, `\\sum_{i} w_i x_i^{${k}}`,
  ]);
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  try {
    assert.equal(await variantsCommand.run(['--corpus', corpus, '--split', split, '--splits', 'validation,test', '--out', variants]), 0);
  } finally {
    process.stderr.write = write;
  }
  const data = ['--corpus', corpus, '--split', split, '--cache', path.join(dir, 'cache')];
  const runDir = path.join(dir, 'run');
  await script('symbolic.py', 'fit', ...data, '--run', runDir, '--steps', '1', '--batch', '8', '--validation-triples', '20', '--layers', '1', '--width', '32');
  const table = await script('symbolic_fusion.py', ...data, '--symbolic', path.join(runDir, 'last.pt'), '--variants', variants,
    '--invariance-goal', '0.9', '--step', '0.5', '--fusion', fusion, '--out', report);

  const written = JSON.parse(readFileSync(fusion, 'utf8'));
  assert.equal(written.invarianceGoal.rank1, 0.9);
  assert.ok(written.invarianceGoal.variants > 10, 'validation formulas with a variant query the split');
  const unconstrained = written.validation['hybrid without the invariance goal'];
  assert.ok(unconstrained.invariance_rank1 < 0.9, `retrieval alone would choose ${JSON.stringify(unconstrained.weights)}, below the goal`);
  assert.ok(written.validation.hybrid.invariance_rank1 >= 0.9, 'the chosen weights reach the goal');
  assert.ok(written.validation.canonical.invariance_rank1 > written.validation.lexical.invariance_rank1, 'renamed variables: the canonical signal finds more originals than the tokens as written');
  const chosen = readFusionConfig(fusion);
  assert.ok(chosen.ok, chosen.ok ? '' : chosen.reason);
  assert.equal(chosen.value.weights.canonical, written.weights.canonical);
  assert.ok(written.weights.canonical + written.weights.lexical + written.weights.symbolic > 0.99);
  const onTest = JSON.parse(readFileSync(report, 'utf8')).test;
  assert.ok(onTest.hybrid.invariance_rank1 >= 0 && onTest.hybrid.invariance_rank1 <= 1, 'the test table reports invariance too');
  assert.match(table, /\| hybrid \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|/);
});
