import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tsxArgs } from '../../helpers/paths';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'latex-paper');
const cli = (...args: string[]) => spawnSync(process.execPath, tsxArgs('src/cli/main.ts', 'formulas', ...args), { encoding: 'utf8' });

test('formula-lens formulas <folder> lists each formula with file, line, env and section', () => {
  const result = cli(fixture);
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0]!, /^# Ridge Regression by Gradient Descent: a Worked Example — Ada Lovelace, Carl Friedrich Gauss$/);
  assert.match(lines[1]!, /main\.tex: 5 files, 7 formulas$/);
  assert.equal(lines[4], 'sections/method.tex:4\tequation\tGradient descent\t\\loss{\\vw} = \\frac{1}{n} \\norm{y - X\\vw}^2 + \\lambda \\norm{\\vw}^2');
  assert.equal(lines.length, 2 + 7);
  assert.equal(result.stderr, '');
});

test('--json prints one formula object per line, --macros the definitions first', () => {
  const result = cli(path.join(fixture, 'main.tex'), '--json', '--macros');
  assert.equal(result.status, 0, result.stderr);
  const [macros, ...formulas] = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.match(macros.macros, /^\\newcommand\{\\R\}\{\\mathbb\{R\}\}\n/);
  assert.equal(formulas.length, 7);
  assert.deepEqual(Object.keys(formulas[0]), ['file', 'line', 'section', 'env', 'display', 'inline', 'latex']);
});

test('a missing project fails with exit 1; a missing argument is a usage error', () => {
  const missing = cli(path.join(fixture, 'nope'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /not found/);
  assert.equal(cli().status, 2);
});
