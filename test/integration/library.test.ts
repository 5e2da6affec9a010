// Issues 6 and 8 in the real extension host: formulaLens.library.paths drives Build Index, the watcher
// re-indexes a changed library folder, and the default index is prepared on first use in the
// extension's global storage (with a two-paper stand-in for the bundled library and the tiny test
// encoder, so it takes seconds), the view saying so meanwhile; a missing model is a message in the view.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as vscode from 'vscode';
import type { BuildIndexResult } from '../../src/engine/protocol';
import type { FormulaLensApi } from '../../src/extension/main';
import type { ViewState } from '../../src/webview/protocol';
import { activateByOpeningPaper, formulaLens, waitFor } from './helpers';

const global = vscode.ConfigurationTarget.Global;
const settings = () => vscode.workspace.getConfiguration('formulaLens');
const settingKeys = ['model', 'customModelPath', 'index.locations', 'index.showDefault', 'library.paths', 'library.watch'];

function fixture(...parts: string[]): string {
  return path.join(formulaLens().extensionPath, 'test', ...parts);
}

/** The first automatic update that `wanted` accepts. */
function updateWhere(api: FormulaLensApi, wanted: (result: BuildIndexResult) => boolean): Promise<BuildIndexResult> {
  return new Promise((resolve) => {
    const subscription = api.ctx.library.onDidUpdate((result) => {
      if (!wanted(result)) return;
      subscription.dispose();
      resolve(result);
    });
  });
}

/** Makes a change (attempt 0, 1, …) every few seconds until the watcher's update comes; that update. */
async function changeUntilUpdated(api: FormulaLensApi, change: (attempt: number) => void): Promise<BuildIndexResult> {
  const updated = updateWhere(api, () => true);
  for (let attempt = 0; attempt < 10; attempt++) {
    change(attempt);
    const result = await Promise.race([updated, new Promise<undefined>((resolve) => setTimeout(resolve, 5_000))]);
    if (result) return result;
  }
  throw new Error('the watcher never re-indexed the changed library');
}

