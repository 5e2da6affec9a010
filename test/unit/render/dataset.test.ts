// `formula-lens dataset`: the exported files, and pixels equal to the serving path's
// (rendered here in this thread, there in another process with worker threads).
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CROP_HEIGHT, CROP_WIDTH, RENDERER_VERSION, renderInThisThread } from '../../../src/core/render';
import { formulaInput, readCorpus } from '../../../src/core/render/corpus';
import { datasetCommand } from '../../../src/cli/commands/dataset';
import { UsageError } from '../../../src/cli/command';
import { corpusPath, noCorpusReason, tsxArgs } from '../../helpers/paths';

const dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-dataset-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const records = [
  {
    id: 'gh:example/paper',
    source: 'github:example/paper',
    macros: '\\newcommand{\\R}{\\mathbb{R}}\n\\DeclareMathOperator*{\\argmin}{arg\\,min}',
    formulas: [
      { latex: '\\argmin_{x \\in \\R^n} \\|Ax - b\\|^2', env: 'equation', section: 'Method', inline: false },
      { latex: 'f(x) &= x^2 \\\\ g(x) &= \\R', env: 'align', section: 'Method', inline: false },
      { latex: 'the loss \\mathcal{L}(\\theta) = \\sum_i \\ell_i', env: 'inline', section: null, inline: true },
    ],
  },
  {
    id: 'hep-th/0000001',
    source: 'github:allofphysicsgraph/latex-in-arxiv',
    macros: '',
    formulas: [
      { latex: '\\R + \\undefinedthing', env: 'equation', section: 'Intro', inline: false },
      { latex: '\\frac{1}{2', env: '$$', section: 'Intro', inline: false },
    ],
  },
];
const corpus = path.join(dir, 'papers.jsonl');
writeFileSync(corpus, records.map((record) => JSON.stringify(record)).join('\n') + '\n');

/** The exporter in another process (with its own worker threads), as training runs it. */
function datasetProcess(...args: string[]) {
  return spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'dataset', ...args), { encoding: 'utf8' });
}

function readDataset(out: string) {
  const meta = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8'));
  const lines = readFileSync(path.join(out, 'formulas.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const bitmaps = readFileSync(path.join(out, 'bitmaps.u8'));
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
  return { meta, lines, bitmaps, report };
}

test('exports bitmaps, index, meta and report, with the serving pixels, degraded flags and group rates', async () => {
  const out = path.join(dir, 'all');
  const result = datasetProcess('--corpus', corpus, '--out', out, '--workers', '2', '--budget-ms', '20000'); // a loaded machine must not turn an error into a timeout
  assert.equal(result.status, 0, result.stderr);
  const { meta, lines, bitmaps, report } = readDataset(out);
  assert.deepEqual(meta, { count: 5, height: CROP_HEIGHT, width: CROP_WIDTH, renderer: RENDERER_VERSION });
  assert.equal(bitmaps.length, 5 * CROP_HEIGHT * CROP_WIDTH);
  assert.deepEqual(
    lines.map(({ record, formula, inline, degraded }) => [record, formula, inline, degraded]),
    [
      ['gh:example/paper', 0, false, false],
      ['gh:example/paper', 1, false, false],
      ['gh:example/paper', 2, true, false],
      ['hep-th/0000001', 0, false, true],
      ['hep-th/0000001', 1, false, true],
    ],
  );
  assert.deepEqual(lines[0], { record: 'gh:example/paper', source: 'github:example/paper', formula: 0, section: 'Method', env: 'equation', inline: false, degraded: false });
  assert.deepEqual(lines[3].issues.map((issue: { kind: string }) => issue.kind), ['unknown-macro', 'unknown-macro']);
  assert.equal(report.groups['hep-th'].faithfulRate, 0);
  assert.equal(report.withMacros.faithfulRate, 1);
  assert.deepEqual(report.all.topReasons[0], ['mathjax-error', 1]);

  // No train/serve skew: every exported bitmap equals what the serving renderer makes of the formula.
  const parsed = await readCorpus(corpus);
  for (const [i, line] of lines.entries()) {
    const record = parsed.find((candidate) => candidate.id === line.record)!;
    const served = await renderInThisThread(formulaInput(record, record.formulas[line.formula]!));
    const exported = bitmaps.subarray(i * CROP_HEIGHT * CROP_WIDTH, (i + 1) * CROP_HEIGHT * CROP_WIDTH);
    assert.deepEqual(new Uint8Array(exported), served.pixels, `bitmap ${i}`);
  }
});

test('--records and --limit select a small fixture dataset', async () => {
  const out = path.join(dir, 'some');
  assert.equal(await datasetCommand.run(['--corpus', corpus, '--out', out, '--records', 'hep-th/0000001', '--limit', '1', '--workers', '1']), 0);
  const { meta, lines } = readDataset(out);
  assert.equal(meta.count, 1);
  assert.equal(lines[0].record, 'hep-th/0000001');
});

test('usage errors: missing options, bad numbers, unknown records', async () => {
  await assert.rejects(datasetCommand.run(['--corpus', corpus]), UsageError);
  await assert.rejects(datasetCommand.run(['--corpus', corpus, '--out', dir, '--limit', '-3']), UsageError);
  await assert.rejects(datasetCommand.run(['--corpus', corpus, '--out', path.join(dir, 'x'), '--records', 'no/such']), /no such record/);
});

test('a real corpus record exports faithfully', { skip: corpusPath() ? false : noCorpusReason }, async () => {
  const out = path.join(dir, 'real');
  const args = ['--corpus', corpusPath()!, '--out', out, '--records', 'gh:mdeff/paper-cnn-graph-nips2016', '--workers', '1'];
  assert.equal(await datasetCommand.run(args), 0);
  const { meta, lines } = readDataset(out);
  assert.equal(meta.count, 43);
  assert.ok(lines.filter((line) => !line.degraded).length >= 40, JSON.stringify(lines.filter((line) => line.degraded)));
});

test('--display-only leaves inline formulas out, and --limit counts only what is exported', () => {
  const out = path.join(dir, 'display');
  const result = datasetProcess('--corpus', corpus, '--out', out, '--workers', '1', '--display-only', '--limit', '3', '--budget-ms', '20000');
  assert.equal(result.status, 0, result.stderr);
  const { meta, lines } = readDataset(out);
  assert.equal(meta.count, 3);
  assert.deepEqual(lines.map((line) => [line.record, line.formula, line.inline]), [
    ['gh:example/paper', 0, false],
    ['gh:example/paper', 1, false],
    ['hep-th/0000001', 0, false],
  ]);
});
