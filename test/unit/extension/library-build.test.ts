// Build Index's pure parts: the progress line with its estimate, the output channel's report, which
// file events re-index a library, and the library name a folder set is indexed under.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildFraction, libraryName } from '../../../src/engine/library-build';
import { BuildProgress, buildReportLines, timeLeft } from '../../../src/extension/build-progress';
import { isLibraryChange } from '../../../src/extension/library-changes';

test('the progress line counts papers and formulas and estimates the time left once it can', () => {
  let now = 1_000;
  const progress = new BuildProgress(() => now);
  assert.equal(progress.message({ indexDir: 'i', phase: 'planning', progress: 0 }), 'planning');
  now += 10_000;
  assert.equal(
    progress.message({ indexDir: 'i', phase: 'embedding', progress: 0.25, papersDone: 3, papersTotal: 12, formulasDone: 1500, formulasTotal: 6000 }),
    'embedding · 3/12 papers · 1,500/6,000 formulas · about 30 s left',
  );
  now += 90_000;
  assert.equal(progress.message({ indexDir: 'i', phase: 'embedding', progress: 0.5 }), 'embedding · about 2 min left');
});

test('no estimate before 5 % or after the end; long ones in hours', () => {
  assert.equal(timeLeft(0.01, 5_000), '');
  assert.equal(timeLeft(1, 5_000), '');
  assert.equal(timeLeft(Number.NaN, 5_000), '');
  assert.equal(timeLeft(0.5, 0), '');
  assert.equal(timeLeft(0.1, 3_600_000), 'about 9.0 h left');
  assert.equal(timeLeft(0.99, 100), 'about 1 s left');
});

test('the report has a summary line and one line per entry, with the reason when not indexed', () => {
  const lines = buildReportLines(['/lib'], {
    kind: 'built',
    indexed: 1,
    unchanged: 1,
    removed: 1,
    failed: 1,
    formulas: 7,
    cancelled: false,
    library: 'lib',
    report: [
      { id: 'bib:a', status: 'indexed', detail: '/lib/a/main.tex', formulas: 7, bibFile: '/lib/refs.bib' },
      { id: 'bib:b', status: 'unchanged', detail: 'content unchanged since the last run' },
      { id: 'bib:c', status: 'no-source', detail: 'no LaTeX source found', bibFile: '/lib/refs.bib' },
      { id: 'bib:d', status: 'pdf-only', detail: 'arXiv serves only a PDF: downloaded PDFs are not read' },
      { id: 'bib:e', status: 'failed', detail: 'LaTeX reader: unbalanced braces' },
      { id: 'bib:f', status: 'removed', detail: 'no longer in the library' },
    ],
  });
  assert.deepEqual(lines, [
    'Build Index over /lib (library "lib"): 1 indexed (7 formulas), 1 unchanged, 1 removed, 1 failed',
    '  indexed     bib:a (7 formulas) [/lib/refs.bib]',
    '  unchanged   bib:b: content unchanged since the last run',
    '  no source   bib:c [/lib/refs.bib]: no LaTeX source found',
    '  pdf only    bib:d: arXiv serves only a PDF: downloaded PDFs are not read',
    '  failed      bib:e: LaTeX reader: unbalanced braces',
    '  removed     bib:f: no longer in the library',
  ]);
  assert.deepEqual(buildReportLines(['/a', '/b'], { kind: 'failed', reason: 'model missing' }), ['Build Index over /a, /b failed: model missing']);
});

test('changes inside the library count; the index output, VCS data, editor leftovers and other folders do not', () => {
  const library = path.join(path.sep, 'home', 'me', 'papers');
  const inside = (...parts: string[]) => path.join(library, ...parts);
  assert.equal(isLibraryChange(library, inside('refs.bib')), true);
  assert.equal(isLibraryChange(library, inside('smith2020', 'main.tex')), true);
  assert.equal(isLibraryChange(library, inside('smith2020')), true, 'a folder removed or added');
  assert.equal(isLibraryChange(library, inside('.formula-lens', 'index', 'metadata.sqlite')), false);
  assert.equal(isLibraryChange(library, inside('.git', 'index')), false);
  assert.equal(isLibraryChange(library, inside('smith2020', '.main.tex.swp')), false);
  assert.equal(isLibraryChange(library, inside('refs.bib~')), false);
  assert.equal(isLibraryChange(library, library), false);
  assert.equal(isLibraryChange(library, path.join(path.sep, 'home', 'me', 'papers-old', 'a.tex')), false);
});

test('each folder set has its own library name, whatever the order; one folder is named as formula-lens index names it', () => {
  assert.equal(libraryName(['/home/me/papers']), 'papers');
  assert.equal(libraryName(['/x/b', '/y/a']), libraryName(['/y/a', '/x/b']));
  assert.notEqual(libraryName(['/x/b', '/y/a']), libraryName(['/y/a']));
  assert.equal(libraryName(['/x/a', '/x/a/']), 'a', 'the same folder twice is one folder');
  assert.equal(libraryName([]), 'library');
});

test('build progress: reading is most of a build that renders nothing, rendering most of one that does; it only grows, and done is 1', () => {
  const phases = ['planning', 'reading', 'indexing', 'embedding', 'done'] as const;
  const at = (phase: (typeof phases)[number], done: number, rendersSidecar: boolean) =>
    buildFraction({ phase, papersDone: done * 4, papersTotal: 4, formulasDone: done * 10, formulasTotal: 10 }, rendersSidecar);
  for (const rendersSidecar of [false, true]) {
    const path = phases.filter((phase) => rendersSidecar || phase !== 'embedding').flatMap((phase) => [at(phase, 0, rendersSidecar), at(phase, 1, rendersSidecar)]);
    assert.deepEqual([...path].sort((a, b) => a - b), path, `never goes back (${rendersSidecar ? 'with' : 'without'} the sidecar)`);
    assert.equal(at('planning', 0, rendersSidecar), 0);
    assert.equal(at('done', 0, rendersSidecar), 1);
  }
  assert.ok(Math.abs(at('reading', 1, false) - 0.9) < 1e-12, 'reading, then adding to the catalogue, ends the build');
  assert.equal(at('indexing', 1, false), 1);
  assert.ok(at('embedding', 0, true) < 0.5, 'rendering is more than half of a build that renders');
});