describe('library and default index', () => {
  let api: FormulaLensApi;
  let scratch: string;
  let tinyEncoder: string;

  before(async () => {
    api = await activateByOpeningPaper();
    scratch = mkdtempSync(path.join(tmpdir(), 'fl-integration-library-'));
    tinyEncoder = fixture('unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
    await settings().update('model', 'custom', global);
    await settings().update('customModelPath', tinyEncoder, global);
    await settings().update('index.showDefault', false, global);
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', global);
  });
  after(async () => {
    for (const key of settingKeys) await settings().update(key, undefined, global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('library.paths', () => {
    let library: string;
    before(() => {
      // A copy: Build Index writes <folder>/.formula-lens and the watcher test edits papers.
      library = path.join(scratch, 'library');
      cpSync(fixture('fixtures', 'editor', 'library'), library, { recursive: true });
    });

    it('drives Build Index, which adds the index to the searched locations', async function () {
      this.timeout(120_000);
      await settings().update('library.watch', false, global);
      await settings().update('library.paths', [library], global);
      const result = await vscode.commands.executeCommand<BuildIndexResult>('formulaLens.buildIndex');
      assert.ok(result?.kind === 'built', JSON.stringify(result));
      assert.equal(result.indexed, 2);
      assert.equal(result.library, 'library');
      assert.ok(result.report?.some((entry) => entry.id === 'bib:golub2013' && entry.status === 'indexed'));
      const indexDir = path.join(library, '.formula-lens', 'index');
      assert.ok(existsSync(path.join(indexDir, 'CURRENT')));
      assert.ok(api.ctx.config.indexLocations.includes(indexDir));
    });

    it('is watched: a changed paper is re-indexed by itself, the others are skipped', async function () {
      this.timeout(120_000);
      await settings().update('library.watch', true, global);
      // The watcher starts in the background: change the paper until an update sees it.
      const paper = path.join(library, 'golub2013', 'main.tex');
      const original = readFileSync(paper, 'utf8');
      const result = await changeUntilUpdated(api, (attempt) =>
        writeFileSync(paper, original.replace('\\end{document}', `\\begin{equation}A_{${attempt}} = QR\\end{equation}\n\\end{document}`)),
      );
      assert.ok(result.kind === 'built', JSON.stringify(result));
      assert.equal(result.indexed, 1, 'the changed paper');
      assert.equal(result.unchanged, 1, 'the other paper is skipped by its content hash');

      // An update that saw a later attempt of the same change may still come: wait for the removal's.
      const removed = updateWhere(api, (update) => update.kind === 'built' && update.removed > 0);
      rmSync(path.join(library, 'golub2013'), { recursive: true });
      const afterRemoval = await removed;
      assert.ok(afterRemoval.kind === 'built' && afterRemoval.removed === 1 && afterRemoval.indexed === 0, JSON.stringify(afterRemoval));
      await settings().update('library.watch', false, global);
    });
  });

  describe('default index', () => {
    const defaultLibraryVariable = 'FORMULA_LENS_DEFAULT_LIBRARY';
    const states: ViewState[] = [];
    let subscription: vscode.Disposable;

    before(async () => {
      const records = ['e^{i\\pi} + 1 = 0', 'x^2 + y^2 = z^2'].map((latex, i) => ({
        id: `paper-${i}`,
        title: `Paper ${i}`,
        authors: ['An Author'],
        source: 'github:example/repo',
        path: `paper-${i}.tex`,
        license: 'CC-BY-4.0',
        macros: '',
        formulas: [{ latex, env: 'equation', inline: false }],
      }));
      const libraryFile = path.join(scratch, 'default-library.jsonl.gz');
      writeFileSync(libraryFile, gzipSync(records.map((record) => JSON.stringify(record)).join('\n') + '\n'));
      // The engine inherits the extension host's environment: restart it to pick the stand-in up.
      process.env[defaultLibraryVariable] = libraryFile;
      await api.ctx.engine.restart();
      await settings().update('index.locations', [], global);
      await settings().update('index.showDefault', true, global);
      subscription = api.ctx.results.onDidChangeState((state) => states.push(state));
    });
    after(async () => {
      subscription.dispose();
      delete process.env[defaultLibraryVariable];
      await api.ctx.engine.restart();
    });

    it('is prepared in the cache the CLI uses on first use, the view saying so, then searched', async function () {
      this.timeout(120_000);
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fixture('fixtures', 'workspace', 'paper.tex')));
      const text = editor.document.getText();
      const offset = text.indexOf('\\hat{x} =') + 1;
      editor.selection = new vscode.Selection(editor.document.positionAt(offset), editor.document.positionAt(offset));
      await vscode.commands.executeCommand('formulaLens.searchAtCursor');
      const results = await waitFor('results from the default index', 60_000, () => {
        const current = api.ctx.results.current;
        return current.kind === 'results' && current.indexName === 'the default index' ? current : undefined;
      });
      assert.ok(results.results.length > 0);
      assert.ok(
        states.some((state) => state.kind === 'preparing' && state.query.latex.includes('\\hat{x}')),
        `the view showed the formula while the default index was prepared (states: ${states.map((state) => state.kind === 'empty' ? state.reason : state.kind).join(', ')})`,
      );
      assert.equal(results.citeLabel, 'Insert \\cite', 'the Insert button names the cite command');
      // The CLI's cache folder (the runner gives each code-server its own), not the extension's global storage.
      const cache = process.env.FORMULA_LENS_CACHE!;
      assert.ok(cache && readdirSync(cache).some((name) => name.startsWith('default-index-')), `built in ${cache}`);
      const storage = api.ctx.extensionContext.globalStorageUri.fsPath;
      assert.ok(!existsSync(storage) || !readdirSync(storage).some((name) => name.startsWith('default-index-')), `not built in ${storage}`);
    });

    it('shows a missing model as a message in the view (in bitmap mode: the default mode needs no model)', async function () {
      this.timeout(60_000);
      const absent = path.join(scratch, 'not-trained-yet.onnx');
      await settings().update('customModelPath', absent, global);
      await settings().update('search.mode', 'bitmap', global);
      try {
        await vscode.commands.executeCommand('formulaLens.searchAtCursor');
        const state = api.ctx.results.current;
        assert.equal(state.kind, 'error');
        assert.match(state.kind === 'error' ? state.message : '', /not-trained-yet\.onnx/);
        assert.equal(api.ctx.engine.state, 'running', 'the engine is still up');
      } finally {
        await settings().update('customModelPath', tinyEncoder, global);
        await settings().update('search.mode', undefined, global);
      }
    });
  });
});
