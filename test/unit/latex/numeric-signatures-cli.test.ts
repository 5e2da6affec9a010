// `formula-lens signatures`: one line per corpus formula, in corpus order, with the signature's side keys
// (document macros expanded) or null and the reason; bad usage and an unreadable corpus are typed exits.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { signaturesCommand, type FormulaSignatureLine } from '../../../src/cli/commands/signatures';
import { UsageError } from '../../../src/cli/command';
import { numericSignature, numericSignatureVersion } from '../../../src/core/latex/numeric-signature';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-signatures-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const formula = (latex: string) => ({ latex, env: 'equation', section: null, inline: false });
const records = [
  { id: 'r1', source: 'github:a/b', macros: '\\newcommand{\\sig}[1]{\\frac{1}{1+e^{-#1}}}', formulas: [formula('\\sig{z}'), formula('\\text{for all } x')] },
  { id: 'r2', source: 'github:c/d', formulas: [formula('y = x^2 + 1')] },
];

async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  try {
    return await work();
  } finally {
    process.stderr.write = write;
  }
}

test('one line per formula in corpus order, macros expanded, null with a reason when unsigned', async () => {
  const corpus = path.join(scratch, 'papers.jsonl');
  const out = path.join(scratch, 'signatures.jsonl');
  writeFileSync(corpus, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  assert.equal(await quietly(() => signaturesCommand.run(['--corpus', corpus, '--out', out])), 0);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as FormulaSignatureLine);
  assert.deepEqual(lines.map((line) => [line.record, line.formula]), [['r1', 0], ['r1', 1], ['r2', 0]]);
  const sigmoid = numericSignature('(1+\\exp(-x))^{-1}');
  assert.ok(sigmoid.ok);
  assert.deepEqual(lines[0].signature, { key: sigmoid.value.key, sides: sigmoid.value.sides.map((side) => side.key) });
  assert.equal(lines[1].signature, null);
  assert.equal(lines[1].reason, 'not-an-expression');
  assert.ok(lines.every((line) => line.version === numericSignatureVersion));

  assert.equal(await quietly(() => signaturesCommand.run(['--corpus', corpus, '--out', out, '--limit', '1'])), 0);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 2, '--limit counts records');
});

test('bad usage and an unreadable corpus', async () => {
  await assert.rejects(signaturesCommand.run(['--corpus', 'x.jsonl']), UsageError);
  await assert.rejects(signaturesCommand.run(['--corpus', 'x', '--out', 'y', '--limit', '0']), UsageError);
  const garbage = path.join(scratch, 'garbage.jsonl');
  writeFileSync(garbage, '\u0000\u0001 not json\n');
  assert.equal(await quietly(() => signaturesCommand.run(['--corpus', garbage, '--out', path.join(scratch, 'never.jsonl')])), 1);
});
