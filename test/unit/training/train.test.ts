// The training script end to end on a tiny synthetic dataset: split, a few training steps, resume,
// evaluation, ONNX export with its parity check, and the exported model in onnxruntime-node.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Encoder } from '../../../src/core/encode/encoder';
import { modelFingerprint } from '../../../src/core/encode/models';
import { BITMAP_BYTES, BITMAP_WIDTH } from '../../../src/core/encode/types';
import { repoRoot } from '../../helpers/paths';

const python = '/usr/bin/python3';
const script = path.join(repoRoot, 'training', 'train.py');
const hasTorch = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const skip = hasTorch ? false : `${python} lacks torch/onnx (CI installs python3-torch python3-onnx)`;

const SOURCES = 10;
const DOCUMENTS_PER_SOURCE = 2;
const FORMULAS_PER_DOCUMENT = 8;

let dir = '';

const run = promisify(execFile);

async function train(...args: string[]): Promise<string> {
  const result = await run(python, [script, ...args], { cwd: repoRoot }).catch((error: { stdout: string; stderr: string }) => {
    assert.fail(`train.py ${args[0]} failed:\n${error.stdout}\n${error.stderr}`);
  });
  return result.stdout;
}

/** Each document draws its own stroke pattern, and each formula jitters it: same document ⇒ similar ink. */
function writeSyntheticDataset(directory: string): void {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const bitmaps: Uint8Array[] = [];
  const rows: object[] = [];
  const records: object[] = [];
  for (let source = 0; source < SOURCES; source++) {
    for (let document = 0; document < DOCUMENTS_PER_SOURCE; document++) {
      const id = `doc-${source}-${document}`;
      const command = `doc${String.fromCharCode(97 + source)}${String.fromCharCode(97 + document)}`;
      const strokes = Array.from({ length: 12 }, () => [Math.floor(random() * 24), Math.floor(random() * 300)]);
      const formulas = [];
      for (let formula = 0; formula < FORMULAS_PER_DOCUMENT; formula++) {
        const bitmap = new Uint8Array(BITMAP_BYTES);
        for (const [row, column] of strokes) {
          const shift = Math.floor(random() * 5);
          for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 20; dx++) bitmap[(row + dy) * BITMAP_WIDTH + column + dx + shift] = 255;
        }
        bitmaps.push(bitmap);
        const section = `Section ${formula % 2}`;
        // A document-specific command: the TF-IDF baseline must rank a formula's siblings first.
        formulas.push({ latex: `\\${command} + \\${command}`, env: 'equation', section, inline: false });
        rows.push({ record: id, source: `github:synthetic/${source}`, formula, section, env: 'equation', inline: false, degraded: false });
      }
      records.push({ id, source: `github:synthetic/${source}`, macros: '', formulas });
    }
  }
  writeFileSync(path.join(directory, 'bitmaps.u8'), Buffer.concat(bitmaps));
  writeFileSync(path.join(directory, 'formulas.jsonl'), rows.map((row) => JSON.stringify(row) + '\n').join(''));
  writeFileSync(path.join(directory, 'corpus.jsonl'), records.map((record) => JSON.stringify(record) + '\n').join(''));
  writeFileSync(path.join(directory, 'meta.json'), JSON.stringify({ count: rows.length, height: 32, width: 333, renderer: 'synthetic' }));
}

/** A `formula-lens structure-pairs` file for the synthetic dataset: each formula of a source's first document has
 * the same formula of the source's second document as its structural neighbour. */
