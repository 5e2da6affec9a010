// The cursor lookup reads a project's macros once and reuses them while its files are unchanged (a cursor
// move must not extract the whole project), and reads them again after a macro file is edited.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CancellationToken } from 'vscode-jsonrpc';
import { extractProject } from '../../../src/core/latex';
import { FormulaLocator } from '../../../src/engine/formula-at';
import { isCancelledAnswer, type FormulaAtParams } from '../../../src/engine/protocol';

const project = mkdtempSync(path.join(tmpdir(), 'fl-formula-at-'));
after(() => rmSync(project, { recursive: true, force: true }));

const main = path.join(project, 'main.tex');
const macroFile = path.join(project, 'macros.tex');
const chapter = path.join(project, 'chapter.tex');
const chapterText = 'Energy: \\begin{equation} \\E = mc^2 \\end{equation}\n';
writeFileSync(main, '\\documentclass{article}\n\\input{macros}\n\\begin{document}\n\\input{chapter}\n\\end{document}\n');
writeFileSync(macroFile, '\\newcommand{\\E}{\\mathcal{E}}\n');
writeFileSync(chapter, chapterText);

function countingLocator() {
  const calls = { extractions: 0 };
  const locator = new FormulaLocator(
    () => undefined,
    (input, options) => {
      calls.extractions++;
      return extractProject(input, options);
    },
  );
  return { locator, calls };
}

function cursorIn(text: string, offset: number): FormulaAtParams {
  return { uri: 'file:///chapter.tex', path: chapter, text, offset, languageId: 'latex', includeInline: true };
}

async function macrosAt(locator: FormulaLocator, offset: number): Promise<string> {
  const found = await locator.formulaAt(cursorIn(chapterText, offset), CancellationToken.None);
  assert.ok(found.found, JSON.stringify(found));
  return found.formula.macros;
}

test('cursor moves in an unchanged project reuse its macros; an edited macro file is read again', async () => {
  const { locator, calls } = countingLocator();
  const inFormula = chapterText.indexOf('mc^2');
  assert.match(await macrosAt(locator, inFormula), /\\mathcal\{E\}/);
  const readOnce = calls.extractions;
  assert.ok(readOnce > 0);
  await macrosAt(locator, inFormula + 1);
  await macrosAt(locator, inFormula + 2);
  assert.equal(calls.extractions, readOnce, 'moving the cursor reads no project again');

  writeFileSync(macroFile, '\\newcommand{\\E}{\\mathbb{E}}\n');
  assert.match(await macrosAt(locator, inFormula), /\\mathbb\{E\}/, 'the edit is seen');
  assert.ok(calls.extractions > readOnce);
});

test('a cursor lookup cancelled while it reads the project answers RequestCancelled', async () => {
  const { locator } = countingLocator();
  await assert.rejects(
    locator.formulaAt(cursorIn(chapterText, chapterText.indexOf('mc^2')), CancellationToken.Cancelled),
    (error: unknown) => isCancelledAnswer(error),
  );
});
