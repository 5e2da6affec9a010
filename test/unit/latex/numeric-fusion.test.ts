// The numeric signal's weight is chosen like the others: `formula-lens signatures` writes the corpus's
// signatures, symbolic_fusion.py --numeric fuses them on validation and writes a "numeric" weight that the
// product's fusion reader takes. A tiny synthetic corpus whose documents each write one function in
// several notations: only the numeric signal sees that they are the same.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { signaturesCommand } from '../../../src/cli/commands/signatures';
import { readFusionConfig } from '../../../src/core/search/hybrid';
import { trainingScript as script, trainingSkip } from '../../helpers/training-scripts';

const skip = trainingSkip;

const dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-numeric-fusion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 10 sources × 2 documents × 4 formulas: a document's formulas are one polynomial in other letters and orders. */
function writeCorpus(file: string): void {
  const records = [];
  for (let source = 0; source < 10; source++) {
    for (let document = 0; document < 2; document++) {
      const k = 2 + source * 2 + document;
      const notations = [`x^{${k}} + ${k} x`, `${k} t + t^{${k}}`, `f(u) = u^{${k}} + ${k} u`, `\\left(s^{${k}} + ${k}\\, s\\right)`];
      records.push({
        id: `doc-${source}-${document}`,
        source: `github:synthetic/${source}`,
        macros: '',
        formulas: notations.map((latex, i) => ({ latex, env: 'equation', section: `S${i % 2}`, inline: false })),
      });
    }
  }
  writeFileSync(file, records.map((record) => JSON.stringify(record) + '\n').join(''));
}

test('symbolic_fusion.py --numeric weighs the numeric signal and the product reads the weight', { skip }, async () => {
  const corpus = path.join(dir, 'corpus.jsonl');
  const split = path.join(dir, 'split.json');
  const signatures = path.join(dir, 'signatures.jsonl');
  const fusion = path.join(dir, 'fusion.json');
  const report = path.join(dir, 'report.json');
  writeCorpus(corpus);
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  try {
    assert.equal(await signaturesCommand.run(['--corpus', corpus, '--out', signatures]), 0);
  } finally {
    process.stderr.write = write;
  }
  const sources = Array.from({ length: 10 }, (_, source) => `github:synthetic/${source}`);
  writeFileSync(split, JSON.stringify({ seed: 0, train: sources.slice(0, 6), validation: sources.slice(6, 8), test: sources.slice(8) }));
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