function writeStructurePairs(file: string): void {
  const lines = Array.from({ length: SOURCES }, (_, source) => Array.from({ length: FORMULAS_PER_DOCUMENT }, (_, formula) => ({
    record: `doc-${source}-0`, formula, neighbours: [{ record: `doc-${source}-1`, formula, score: 0.8 }],
  }))).flat();
  writeFileSync(file, lines.map((line) => JSON.stringify(line) + '\n').join(''));
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-training-'));
  writeSyntheticDataset(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('trains, resumes, evaluates and exports a model that onnxruntime-node loads', { skip }, async () => {
  const split = path.join(dir, 'split.json');
  const checkpoints = path.join(dir, 'run');
  const data = ['--dataset', dir, '--split', split, '--threads', '1'];
  await train('split', '--corpus', path.join(dir, 'corpus.jsonl'), '--out', split);
  const sources = JSON.parse(readFileSync(split, 'utf8'));
  assert.deepEqual(
    [...sources.train, ...sources.validation, ...sources.test].sort(),
    Array.from({ length: SOURCES }, (_, i) => `github:synthetic/${i}`).sort(),
  );
  assert.ok(sources.validation.length > 0 && sources.test.length > 0);

  await train('fit', ...data, '--run', checkpoints, '--steps', '2', '--batch', '8');
  const resumed = await train('fit', ...data, '--run', checkpoints, '--steps', '3', '--batch', '8');
  assert.match(resumed, /resumed from .*last\.pt at step 2/);
  const history = readFileSync(path.join(checkpoints, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(history.map((point) => point.step), [0, 2, 3]);

  const metrics = path.join(dir, 'metrics.json');
  const onnx = path.join(dir, 'see.onnx');
  const checkpoint = path.join(checkpoints, 'last.pt');
  const [, exported] = await Promise.all([
    train('evaluate', ...data, '--corpus', path.join(dir, 'corpus.jsonl'), '--checkpoint', `see=${checkpoint}`, '--out', metrics),
    train('export', '--checkpoint', checkpoint, '--out', onnx, '--dataset', dir),
  ]);
  const report = JSON.parse(readFileSync(metrics, 'utf8'));
  assert.deepEqual(Object.keys(report.results), ['see', 'untrained see', 'TF-IDF']);
  assert.equal(report.results['TF-IDF'].mAP, 1, 'document-specific tokens rank every sibling first');
  assert.equal(report.results['TF-IDF'].ranking_loss, 0);

  assert.match(exported, /parity with PyTorch .* max abs difference/);

  // A new run started from the exported weights scores at step 0 what the exported checkpoint scored.
  const continued = path.join(dir, 'run-from-onnx');
  await train('fit', ...data, '--run', continued, '--init', onnx, '--steps', '1', '--batch', '8');
  const [start] = readFileSync(path.join(continued, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(start.step, 0);
  assert.equal(start.validation_ranking_loss, history.at(-1).validation_ranking_loss);
  assert.equal(start.validation_constant_margin_loss, history.at(-1).validation_constant_margin_loss);

  const opened = await Encoder.open({ model: onnx, executionProvider: 'cpu' });
  assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
  const encoder = opened.value;
  assert.equal(encoder.model.fingerprint, modelFingerprint(onnx));
  const bitmaps = readFileSync(path.join(dir, 'bitmaps.u8'));
  const [first, second] = await encoder.embed([bitmaps.subarray(0, BITMAP_BYTES), bitmaps.subarray(BITMAP_BYTES, 2 * BITMAP_BYTES)]);
  for (const embedding of [first, second]) {
    assert.equal(embedding.length, 64);
    assert.ok(Math.abs(Math.hypot(...embedding) - 1) < 1e-4);
  }
  await encoder.dispose();
});

test('--document-weights source draws a document by 1/√(documents of its source), for anchors and negatives alike', { skip }, () => {
  // One source of 16 documents, four of one: uniform draws give the big source 80% of the documents,
  // the weights 16/√16 ÷ (16/√16 + 4) = 50%.
  const script = `
import sys, json
import numpy as np
sys.path.insert(0, 'training')
from data import Dataset, Documents, sample_pairs, sample_triples
rows = [{'record': f'{source}-{doc}', 'source': source, 'section': '', 'degraded': False}
        for source, count in [('big', 16)] + [(f'small{i}', 1) for i in range(4)] for doc in range(count) for _ in range(3)]
documents = Documents(Dataset(None, rows, 'none'), {row['source']: 'train' for row in rows}, 'train', True)
rng = np.random.default_rng(0)
def big_share(indices):
    return float(np.mean([documents.sources[documents.document_of[int(row)]] == 'big' for row in indices]))
uniform = big_share(sample_triples(documents, 4000, rng)[:, 0])
documents.weigh_by_source()
triples = sample_triples(documents, 4000, rng)
pairs = np.concatenate([sample_pairs(documents, 4, rng)[:, 0] for _ in range(1000)])
print(json.dumps({'uniform': uniform, 'anchors': big_share(triples[:, 0]), 'negatives': big_share(triples[:, 2]),
                  'pairs': big_share(pairs), 'own_negative': int(sum(documents.document_of[int(a)] == documents.document_of[int(n)] for a, _, n in triples))}))
`;
  const shares = JSON.parse(spawnSync(python, ['-c', script], { cwd: repoRoot, encoding: 'utf8' }).stdout);
  assert.ok(Math.abs(shares.uniform - 0.8) < 0.03, `uniform ${shares.uniform}`);
  assert.ok(Math.abs(shares.anchors - 0.5) < 0.03, `anchors ${shares.anchors}`);
  assert.ok(Math.abs(shares.negatives - 0.5) < 0.03, `negatives ${shares.negatives}`);
  // Four distinct documents per InfoNCE batch, drawn without replacement: near the weights, far from uniform.
  assert.ok(shares.pairs > 0.4 && shares.pairs < 0.65, `pairs ${shares.pairs}`);
  assert.equal(shares.own_negative, 0, 'a negative never comes from the anchor document');
});

test('--same-source-share fills that share of an InfoNCE batch source by source, with distinct documents', { skip }, () => {
  // Ten sources of four documents: in a uniform batch of 8, about two come from its largest source; with
  // share 0.5, four of the eight come from one source (all of its documents).
  const script = `
import sys, json, collections
import numpy as np
sys.path.insert(0, 'training')
from data import Dataset, Documents, sample_pairs
rows = [{'record': f's{source}-d{doc}', 'source': f's{source}', 'section': '', 'degraded': False}
        for source in range(10) for doc in range(4) for _ in range(3)]
documents = Documents(Dataset(None, rows, 'none'), {row['source']: 'train' for row in rows}, 'train', True)
rng = np.random.default_rng(0)
def batches():
    for _ in range(200):
        pairs = sample_pairs(documents, 8, rng)
        yield [documents.document_of[int(anchor)] for anchor in pairs[:, 0]]
def top_source(docs):
    return collections.Counter(documents.sources[d] for d in docs).most_common(1)[0][1]
uniform = [top_source(docs) for docs in batches()]
documents.same_source_share = 0.5
hard = list(batches())
print(json.dumps({'uniform': float(np.mean(uniform)), 'hard_min': min(top_source(docs) for docs in hard),
                  'distinct': all(len(set(docs)) == 8 for docs in hard)}))
`;
  const measured = JSON.parse(spawnSync(python, ['-c', script], { cwd: repoRoot, encoding: 'utf8' }).stdout);
  assert.ok(measured.uniform < 3, `uniform batches: ${measured.uniform} of 8 from their largest source`);
  assert.ok(measured.hard_min >= 4, `hard batches: at least 4 of 8 from one source, saw ${measured.hard_min}`);
  assert.equal(measured.distinct, true, 'every document once per batch');
});

test('--cosine-steps decays the learning rate to 0 over the steps, across a resume, and stops at the end', { skip }, async () => {
  const split = path.join(dir, 'cosine-split.json');
  await train('split', '--corpus', path.join(dir, 'corpus.jsonl'), '--out', split);
  const run = path.join(dir, 'cosine-run');
  const args = ['fit', '--dataset', dir, '--split', split, '--threads', '1', '--run', run, '--batch', '8', '--lr', '0.001', '--cosine-steps', '4'];
  await train(...args, '--steps', '2');
  const finished = await train(...args);
  assert.match(finished, /resumed from .*last\.pt at step 2/);
  assert.match(finished, /stopping: step budget spent/);
  const rates = spawnSync(python, ['-c', `
import sys, json, torch
checkpoint = torch.load(sys.argv[1], map_location='cpu')
print(json.dumps({'step': checkpoint['progress']['step'], 'lr': checkpoint['optimizer']['param_groups'][0]['lr'], 'config': checkpoint['config']['cosine_steps']}))
`, path.join(run, 'last.pt')], { cwd: repoRoot, encoding: 'utf8' });
  const last = JSON.parse(rates.stdout);
  assert.equal(last.step, 4);
  assert.equal(last.config, 4);
  // The last step (index 3) ran at 0.001 · ½(1 + cos(3π/4)).
  assert.ok(Math.abs(last.lr - 0.001 * 0.5 * (1 + Math.cos((3 * Math.PI) / 4))) < 1e-12, `lr ${last.lr}`);
});

test('evaluate --display-only leaves inline formulas out of the held-out documents', { skip }, () => {
  const script = `
import sys
sys.path.insert(0, 'training')
from data import Dataset, Documents
rows = [{'record': f'd{doc}', 'source': 's', 'section': '', 'degraded': False, 'inline': formula % 3 == 0}
        for doc in range(3) for formula in range(6)]
split = {'s': 'test'}
print(Documents(Dataset(None, rows, 'none'), split, 'test', True).formula_count,
      Documents(Dataset(None, rows, 'none'), split, 'test', True, display_only=True).formula_count)
`;
  const [all, display] = spawnSync(python, ['-c', script], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
  assert.deepEqual([all, display], [18, 12]);
});

test('fit --validate-display-only validates on the display formulas of the validation split, with that many triples', { skip }, async () => {
  // A copy of the dataset in which every third formula is inline.
  const mixed = path.join(dir, 'mixed');
  mkdirSync(mixed);
  for (const file of ['bitmaps.u8', 'corpus.jsonl', 'meta.json']) copyFileSync(path.join(dir, file), path.join(mixed, file));
  const rows = readFileSync(path.join(dir, 'formulas.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  writeFileSync(path.join(mixed, 'formulas.jsonl'), rows.map((row) => JSON.stringify({ ...row, inline: row.formula % 3 === 0 }) + '\n').join(''));
  const split = path.join(mixed, 'split.json');
  await train('split', '--corpus', path.join(mixed, 'corpus.jsonl'), '--out', split);
  const validationDocuments = JSON.parse(readFileSync(split, 'utf8')).validation.length * DOCUMENTS_PER_SOURCE;
  const common = ['fit', '--dataset', mixed, '--split', split, '--threads', '1', '--batch', '8', '--steps', '1', '--validation-triples', '12'];
  const all = await train(...common, '--run', path.join(mixed, 'all'));
  const display = await train(...common, '--run', path.join(mixed, 'display'), '--validate-display-only');
  const displayPerDocument = Array.from({ length: FORMULAS_PER_DOCUMENT }, (_, i) => i).filter((i) => i % 3 !== 0).length;
  assert.match(all, new RegExp(`validation ${validationDocuments} / ${validationDocuments * FORMULAS_PER_DOCUMENT};`));
  assert.match(display, new RegExp(`validation ${validationDocuments} / ${validationDocuments * displayPerDocument};`));
  assert.match(display, /'validate_display_only': True, 'validation_triples': 12/);
});

test('--shift-pixels moves each training bitmap by its own offset within the bound, paper filling the edge', { skip }, () => {
  const script = `
import sys, json
import numpy as np, torch
sys.path.insert(0, 'training')
from weak_labels import shifted
inputs = torch.zeros(200, 1, 32, 333)
inputs[:, 0, 12:20, 150:180] = 1
views = shifted(inputs, 10, np.random.default_rng(0))
# Bounds that are not multiples of five keep every view inside the padding too.
odd = [tuple(view.shape) for most in (1, 4, 16, 33) for view in shifted(inputs, most, np.random.default_rng(most))]
corners = [torch.nonzero(view[0])[0].tolist() for view in views]
print(json.dumps({'ink': sorted({float(view.sum()) for view in views}), 'columns': sorted({c for _, c in corners}),
                  'rows': sorted({r for r, _ in corners}), 'channels_last': views.is_contiguous(memory_format=torch.channels_last),
                  'unchanged': bool(torch.equal(shifted(inputs, 0, np.random.default_rng(0)), inputs)),
                  'odd_shapes': sorted(set(odd))}))
`;
  const measured = JSON.parse(spawnSync(python, ['-c', script], { cwd: repoRoot, encoding: 'utf8' }).stdout);
  assert.deepEqual(measured.ink, [240], 'a shift within the paper keeps all the ink');
  assert.equal(measured.columns.length, 21, `every column offset from −10 to 10 drawn: ${measured.columns}`);
  assert.ok(measured.columns[0] === 140 && measured.columns.at(-1) === 160);
  assert.deepEqual(measured.rows, [10, 11, 12, 13, 14], 'rows move by a fifth as much');
  assert.equal(measured.channels_last, true);
  assert.equal(measured.unchanged, true);
  assert.deepEqual(measured.odd_shapes, [[1, 32, 333]]);
});

test('the GPU script packs, unpacks and trains both encoders; run here on the CPU, tiny', { skip }, async () => {
  const split = path.join(dir, 'device-split.json');
  await train('split', '--corpus', path.join(dir, 'corpus.jsonl'), '--out', split);
  // The structural teacher's pairs travel inside the dataset's pack.
  const withPairs = path.join(dir, 'with-pairs');
  mkdirSync(withPairs);
  for (const file of ['bitmaps.u8', 'formulas.jsonl', 'corpus.jsonl', 'meta.json']) copyFileSync(path.join(dir, file), path.join(withPairs, file));
  writeStructurePairs(path.join(withPairs, 'structure-pairs.jsonl'));
  const packed = path.join(dir, 'packed');
  await run(python, [path.join(repoRoot, 'training', 'device_data.py'), 'pack', withPairs, packed]);
  // The synthetic sources stand in for concept classes.
  await run(python, [path.join(repoRoot, 'training', 'device_data.py'), 'pack', dir, path.join(packed, 'concepts')]);
  const out = path.join(dir, 'device-out');
  mkdirSync(out);
  const env = { ...process.env, PYTHON: python, OUT: out, FL_DEVICE: 'cpu', FL_MINUTES: '0.05', FL_BATCH: '4', FL_BENCH_SECONDS: '0.2', FL_DATA: packed, FL_SPLIT: split, FL_POSITIVES: 'both' };
  await run('bash', [path.join(repoRoot, 'scripts', 'device-train.sh')], { env, cwd: repoRoot }).catch((error: { stderr: string }) => assert.fail(error.stderr));
  const files = readdirSync(out).sort();
  assert.deepEqual(files, ['bee-best.pt', 'bee-history.jsonl', 'bee-train.log', 'benchmark.json', 'device.txt', 'see-best.pt', 'see-history.jsonl', 'see-train.log']);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'benchmark.json'), 'utf8')).device, 'cpu');
  for (const arch of ['see', 'bee']) {
    const points = readFileSync(path.join(out, `${arch}-history.jsonl`), 'utf8').trim().split('\n');
    assert.ok(points.length >= 2, `${arch}: a point before training and one at its end`);
    assert.ok(points.every((line) => typeof JSON.parse(line).validation_concept_1nn === 'number'), `${arch}: the concept set is measured at each point`);
    assert.match(readFileSync(path.join(out, `${arch}-train.log`), 'utf8'), /on cpu;.*; structural anchors \d+ in \d+ documents/);
  }
  // What comes back exports as the shipped models do.
  const onnx = path.join(dir, 'device-see.onnx');
  await train('export', '--checkpoint', path.join(out, 'see-best.pt'), '--out', onnx, '--dataset', dir);
  assert.ok(readFileSync(onnx).length > 100_000);
});

test('a pack over the size that can travel is refused, naming how to export less', { skip }, () => {
  const refused = spawnSync(python, ['-c', `import sys; sys.path.insert(0, 'training'); from device_data import pack; from pathlib import Path; pack(Path(${JSON.stringify(dir)}), Path(${JSON.stringify(path.join(dir, 'too-big'))}), limit=1000)`], { cwd: repoRoot, encoding: 'utf8' });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /over the .* that can travel; export fewer formulas/);
});

test('evaluate --concepts adds 1-NN accuracy and mAP on a class-labelled set, TF-IDF included', { skip }, async () => {
  // The synthetic sources are the classes; each document's formulas share one LaTeX command, so TF-IDF's nearest
  // neighbour of every formula is in its class.
  const split = path.join(dir, 'concepts-split.json');
  await train('split', '--corpus', path.join(dir, 'corpus.jsonl'), '--out', split);
  const run = path.join(dir, 'concepts-run');
  await train('fit', '--dataset', dir, '--split', split, '--threads', '1', '--run', run, '--steps', '1', '--batch', '4', '--concepts', dir);
  const out = path.join(dir, 'concepts.json');
  const printed = await train('evaluate', '--dataset', dir, '--corpus', path.join(dir, 'corpus.jsonl'), '--split', split, '--threads', '1',
    '--checkpoint', `trained=${path.join(run, 'best.pt')}`, '--concepts', dir, '--out', out);
  assert.match(printed, /concept 1-NN +concept mAP/);
  const { results } = JSON.parse(readFileSync(out, 'utf8'));
  for (const name of ['trained', 'untrained see', 'TF-IDF']) {
    assert.ok(results[name].concept_1nn >= 0 && results[name].concept_1nn <= 1, name);
    assert.ok(results[name].concept_mAP > 0 && results[name].concept_mAP <= 1, name);
  }
  assert.equal(results['TF-IDF'].concept_1nn, 1);
});

test('--positives structure draws each positive among the anchor\'s structural neighbours in other papers; both, half of a batch', { skip }, () => {
  // Six documents of four formulas in the train split; d5's formulas are in the test split, and "gone" was never rendered.
  const script = `
import sys, json, tempfile
import numpy as np
sys.path.insert(0, 'training')
from pathlib import Path
from data import Dataset, Documents, sample_pairs
rows = [{'record': f'd{doc}', 'source': 'held-out' if doc == 5 else 's', 'formula': formula, 'section': '', 'degraded': False}
        for doc in range(6) for formula in range(4)]
documents = Documents(Dataset(None, rows, 'none'), {'s': 'train', 'held-out': 'test'}, 'train', True)
pairs = [{'record': 'd0', 'formula': 1, 'neighbours': [{'record': 'd1', 'formula': 2, 'score': 0.9}, {'record': 'd2', 'formula': 0, 'score': 0.7}]},
         {'record': 'd1', 'formula': 3, 'neighbours': [{'record': 'd5', 'formula': 0, 'score': 0.8}, {'record': 'd0', 'formula': 0, 'score': 0.6}]},
         {'record': 'd3', 'formula': 0, 'neighbours': [{'record': 'd5', 'formula': 1, 'score': 0.9}, {'record': 'gone', 'formula': 0, 'score': 0.9}]},
         {'record': 'd4', 'formula': 2, 'neighbours': [{'record': 'd2', 'formula': 3, 'score': 0.65}]}]
path = Path(tempfile.mkdtemp()) / 'pairs.jsonl'
path.write_text(''.join(json.dumps(line) + '\\n' for line in pairs))
anchors = documents.attach_neighbours(path, rows)
allowed = {(1, 6), (1, 8), (7, 0), (18, 11)}  # rows: d0#1 → d1#2, d2#0; d1#3 → d0#0; d4#2 → d2#3
rng = np.random.default_rng(0)
documents.structure_share = 1.0
structural = [sample_pairs(documents, 3, rng) for _ in range(300)]
documents.structure_share = 0.5
mixed = [sample_pairs(documents, 4, rng) for _ in range(300)]
same_document = lambda a, p: documents.document_of[int(a)] == documents.document_of[int(p)]
print(json.dumps({
    'anchors': anchors, 'taught': documents.taught_documents.tolist(),
    'structural_allowed': all((int(a), int(p)) in allowed for batch in structural for a, p in batch),
    'structural_seen': sorted({(int(a), int(p)) for batch in structural for a, p in batch}),
    'distinct_anchor_documents': all(len({documents.document_of[int(a)] for a in batch[:, 0]}) == len(batch) for batch in structural + mixed),
    'mixed_counts': sorted({(sum((int(a), int(p)) in allowed for a, p in batch), sum(same_document(a, p) for a, p in batch)) for batch in mixed}),
}))
`;
  const result = spawnSync(python, ['-c', script], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const measured = JSON.parse(result.stdout);
  assert.equal(measured.anchors, 3, 'd3#0 keeps no neighbour: one is in another split, the other was not rendered');
  assert.deepEqual(measured.taught, [0, 1, 4]);
  assert.equal(measured.structural_allowed, true);
  assert.deepEqual(measured.structural_seen, [[1, 6], [1, 8], [7, 0], [18, 11]], 'every pair and neighbour is drawn');
  assert.equal(measured.distinct_anchor_documents, true);
  assert.deepEqual(measured.mixed_counts, [[2, 2]], 'of four pairs, two structural and two from the anchor\'s paper');
});

test('fit --positives both trains on structure pairs and records them in its config; without a pairs file it is refused', { skip }, async () => {
  const split = path.join(dir, 'structure-split.json');
  await train('split', '--corpus', path.join(dir, 'corpus.jsonl'), '--out', split);
  const pairs = path.join(dir, 'structure-pairs.jsonl');
  writeStructurePairs(pairs);
  const common = ['fit', '--dataset', dir, '--split', split, '--threads', '1', '--batch', '4', '--loss', 'infonce'];
  const trained = await train(...common, '--run', path.join(dir, 'structure-run'), '--steps', '2', '--positives', 'both', '--structure-pairs', pairs);
  const trainSources = JSON.parse(readFileSync(split, 'utf8')).train.length;
  assert.match(trained, new RegExp(`structural anchors ${trainSources * FORMULAS_PER_DOCUMENT} in ${trainSources} documents`));
  assert.match(trained, /'positives': 'both', 'structure_pairs': '[^']*structure-pairs\.jsonl'/);
  assert.match(trained, /stopping: step budget spent/);
  const refused = spawnSync(python, [script, ...common, '--run', path.join(dir, 'refused-run'), '--positives', 'structure'], { cwd: repoRoot, encoding: 'utf8' });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /--positives structure or both go with --structure-pairs/);
});
