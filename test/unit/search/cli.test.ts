import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { modelFingerprint } from '../../../src/core/encode/models';
import { MetadataStore } from '../../../src/core/index/metadata';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers, type PaperFormulas } from '../../../src/core/search/build';
import { repoRoot, tsxArgs } from '../../helpers/paths';

// A tiny real encoder (made by the encode stage's fixture script), so the whole pipeline runs.
const model = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-cli-'));
const indexDir = path.join(scratch, 'index');
after(() => rmSync(scratch, { recursive: true, force: true }));

const formula = (latex: string, line: number) => ({ latex, inline: false, env: 'equation', section: 'Optimisation', file: 'main.tex', line });
const papers: PaperFormulas[] = [
  {
    paper: { id: 'gd', title: 'Gradient methods', authors: ['A. Cauchy'], year: '1847', library: 'test' },
    formulas: [formula('\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', 4), formula('x_{k+1} = x_k - \\alpha_k \\nabla f(x_k)', 9)],
  },
  {
    paper: { id: 'em', title: 'Electromagnetism', authors: [], year: '1865', library: 'test' },
    formulas: [formula('\\nabla \\times \\mathbf{B} = \\mu_0 \\mathbf{J}', 2)],
  },
  { paper: { id: 'int', title: 'Integrals', authors: [], library: 'test' }, formulas: [formula('\\int_0^1 x^2 \\, dx = \\frac{1}{3}', 7)] },
];

before(async () => {
  const opened = FormulaIndex.open(indexDir);
  assert.ok(opened.ok);
  assert.ok((await indexPapers(opened.value.index, papers)).ok);
  opened.value.index.close();
});

interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cliWithStdin(stdin: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, tsxArgs('src/cli/main.ts', ...args), { env: { ...process.env, COLUMNS: '140' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const cli = (...args: string[]) => cliWithStdin('', ...args);

test('search prints a ranked table, one row per formula, the paper on its best one', async () => {
  const result = await cli('search', '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', '--index', indexDir, '--model', model, '--k', '2');
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^\s+# score\s+year\s+paper\s+section\s+formula$/);
  // The tiny fixture model is barely discriminative: the identical formula scores 1, others may tie.
  assert.match(lines[1], /^\s+1 1\.000\s+(\d{4})?\s+\S.* \[(gd|em|int)\]\s+Optimisation\s+\S/);
  const ranks = lines.slice(1).filter((line) => /^\s+\d+ /.test(line));
  assert.equal(ranks.length, 2, 'k = 2 papers');
  const continuation = lines.slice(1).filter((line) => !/^\s+\d+ /.test(line));
  assert.ok(continuation.every((line) => /^\s{4}\d\.\d{3}\s+Optimisation\s+\S/.test(line)), 'further formulas of a paper: no rank, year or title');
  assert.ok(result.stdout.includes('\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)'), 'the identical formula is listed');
});

test('search --json gives the grouped results with scores, filters apply', async () => {
  const result = await cli('search', '\\int_0^1 x^2 dx', '--index', indexDir, '--model', model, '--json', '--year-from', '1800', '--per-paper', '1');
  assert.equal(result.status, 0, result.stderr);
  const response = JSON.parse(result.stdout) as { outputVersion: number; papers: { paper: { id: string; year?: unknown }; score: number; formulas: unknown[] }[] };
  assert.equal(response.outputVersion, 1);
  assert.deepEqual(response.papers.map((p) => p.paper.id).sort(), ['em', 'gd'], 'the undated paper is filtered out');
  assert.deepEqual(response.papers.map((p) => p.paper.year).sort(), [1847, 1865], 'years are numbers');
  assert.ok(response.papers.every((p) => p.formulas.length === 1));
  assert.ok(response.papers[0].score >= response.papers[1].score);
});

test('export dumps the formulas with the embeddings of the model asked for (building its sidecar), or without; info lists the sidecars', async () => {
  const [dump, plain] = await Promise.all([cli('export', '--index', indexDir, '--model', model), cli('export', '--index', indexDir, '--no-embeddings')]);
  assert.equal(dump.status, 0, dump.stderr);
  const lines = dump.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.length, 4);
  assert.deepEqual(Object.keys(lines[0]), ['paper', 'title', 'latex', 'file', 'line', 'section', 'embedding']);
  assert.deepEqual([lines[0].paper, lines[0].line, lines[0].embedding.length], ['gd', 4, 64]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.deepEqual(Object.keys(JSON.parse(plain.stdout.split('\n')[0]!)), ['paper', 'title', 'latex', 'file', 'line', 'section']);
  const info = await cli('info', '--index', indexDir);
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /papers:\s+3\nformulas:\s+4\n/);
  assert.match(info.stdout, new RegExp(`bitmap sidecars:\n  model ${modelFingerprint(model).slice(0, 16)}: vectors, \\d+ graph files?`));
  assert.match(info.stdout, /test: 3 papers, 4 formulas/);
});

test('errors: bad usage exits 2 with help, garbage is no crash, a missing index exits 1, and one of the earlier format, with the way out', async () => {
  const foreign = path.join(scratch, 'foreign');
  const opened = FormulaIndex.open(foreign);
  assert.ok(opened.ok);
  opened.value.index.close();
  // An index of the earlier format, which kept the embeddings in the catalogue.
  const earlier = path.join(scratch, 'earlier');
  const written = FormulaIndex.open(earlier);
  assert.ok(written.ok);
  const { generation } = written.value.index.stats();
  written.value.index.close();
  const database = MetadataStore.open(path.join(earlier, `metadata-${generation}.sqlite`), 'write');
  database.writeManifest({ formatVersion: 1, generation });
  database.close();
  const nowhere = path.join(scratch, 'nothing-here');
  const [usage, garbage, missing, searchMissing, mismatch, unwritable, otherModel] = await Promise.all([
    cli('search', '--k', '0', 'x'),
    // The bitmap path renders the query, so it is the one that reports an unfaithful render.
    cli('search', '\u0001\u00ff\\frac{{{\u0007', '--index', indexDir, '--model', model, '--k', '1', '--encoder', 'bitmap'),
    cli('info', '--index', nowhere),
    cli('search', 'x^2', '--index', nowhere, '--model', model),
    cli('search', 'x^2', '--index', earlier, '--model', model, '--encoder', 'bitmap'),
    cli('export', '--index', foreign, '--out', path.join(scratch, 'no-such-folder', 'out.jsonl')),
    cli('search', 'x^2', '--index', foreign, '--model', model, '--encoder', 'structure'),
  ]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--k needs a positive whole number[\s\S]*Usage: formula-lens search/);
  assert.equal(garbage.status, 0, `binary garbage is a (degraded) query, not a crash: ${garbage.stderr}`);
  assert.match(garbage.stdout, /note: the query did not render faithfully/);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /No index in/);
  assert.equal(searchMissing.status, 1);
  assert.match(searchMissing.stderr, /formula-lens search: No index in .*nothing-here/);
  assert.equal(existsSync(nowhere), false, 'searching a missing index creates nothing');
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /Index format 1 \(this version reads 2\).*--rebuild/);
  assert.equal(unwritable.status, 1);
  assert.match(unwritable.stderr, /formula-lens export: .*no such file or directory/);
  assert.equal(otherModel.status, 0, otherModel.stderr);
});

