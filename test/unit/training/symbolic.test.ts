// The symbolic training script end to end on a tiny synthetic corpus: a few InfoNCE steps, resume,
// evaluation beside TF-IDF, fusion weights on validation, ONNX export with its parity check, and the model
// in the product's encoder.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { modelFingerprint } from '../../../src/core/encode/models';
import { SymbolicEncoder } from '../../../src/core/encode/symbolic';
import { readFusionConfig } from '../../../src/core/search/hybrid';
import { repoRoot } from '../../helpers/paths';
import { trainingScript as script, trainingSkip } from '../../helpers/training-scripts';

const skip = trainingSkip;

let dir = '';

/** 10 sources × 2 documents × 8 formulas; each document has its own command, so TF-IDF separates them. */
function writeCorpus(file: string): void {
  const records = [];
  for (let source = 0; source < 10; source++) {
    for (let document = 0; document < 2; document++) {
      const command = `\\doc${String.fromCharCode(97 + source)}${String.fromCharCode(97 + document)}`;
      records.push({
        id: `doc-${source}-${document}`,
        source: `github:synthetic/${source}`,
        macros: '',
        formulas: Array.from({ length: 8 }, (_, i) => ({ latex: `${command} + ${command}`, env: 'equation', section: `S${i % 2}`, inline: false })),
      });
    }
  }
  writeFileSync(file, records.map((record) => JSON.stringify(record) + '\n').join(''));
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-symbolic-'));
  writeCorpus(path.join(dir, 'corpus.jsonl'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('trains, resumes, evaluates and exports a symbolic model that the product encoder runs', { skip }, async () => {
  const corpus = path.join(dir, 'corpus.jsonl');
  const split = path.join(dir, 'split.json');
  const runDir = path.join(dir, 'run');
  await script('train.py', 'split', '--corpus', corpus, '--out', split);
  const data = ['--corpus', corpus, '--split', split, '--cache', path.join(dir, 'cache')];
  const small = ['--batch', '8', '--validation-triples', '50', '--layers', '1', '--width', '32'];
  await script('symbolic.py', 'fit', ...data, '--run', runDir, '--steps', '2', ...small);
  const resumed = await script('symbolic.py', 'fit', ...data, '--run', runDir, '--steps', '3', ...small);
  assert.match(resumed, /resumed from .*last\.pt at step 2/);
  const history = readFileSync(path.join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(history.map((point) => point.step), [0, 2, 3]);

  const metrics = path.join(dir, 'metrics.json');
  const onnx = path.join(dir, 'symbolic.onnx');
  const checkpoint = path.join(runDir, 'last.pt');
  const fusion = path.join(dir, 'fusion.json');
  const fusionReport = path.join(dir, 'fusion-test.json');
  const [, exported, table] = await Promise.all([
    script('symbolic.py', 'evaluate', ...data, '--checkpoint', `symbolic=${checkpoint}`, '--out', metrics),
    script('symbolic.py', 'export', '--checkpoint', checkpoint, '--out', onnx, ...data),
    script('symbolic_fusion.py', ...data, '--symbolic', checkpoint, '--step', '0.5', '--fusion', fusion, '--out', fusionReport),
  ]);
  const report = JSON.parse(readFileSync(metrics, 'utf8'));
  assert.deepEqual(Object.keys(report.results), ['symbolic', 'untrained symbolic', 'TF-IDF']);
  assert.equal(report.results['TF-IDF'].mAP, 1, 'document-specific commands rank every sibling first');
  for (const measures of Object.values(report.results) as Record<string, number>[]) {
    assert.ok(measures.ranking_loss >= 0 && measures.ranking_loss <= 1 && measures.mAP > 0 && measures.mAP <= 1);
  }
  const chosen = readFusionConfig(fusion);
  assert.ok(chosen.ok, chosen.ok ? '' : chosen.reason);
  assert.equal(chosen.value.weights.bitmap, 0, 'no bitmap checkpoint given');
  assert.ok(Math.abs(chosen.value.weights.symbolic + chosen.value.weights.lexical + chosen.value.weights.canonical - 1) < 1e-9);
  const test = JSON.parse(readFileSync(fusionReport, 'utf8')).test;
  assert.deepEqual(Object.keys(test), ['TF-IDF (the lexical signal)', 'symbolic', 'canonical TF-IDF, variables renamed', 'hybrid']);
  assert.equal(test['TF-IDF (the lexical signal)'].mAP, report.results['TF-IDF'].mAP, 'the same protocol as symbolic.py evaluate');
  assert.match(table, /\| hybrid \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| – \|/);
  assert.match(exported, /parity with PyTorch on \d+ formulas, max abs difference/);

  const opened = await SymbolicEncoder.open({ model: onnx });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  const encoder = opened.value;
  assert.equal(encoder.model.fingerprint, modelFingerprint(onnx));
  const formulas = [
    { latex: '\\half x', macros: '\\newcommand{\\half}{\\frac{1}{2}}' },
    { latex: '\\frac{1}{2} x' },
    { latex: 'y'.repeat(5000) + '\\left(' },
    { latex: '' },
  ];
  const embeddings = await encoder.embed(formulas);
  for (const embedding of embeddings) {
    assert.equal(embedding.length, 64);
    assert.ok(Math.abs(Math.hypot(...embedding) - 1) < 1e-4);
  }
  assert.ok(embeddings[0].every((value, i) => Math.abs(value - embeddings[1][i]) < 1e-5), 'macros expand before encoding');
  const reversed = await encoder.embed([...formulas].reverse());
  reversed.reverse().forEach((embedding, i) => assert.ok(embedding.every((value, j) => Math.abs(value - embeddings[i][j]) < 1e-5), 'order kept'));
  await encoder.dispose();
});

test('a bitmap encoder is refused as a symbolic model with a typed error', async () => {
  const opened = await SymbolicEncoder.open({ model: path.join(repoRoot, 'test/unit/encode/fixtures/tiny-encoder.onnx') });
  assert.equal(opened.ok, false);
  assert.equal(!opened.ok && opened.reason.kind, 'wrong-model-shape');
  const missing = await SymbolicEncoder.open({ model: path.join(dir, 'absent.onnx') });
  assert.equal(!missing.ok && missing.reason.kind, 'model-not-found');
});
