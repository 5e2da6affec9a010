import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { matchName, planChanges, planLibrary, type LibraryPlan } from '../../../src/core/library/plan';
import { makeFixtureLibrary, type FixtureLibrary } from './fixture-library';
import { junkBib } from '../../helpers/junk-bib';

const libraries: FixtureLibrary[] = [];
after(() => libraries.forEach((library) => library.remove()));

function fixture(options: Parameters<typeof makeFixtureLibrary>[0]): FixtureLibrary {
  const library = makeFixtureLibrary(options);
  libraries.push(library);
  return library;
}

const statusOf = (plan: LibraryPlan, id: string) => plan.report.find((entry) => entry.id === id);
const paperOf = (plan: LibraryPlan, id: string) => plan.papers.find((paper) => paper.id === id);

test('the fixture library plans every kind of entry and source', async () => {
  const library = fixture({ archives: true });
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const statuses = Object.fromEntries(plan.report.map((entry) => [entry.id, entry.status]));
  assert.deepEqual(statuses, {
    'bib:broken': 'failed',
    'bib:smith2020': 'ready',
    'bib:jones2021': 'ready',
    'bib:witten2003': 'ready',
    'bib:lee2019': 'ready',
    'bib:pdfonly2018': 'ready',
    'bib:missing2022': 'no-source',
    [`src:${path.join(library.dir, 'notes.tex')}`]: 'ready',
  });
  assert.equal(statusOf(plan, 'bib:broken')!.detail, 'broken entry: @inproceedings at line 26 is not closed (a missing "}")');
  assert.match(statusOf(plan, 'bib:missing2022')!.detail, /arXiv 2201\.09999 can be downloaded when network access is allowed/);
  assert.match(statusOf(plan, 'bib:pdfonly2018')!.detail, /^PDF \(no LaTeX source\) .*pdfonly2018\.pdf$/);
  assert.equal(paperOf(plan, 'bib:pdfonly2018')!.source.kind, 'pdf');
  assert.equal(plan.papers.length, 6);
});

test('a multi-file folder is matched by cite key and keeps the bib metadata', async () => {
  const library = fixture({});
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const smith = paperOf(plan, 'bib:smith2020')!;
  assert.deepEqual(smith.source, {
    kind: 'folder',
    origin: path.join(library.dir, 'smith2020'),
    root: path.join(library.dir, 'smith2020'),
    mainFile: path.join(library.dir, 'smith2020', 'main.tex'),
  });
  assert.deepEqual(smith.metadata, {
    title: 'Convex Duality for Wasserstein Barycenters',
    authors: ['Jane Smith', 'Karl Müller'],
    year: '2020',
    key: 'smith2020',
    doi: '10.1234/jir.2020.17',
  });
  // The paper's own references.bib is part of the paper, not the library.
  assert.equal(statusOf(plan, 'bib:villani2008'), undefined);
});

test('e-prints are matched by arXiv id and unpacked into the cache', async () => {
  const library = fixture({ archives: true });
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const jones = paperOf(plan, 'bib:jones2021')!;
  assert.equal(jones.source.kind, 'archive');
  assert.equal(jones.source.origin, path.join(library.dir, '2101.00001.tar.gz'));
  assert.equal(path.basename(jones.source.mainFile), 'ms.tex');
  assert.ok(jones.source.root.startsWith(library.cacheDir));
  assert.ok(existsSync(path.join(jones.source.root, 'defs.sty')));
  assert.ok(!existsSync(path.join(jones.source.root, 'figures', 'loss.png')), 'figures are not extracted');
  assert.equal(jones.metadata.eprint, '2101.00001');
  const witten = paperOf(plan, 'bib:witten2003')!;
  assert.equal(path.basename(witten.source.mainFile), 'hep-th_0301001.tex');
  assert.match(readFileSync(witten.source.mainFile, 'utf8'), /F_\{\\mu\\nu\}/);
});

test('a file field path and a loose .tex without entry are planned', async () => {
  const library = fixture({});
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  assert.equal(paperOf(plan, 'bib:lee2019')!.source.mainFile, path.join(library.dir, 'papers', 'lee-draft.tex'));
  const notes = paperOf(plan, `src:${path.join(library.dir, 'notes.tex')}`)!;
  assert.deepEqual(notes.metadata, { title: 'notes', authors: [] }, 'the file name until the LaTeX reader reads its \\title');
  assert.equal(notes.source.kind, 'file');
});