test('a 100 KB query or --macros value is a clear answer, never a crash; both also come from a file or stdin', async () => {
  const hugeQuery = 'x+'.repeat(50_000);
  const longQuery = `${'x+'.repeat(19_000)}y`; // just under the limit of a formula
  // One line: onnxruntime's telemetry matched the command line line by line, so newlines hid the crash.
  const hugeMacros = Array.from({ length: 4_000 }, (_, i) => `\\newcommand{\\m${i}}{x_{${i}}}`).join(' ');
  assert.ok(hugeMacros.length > 100_000);
  const queryFile = path.join(scratch, 'query.tex');
  const macrosFile = path.join(scratch, 'macros.tex');
  writeFileSync(queryFile, '\\m{1} + y^2\n');
  writeFileSync(macrosFile, '\\newcommand{\\m}[1]{x_{#1}}\n');
  const search = ['--index', indexDir, '--model', model, '--json'];
  // One at a time: a search holds the index, and a loaded machine would outlast the others' lock wait.
  const tooLong = await cli('search', hugeQuery, ...search);
  const long = await cli('search', longQuery, ...search);
  const longMacros = await cli('search', 'a^2 + b^2', '--macros', hugeMacros, ...search);
  const inline = await cli('search', '\\m{1} + y^2', '--macros', '\\newcommand{\\m}[1]{x_{#1}}', ...search);
  const fromFiles = await cli('search', `@${queryFile}`, '--macros', `@${macrosFile}`, ...search);
  const fromStdin = await cliWithStdin('\\m{1} + y^2\n', 'search', '-', '--macros', `@${macrosFile}`, ...search);
  const bothStdin = await cli('search', '-', '--macros', '-', ...search);
  assert.deepEqual([tooLong.signal, tooLong.status], [null, 2], tooLong.stderr);
  assert.match(tooLong.stderr, /The query has 100000 characters; a formula has at most 40000/);
  // Before the fix, onnxruntime's telemetry overflowed the stack on a ~30 KB command line (SIGSEGV).
  assert.deepEqual([long.signal, long.status], [null, 0], long.stderr);
  assert.deepEqual([longMacros.signal, longMacros.status], [null, 0], longMacros.stderr);
  assert.equal((JSON.parse(longMacros.stdout) as { papers: unknown[] }).papers.length, 3);
  const papersOf = (run: CliRun) => {
    assert.equal(run.status, 0, run.stderr);
    return (JSON.parse(run.stdout) as { papers: unknown[] }).papers;
  };
  assert.deepEqual(papersOf(fromFiles), papersOf(inline), 'a file gives what the same text inline gives');
  assert.deepEqual(papersOf(fromStdin), papersOf(inline), 'so does stdin');
  assert.equal(bothStdin.status, 2);
  assert.match(bothStdin.stderr, /only one of the query and --macros can be read from stdin/);
});

test('an unreadable @file is a usage error naming the file', async () => {
  const result = await cli('search', `@${path.join(scratch, 'no-such-query.tex')}`, '--index', indexDir, '--model', model);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /cannot read the query from .*no-such-query\.tex: ENOENT/);
});

test('search reads while another process writes the index, and exits 1 on an index it cannot use, never 0 without results', async () => {
  const held = FormulaIndex.open(indexDir);
  assert.ok(held.ok, 'this process holds the writer lock during the searches');
  const nowhere = path.join(scratch, 'no-index-here');
  try {
    const [found, missing] = await Promise.all([
      cli('search', 'x_{k+1} = x_k', '--index', indexDir, '--model', model, '--encoder', 'bitmap', '--json'),
      cli('search', 'x_{k+1} = x_k', '--index', nowhere, '--model', model, '--encoder', 'bitmap'),
    ]);
    assert.equal(found.status, 0, found.stderr);
    assert.ok((JSON.parse(found.stdout) as { papers: unknown[] }).papers.length > 0);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /formula-lens search: No index in .*no-index-here/);
    assert.equal(missing.stdout, '');
  } finally {
    held.value.index.close();
  }
});

test('search --batch answers a JSON line per query line, a bad line with its error, in one start-up', async () => {
  const queries = [
    JSON.stringify({ latex: 'x_{k+1} = x_k - \\alpha \\nabla g(x_k)' }),
    'not json',
    '',
    JSON.stringify({ latex: '\\int_0^1 t^2 \\, dt', k: 1, exclude: 'gd' }),
    JSON.stringify({ latex: 3 }),
  ].join('\n');
  const run = await cliWithStdin(`${queries}\n`, 'search', '--batch', '--index', indexDir, '--model', model, '--encoder', 'lexical');
  assert.equal(run.status, 0, run.stderr);
  const answers = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { outputVersion: number; line?: number; error?: string; papers?: { paper: { id: string } }[] });
  assert.equal(answers.length, 4, 'the empty line is skipped');
  assert.ok(answers.every((answer) => answer.outputVersion === 1));
  assert.equal(answers[0]!.papers![0]!.paper.id, 'gd');
  assert.equal(answers[1]!.line, 2);
  assert.match(answers[1]!.error!, /not JSON/);
  assert.deepEqual(answers[2]!.papers!.map((paper) => paper.paper.id), ['int']);
  assert.match(answers[3]!.error!, /needs \{"latex"/);

  const missing = await cliWithStdin(`${queries}\n`, 'search', '--batch', '--index', path.join(scratch, 'nowhere'), '--model', model);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /No index in/);
  const usage = await cli('search', '--batch', 'x^2', '--index', indexDir);
  assert.equal(usage.status, 2);
});
