// Every command is a small factory (ctx) => handler (rust-analyzer's commands.ts).
import * as vscode from 'vscode';
import { infoRequest } from '../engine/protocol';
import type { Ctx } from './ctx';

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

const commands: Record<string, CommandFactory> = {
  'formulaLens.restartEngine': restartEngine,
  'formulaLens.showEngineInfo': showEngineInfo,
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(commands).map(([id, factory]) => vscode.commands.registerCommand(id, factory(ctx)));
}
