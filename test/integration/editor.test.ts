// Issue 7 in the real extension host: cursor tracking over .tex and .md files, the commands, the
// cancellation of outdated lookups, the engine crash and restart, and "insert \cite".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildIndexRequest, type BuildIndexResult } from '../../src/engine/protocol';
import type { FormulaLensApi } from '../../src/extension/main';
import { resultActions } from '../../src/extension/result-actions';
import type { SearchEvent } from '../../src/extension/search-controller';
import { activateByOpeningPaper, formulaLens, waitFor } from './helpers';

/** Longer than the default debounce (300 ms) plus an engine answer on a loaded machine. */
const quietMs = 1500;

function editorFixture(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(formulaLens().extensionPath, 'test', 'fixtures', 'editor', name));
}

async function open(name: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(editorFixture(name)));
}

/** Puts the cursor just before `needle` (its `occurrence`-th match). */
function placeCursor(editor: vscode.TextEditor, needle: string, occurrence = 0): void {
  const text = editor.document.getText();
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, `${needle} is in ${editor.document.fileName}`);
  const position = editor.document.positionAt(offset);
  editor.selection = new vscode.Selection(position, position);
}

/** Every search the controller completes while `during` runs and `quietMs` after it. */
async function searchesDuring(api: FormulaLensApi, during: () => Promise<unknown> | void): Promise<SearchEvent[]> {
  const events: SearchEvent[] = [];
  const subscription = api.ctx.search.onDidSearch((event) => events.push(event));
  try {
    await during();
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  } finally {
    subscription.dispose();
  }
  return events;
}

/** The searches completed while `action` runs. */
async function searchesOf(api: FormulaLensApi, action: () => Thenable<unknown>): Promise<SearchEvent[]> {
  const events: SearchEvent[] = [];
  const subscription = api.ctx.search.onDidSearch((event) => events.push(event));
  try {
    await action();
  } finally {
    subscription.dispose();
  }
  return events;
}

function nextSearch(api: FormulaLensApi): Promise<SearchEvent> {
  return new Promise((resolve) => {
    const subscription = api.ctx.search.onDidSearch((event) => {
      subscription.dispose();
      resolve(event);
    });
  });
}

