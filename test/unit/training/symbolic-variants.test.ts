// symbolic.py fit --variants: generated notation variants (formula-lens variants) as positives, on a tiny
// corpus: the variants are read through Python's tokenizer and canonicalizer, those that canonicalize back
// to their formula are dropped, the option is recorded in the checkpoint config, resume keeps drawing
// variants, and a variants file of another corpus is a clear error.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { variantsCommand } from '../../../src/cli/commands/variants';
import { repoRoot } from '../../helpers/paths';

const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const skip = hasTorch ? false : `${python} lacks torch (CI installs python3-torch)`;
const run = promisify(execFile);
const symbolic = path.join(repoRoot, 'training', 'symbolic.py');

let dir = '';

/** 10 sources × 8 formulas with single-letter variables (renamings survive canonicalization) and one
 * formula whose only variants are presentational (\left\right, \le), which canonicalize back to it. */
function writeCorpus(file: string): void {
  const records = Array.from({ length: 10 }, (_, source) => ({
    id: `doc-${source}`,
    source: `github:synthetic/${source}`,
    macros: '',
    formulas: [
      ...Array.from({ length: 7 }, (_, i) => ({ latex: `x_${i} + ${String.fromCharCode(97 + source)} y^{${source}}`, env: 'equation', section: 'S', inline: false })),
      { latex: '\\left( 1 \\right) \\le 2', env: 'equation', section: 'S', inline: false },
    ],
  }));
  writeFileSync(file, records.map((record) => JSON.stringify(record) + '\n').join(''));
}

async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await work();
  } finally {
    process.stderr.write = write;
  }
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-symbolic-variants-'));
  writeCorpus(path.join(dir, 'corpus.jsonl'));
  const sources = Array.from({ length: 10 }, (_, source) => `github:synthetic/${source}`);
  writeFileSync(path.join(dir, 'split.json'), JSON.stringify({ seed: 0, train: sources.slice(0, 6), validation: sources.slice(6, 8), test: sources.slice(8) }));
  const code = await quietly(() =>
    variantsCommand.run(['--corpus', path.join(dir, 'corpus.jsonl'), '--split', path.join(dir, 'split.json'), '--splits', 'train', '--out', path.join(dir, 'variants.jsonl')]),
  );
  assert.equal(code, 0);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('fit --variants trains on variant positives, records them in the config and resumes', { skip }, async () => {
  const runDir = path.join(dir, 'run');
  const variants = path.join(dir, 'variants.jsonl');
  const options = [
    '--corpus', path.join(dir, 'corpus.jsonl'), '--split', path.join(dir, 'split.json'), '--run', runDir,
    '--batch', '6', '--validation-triples', '20', '--layers', '1', '--width', '32', '--log-every', '1',
    '--variants', variants, '--variant-rate', '1',
  ];
  const foreign = path.join(dir, 'foreign.jsonl');
  writeFileSync(foreign, JSON.stringify({ record: 'not-in-this-corpus', formula: 0, variants: ['x'] }) + '\n');
  const [trained, refused] = await Promise.all([
    run(python, [symbolic, 'fit', ...options, '--steps', '2'], { cwd: repoRoot }),
    run(python, [symbolic, 'fit', ...options.map((option) => (option === variants ? foreign : option)), '--run', path.join(dir, 'foreign-run'), '--steps', '1'], { cwd: repoRoot })
      .then(() => assert.fail('a variants file of another corpus must be refused'), (error: { stderr: string }) => error.stderr),
  ]);
  assert.match(refused, /foreign\.jsonl:1: not a variants line of this corpus/);

  const log = trained.stdout;
  // 6 training documents × 7 formulas with a renaming variant; the \left\right/\le formula's variants are dropped
  const [, kept, formulas, dropped] = /variants .*: (\d+) for (\d+) formulas \((\d+) dropped: canonical form unchanged\)/.exec(log) ?? [];
  assert.equal(Number(formulas), 42, log);
  assert.ok(Number(kept) >= 42 && Number(dropped) >= 6, log);
  assert.match(log, /'variants': \{'file': '[^']*variants\.jsonl', 'sha256': '[0-9a-f]{64}', 'rate': 1\.0\}/);
  const steps = [...log.matchAll(/step \d+: loss [0-9.]+, [0-9.]+ pairs\/s overall, (\d+)% variant positives/g)].map((match) => Number(match[1]));
  assert.equal(steps.length, 2);
  assert.ok(steps.every((share) => share >= 50 && share <= 100), `at rate 1 every anchor with a variant gets one: ${steps}`);

  // the refused run only reads last.pt (saved atomically), so it can run beside the resumed one
  const [resumed, changed] = await Promise.all([
    run(python, [symbolic, 'fit', ...options, '--steps', '3'], { cwd: repoRoot }),
    run(python, [symbolic, 'fit', ...options.slice(0, -1), '0.5', '--steps', '4'], { cwd: repoRoot })
      .then(() => '', (error: { stderr: string }) => error.stderr),
  ]);
  assert.match(resumed.stdout, /resumed from .*last\.pt at step 2/);
  assert.match(changed, /was trained with .*'rate': 1\.0.*use another --run/, 'another rate is another run');
  const history = readFileSync(path.join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(history.map((point) => point.step), [0, 2, 3]);
});
