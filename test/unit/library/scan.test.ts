import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { chooseMainFile, defaultScanLimits, isMainTex, scanLibrary } from '../../../src/core/library/scan';

const root = mkdtempSync(path.join(tmpdir(), 'fl-scan-'));
after(() => rmSync(root, { recursive: true, force: true }));

const main = '\\documentclass{article}\n\\begin{document}\n$x$\n\\end{document}\n';

function write(relative: string, text: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

test('isMainTex needs an uncommented \\documentclass (not standalone) and \\begin{document}', () => {
  assert.equal(isMainTex(main), true);
  assert.equal(isMainTex('% \\documentclass{article}\n\\begin{document}'), false);
  assert.equal(isMainTex('\\documentclass{standalone}\\begin{document}'), false);
  assert.equal(isMainTex('\\section{Body only}'), false);
});

test('scanning finds bibs, folders, archives, loose files and PDFs, bounded', () => {
  write('lib/refs.bib', '@misc{a}');
  write('lib/loose.tex', main);
  write('lib/fragment.tex', '\\section{not a document}');
  write('lib/paper/main.tex', main);
  write('lib/paper/appendix.tex', main);
  write('lib/paper/own-refs.bib', '@misc{b}');
  write('lib/paper/figs/deep.tex', main);
  write('lib/group/2101.00001.tar.gz', 'x');
  write('lib/group/one.pdf', '%PDF');
  write('lib/group/two-mains/a.tex', main);
  write('lib/group/two-mains/b.tex', main);
  write('lib/node_modules/pkg/main.tex', main);
  write('lib/.git/main.tex', main);
  write('lib/huge.tex', main + 'x'.repeat(2000));
  symlinkSync(path.join(root, 'lib'), path.join(root, 'lib', 'group', 'loop'));
  const scan = scanLibrary([path.join(root, 'lib')], { ...defaultScanLimits, maxTextFileBytes: 1000 });
  const relative = (files: string[]) => files.map((file) => path.relative(path.join(root, 'lib'), file)).sort();
  assert.deepEqual(relative(scan.bibFiles), ['refs.bib']);
  assert.deepEqual(scan.sourceFolders.map((folder) => path.relative(path.join(root, 'lib'), folder.mainFile)), ['paper/main.tex']);
  assert.deepEqual(relative(scan.looseTex), ['group/two-mains/a.tex', 'group/two-mains/b.tex', 'loose.tex']);
  assert.deepEqual(relative(scan.archives), ['group/2101.00001.tar.gz']);
  assert.deepEqual(relative(scan.pdfs), ['group/one.pdf']);
  assert.deepEqual(scan.problems.map((problem) => path.basename(problem.path)), ['huge.tex']);
});

test('scanning stops at the depth and entry caps, and reports it', () => {
  let deep = 'deep';
  for (let level = 0; level < 5; level++) deep += `/d${level}`;
  write(`${deep}/paper/main.tex`, main);
  const shallow = scanLibrary([path.join(root, 'deep')], { ...defaultScanLimits, maxDepth: 2 });
  assert.deepEqual(shallow.sourceFolders, []);
  assert.match(shallow.problems[0]!.problem, /deeper than 2/);
  const few = scanLibrary([path.join(root, 'deep')], { ...defaultScanLimits, maxEntries: 3 });
  assert.match(few.problems[0]!.problem, /stopped after 3 entries/);
});

test('a missing library folder is a problem, not an exception', () => {
  const scan = scanLibrary([path.join(root, 'nope')]);
  assert.equal(scan.problems.length, 1);
});

test('chooseMainFile prefers the folder name, conventional names, then shallow and large files', () => {
  const dir = '/e';
  const tex = (file: string, size = 10, text = main) => ({ file: path.join(dir, file), size, text });
  assert.equal(chooseMainFile(dir, [tex('body-only.tex', 5, '$x$')]), '/e/body-only.tex');
  assert.equal(chooseMainFile(dir, [tex('a.tex', 99), tex('ms.tex')]), '/e/ms.tex');
  assert.equal(chooseMainFile(dir, [tex('sub/big.tex', 99), tex('small.tex', 1)]), '/e/small.tex');
  assert.equal(chooseMainFile(dir, [tex('a.tex', 1, '$x$'), tex('b.tex', 1, '$y$')]), undefined);
});
