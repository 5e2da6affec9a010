// The library side of custom training: the papers as a corpus, the seeded held-out split (and the
// error for too small a library), and the messages when Python or PyTorch is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { CorpusRecord } from '../../../src/core/render/corpus';
import { checkPython, installAdvice, libraryCorpus, splitLibrary } from '../../../src/core/library/train';
import { repoRoot, tsxArgs } from '../../helpers/paths';
import { makeFixtureLibrary } from './fixture-library';

const fixture = makeFixtureLibrary({ archives: true });
after(() => fixture.remove());

const paper = (id: string, formulas: number): CorpusRecord => ({
  id,
  source: id,
  macros: '',
  formulas: Array.from({ length: formulas }, (_, i) => ({ latex: `x_${i}`, env: 'equation', section: null, inline: false })),
});

test('every paper of the library becomes a record whose source is its id, with its macros and formulas', async () => {
  const records = await libraryCorpus([fixture.dir], { cacheDir: fixture.cacheDir });
  const smith = records.find((record) => record.id === 'bib:smith2020');
  assert.ok(smith, records.map((record) => record.id).join(', '));
  assert.equal(smith.source, 'bib:smith2020');
  assert.equal(smith.formulas.length, 2);
  assert.match(smith.macros ?? '', /\\newcommand/);
  assert.deepEqual(Object.keys(smith.formulas[0]!).sort(), ['env', 'inline', 'latex', 'section']);
  assert.ok(records.some((record) => record.id === 'bib:jones2021'), 'e-print archives are read too');
});

test('the fixture library is too small to train on, and says why', async () => {
  const split = splitLibrary(await libraryCorpus([fixture.dir], { cacheDir: fixture.cacheDir }), 0);
  assert.ok(!split.ok);
  assert.equal(split.reason.kind, 'library-too-small');
  assert.match(split.reason.message, /has \d paper\(s\) with at least 3 formulas; training needs 4 or more/);
});

test('the split holds out about a fifth of the usable papers, at least two, the same for the same seed', () => {
  const records = [...Array.from({ length: 12 }, (_, i) => paper(`src:p${i}`, 5)), paper('src:short', 2)];
  const split = splitLibrary(records, 7);
  assert.ok(split.ok);
  assert.equal(split.value.test.length, 2);
  assert.equal(split.value.train.length, 10);
  assert.deepEqual(split.value.validation, []);
  assert.ok(![...split.value.train, ...split.value.test].includes('src:short'), 'papers with fewer than 3 formulas are left out');
  assert.equal(new Set([...split.value.train, ...split.value.test]).size, 12);
  assert.deepEqual(splitLibrary(records, 7), split);

  const larger = splitLibrary(Array.from({ length: 30 }, (_, i) => paper(`src:p${i}`, 3)), 7);
  assert.ok(larger.ok);
  assert.equal(larger.value.test.length, 6);
  const small = splitLibrary(Array.from({ length: 4 }, (_, i) => paper(`src:p${i}`, 3)), 7);
  assert.ok(small.ok);
  assert.equal(small.value.test.length, 2);
});

test('a missing Python interpreter gives the install advice, from the core and from the CLI', async () => {
  const missing = await checkPython('/nonexistent/python3');
  assert.ok(!missing.ok);
  assert.equal(missing.reason.kind, 'no-python');
  assert.ok(missing.reason.message.includes(installAdvice));
  assert.match(installAdvice, /apt-get install python3-torch python3-onnx/);
  assert.match(installAdvice, /pip install torch onnx/);

  const run = spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'train', fixture.dir, '--steps', '1'), {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, FORMULA_LENS_PYTHON: '/nonexistent/python3' },
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^formula-lens train: Python was not found \(\/nonexistent\/python3\)\. Training needs Python 3 with PyTorch and onnx: .*apt-get install python3-torch python3-onnx/m);
});

test('a Python without PyTorch names the missing module', { skip: existsSync('/usr/bin/python3') ? false : 'needs /usr/bin/python3' }, async () => {
  // The real interpreter without its site packages (-S): Debian's torch lives in dist-packages.
  const wrapper = path.join(fixture.cacheDir, '..', 'python-without-site');
  writeFileSync(wrapper, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
  const result = await checkPython(wrapper);
  assert.ok(!result.ok);
  assert.equal(result.reason.kind, 'no-torch');
  assert.match(result.reason.message, /lacks the Python module torch\. Training needs Python 3 with PyTorch/);
});