describe('editor: cursor tracking, commands, citations', () => {
  let api: FormulaLensApi;
  before(async () => {
    api = await activateByOpeningPaper();
    // Only what this suite configures is searched: no index at all, so searches answer noIndex.
    await vscode.workspace.getConfiguration('formulaLens').update('index.showDefault', false, vscode.ConfigurationTarget.Global);
    // The web workbench saves after a delay by default; the fixtures must stay as they are.
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('formulaLens').update('index.showDefault', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('searches the formula the cursor rests in, in a .tex chapter, with the macros of its main file', async () => {
    const editor = await open('project/chapters/attention.tex');
    const searched = nextSearch(api);
    placeCursor(editor, '\\sqrt{d_k}');
    const { query, result } = await searched;
    assert.match(query.latex, /\\operatorname\{softmax\}/);
    assert.equal(query.display, true);
    assert.equal(query.env, 'align*');
    for (const name of ['\\KL', '\\E', '\\R', '\\argmin']) assert.ok(query.macros?.includes(name), `${name} in ${query.macros}`);
    // No index is selected: the view says so instead of showing results.
    assert.equal(result.kind, 'noIndex');
    assert.deepEqual(api.ctx.results.current.kind === 'empty' && api.ctx.results.current.reason, 'noIndex');
    assert.match(api.ctx.statusBar.text, /no index/);
  });

  it('searches display math in a Markdown file, but not code fences', async () => {
    const editor = await open('notes.md');
    const searched = nextSearch(api);
    placeCursor(editor, '\\sqrt{2\\pi');
    const { query } = await searched;
    assert.match(query.latex, /\\frac\{1\}\{\\sqrt\{2\\pi\\sigma\^2\}\}/);
    assert.equal(query.env, '$$');
    const inFence = await searchesDuring(api, () => placeCursor(editor, 'not math'));
    assert.deepEqual(inFence, []);
  });

  it('asks nothing while the cursor moves inside the formula already shown', async () => {
    const editor = await open('project/main.tex');
    const searched = nextSearch(api);
    placeCursor(editor, '\\hat{x}');
    await searched;
    const moves = await searchesDuring(api, async () => {
      for (const needle of ['\\argmin_', '\\lVert', '(A^\\top A)']) {
        placeCursor(editor, needle);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    assert.deepEqual(moves, []);
  });

  it('cancels outdated lookups: a burst of moves across formulas searches only the last one', async () => {
    const editor = await open('project/main.tex');
    const events = await searchesDuring(api, async () => {
      placeCursor(editor, '\\hat{x}');
      await new Promise((resolve) => setTimeout(resolve, 60));
      placeCursor(editor, 'A \\in \\R^{m');
      await new Promise((resolve) => setTimeout(resolve, 60));
      placeCursor(editor, 'b \\in \\R^m');
    });
    assert.equal(events.length, 1, `searched: ${events.map((event) => event.query.latex).join(' | ')}`);
    assert.match(events[0]!.query.latex, /^b \\in \\R\^m$/);
  });

  it('while typing inside a formula, searches once, when typing pauses', async () => {
    const editor = await open('project/main.tex');
    await searchesDuring(api, () => placeCursor(editor, ' = (A^\\top A)'));
    const events = await searchesDuring(api, async () => {
      for (const char of ' + \\lambda') {
        await editor.edit((edit) => edit.insert(editor.selection.active, char));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    });
    assert.equal(events.length, 1, `searched: ${events.map((event) => event.query.latex).join(' | ')}`);
    assert.match(events[0]!.query.latex, /\+ \\lambda/);
  });

  it('leaves inline math alone when the setting excludes it, and says why', async () => {
    const settings = vscode.workspace.getConfiguration('formulaLens');
    await settings.update('search.includeInlineMath', false, vscode.ConfigurationTarget.Global);
    try {
      const editor = await open('project/main.tex');
      placeCursor(editor, 'A \\in \\R^{m');
      await vscode.commands.executeCommand('formulaLens.searchAtCursor');
      const state = api.ctx.results.current;
      assert.equal(state.kind, 'empty');
      assert.equal(state.kind === 'empty' && state.reason, 'noFormula');
      assert.match(state.kind === 'empty' ? state.detail ?? '' : '', /includeInlineMath/);
    } finally {
      await settings.update('search.includeInlineMath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('has commands to search at the cursor (even the formula shown), a selection, and to show the results', async () => {
    const editor = await open('project/chapters/attention.tex');
    await searchesDuring(api, () => placeCursor(editor, '\\log p_\\theta(x)'));
    // A command resolves once its search is done, so the searches it made are in hand when it returns.
    const forced = await searchesOf(api, () => vscode.commands.executeCommand('formulaLens.searchAtCursor'));
    assert.ok(forced.some((event) => /\\log p_\\theta\(x\)/.test(event.query.latex)), 'the formula shown is searched again');

    const start = editor.document.getText().indexOf('\\KL{');
    const end = editor.document.getText().indexOf('.\n\\end{align*}');
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(end));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the selection event reaches the extension first, as when a person selects
    const selected = await searchesOf(api, () => vscode.commands.executeCommand('formulaLens.searchSelection'));
    const query = selected.find((event) => event.query.latex.startsWith('\\KL'))?.query;
    assert.equal(query?.latex, '\\KL{q_\\phi(z \\mid x)}{p(z)}');
    assert.ok(query?.macros?.includes('\\newcommand{\\KL}'), 'the selection is typeset with the document macros');

    await vscode.commands.executeCommand('formulaLens.showResults');
    await waitFor('the results view to show', 10_000, () => api.ctx.results.visible || undefined);
  });

  it('keeps tracking the cursor after the engine is killed: the client restarts it', async () => {
    const editor = await open('project/main.tex');
    await searchesDuring(api, () => placeCursor(editor, '\\hat{x}'));
    const killed = api.ctx.engine.pid!;
    process.kill(killed, 'SIGKILL');
    await waitFor('a new engine', 15_000, () => (api.ctx.engine.pid && api.ctx.engine.pid !== killed ? true : undefined));
    const after = nextSearch(api);
    placeCursor(editor, 'b \\in \\R^m');
    assert.match((await after).query.latex, /b \\in \\R\^m/);
  });

  it('inserts \\cite{key} with the key of the paper in the document’s .bib file', async () => {
    const editor = await open('project/main.tex');
    placeCursor(editor, 'whenever $A$');
    const key = await api.ctx.bibtex.insertCite(
      { id: 'attention', title: 'Attention is all you need', authors: ['Ashish Vaswani'], year: 2017, arxivId: '1706.03762', macros: '' },
      editor,
    );
    assert.equal(key, 'vaswani2017attention');
    assert.ok(editor.document.getText().includes('\\cite{vaswani2017attention}whenever $A$'));
  });
});

describe('editor: result actions on a real index', () => {
  let api: FormulaLensApi;
  let scratch: string;
  const settings = () => vscode.workspace.getConfiguration('formulaLens');
  const global = vscode.ConfigurationTarget.Global;

  before(async function () {
    this.timeout(120_000);
    api = await activateByOpeningPaper();
    scratch = mkdtempSync(path.join(tmpdir(), 'fl-integration-index-'));
    const tinyEncoder = path.join(formulaLens().extensionPath, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
    const indexDir = path.join(scratch, 'index');
    // Built by the engine (native modules stay out of the extension host), from the fixture library.
    // By method name: this bundle's copy of vscode-jsonrpc is not the one the connection belongs to.
    const connection = await api.ctx.engine.connect();
    const built: BuildIndexResult = await connection.sendRequest(buildIndexRequest.method, {
      folders: [editorFixture('library').fsPath],
      indexDir,
      cacheDir: path.join(scratch, 'cache'),
      model: { kind: 'custom', path: tinyEncoder },
      executionProvider: 'cpu',
    });
    assert.equal(built.kind, 'built');
    await settings().update('model', 'custom', global);
    await settings().update('customModelPath', tinyEncoder, global);
    await settings().update('index.locations', [indexDir], global);
    await settings().update('index.showDefault', false, global);
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', global);
  });
  after(async () => {
    for (const key of ['model', 'customModelPath', 'index.locations', 'index.showDefault']) await settings().update(key, undefined, global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows results, opens a result’s source at its line, and searches "more like this" without its own paper', async () => {
    const editor = await open('project/main.tex');
    placeCursor(editor, '\\hat{x}');
    const [searched] = await searchesOf(api, () => vscode.commands.executeCommand('formulaLens.searchAtCursor'));
    assert.equal(searched?.result.kind, 'results');
    const state = api.ctx.results.current;
    assert.equal(state.kind, 'results');
    const golub = state.kind === 'results' ? state.results.find((result) => result.paper.title === 'Matrix Computations') : undefined;
    assert.ok(golub, 'the paper with the same formula is among the results');
    assert.match(api.ctx.statusBar.text, /\d+ papers?/);

    const actions = resultActions(api.ctx);
    const formula = golub.formulas.findIndex((hit) => hit.formula.latex.startsWith('R \\hat{x}'));
    assert.ok(formula >= 0 && golub.formulas[formula]!.hasSource);
    await actions.openSource({ paperId: golub.paper.id, formula });
    const opened = vscode.window.activeTextEditor;
    assert.equal(opened?.document.uri.fsPath, editorFixture('library/golub2013/main.tex').fsPath);
    assert.equal(opened?.selection.active.line, 13, 'the formula’s line (14, 1-based)');

    const similar = await searchesOf(api, () => actions.moreLikeThis({ paperId: golub.paper.id, formula }) as Thenable<unknown>);
    assert.equal(similar[0]?.query.latex, 'R \\hat{x} = Q^\\top b');
    const after = api.ctx.results.current;
    assert.ok(after.kind === 'results' && after.results.every((result) => result.paper.id !== golub.paper.id), 'its own paper is left out');
  });
});
