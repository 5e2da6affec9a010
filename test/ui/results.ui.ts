// Issue 7 as a person sees it: the cursor rests in a formula of the fixture paper and the results view
// shows similar formulas, typeset by KaTeX, with their papers' titles; "Insert \cite" writes the key into
// the editor; a hostile title and formula from the index stay inert text. Screenshots in light and dark.
//
// The index is built here, before the workbench starts, from test/fixtures/editor/library with the tiny
// test encoder (test/unit/encode/fixtures), through the library and index stages; the workspace settings
// point the extension at it. Both are removed when the checks end.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Dialog, Page } from 'playwright-core';
import { FormulaIndex } from '../../src/core/index/store';
import { indexLibrary } from '../../src/core/library/index-library';
import { openEmbedder } from '../../src/core/search/embedder';
import { repoRoot } from '../helpers/paths';
import { fixtureWorkspace } from '../runner/code-server';
import { resultsDir } from '../runner/results';
import { goToLine, openFile, resultsView, runCommand } from './actions';
import type { UiCheck } from './check';

const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const library = path.join(repoRoot, 'test', 'fixtures', 'editor', 'library');
const scratch = mkdtempSync(path.join(tmpdir(), 'fl-ui-index-'));
const indexDir = path.join(scratch, 'index');
const settingsDir = path.join(fixtureWorkspace, '.vscode');

/** Builds the test index; the checks wait for it. */
async function buildTestIndex(): Promise<void> {
  const embedder = await openEmbedder({ encoder: { model: tinyEncoder } });
  if (!embedder.ok) throw new Error(embedder.reason.message);
  try {
    const opened = FormulaIndex.open(indexDir);
    if (!opened.ok) throw new Error(opened.reason.message);
    try {
      const built = await indexLibrary([library], opened.value.index, embedder.value, { library: 'ui-test', cacheDir: path.join(scratch, 'cache') });
      if (!built.ok) throw new Error(built.reason.message);
      assert.equal(built.value.indexed, 2, 'both fixture papers are indexed');
    } finally {
      opened.value.index.close();
    }
  } finally {
    await embedder.value.close();
  }
}

function removeTestState(): void {
  rmSync(settingsDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}

/** Workspace settings: the test index and encoder, a theme, and no auto-save (the fixture stays as it is). */
function writeSettings(colorTheme: string): void {
  mkdirSync(settingsDir, { recursive: true });
  const settings = {
    'formulaLens.model': 'custom',
    'formulaLens.customModelPath': tinyEncoder,
    'formulaLens.index.locations': [indexDir],
    'formulaLens.index.showDefault': false,
    'workbench.colorTheme': colorTheme,
    'files.autoSave': 'off',
  };
  writeFileSync(path.join(settingsDir, 'settings.json'), JSON.stringify(settings, null, 2));
}

// Written at import, before the runner opens the workbench, so the extension reads them from the start.
writeSettings('Default Light Modern');
process.on('exit', removeTestState);
const indexBuilt = buildTestIndex();
indexBuilt.catch(() => undefined); // reported by the first check

const results = resultsView;
const paperTitles = (page: Page) => results(page).locator('li.paper h3.title');
const hostileTitle = '<img src=x onerror=alert(1)>';

async function editorText(page: Page): Promise<string> {
  return (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

let lightForeground = '';
const dialogs: string[] = [];
const recordDialog = (dialog: Dialog) => {
  dialogs.push(dialog.message());
  void dialog.dismiss();
};

export const checks: UiCheck[] = [
  {
    name: 'resting the cursor in a formula shows similar formulas typeset by KaTeX, with paper titles',
    async run(page) {
      await indexBuilt;
      page.on('dialog', recordDialog);
      await openFile(page, 'paper.tex');
      await goToLine(page, 10); // inside \begin{equation} … \end{equation}
      await runCommand(page, 'Formula Lens: Show Results');
      await paperTitles(page).filter({ hasText: 'Matrix Computations' }).waitFor({ timeout: 90_000 });
      const query = results(page).locator('section.query .katex');
      assert.equal(await query.count(), 1, 'the query formula is typeset');
      assert.ok((await results(page).locator('li.formula .katex').count()) >= 2, 'result formulas are typeset');
      const golub = results(page).locator('li.paper').filter({ hasText: 'Matrix Computations' });
      assert.match(await golub.locator('.meta').innerText(), /Golub.*2013/);
      const score = golub.locator('.score').first();
      assert.match(await score.innerText(), /^score \d\.\d\d$/, 'the score, once a formula');
      assert.match((await score.getAttribute('title')) ?? '', /=.*× weight.*1\.0: as alike as your formula to itself/, 'its tooltip names the signals and what 1.0 means');
      await runCommand(page, 'Notifications: Clear All Notifications');
      lightForeground = await results(page).locator('body').evaluate((body) => getComputedStyle(body).color);
      await page.screenshot({ path: path.join(resultsDir, 'ui-results-light.png') });
    },
  },
  {
    name: 'a hostile title and \\href formula from the index render as inert text',
    async run(page) {
      const hostile = paperTitles(page).filter({ hasText: hostileTitle });
      await hostile.waitFor();
      assert.equal(await hostile.innerText(), hostileTitle);
      assert.equal(await results(page).locator('#root img, #root script, #root a[href]').count(), 0);
      assert.deepEqual(dialogs, [], 'no script ran');
    },
  },
  {
    name: 'clicking "Insert \\cite" writes the paper’s key from the workspace .bib at the cursor',
    async run(page) {
      await goToLine(page, 7, true); // end of \section{Least squares}: prose, so the results stay
      await results(page).locator('li.paper').filter({ hasText: 'Matrix Computations' }).getByRole('button', { name: /Insert a citation/ }).click();
      await page.waitForFunction(() => document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('squares}\\cite{golub2013}'), undefined, { timeout: 15_000 });
      assert.ok((await editorText(page)).includes('\\section{Least squares}\\cite{golub2013}'));
      await page.locator('.monaco-editor .view-line').first().click();
      await page.keyboard.press('Control+Z');
      await page.waitForFunction(() => !document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('squares}\\cite'));
    },
  },
  {
    name: 'the view follows the dark theme too (screenshots in light and dark)',
    async run(page) {
      try {
        writeSettings('Default Dark Modern');
        const body = results(page).locator('body');
        const deadline = Date.now() + 15_000;
        while ((await body.evaluate((element) => getComputedStyle(element).color)) === lightForeground) {
          assert.ok(Date.now() < deadline, 'the view’s text colour follows the theme');
          await page.waitForTimeout(200);
        }
        assert.equal(await paperTitles(page).first().innerText(), 'Matrix Computations', 'the results stay');
        await page.screenshot({ path: path.join(resultsDir, 'ui-results-dark.png') });
      } finally {
        await page.keyboard.press('Escape').catch(() => undefined);
        page.off('dialog', recordDialog);
        removeTestState();
      }
    },
  },
];
