// Every command is a small factory (ctx) => handler (rust-analyzer's commands.ts).
import * as vscode from 'vscode';
import { formulaAtRequest, infoRequest } from '../engine/protocol';
import { defaultIndex } from './config';
import { indexLocationWrite, libraryPathsWrite } from './config-writes';
import type { Ctx } from './ctx';
import { documentFile, isTrackedDocument } from './search-controller';
import { trainModelOnLibrary } from './train-model';
import { formulaFromSelection } from './selection';

type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

const restartEngine: CommandFactory = (ctx) => async () => {
  await ctx.engine.restart();
  ctx.log.info('engine restarted on request');
};

const showEngineInfo: CommandFactory = (ctx) => async () => {
  const info = await (await ctx.engine.connect()).sendRequest(infoRequest);
  const native = info.loadedNativeModules.join(', ') || 'none yet';
  void vscode.window.showInformationMessage(
    `Formula Lens engine ${info.version} (pid ${info.pid}, ${info.runtime}); native modules: ${native}.`,
  );
  return info;
};

/** The editor a command acts on: the active one if it holds .tex/.md, else the last one searched from. */
function editorToSearch(ctx: Ctx): vscode.TextEditor | undefined {
  const active = vscode.window.activeTextEditor;
  return active && isTrackedDocument(active.document) ? active : ctx.search.lastEditor;
}

const searchAtCursor: CommandFactory = (ctx) => async () => {
  const editor = editorToSearch(ctx);
  if (!editor) {
    void vscode.window.showInformationMessage('Formula Lens: open a .tex or .md file and put the cursor in a formula.');
    return;
  }
  await ctx.results.show();
  await ctx.search.searchAtCursorNow(editor);
};

const searchSelection: CommandFactory = (ctx) => async () => {
  const editor = vscode.window.activeTextEditor;
  const selected = editor && editor.document.getText(editor.selection);
  if (!editor || !selected?.trim()) {
    void vscode.window.showInformationMessage('Formula Lens: select a formula first.');
    return;
  }
  const { document } = editor;
  // The document's macros come with the math region the selection starts in, when it starts in one.
  const connection = await ctx.engine.connect();
  const region = await connection.sendRequest(formulaAtRequest, {
    uri: document.uri.toString(),
    path: document.uri.scheme === 'file' ? document.uri.fsPath : undefined,
    text: document.getText(),
    offset: document.offsetAt(editor.selection.start),
    languageId: document.languageId,
    includeInline: true,
  });
  const formula = formulaFromSelection(selected, region.found ? region.formula.macros : '');
  if (!formula) return;
  await ctx.results.show();
  await ctx.search.searchFormulaNow(formula, { queryFile: documentFile(document) });
};

const showResults: CommandFactory = (ctx) => () => ctx.results.show(false);

const selectIndex: CommandFactory = (ctx) => async () => {
  type Pick = vscode.QuickPickItem & { index?: string; browse?: true };
  const current = ctx.search.activeIndex;
  const mark = (index: string | undefined) => (index === current ? '$(check) ' : '');
  const picks: Pick[] = [
    { label: `${mark(undefined)}All indexes`, description: 'every index in the settings, and the default one if shown', index: undefined },
    { label: `${mark(defaultIndex)}Default index`, description: 'shipped with the extension', index: defaultIndex },
    ...ctx.config.indexLocations.map((location) => ({ label: `${mark(location)}${location}`, index: location })),
    { label: '$(folder-opened) Add an index folder…', browse: true },
  ];
  const pick = await vscode.window.showQuickPick(picks, { title: 'Formula Lens: search which index?' });
  if (!pick) return;
  let index = pick.index;
  if (pick.browse) {
    const [folder] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use Index' })) ?? [];
    if (!folder) return;
    index = folder.fsPath;
    await ctx.config.write(indexLocationWrite(ctx.config.indexLocations, index));
  }
  ctx.search.activeIndex = index;
  const editor = editorToSearch(ctx);
  if (editor) await ctx.search.searchAtCursorNow(editor);
};

/** The configured library folders, or the ones the user picks now (then saved as the setting). */
const buildIndex: CommandFactory = (ctx) => async () => {
  let folders = ctx.config.libraryPaths;
  if (folders.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Formula Lens: the folders of your library (.bib files with LaTeX sources or e-prints beside them)',
      openLabel: 'Index These Folders',
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: true,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked?.length) return undefined;
    folders = picked.map((folder) => folder.fsPath);
    await ctx.config.write(libraryPathsWrite(folders));
  }
  return ctx.builder.build(folders, { interactive: true });
};

const trainModel: CommandFactory = (ctx) => () => trainModelOnLibrary(ctx);

/** Asks for a shared index's password and keeps it in VS Code's secret storage (an empty one forgets it). */
const setDatabasePassword: CommandFactory = (ctx) => async () => {
  const locations = ctx.databasePasswords.sharedLocations;
  if (locations.length === 0) {
    void vscode.window.showInformationMessage('Formula Lens: no postgres:// location in formulaLens.index.locations; add the shared index there first.');
    return;
  }
  const location = locations.length === 1 ? locations[0] : await vscode.window.showQuickPick(locations, { title: 'Formula Lens: the shared index whose password to set' });
  if (!location) return;
  const password = await vscode.window.showInputBox({
    title: `Formula Lens: password of ${location}`,
    prompt: "Kept in VS Code's secret storage, never in the settings. Leave it empty to forget the stored one.",
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return;
  await ctx.databasePasswords.set(location, password || undefined);
};

const commands: Record<string, CommandFactory> = {
  'formulaLens.restartEngine': restartEngine,
  'formulaLens.showEngineInfo': showEngineInfo,
  'formulaLens.searchAtCursor': searchAtCursor,
  'formulaLens.searchSelection': searchSelection,
  'formulaLens.showResults': showResults,
  'formulaLens.selectIndex': selectIndex,
  'formulaLens.buildIndex': buildIndex,
  'formulaLens.trainModel': trainModel,
  'formulaLens.setDatabasePassword': setDatabasePassword,
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(commands).map(([id, factory]) => vscode.commands.registerCommand(id, factory(ctx)));
}
