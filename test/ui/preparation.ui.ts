// A fresh install preparing the default index (issue 20), as a person sees it: the results view shows the
// formula at the cursor with the preparation's progress, a notification shows it too, and its Cancel stops the
// engine's build (the cache is left unfinished, and the view says it was cancelled). Its own code-server: a
// stand-in default library of 600,000 formulas, whose catalogue (nothing is rendered for the default mode) takes
// about half a minute on 2 cores, long enough to be cancelled.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { writeStandInLibrary } from '../helpers/stand-in-library';
import { fixtureWorkspace, withWorkbench } from '../runner/code-server';
import { goToLine, notification, openFile, resultsView, runCommand } from './actions';
import type { UiCheck } from './check';

const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');

/** A workspace with the fixture paper, searching only the default index with the tiny encoder; and the stand-in library. */
function scratch(folder: string): { workspace: string; libraryFile: string } {
  const workspace = path.join(folder, 'workspace');
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  cpSync(path.join(fixtureWorkspace, 'paper.tex'), path.join(workspace, 'paper.tex'));
  const settings = { 'formulaLens.model': 'custom', 'formulaLens.customModelPath': tinyEncoder, 'formulaLens.index.showDefault': true };
  writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings));
  const libraryFile = path.join(folder, 'papers.jsonl.gz');
  writeStandInLibrary(libraryFile, 6000, (paper) => Array.from({ length: 100 }, (_, i) => `\\sum_{k=${i}}^{${paper}} x_k^2 \\le \\epsilon`));
  return { workspace, libraryFile };
}

export const checks: UiCheck[] = [
  {
    name: 'while the default index is prepared the view shows the formula and the progress; the notification’s Cancel stops the build',
    async run() {
      const folder = mkdtempSync(path.join(tmpdir(), 'fl-ui-prepare-'));
      try {
        const { workspace, libraryFile } = scratch(folder);
        await withWorkbench({ folder: workspace, env: { FORMULA_LENS_DEFAULT_LIBRARY: libraryFile } }, async ({ page }, server) => {
          await openFile(page, 'paper.tex');
          await goToLine(page, 10); // inside \begin{equation} … \end{equation}
          await runCommand(page, 'Formula Lens: Show Results');
          const view = resultsView(page);
          await view.locator('.preparing').waitFor({ timeout: 60_000 });
          assert.equal(await view.locator('section.query .katex').count(), 1, 'the formula at the cursor is typeset above the progress');
          assert.match(await view.locator('.preparing').innerText(), /Preparing the default index.*\d+%/);
          const toast = notification(page, /preparing the default index/);
          await toast.waitFor({ timeout: 30_000 });
          await toast.getByRole('button', { name: 'Cancel' }).click();
          await view.locator('.empty[data-reason="preparationStopped"]').waitFor({ timeout: 60_000 });
          const cache = path.join(server.stateDir, 'cache');
          const built = readdirSync(cache).find((name) => name.startsWith('default-index-'));
          assert.ok(built, `the build had started in ${cache}`);
          assert.ok(!existsSync(path.join(cache, built, 'library.sha256')), 'the build stopped before it finished');
        });
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  },
];
