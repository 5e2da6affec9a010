// Extraction on real papers: corpus records written back into multi-file projects must come back
// formula for formula (text, environment, section), with their macros and title.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { extractProject } from '../../../src/core/latex';
import { plainText } from '../../../src/core/latex/metadata';
import { corpusPath, noCorpusReason } from '../../helpers/paths';
import { type CorpusRecord, escapeText, writeProject } from './corpus-projects';

const corpus = corpusPath();
/** Every n-th record: a deterministic sample over all source groups (hep-th, GitHub, books, blogs, R). */
const stride = 37;

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-corpus-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('corpus records written as LaTeX projects are extracted back unchanged', { skip: corpus ? false : noCorpusReason }, async () => {
  const records = readFileSync(corpus!, 'utf8')
    .split('\n')
    .filter((line, index) => line && index % stride === 0)
    .map((line) => JSON.parse(line) as CorpusRecord);
  assert.ok(records.length >= 40);
  let formulas = 0;
  const macros = { record: 0, recovered: 0 };
  for (const [index, record] of records.entries()) {
    const folder = path.join(scratch, String(index));
    const expected = writeProject(record, folder, index);
    const result = await extractProject(folder);
    assert.ok(result.ok, `${record.id}: ${result.ok ? '' : result.reason}`);
    const project = result.value;
    const found = project.formulas.map(({ latex, env, section }) => ({ latex, env, section }));
    assert.deepEqual(found, expected, record.id);
    assert.equal(project.info.title, plainText(escapeText(record.title ?? '')), `${record.id}: title`);
    const macroLines = new Set(project.macros.split('\n').filter(Boolean));
    for (const line of macroLines) assert.ok(record.macros.includes(line), `${record.id}: macro ${line} comes from the record`);
    // The record's macros are already filtered to those its formulas use: filtering again keeps them.
    const recordLines = new Set(record.macros.split('\n').filter(Boolean));
    const usedLines = project.usedMacros.split('\n').filter(Boolean);
    assert.ok(usedLines.every((line) => macroLines.has(line)), `${record.id}: used macros are macros`);
    macros.record += recordLines.size;
    macros.recovered += usedLines.filter((line) => recordLines.has(line)).length;
    assert.ok(project.files.includes(index % 2 ? 'paper-macros.sty' : 'macros.tex'), `${record.id}: macros file read`);
    formulas += found.length;
  }
  assert.ok(formulas > 1000, `${formulas} formulas compared`);
  // Unrecovered lines are broken definitions, duplicates (a later definition of a name wins) and
  // definitions the corpus kept by matching words (`\Ob` for `\text{Ob}`) that no formula calls.
  assert.ok(macros.recovered >= 0.9 * macros.record, `${macros.recovered} of ${macros.record} macro lines recovered`);
});
