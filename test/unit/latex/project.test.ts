import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { extractProject, findMainFile, type LatexProject } from '../../../src/core/latex';
import { repoRoot } from '../../helpers/paths';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'latex-paper');
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-latex-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let projects = 0;
/** Writes `files` (relative path → content) into a fresh folder; returns the folder. */
function project(files: Record<string, string | Buffer>): string {
  const folder = path.join(scratch, `p${projects++}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), content);
  }
  return folder;
}

async function extract(input: string): Promise<LatexProject> {
  const result = await extractProject(input);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.value;
}

const main = (body: string, preamble = '') => `\\documentclass{article}\n${preamble}\n\\begin{document}\n${body}\n\\end{document}\n`;

describe('extractProject on the fixture paper (macros in a .sty and a macros.tex, body over \\input files)', () => {
  test('finds the main file from the folder, and reads metadata and bibliography', async () => {
    const paper = await extract(fixture);
    assert.equal(paper.mainFile, path.join(fixture, 'main.tex'));
    assert.deepEqual(paper.files, ['main.tex', 'paper-macros.sty', 'macros.tex', 'sections/intro.tex', 'sections/method.tex']);
    assert.equal(paper.info.title, 'Ridge Regression by Gradient Descent: a Worked Example');
    assert.deepEqual(paper.info.authors, ['Ada Lovelace', 'Carl Friedrich Gauss']);
    assert.deepEqual(paper.info.bibFiles, [path.join(fixture, 'refs.bib')]);
    assert.deepEqual(paper.problems, []);
  });

  test('collects the macros of the .sty and the macros.tex, one per line', async () => {
    const macros = (await extract(fixture)).macros.split('\n');
    for (const expected of [
      '\\newcommand{\\R}{\\mathbb{R}}',
      '\\def\\E{\\mathbb{E}}',
      '\\DeclareMathOperator*{\\argmin}{arg\\,min}',
      '\\DeclarePairedDelimiter{\\norm}{\\lVert}{\\rVert}',
      '\\newcommand*{\\loss}[1]{\\mathcal{L}\\left(#1\\right)}',
      '\\def\\ip#1#2{\\langle #1, #2 \\rangle}',
    ]) {
      assert.ok(macros.includes(expected), expected);
    }
  });

  test('usedMacros keeps only what the formulas call: no \\be/\\ee shorthands, no unused \\eps', async () => {
    const used = (await extract(fixture)).usedMacros.split('\n');
    assert.equal(used.length, 9); // \R \E \argmin \tr \norm \vx \vw \loss \ip
    assert.ok(!used.some((line) => /\\(be|ee|eps)\b/.test(line)), used.join('\n'));
  });

  test('returns every display formula and the long inline ones, with file, line, section and env', async () => {
    const { formulas } = await extract(fixture);
    assert.deepEqual(
      formulas.map(({ file, line, section, env, inline }) => `${file}:${line} ${env}${inline ? ' (inline)' : ''} [${section}]`),
      [
        'sections/intro.tex:2 inline (inline) [Introduction]',
        'sections/intro.tex:6 \\[ [Introduction]',
        'sections/method.tex:4 equation [Gradient descent]',
        'sections/method.tex:8 align [Gradient descent]',
        'sections/method.tex:13 inline (inline) [Gradient descent]',
        'sections/method.tex:14 equation* [Gradient descent]',
        'sections/method.tex:18 $$ [Gradient descent]',
      ],
    );
    assert.equal(formulas[2]!.latex, '\\loss{\\vw} = \\frac{1}{n} \\norm{y - X\\vw}^2 + \\lambda \\norm{\\vw}^2', '\\be…\\ee, label and comma gone');
    assert.equal(formulas[3]!.latex.split('\n').length, 2, 'align rows stay on their lines');
  });
});

describe('extractProject: includes', () => {
  test('\\input with and without .tex, TeX syntax, \\include, \\subfile and \\import; missing files reported', async () => {
    const folder = project({
      'main.tex': main('\\input{a}\n\\input b.tex\n\\include{chapters/c}\n\\subfile{d}\n\\import{parts/}{e}\n\\input{missing}\n'),
      'a.tex': '\\[ a_1 \\]',
      'b.tex': '\\[ b_1 \\]',
      'chapters/c.tex': '\\[ c_1 \\]',
      'd.tex': '\\documentclass[main]{subfiles}\n\\begin{document}\n\\[ d_1 \\]\n\\end{document}',
      'parts/e.tex': '\\[ e_1 \\]\n\\input{f}',
      'parts/f.tex': '\\[ f_1 \\]',
    });
    const paper = await extract(path.join(folder, 'main.tex'));
    assert.deepEqual(paper.formulas.map((formula) => `${formula.file} ${formula.latex}`), [
      'a.tex a_1', 'b.tex b_1', 'chapters/c.tex c_1', 'd.tex d_1', 'parts/e.tex e_1', 'parts/f.tex f_1',
    ]);
    assert.deepEqual(paper.problems, [{ file: 'main.tex', line: 9, message: '\\input{missing}: not found, skipped' }]);
  });

  test('\\subimport*, and TeX trying name.tex before name for dotted names', async () => {
    const folder = project({
      'main.tex': main('\\subimport*{parts/}{a}\n\\input{intro.v2}'),
      'parts/a.tex': '\\[ a \\]',
      'intro.v2.tex': '\\[ v_2 \\]',
    });
    const paper = await extract(folder);
    assert.deepEqual(paper.formulas.map((formula) => formula.file), ['parts/a.tex', 'intro.v2.tex']);
    assert.deepEqual(paper.problems, []);
  });

  test('includes nested deeper than the limit are reported and cut', async () => {
    const files: Record<string, string> = { 'main.tex': main('\\input{f0}') };
    for (let depth = 0; depth < 30; depth++) files[`f${depth}.tex`] = `\\[ x_{${depth}} \\]\n\\input{f${depth + 1}}`;
    const paper = await extract(project(files));
    assert.equal(paper.formulas.length, 16);
    assert.deepEqual(paper.problems.map((problem) => problem.message), ['\\input{f16}: nested deeper than 16 includes, skipped']);
  });

  test('include cycles are detected, reported and cut', async () => {
    const folder = project({
      'main.tex': main('\\input{a}'),
      'a.tex': '\\section{A}\n\\[ a \\]\n\\input{b}',
      'b.tex': '\\[ b \\]\n\\input{a}\n\\input{main}',
    });
    const paper = await extract(folder);
    assert.deepEqual(paper.formulas.map((formula) => formula.latex), ['a', 'b']);
    assert.deepEqual(paper.problems.map((problem) => problem.message), [
      'include cycle a.tex → b.tex → a.tex, skipped',
      'include cycle main.tex → a.tex → b.tex → main.tex, skipped',
    ]);
  });

  test('files outside the project folder are not read', async () => {
    const folder = project({ 'main.tex': main('\\input{../../../../../../etc/passwd}\n\\[ x \\]') });
    const paper = await extract(folder);
    assert.deepEqual(paper.files, ['main.tex']);
    assert.match(paper.problems[0]!.message, /outside the project folder/);
  });

  test('% !TEX root leads from a chapter to its main file', async () => {
    const folder = project({
      'thesis.tex': main('\\input{ch/one}'),
      'ch/one.tex': '% !TEX root = ../thesis.tex\n\\chapter{One}\n\\[ y = 1 \\]',
    });
    const found = await findMainFile(path.join(folder, 'ch', 'one.tex'));
    assert.deepEqual(found, { ok: true, value: path.join(folder, 'thesis.tex') });
    const paper = await extract(path.join(folder, 'ch', 'one.tex'));
    assert.deepEqual(paper.formulas.map((formula) => [formula.section, formula.latex]), [['One', 'y = 1']]);
  });

  test('in a folder, the shallowest main file wins, preferring main.tex', async () => {
    const folder = project({
      'old/main.tex': main('\\[ old \\]'),
      'notes.tex': '\\[ not a main file \\]',
      'paper.tex': main('\\[ paper \\]'),
      'main.tex': main('\\[ main \\]'),
    });
    assert.deepEqual(await findMainFile(folder), { ok: true, value: path.join(folder, 'main.tex') });
    const empty = project({ 'readme.txt': 'nothing here' });
    const none = await findMainFile(empty);
    assert.equal(none.ok, false);
  });

  test('\\addbibresource and \\bibliography name the bib files, with .bib added where missing', async () => {
    const folder = project({ 'main.tex': main('\\[ x \\]\n\\bibliography{a, lib/b}', '\\addbibresource[datatype=bibtex]{refs.bib}') });
    const paper = await extract(folder);
    assert.deepEqual(paper.info.bibFiles, ['refs.bib', 'a.bib', 'lib/b.bib'].map((file) => path.join(folder, file)));
  });

  test('a file without \\documentclass is read as a fragment', async () => {
    const folder = project({ 'chapter.tex': '\\section{S}\n\\begin{equation} z \\end{equation}' });
    const paper = await extract(path.join(folder, 'chapter.tex'));
    assert.deepEqual(paper.formulas.map((formula) => formula.latex), ['z']);
  });

  test('formulas in the preamble, in definitions, after \\end{document} or in comments are not formulas', async () => {
    const folder = project({
      'main.tex': main('% \\[ commented \\]\n\\[ kept \\]\n\\newcommand{\\inbody}{$x + y + z + w + v + u$}', '\\newcommand{\\half}{$\\frac12$}\n\\[ preamble \\]')
        + '\\[ after end \\]\n',
    });
    const paper = await extract(folder);
    assert.deepEqual(paper.formulas.map((formula) => formula.latex), ['kept']);
  });
});

describe('extractProject: macros stay with their document', () => {
  test('two projects read one after the other do not share macros or shorthands', async () => {
    const first = project({ 'main.tex': main('\\bq a \\eq', '\\newcommand{\\bq}{\\begin{equation}}\\newcommand{\\eq}{\\end{equation}}\\newcommand{\\R}{\\mathbb{R}}') });
    const second = project({ 'main.tex': main('\\bq b \\eq\n\\[ \\R \\]') });
    const one = await extract(first);
    const two = await extract(second);
    assert.deepEqual(one.formulas.map((formula) => formula.latex), ['a']);
    assert.equal(two.macros, '');
    assert.deepEqual(two.formulas.map((formula) => formula.latex), ['\\R']);
  });
});
