// The numeric signal's weight is chosen like the others: `formula-lens signatures` writes the corpus's
// signatures, symbolic_fusion.py --numeric fuses them on validation and writes a "numeric" weight that the
// product's fusion reader takes. A tiny synthetic corpus whose documents each write one function in
// several notations: only the numeric signal sees that they are the same.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { signaturesCommand } from '../../../src/cli/commands/signatures';
import { readFusionConfig } from '../../../src/core/search/hybrid';
import { writeNotationCorpus } from '../../helpers/notation-corpus';
import { trainingScript as script, trainingSkip } from '../../helpers/training-scripts';

const skip = trainingSkip;

const dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-numeric-fusion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('symbolic_fusion.py --numeric weighs the numeric signal and the product reads the weight', { skip }, async () => {
  const corpus = path.join(dir, 'corpus.jsonl');
  const split = path.join(dir, 'split.json');
  const signatures = path.join(dir, 'signatures.jsonl');
  const fusion = path.join(dir, 'fusion.json');
  const report = path.join(dir, 'report.json');
  writeNotationCorpus(corpus, split, (k) => [`x^{${k}} + ${k} x`, `${k} t + t^{${k}}`, `f(u) = u^{${k}} + ${k} u`, `\\left(s^{${k}} + ${k}\\, s\\right)`]);
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  try {
    assert.equal(await signaturesCommand.run(['--corpus', corpus, '--out', signatures]), 0);
  } finally {
    process.stderr.write = write;
  }
  const data = ['--corpus', corpus, '--split', split, '--cache', path.join(dir, 'cache')];
  const runDir = path.join(dir, 'run');
  await script('symbolic.py', 'fit', ...data, '--run', runDir, '--steps', '1', '--batch', '8', '--validation-triples', '20', '--layers', '1', '--width', '32');
  const table = await script('symbolic_fusion.py', ...data, '--symbolic', path.join(runDir, 'last.pt'), '--numeric', signatures, '--step', '0.5', '--fusion', fusion, '--out', report);

  assert.match(table, /numeric signatures: train \d+\/\d+ \(100\.0%\), validation \d+\/\d+ \(100\.0%\), test \d+\/\d+ \(100\.0%\); corpus 80\/80/);
  const written = JSON.parse(readFileSync(fusion, 'utf8'));
  assert.equal(written.validation.numeric.mAP, 1, 'each document is one function: its signatures find exactly its siblings');
  assert.ok(written.weights.numeric > 0, 'the signal that ranks perfectly earns weight');
  const chosen = readFusionConfig(fusion);
  assert.ok(chosen.ok, chosen.ok ? '' : chosen.reason);
  assert.equal(chosen.value.weights.numeric, written.weights.numeric);
  const test = JSON.parse(readFileSync(report, 'utf8')).test;
  assert.deepEqual(Object.keys(test), ['TF-IDF (the lexical signal)', 'symbolic', 'canonical TF-IDF, variables renamed', 'numeric alone', 'hybrid without numeric', 'hybrid']);
  assert.ok(test.hybrid.mAP >= test['hybrid without numeric'].mAP);
});
