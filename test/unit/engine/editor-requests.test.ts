import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startEngine } from '../../helpers/engine';
import { citationRequest, formulaAtRequest, infoRequest, searchRequest, type FormulaAtParams } from '../../../src/engine/protocol';
import { repoRoot } from '../../helpers/paths';

const project = path.join(repoRoot, 'test', 'fixtures', 'editor', 'project');
const chapter = path.join(project, 'chapters', 'attention.tex');
const chapterText = readFileSync(chapter, 'utf8');

let connection: MessageConnection;
let stop: () => Promise<void>;

before(() => {
  ({ connection, stop } = startEngine());
});
after(() => stop());

function at(text: string, needle: string, extra: Partial<FormulaAtParams> = {}): FormulaAtParams {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  return { uri: 'file:///doc', text, offset, languageId: 'latex', includeInline: true, ...extra };
}

test('the formula at the cursor comes with the macros of the whole project, from the main file and its \\input files', async () => {
  const found = await connection.sendRequest(formulaAtRequest, at(chapterText, '\\sqrt{d_k}', { path: chapter }));
  assert.ok(found.found);
  assert.equal(found.formula.env, 'align*');
  assert.equal(found.formula.display, true);
  assert.match(found.formula.latex, /\\KL\{q_\\phi/);
  for (const name of ['\\R', '\\argmin', '\\E', '\\KL']) assert.ok(found.formula.macros.includes(name), name);
  assert.ok(chapterText.slice(found.start, found.end).includes('\\operatorname{Attention}'));
});

test('definitions in the unsaved text count, and inline math can be excluded', async () => {
  const text = '\\newcommand{\\V}{\\mathbf{v}}\nSome $\\V + \\V$ and\n\\[ \\V^\\top \\V \\]\n';
  const display = await connection.sendRequest(formulaAtRequest, at(text, '\\V^\\top'));
  assert.ok(display.found);
  assert.equal(display.formula.macros, '\\newcommand{\\V}{\\mathbf{v}}');
  assert.deepEqual(await connection.sendRequest(formulaAtRequest, at(text, '+ \\V$', { includeInline: false })), { found: false, reason: 'inlineExcluded' });
  assert.deepEqual(await connection.sendRequest(formulaAtRequest, at(text, 'Some')), { found: false, reason: 'noMath' });
});

test('Markdown math is found, code fences are not math', async () => {
  const text = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'editor', 'notes.md'), 'utf8');
  const found = await connection.sendRequest(formulaAtRequest, at(text, '\\sqrt{2', { languageId: 'markdown' }));
  assert.ok(found.found);
  assert.equal(found.formula.env, '$$');
  assert.deepEqual(await connection.sendRequest(formulaAtRequest, at(text, 'not math', { languageId: 'markdown' })), { found: false, reason: 'noMath' });
});

test('garbage input gets an answer, not a crash', async () => {
  const binary = String.fromCharCode(...Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 65_536));
  const answer = await connection.sendRequest(formulaAtRequest, { uri: 'x', text: binary, offset: 10_000, languageId: 'latex', includeInline: true });
  assert.equal(typeof answer.found, 'boolean');
  const offEnd = await connection.sendRequest(formulaAtRequest, { uri: 'x', text: '$x$', offset: 99, languageId: 'latex', includeInline: true });
  assert.deepEqual(offEnd, { found: false, reason: 'noMath' });
  assert.ok((await connection.sendRequest(infoRequest)).pid > 0, 'the engine still answers');
});

test('a search without any index answers with the typed noIndex state', async () => {
  const result = await connection.sendRequest(searchRequest, {
    formula: { latex: 'x^2', display: true },
    k: 5,
    indexes: { locations: [path.join(project, 'no-index-here')], includeDefault: false, model: { kind: 'see' }, executionProvider: 'cpu' },
  });
  assert.equal(result.kind, 'noIndex');
  assert.match(result.kind === 'noIndex' ? result.reason : '', /no-index-here/);
});

test('citations are looked up through the engine; a cancelled request is rejected or answered, never left hanging', async () => {
  const bib = readFileSync(path.join(project, 'refs.bib'), 'utf8');
  const paper = { id: 'x', title: 'Attention is all you need', authors: ['Ashish Vaswani'], year: 2017, arxivId: '1706.03762', macros: '' };
  const found = await connection.sendRequest(citationRequest, { paper, bibFiles: [{ path: 'refs.bib', text: bib }] });
  assert.deepEqual([found.kind, found.key], ['found', 'vaswani2017attention']);
  const source = new CancellationTokenSource();
  const pending = connection.sendRequest(formulaAtRequest, at(chapterText, '\\sqrt{d_k}', { path: chapter }), source.token);
  source.cancel();
  await pending.then(
    (answer) => assert.equal(typeof answer.found, 'boolean'),
    (error: { code?: number }) => assert.equal(error.code, -32800),
  );
});
