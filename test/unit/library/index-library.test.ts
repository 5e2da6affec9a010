import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexLibrary, type LibraryIndexSummary } from '../../../src/core/library/index-library';
import { tsxArgs } from '../../helpers/paths';
import { HashingEmbedder } from '../search/hashing-embedder';
import { makeFixtureLibrary, type FixtureLibrary } from './fixture-library';

const libraries: FixtureLibrary[] = [];
after(() => libraries.forEach((library) => library.remove()));

function fixture(hostile = false): FixtureLibrary {
  const library = makeFixtureLibrary({ archives: true, hostile });
  libraries.push(library);
  return library;
}

const indexDirOf = (library: FixtureLibrary) => path.join(library.cacheDir, '..', 'index');

function openIndex(library: FixtureLibrary): FormulaIndex {
  const opened = FormulaIndex.open(indexDirOf(library));
  if (!opened.ok) assert.fail(opened.reason.message);
  return opened.value.index;
}

async function run(library: FixtureLibrary, embedder = new HashingEmbedder(), extra: { signal?: AbortSignal; batchFormulas?: number } = {}) {
  const index = openIndex(library);
  try {
    const result = await indexLibrary([library.dir], index, embedder, { library: 'main', cacheDir: library.cacheDir, ...extra });
    if (!result.ok) assert.fail(result.reason.message);
    return { summary: result.value, papers: index.papers(), stats: index.stats() };
  } finally {
    index.close();
  }
}

const statuses = (summary: LibraryIndexSummary) => Object.fromEntries(summary.report.map((entry) => [entry.id, entry.status]));

test('the fixture library is indexed: every formula of each paper, with its metadata and macros', async () => {
  const library = fixture(true);
  const { summary, papers, stats } = await run(library);
  const notesId = `src:${path.join(library.dir, 'notes.tex')}`;
  assert.deepEqual(
    Object.entries(statuses(summary)).filter(([, status]) => status === 'indexed').map(([id]) => id).sort(),
    ['bib:jones2021', 'bib:lee2019', 'bib:smith2020', 'bib:witten2003', notesId],
  );
  assert.equal(summary.indexed, 5);
  assert.equal(summary.failed, 6, 'the broken entry, the four hostile archives and the stand-in PDF');
  assert.match(summary.report.find((entry) => entry.id === 'bib:pdfonly2018')!.detail, /^PDF .*pdfonly2018\.pdf: damaged PDF/);
  assert.equal(stats.papers, 5);
  assert.equal(stats.formulas, summary.formulas);

  const smith = papers.find((paper) => paper.id === 'bib:smith2020')!;
  assert.equal(smith.title, 'Convex Duality for Wasserstein Barycenters');
  assert.equal(smith.doi, '10.1234/jir.2020.17');
  assert.equal(smith.library, 'main');
  assert.match(smith.macros ?? '', /\\newcommand\{\\R\}\{\\mathbb\{R\}\}/);
  // The \[…\] of the \input section and the equation (the inline one is below the 20-character minimum).
  assert.equal(summary.report.find((entry) => entry.id === 'bib:smith2020')!.formulas, 2);

  const notes = papers.find((paper) => paper.id === notesId)!;
  assert.equal(notes.title, 'Lecture Notes on Kernel Methods');
  assert.deepEqual(notes.authors, ['Ana Ortiz', 'Ben Okafor']);
  const jones = papers.find((paper) => paper.id === 'bib:jones2021')!;
  assert.equal(jones.eprint, '2101.00001');
  assert.match(jones.macros ?? '', /\\E/, 'macros from the e-print\'s own .sty');
});

test('incremental: a rerun skips everything; a change, an addition and a deletion touch only those', async () => {
  const library = fixture();
  await run(library);
  const idle = new HashingEmbedder();
  const rerun = await run(library, idle);
  assert.equal(rerun.summary.indexed, 0);
  assert.equal(rerun.summary.unchanged, 5);
  assert.deepEqual(idle.calls, [], 'nothing was embedded');

  const intro = path.join(library.dir, 'smith2020', 'sections', 'intro.tex');
  writeFileSync(intro, readFileSync(intro, 'utf8') + '\n\\begin{equation} e^{i\\pi} + 1 = 0 \\end{equation}\n');
  writeFileSync(path.join(library.dir, 'added.tex'), '\\documentclass{article}\\title{Added}\\begin{document}$$x^2 + y^2$$\\end{document}');
  rmSync(path.join(library.dir, 'notes.tex'));
  const changed = await run(library);
  const notesId = `src:${path.join(library.dir, 'notes.tex')}`;
  assert.equal(changed.summary.indexed, 2);
  assert.equal(changed.summary.unchanged, 3);
  assert.equal(changed.summary.removed, 1);
  assert.equal(statuses(changed.summary)[notesId], 'removed');
  assert.equal(changed.papers.find((paper) => paper.id === notesId), undefined);
  assert.equal(changed.summary.report.find((entry) => entry.id === 'bib:smith2020')!.formulas, 3);
  assert.ok(changed.papers.some((paper) => paper.title === 'Added'));
});

test('cancelling between batches leaves a consistent index that a rerun completes', async () => {
  const library = fixture();
  const controller = new AbortController();
  const index = openIndex(library);
  const first = await indexLibrary([library.dir], index, new HashingEmbedder(), {
    library: 'main',
    cacheDir: library.cacheDir,
    batchFormulas: 1,
    signal: controller.signal,
    onProgress: (progress) => {
      if (progress.phase === 'indexing' && progress.papersDone === 2) controller.abort();
    },
  });
  index.close();
  assert.ok(first.ok);
  assert.equal(first.value.cancelled, true);
  // The batch already rendering when the signal came completes too.
  assert.ok(first.value.indexed === 2 || first.value.indexed === 3, `${first.value.indexed} papers indexed`);
  assert.ok(first.value.report.some((entry) => entry.detail === 'cancelled before it was indexed'));
  const rest = await run(library);
  assert.equal(rest.summary.unchanged, first.value.indexed);
  assert.equal(rest.summary.indexed, 5 - first.value.indexed);
  assert.equal(rest.stats.papers, 5);
});

test('kill -9 during indexing: the index still opens, and a rerun completes', async () => {
  const library = fixture();
  const child = spawn(process.execPath, tsxArgs('test/unit/library/index-child.ts', library.dir, indexDirOf(library), library.cacheDir), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const killed = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('committed 2')) child.kill('SIGKILL');
  });
  assert.equal(await killed, 'SIGKILL', `the child ended by itself: ${output}${errors}`);
  assert.ok(!output.includes('finished'));

  const index = openIndex(library);
  const survived = index.stats().papers;
  index.close();
  assert.ok(survived >= 2 && survived < 5, `${survived} papers survived the kill`);
  const rerun = await run(library);
  assert.equal(rerun.summary.unchanged, survived);
  assert.equal(rerun.summary.indexed, 5 - survived);
  assert.equal(rerun.stats.papers, 5);
});
