// SNIP alignment end to end on a tiny synthetic dataset: a bitmap encoder and a symbolic encoder trained a
// step each, the bitmap one fine-tuned against the symbolic one, resumed, and evaluated beside the original
// by train.py (the before/after figures of the model card come from exactly this command); and the fusion
// script with a bitmap signal.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { BITMAP_BYTES, BITMAP_WIDTH } from '../../../src/core/encode/types';
import { trainingScript as script, trainingSkip } from '../../helpers/training-scripts';

const skip = trainingSkip;
let dir = '';

/** 10 sources × 2 documents × 6 formulas: a document's formulas share a command and a stroke pattern. */
function writeDataset(directory: string): void {
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const bitmaps: Uint8Array[] = [];
  const rows: object[] = [];
  const records: object[] = [];
  for (let source = 0; source < 10; source++) {
    for (let document = 0; document < 2; document++) {
      const id = `doc-${source}-${document}`;
      const command = `\\doc${String.fromCharCode(97 + source)}${String.fromCharCode(97 + document)}`;
      const strokes = Array.from({ length: 10 }, () => [Math.floor(random() * 24), Math.floor(random() * 300)]);
      const formulas = [];
      for (let formula = 0; formula < 6; formula++) {
        const bitmap = new Uint8Array(BITMAP_BYTES);
        for (const [row, column] of strokes) for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 20; dx++) bitmap[(row + dy) * BITMAP_WIDTH + column + dx] = 255;
        bitmaps.push(bitmap);
        formulas.push({ latex: `${command}^{${formula}}`, env: 'equation', section: 'S', inline: false });
        rows.push({ record: id, source: `github:synthetic/${source}`, formula, section: 'S', env: 'equation', inline: false, degraded: false });
      }
      records.push({ id, source: `github:synthetic/${source}`, macros: '', formulas });
    }
  }
  writeFileSync(path.join(directory, 'bitmaps.u8'), Buffer.concat(bitmaps));
  writeFileSync(path.join(directory, 'formulas.jsonl'), rows.map((row) => JSON.stringify(row) + '\n').join(''));
  writeFileSync(path.join(directory, 'corpus.jsonl'), records.map((record) => JSON.stringify(record) + '\n').join(''));
  writeFileSync(path.join(directory, 'meta.json'), JSON.stringify({ count: rows.length, height: 32, width: 333, renderer: 'synthetic' }));
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-align-'));
  writeDataset(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('aligns a bitmap encoder to the symbolic one, resumes, and evaluates beside the original', { skip }, async () => {
  const corpus = path.join(dir, 'corpus.jsonl');
  const split = path.join(dir, 'split.json');
  await script('train.py', 'split', '--corpus', corpus, '--out', split);
  const common = ['--split', split, '--threads', '1'];
  await Promise.all([
    script('train.py', 'fit', '--dataset', dir, ...common, '--run', path.join(dir, 'see'), '--steps', '1', '--batch', '8'),
    script('symbolic.py', 'fit', '--corpus', corpus, ...common, '--run', path.join(dir, 'symbolic'), '--steps', '1', '--batch', '8',
      '--validation-triples', '50', '--layers', '1', '--width', '32'),
  ]);
  const align = ['--dataset', dir, '--corpus', corpus, ...common, '--bitmap', path.join(dir, 'see', 'last.pt'),
    '--symbolic', path.join(dir, 'symbolic', 'last.pt'), '--run', path.join(dir, 'aligned'), '--batch', '8', '--validation-triples', '50'];
  await script('symbolic_align.py', ...align, '--steps', '1');
  const resumed = await script('symbolic_align.py', ...align, '--steps', '2');
  assert.match(resumed, /resumed from .*last\.pt at step 1/);
  assert.match(readFileSync(path.join(dir, 'aligned', 'train.log'), 'utf8'), /validate step 2: ranking loss/);

  const metrics = path.join(dir, 'metrics.json');
  await script('train.py', 'evaluate', '--dataset', dir, '--corpus', corpus, ...common,
    '--checkpoint', `SEE=${path.join(dir, 'see', 'last.pt')}`, '--checkpoint', `SEE aligned=${path.join(dir, 'aligned', 'last.pt')}`, '--out', metrics);
  const results = JSON.parse(readFileSync(metrics, 'utf8')).results;
  assert.deepEqual(Object.keys(results), ['SEE', 'untrained see', 'SEE aligned', 'TF-IDF']);
  assert.equal(results['SEE'].progress.step, 1);
  assert.equal(results['SEE aligned'].progress.step, 2, 'the aligned checkpoint counts its own steps');
  for (const name of ['SEE', 'SEE aligned']) assert.ok(results[name].mAP > 0 && results[name].ranking_loss <= 1);

  // The fusion with a bitmap signal: three-way weights on validation, the SEE row on test.
  const fusion = path.join(dir, 'fusion.json');
  const table = await script('symbolic_fusion.py', '--corpus', corpus, '--split', split, '--symbolic', path.join(dir, 'symbolic', 'last.pt'),
    '--bitmap', `SEE=${path.join(dir, 'see', 'last.pt')}`, '--fuse-bitmap', '--dataset', dir, '--step', '0.5', '--fusion', fusion);
  const chosen = JSON.parse(readFileSync(fusion, 'utf8'));
  assert.equal(chosen.bitmapModel, 'SEE');
  assert.ok(Math.abs(chosen.weights.bitmap + chosen.weights.symbolic + chosen.weights.lexical - 1) < 1e-9, JSON.stringify(chosen.weights));
  assert.ok(['bitmap', 'hybrid', 'symbolic', 'lexical'].includes(chosen.defaultMode), chosen.defaultMode);
  assert.match(table, /\| SEE \| [0-9.]+ \|/);
});
