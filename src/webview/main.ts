// Browser code of the results view (bundled by esbuild as out/webview.js, an IIFE). It renders the
// ViewState the extension sends, keeps it with setState so a re-shown view restores at once, and
// turns clicks on action buttons into typed commands. No inline handlers: one delegated listener.
import { renderViewState, type ViewAction } from './html';
import { MathRenderer } from './math';
import {
  buildIndexCommand,
  selectIndexCommand,
  copyBibtexCommand,
  insertCiteCommand,
  ipcMessage,
  isIpcMessage,
  moreLikeThisCommand,
  onIpc,
  openSourceCommand,
  openUrlCommand,
  readyCommand,
  searchAtCursorCommand,
  stateNotification,
  type IpcMessage,
  type ViewState,
} from './protocol';

interface VsCodeApi {
  postMessage(message: IpcMessage): void;
  getState(): ViewState | undefined;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;
const math = new MathRenderer();

function show(state: ViewState): void {
  root.innerHTML = renderViewState(state, (formula) => math.render(formula));
  root.dataset.state = state.kind;
  vscode.setState(state);
}

function send(action: ViewAction, button: HTMLElement): void {
  const paperId = button.dataset.paper ?? '';
  const formula = Number(button.dataset.formula ?? 0);
  switch (action) {
    case 'openSource':
      return vscode.postMessage(ipcMessage(openSourceCommand, { paperId, formula }));
    case 'moreLikeThis':
      return vscode.postMessage(ipcMessage(moreLikeThisCommand, { paperId, formula }));
    case 'insertCite':
      return vscode.postMessage(ipcMessage(insertCiteCommand, { paperId }));
    case 'copyBibtex':
      return vscode.postMessage(ipcMessage(copyBibtexCommand, { paperId }));
    case 'openUrl':
      return vscode.postMessage(ipcMessage(openUrlCommand, { paperId }));
    case 'buildIndex':
      return vscode.postMessage(ipcMessage(buildIndexCommand, {}));
    case 'selectIndex':
      return vscode.postMessage(ipcMessage(selectIndexCommand, {}));
    case 'searchAtCursor':
      return vscode.postMessage(ipcMessage(searchAtCursorCommand, {}));
  }
}

root.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLElement>('button[data-action]');
  if (button) send(button.dataset.action as ViewAction, button);
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isIpcMessage(event.data)) onIpc(stateNotification, event.data, show);
});

const restored = vscode.getState();
if (restored) show(restored);
vscode.postMessage(ipcMessage(readyCommand, {}));
