// `formula-lens index` end to end: the real LaTeX reader, renderer and ONNX runtime (with the encoder
// tests' tiny model), on the fixture library.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { repoRoot, tsxArgs } from '../../helpers/paths';
import { makeFixtureLibrary } from './fixture-library';

const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const library = makeFixtureLibrary({ archives: true });
after(() => library.remove());

function index(...args: string[]) {
  return spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'index', library.dir, '--model', tinyEncoder, '--workers', '1', ...args), {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('indexes the library into <folder>/.formula-lens/index (with --bitmap its bitmap sidecar), prints the report, and skips unchanged papers on a rerun', () => {
  const first = index('--report', '--bitmap');
  assert.equal(first.status, 0, first.stderr);
  const lines = first.stdout.trim().split('\n');
  const line = (id: string) => lines.find((text) => text.includes(` ${id}`)) ?? '';
  assert.match(line('bib:smith2020'), /^indexed +bib:smith2020 \(2 formulas\): folder /);
  assert.match(line('bib:jones2021'), /^indexed +bib:jones2021 \(1 formulas\): archive /);
  assert.match(line('bib:witten2003'), /^indexed +bib:witten2003 \(1 formulas\)/);
  assert.match(line('bib:pdfonly2018'), /^failed +bib:pdfonly2018: PDF .*pdfonly2018\.pdf: damaged PDF/);
  assert.match(line('bib:missing2022'), /^no source +bib:missing2022: no source found/);
  assert.match(line('bib:broken'), /^failed +bib:broken: broken entry/);
  assert.match(first.stderr, /5 papers indexed \(6 formulas; \d+ rendered for the bitmap sidecar, \d+ degraded\), 0 unchanged, 0 removed, 2 failed/);
  assert.match(first.stderr, /^adding 6 formulas to the index…\n(?!adding)/m);
  assert.match(first.stderr, /^0\/\d+ formulas rendered for the bitmap sidecar$/m, 'plain progress lines when stderr is not a terminal');
  assert.ok(existsSync(path.join(library.dir, '.formula-lens', 'index', 'CURRENT')));

  const second = index();
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stdout, '', 'no report without --report');
  assert.match(second.stderr, /0 papers indexed \(0 formulas\), 5 unchanged/);
});

test('a usage error names the problem and exits 2', () => {
  const badBatch = index('--batch', 'zero');
  assert.equal(badBatch.status, 2);
  assert.match(badBatch.stderr, /--batch needs a positive whole number/);
});

test('a second writer waits for the one writing, naming it, then indexes', async () => {
  const indexDir = path.join(library.dir, '.formula-lens', 'index');
  const other = spawn('sleep', ['60']); // stands for another process writing the index, until the CLI waits for it
  writeFileSync(path.join(indexDir, 'writer.lock'), String(other.pid));
  const child = spawn(process.execPath, tsxArgs('src/cli/main.ts', 'index', library.dir, '--model', tinyEncoder, '--workers', '1'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes('Waiting up to')) other.kill();
  });
  const status = await new Promise((resolve) => child.on('close', resolve));
  other.kill();
  assert.equal(status, 0, stderr);
  assert.ok(stderr.includes(`Waiting up to 10 s for process ${other.pid}, which is writing ${indexDir}`), stderr);
  assert.match(stderr, /0 papers indexed \(0 formulas\), 5 unchanged/);
});
