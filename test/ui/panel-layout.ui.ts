// The results view in a bottom panel of 250 px (issue 20): at least three papers' cards show at once. The
// view's own page (out/webview.js, media/results.css, KaTeX's CSS) is loaded in a browser page of the panel's
// size, fed ten papers of three formulas each as the extension would send them; a screenshot shows it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths';
import { resultsDir } from '../runner/results';
import type { UiCheck } from './check';
import type { ViewPaperResult, ViewState } from '../../src/webview/protocol';

/** A 250 px panel less its title bar. */
const panel = { width: 900, height: 215 };
const formulas = ['\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', '\\| x - y \\|_2^2 \\le \\epsilon', '\\sum_{i=1}^n \\frac{1}{i^2} = \\frac{\\pi^2}{6}'];

function paper(index: number): ViewPaperResult {
  return {
    paper: { id: `p${index}`, title: `A rather long paper title about stochastic optimisation, number ${index}`, authors: ['Ada Lovelace', 'Charles Babbage'], year: 2020, hasUrl: true },
    formulas: formulas.map((latex, i) => ({
      formula: { latex, macros: '', display: true, env: 'equation' },
      section: 'Gradient methods',
      similarity: 0.5 - i / 10,
      signals: [{ signal: 'lexical', weight: 0.5, similarity: 0.5 }, { signal: 'structure', weight: 0.5, similarity: 0.5 - i / 5 }],
      hasSource: true,
      foundBy: ['lexical', 'structure'],
    })),
  };
}

const state: ViewState = {
  kind: 'results',
  query: { latex: formulas[0]!, macros: '', display: true, env: 'equation' },
  indexName: 'the default index',
  citeLabel: 'Insert \\citep',
  results: Array.from({ length: 10 }, (_, i) => paper(i)),
};

/** The webview's page with VS Code's font variables, the script given a stand-in for the webview API. */
function viewPage(folder: string): string {
  const file = (...parts: string[]) => pathToFileURL(path.join(repoRoot, ...parts)).href;
  const html = `<!DOCTYPE html><html><head>
<link rel="stylesheet" href="${file('out', 'katex', 'katex.min.css')}"><link rel="stylesheet" href="${file('media', 'results.css')}">
<style>:root { --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; }</style></head>
<body><main id="root"></main><script>window.acquireVsCodeApi = () => ({ postMessage() {}, getState() {}, setState() {} });</script>
<script src="${file('out', 'webview.js')}"></script></body></html>`;
  const page = path.join(folder, 'view.html');
  writeFileSync(page, html);
  return pathToFileURL(page).href;
}

export const checks: UiCheck[] = [
  {
    name: 'a bottom panel of 250 px shows at least three papers of the results',
    async run(workbench) {
      const folder = mkdtempSync(path.join(tmpdir(), 'fl-ui-panel-'));
      const page = await workbench.context().newPage();
      try {
        await page.setViewportSize(panel);
        await page.goto(viewPage(folder));
        await page.evaluate((message) => window.postMessage(message, '*'), { method: 'view/state', params: state });
        await page.locator('li.paper').first().waitFor();
        const headers = await page.locator('li.paper .paper-header').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().bottom));
        const visible = headers.filter((bottom) => bottom <= panel.height).length;
        assert.ok(visible >= 3, `${visible} paper cards fit ${panel.height} px (headers end at ${headers.slice(0, 4).map(Math.round).join(', ')} px)`);
        assert.equal(await page.locator('li.paper').first().getByRole('button', { name: /Insert a citation/ }).innerText(), 'Insert \\citep');
        await page.screenshot({ path: path.join(resultsDir, 'ui-results-panel-250.png') });
      } finally {
        await page.close();
        rmSync(folder, { recursive: true, force: true });
      }
    },
  },
];
