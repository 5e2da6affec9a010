// Hostile input: every public function returns (a value or a typed failure) and never hangs.
// The timeouts are hang guards, not speed goals (those live in bench/latex.bench.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { collectMacros, decodeSource, extractProject, findMathAt, normalizeFormula, scanMath } from '../../../src/core/latex';
import { seededRandom } from '../../../src/core/seeded-random';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-hostile-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function folderWith(name: string, files: Record<string, string | Uint8Array>): string {
  const folder = path.join(scratch, name);
  mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(folder, file), content);
  return folder;
}

function garbage(length: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

const guard = { timeout: 10_000 };
const main = (body: string) => `\\documentclass{article}\n\\begin{document}\n${body}\n\\end{document}\n`;

describe('hostile input', () => {
  test('a 5 MB document: the cursor path stays local, extraction reads it all', guard, async () => {
    const prose = 'Words of a long paragraph, % with a comment\n'.repeat(24);
    const paragraph = 'Text $a_{i} + b_{i} = c_{i} + d_{i}$ and\n\\begin{align} x &= y \\\\ z &= w \\end{align}\n' + prose + '\n';
    const body = paragraph.repeat(Math.ceil((5 * 1024 * 1024) / paragraph.length));
    const offset = body.length - paragraph.length + 8;
    assert.equal(findMathAt(body, offset, 'latex')?.latex, 'a_{i} + b_{i} = c_{i} + d_{i}');
    const oneLine = '$x$ '.repeat(1_300_000) + '$y';
    // A line longer than the window has no known start, so its $ parity is unknown: no formula, quickly.
    assert.equal(findMathAt(oneLine, oneLine.length - 1, 'latex'), undefined, 'one 5 MB line, at its end');
    assert.equal(findMathAt(oneLine, 2_000_001, 'latex'), undefined, 'one 5 MB line, in its middle');
    assert.equal(findMathAt(oneLine, 1, 'latex')?.latex, 'x', 'one 5 MB line, at its start');

    const folder = folderWith('big', { 'main.tex': main(body) });
    const result = await extractProject(folder);
    assert.ok(result.ok);
    assert.equal(result.value.formulas.length, 2 * Math.ceil((5 * 1024 * 1024) / paragraph.length));
  });

  test('a file over the size cap is skipped with a problem', guard, async () => {
    const folder = folderWith('cap', { 'main.tex': main('\\input{huge}\n\\[ kept \\]'), 'huge.tex': '%'.repeat(2048) });
    const result = await extractProject(folder, { maxFileBytes: 1024 });
    assert.ok(result.ok);
    assert.deepEqual(result.value.formulas.map((formula) => formula.latex), ['kept']);
    assert.match(result.value.problems[0]!.message, /huge\}: larger than 1024 bytes/);
  });

  test('10,000 nested braces, balanced or not', guard, async () => {
    const deep = '{'.repeat(10_000) + 'x' + '}'.repeat(10_000);
    const doc = `Here $${deep}$ and $\\frac${'{'.repeat(10_000)} y$.\n\n$z$`;
    assert.equal(findMathAt(doc, 10, 'latex')?.body, deep);
    assert.equal(findMathAt(doc, doc.indexOf('y$'), 'latex'), undefined, 'unbalanced: the $ at depth 10,000 is not a closer');
    assert.equal(findMathAt(doc, doc.length - 1, 'latex')?.latex, 'z');
    assert.equal(normalizeFormula(deep + '.', true), deep);
    const macros = collectMacros(`\\newcommand{\\deep}{${'{'.repeat(10_000)}}\n\\newcommand{\\ok}{ok}`);
    assert.deepEqual(macros.definitions.map((definition) => definition.name), ['\\ok']);
    assert.equal(macros.problems.length, 1);
    const folder = folderWith('braces', { 'main.tex': main(`\\section{${'{'.repeat(10_000)}}\n${doc}`) });
    const result = await extractProject(folder);
    assert.ok(result.ok);
    assert.equal(result.value.formulas.length, 1, 'only the balanced formula (the short $z$ is inline)');
  });

  test('binary garbage: no throw from the text functions, a typed failure from extraction', guard, async () => {
    const bytes = garbage(64_000, 7);
    const text = new TextDecoder().decode(bytes);
    for (const language of ['latex', 'markdown'] as const) {
      for (let offset = 0; offset < text.length; offset += 3_989) findMathAt(text, offset, language);
      scanMath(text, { language });
    }
    collectMacros(text);
    normalizeFormula(text, true);
    assert.deepEqual(decodeSource(bytes), { ok: false, reason: 'binary file (NUL bytes)' });
    const folder = folderWith('binary', { 'main.tex': bytes });
    const result = await extractProject(path.join(folder, 'main.tex'));
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /binary/);
    const included = folderWith('binary-include', { 'main.tex': main('\\input{blob}\n\\[ a \\]'), 'blob.tex': bytes });
    const withBlob = await extractProject(included);
    assert.ok(withBlob.ok);
    assert.match(withBlob.value.problems[0]!.message, /blob\}: binary file/);
  });

  test('invalid UTF-8 is replaced, reported, and the formulas around it survive', guard, async () => {
    const bytes = Buffer.concat([Buffer.from(main('Caf\xe9 ').slice(0, -16), 'latin1'), Buffer.from('\n\\[ \xff\xfe x = 1 \\]\n\\end{document}\n', 'latin1')]);
    const decoded = decodeSource(bytes);
    assert.ok(decoded.ok && decoded.value.replaced);
    const folder = folderWith('latin1', { 'main.tex': bytes });
    const result = await extractProject(folder);
    assert.ok(result.ok);
    assert.deepEqual(result.value.formulas.map((formula) => formula.latex), ['\uFFFD\uFFFD x = 1']);
    assert.deepEqual(result.value.problems, [{ file: 'main.tex', message: 'invalid UTF-8 replaced by U+FFFD' }]);
  });

  test('an unterminated environment yields no formula, a problem, and the rest of the document', guard, async () => {
    const doc = '\\begin{align}\n a &= b\n\n' + 'Prose. '.repeat(100_000) + '\n\n\\[ after \\]\n';
    assert.equal(findMathAt(doc, 16, 'latex'), undefined);
    const folder = folderWith('unterminated', { 'main.tex': main(doc + '\\begin{equation} never closed') });
    const result = await extractProject(folder);
    assert.ok(result.ok);
    assert.deepEqual(result.value.formulas.map((formula) => formula.latex), ['after']);
    assert.deepEqual(result.value.problems.map((problem) => [problem.line, problem.message]), [
      [3, 'unclosed math (align)'],
      [9, 'unclosed math (equation)'],
    ]);
  });

  test('recursive macros and self-referencing shorthands terminate', guard, async () => {
    const preamble = '\\def\\a{\\a}\\newcommand{\\be}{\\be}\\newcommand{\\x}{\\y}\\newcommand{\\y}{\\x}';
    const folder = folderWith('recursive', { 'main.tex': `\\documentclass{article}\n${preamble}\n\\begin{document}\n\\be \\a \\ee\n\\[ \\x \\]\n\\end{document}` });
    const result = await extractProject(folder);
    assert.ok(result.ok);
    assert.deepEqual(result.value.formulas.map((formula) => formula.latex), ['\\x']);
    assert.equal(result.value.macros.split('\n').length, 4);
  });

  test('bad arguments to the cursor path are "no formula", not exceptions', () => {
    assert.equal(findMathAt('$x$', -1, 'latex'), undefined);
    assert.equal(findMathAt('$x$', 4, 'latex'), undefined);
    assert.equal(findMathAt('$x$', Number.NaN, 'latex'), undefined);
    assert.equal(findMathAt(undefined as unknown as string, 0, 'latex'), undefined);
    assert.equal(findMathAt('', 0, 'markdown'), undefined);
  });

  test('a missing path is a typed failure', async () => {
    const result = await extractProject(path.join(scratch, 'does-not-exist'));
    assert.equal(result.ok, false);
  });
});