test('hostile archives in the library are reported as failed, and nothing escapes', async () => {
  const library = fixture({ hostile: true });
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const failed = (name: string) => statusOf(plan, `src:${path.join(library.dir, name)}`);
  assert.match(failed('hostile-traversal.tar.gz')!.detail, /unsafe-path/);
  assert.match(failed('hostile-absolute.tgz')!.detail, /unsafe-path/);
  assert.match(failed('hostile-bomb.tar.gz')!.detail, /ratio/);
  assert.match(failed('hostile-corrupt.tar.gz')!.detail, /corrupt/);
  for (const name of ['hostile-traversal.tar.gz', 'hostile-absolute.tgz', 'hostile-bomb.tar.gz', 'hostile-corrupt.tar.gz']) {
    assert.equal(failed(name)!.status, 'failed');
  }
  assert.ok(!existsSync(path.join(library.dir, '..', '..', 'escaped.tex')));
  assert.ok(!existsSync('/tmp/formula-lens-escaped.tex'));
  assert.equal(plan.papers.length, 4, 'the good sources (and the PDF) are still planned');
});

test('incremental: unchanged papers are skipped, changed and new ones indexed, deleted ones removed', async () => {
  const library = fixture({ archives: true });
  const first = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  assert.equal(planChanges(first.papers, new Map()).toIndex.length, first.papers.length);
  const indexed = new Map(first.papers.map((paper) => [paper.id, paper.contentHash]));

  const again = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  assert.deepEqual(planChanges(again.papers, indexed), { toIndex: [], unchanged: again.papers, removed: [] });

  const intro = path.join(library.dir, 'smith2020', 'sections', 'intro.tex');
  writeFileSync(intro, readFileSync(intro, 'utf8') + '\n$$e^{i\\pi} + 1 = 0$$\n');
  writeFileSync(path.join(library.dir, 'added.tex'), '\\documentclass{article}\\title{Added}\\begin{document}$$x$$\\end{document}');
  rmSync(path.join(library.dir, 'notes.tex'));
  const bib = path.join(library.dir, 'refs.bib');
  writeFileSync(bib, readFileSync(bib, 'utf8').replace('A Draft Kept Elsewhere', 'A Draft, Retitled'));

  const changed = planChanges((await planLibrary([library.dir], { cacheDir: library.cacheDir })).papers, indexed);
  assert.deepEqual(changed.toIndex.map((paper) => paper.id).sort(), ['bib:lee2019', 'bib:smith2020', `src:${path.join(library.dir, 'added.tex')}`]);
  assert.deepEqual(changed.removed, [`src:${path.join(library.dir, 'notes.tex')}`]);
  assert.deepEqual(changed.unchanged.map((paper) => paper.id).sort(), ['bib:jones2021', 'bib:pdfonly2018', 'bib:witten2003']);
});

test('matchName makes file names, cite keys and arXiv ids meet', () => {
  assert.equal(matchName('hep-th_0301001v2.tar.gz'), matchName('hep-th/0301001'));
  assert.equal(matchName('arXiv-2101.00001v3.tgz'), matchName('2101.00001'));
  assert.equal(matchName('Smith:2020'), matchName('smith2020'));
  assert.notEqual(matchName('2101.00001'), matchName('2101.00002'));
});

test('a file field pointing nowhere is reported with the missing path', async () => {
  const library = fixture({});
  writeFileSync(path.join(library.dir, 'more.bib'), '@misc{gone2017, title = {Gone}, file = {:gone/paper.tex:TeX}}');
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const gone = statusOf(plan, 'bib:gone2017')!;
  assert.equal(gone.status, 'no-source');
  assert.match(gone.detail, new RegExp(`points to missing ${path.join(library.dir, 'gone', 'paper.tex').replace(/[.\\/]/g, '\\$&')}`));
});

test('10 MB of junk between the entries of the library .bib: every entry is planned as before, in seconds', async () => {
  const library = fixture({});
  const refs = path.join(library.dir, 'refs.bib');
  const before = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const entries = readFileSync(refs, 'utf8').split('\n\n');
  writeFileSync(refs, entries.map((entry, i) => `${entry}\n${junkBib(10_000_000 / entries.length, i)}\n`).join('\n'), 'latin1');
  const started = performance.now();
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir });
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 30, `${seconds.toFixed(1)} s (the whole-file parse hung here for hours)`);
  const statuses = (report: LibraryPlan['report']) => report.filter((line) => line.id.startsWith('bib:') && !line.id.includes('.bib#')).map((line) => [line.id, line.status]);
  const known = new Set(before.report.map((line) => line.id));
  assert.deepEqual(statuses(plan.report).filter(([id]) => known.has(id!)), statuses(before.report));
  assert.deepEqual(plan.papers.map((paper) => paper.id), before.papers.map((paper) => paper.id));
  const junkLines = plan.report.filter((line) => !known.has(line.id));
  assert.ok(junkLines.length <= 120, `${junkLines.length} report lines for the junk`);
});
