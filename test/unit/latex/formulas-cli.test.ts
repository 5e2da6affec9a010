// The `formulas` command in-process: its output lines from a project, and its failure paths.
// (Spawning the CLI through tsx costs seconds per run; test/unit/cli covers the process entry point.)
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/cli/command';
import { formulaLines, formulasCommand } from '../../../src/cli/commands/formulas';
import { extractProject } from '../../../src/core/latex';
import { repoRoot } from '../../helpers/paths';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'latex-paper');

async function fixtureProject() {
  const result = await extractProject(fixture);
  assert.ok(result.ok);
  return result.value;
}

test('text output: a header, then file:line, env, section and the formula on one line', async () => {
  const lines = formulaLines(await fixtureProject(), { json: false, macros: false });
  assert.equal(lines[0], '# Ridge Regression by Gradient Descent: a Worked Example — Ada Lovelace, Carl Friedrich Gauss');
  assert.match(lines[1]!, /main\.tex: 5 files, 7 formulas$/);
  assert.equal(lines[4], 'sections/method.tex:4\tequation\tGradient descent\t\\loss{\\vw} = \\frac{1}{n} \\norm{y - X\\vw}^2 + \\lambda \\norm{\\vw}^2');
  assert.equal(lines[5], 'sections/method.tex:8\talign\tGradient descent\t\\nabla \\loss{\\vw} &= \\frac{2}{n} X^\\top (X\\vw - y) + 2\\lambda \\vw, \\\\ \\vw_{t+1} &= \\vw_t - \\eta \\, \\nabla \\loss{\\vw_t}');
  assert.equal(lines.length, 2 + 7);
});

test('--json: one formula object per line; --macros: the definitions first', async () => {
  const [macros, ...formulas] = formulaLines(await fixtureProject(), { json: true, macros: true }).map((line) => JSON.parse(line));
  assert.match(macros.macros, /^\\newcommand\{\\R\}\{\\mathbb\{R\}\}\n/);
  assert.equal(formulas.length, 7);
  assert.deepEqual(Object.keys(formulas[0]), ['file', 'line', 'section', 'env', 'display', 'inline', 'latex']);
});

test('a missing project exits 1 with the reason on stderr; bad arguments are usage errors', async () => {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    assert.equal(await formulasCommand.run([path.join(fixture, 'nope')]), 1);
  } finally {
    process.stderr.write = write;
  }
  assert.match(stderr, /nope: not found/);
  await assert.rejects(formulasCommand.run([]), UsageError);
  await assert.rejects(formulasCommand.run([fixture, '--frobnicate']), /unknown option --frobnicate/);
});
