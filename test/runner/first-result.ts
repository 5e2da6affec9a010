// Issue 20's first-run measurement: a fresh install (an empty cache folder, so no default index yet) with the
// real bundled default library, a .tex file opened and the cursor put in a formula; the time until the results
// view shows its first paper. Its own code-server and workbench, the extension loaded from this repository's
// out/ (npm run build), the default settings. Used by the UI tier (test/ui/first-result.ui.ts) and
// `npm run bench first-result`.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { goToLine, openFile, resultsView, runCommand } from '../ui/actions';
import { fixtureWorkspace, withWorkbench } from './code-server';

export interface FirstResult {
  /** From opening the file to the first paper in the view. */
  seconds: number;
  /** The first paper's title. */
  firstPaper: string;
  cores: number;
}

/** How long the measurement waits for the first result before it fails. */
export const firstResultTimeoutMs = 540_000;

export async function measureFirstResult(): Promise<FirstResult> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'fl-first-result-'));
  cpSync(path.join(fixtureWorkspace, 'paper.tex'), path.join(workspace, 'paper.tex'));
  cpSync(path.join(fixtureWorkspace, 'refs.bib'), path.join(workspace, 'refs.bib'));
  try {
    // startCodeServer gives the engine an empty cache folder of its own; no stand-in library.
    return await withWorkbench({ folder: workspace, env: { FORMULA_LENS_DEFAULT_LIBRARY: '' } }, async ({ page }) => {
      const started = performance.now();
      await openFile(page, 'paper.tex');
      await goToLine(page, 10); // inside \begin{equation} … \end{equation}
      await runCommand(page, 'Formula Lens: Show Results'); // what the status bar item does
      const firstPaper = resultsView(page).locator('li.paper h3.title').first();
      await firstPaper.waitFor({ timeout: firstResultTimeoutMs });
      const seconds = (performance.now() - started) / 1000;
      return { seconds, firstPaper: await firstPaper.innerText(), cores: availableParallelism() };
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
