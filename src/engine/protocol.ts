// The engine's JSON-RPC protocol: every request and notification the engine serves, typed
// in one place and imported by both the engine and the VS Code client (rust-analyzer's lsp_ext.ts).
import { NotificationType, RequestType0 } from 'vscode-jsonrpc';

export interface EngineInfo {
  /** The extension/engine version from package.json. */
  version: string;
  pid: number;
  /** Node (or Electron-as-Node) version the engine runs on. */
  runtime: string;
  /** Native modules loaded into the engine so far (they load lazily, on first need). */
  loadedNativeModules: string[];
}

export const infoRequest = new RequestType0<EngineInfo, void>('formulaLens/info');

export interface LogParams {
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Engine → client: a line for the "Formula Lens" output channel. */
export const logNotification = new NotificationType<LogParams>('formulaLens/log');
