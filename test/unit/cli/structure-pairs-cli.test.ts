// `formula-lens structure-pairs` in-process: the structural teacher's pairs file that train.py fit --positives
// structure reads (neighbours in other papers only, the same formula written alike left out, the threshold, the
// split filter), and its usage errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { UsageError } from '../../../src/cli/command';
import { StructuralTeacher, structurePairsCommand, type FormulaNeighbours } from '../../../src/cli/commands/structure-pairs';
import type { CorpusRecord } from '../../../src/core/render/corpus';

let dir = '';
const corpus = () => path.join(dir, 'corpus.jsonl');
const split = () => path.join(dir, 'split.json');

const display = (latex: string) => ({ latex, env: 'equation', section: null, inline: false });
const records: CorpusRecord[] = [
  {
    id: 'paper-a',
    source: 'arxiv:a',
    formulas: [
      display('\\sum_{i=1}^{n} x_i^2 \\le \\lambda'),
      { latex: '\\sum_{i=1}^{n} x_i^2 \\le \\lambda', env: 'inline', section: null, inline: true },
      display('\\sum_{i=1}^{n} v_i^2 \\le \\lambda'),
      display('\\int_0^1 f(t)\\, dt'),
    ],
  },
  // The same shape in other names: the neighbour to find.
  { id: 'paper-b', source: 'arxiv:b', formulas: [display('\\sum_{i=1}^{n} y_i^2 \\le \\lambda')] },
  // paper-a's first formula written alike once the macro is expanded: the same picture, nothing to learn.
  { id: 'paper-c', source: 'arxiv:c', macros: '\\newcommand{\\vx}{x}', formulas: [display('\\sum_{i=1}^{n} \\vx_i^2 \\le \\lambda')] },
  // Held out: never a neighbour of training formulas.
  { id: 'paper-d', source: 'arxiv:d', formulas: [display('\\sum_{i=1}^{n} w_i^2 \\le \\lambda')] },
];

async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await structurePairsCommand.run(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

const readLines = (file: string): FormulaNeighbours[] =>
  readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as FormulaNeighbours);

const key = ({ record, formula }: { record: string; formula: number }) => `${record}#${formula}`;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'formula-lens-structure-pairs-'));
  writeFileSync(corpus(), records.map((record) => JSON.stringify(record) + '\n').join(''));
  writeFileSync(split(), JSON.stringify({ seed: 0, train: ['arxiv:a', 'arxiv:b', 'arxiv:c'], validation: [], test: ['arxiv:d'] }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('pairs each training display formula with its structural neighbours in other papers, best first', async () => {
  const out = path.join(dir, 'train.jsonl');
  const { code, stderr } = await run('--corpus', corpus(), '--out', out, '--split', split(), '--splits', 'train');
  assert.equal(code, 0, stderr);
  const lines = readLines(out);
  const neighbours = new Map(lines.map((line) => [key(line), line.neighbours.map(key)]));
  // The renamed sum pairs across papers, never within paper-a, never with its alike-written copy in paper-c or held-out paper-d.
  assert.deepEqual(neighbours.get('paper-a#0'), ['paper-b#0']);
  assert.deepEqual(neighbours.get('paper-a#2'), ['paper-b#0', 'paper-c#0'], 'paper-c\'s copy is another formula\'s');
  assert.deepEqual(neighbours.get('paper-b#0')!.sort(), ['paper-a#0', 'paper-a#2', 'paper-c#0']);
  assert.deepEqual(neighbours.get('paper-c#0'), ['paper-a#2', 'paper-b#0'], 'ties in corpus order');
  assert.equal(neighbours.has('paper-a#1'), false, 'inline formulas are left out');
  assert.equal(neighbours.has('paper-a#3'), false, 'the integral has no neighbour above the threshold');
  assert.deepEqual(lines.map(key), ['paper-a#0', 'paper-a#2', 'paper-b#0', 'paper-c#0'], 'corpus order');
  for (const line of lines) {
    const scores = line.neighbours.map(({ score }) => score);
    assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
    assert.ok(scores.every((score) => score >= 0.5 && score <= 1), `${key(line)}: ${scores}`);
  }
  assert.match(stderr, /structure-pairs: 8 neighbours of 4 of 5 display formulas \(3 records\)/);
});

test('--threshold and --neighbours bound what is kept', async () => {
  const teacher = (threshold: number, neighbours: number) =>
    new StructuralTeacher(records, { threshold, neighbours, candidates: 50 }).neighboursOf(records[1]!)[0]?.neighbours ?? [];
  const all = teacher(0.5, 10);
  assert.deepEqual(all.map(key).sort(), ['paper-a#0', 'paper-a#2', 'paper-c#0', 'paper-d#0'], 'all splits when none is chosen');
  assert.deepEqual(teacher(0.5, 1), all.slice(0, 1));
  assert.deepEqual(teacher(1, 10), [], 'a renamed formula never scores as itself');
});

test('usage errors name the option', async () => {
  await assert.rejects(run('--corpus', corpus()), (error: unknown) => error instanceof UsageError && /--out are required/.test(error.message));
  await assert.rejects(run('--corpus', corpus(), '--out', path.join(dir, 'x.jsonl'), '--threshold', '2'), /--threshold needs a number from 0 to 1/);
  await assert.rejects(run('--corpus', corpus(), '--out', path.join(dir, 'x.jsonl'), '--splits', 'train'), /--splits needs --split/);
  await assert.rejects(run('--corpus', corpus(), '--out', path.join(dir, 'x.jsonl'), '--split', split(), '--splits', 'dev'), /unknown split 'dev'/);
});
