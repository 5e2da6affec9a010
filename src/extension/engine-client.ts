// Starts the engine process with VS Code's own runtime and keeps it alive: a native crash in
// the engine costs a restart, never the extension host.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createMessageConnection, MessageConnection, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { FramingError, StrictMessageReader } from '../engine/message-reader';
import { logNotification } from '../engine/protocol';

/** After this many crashes within `crashWindowMs` the client stops restarting and tells the user. */
const maxCrashesInWindow = 5;
const crashWindowMs = 60_000;

export type EngineState = 'stopped' | 'starting' | 'running' | 'failed';

export class EngineClient implements vscode.Disposable {
  private process: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private starting: Promise<MessageConnection> | undefined;
  private crashTimes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly stateEmitter = new vscode.EventEmitter<EngineState>();
  readonly onDidChangeState = this.stateEmitter.event;
  state: EngineState = 'stopped';

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly restartDelayMs: () => number,
  ) {}

  /** The engine's pid while it runs (tests kill it to exercise the restart). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The running engine's connection, starting the engine on first need. */
  async connect(): Promise<MessageConnection> {
    if (this.connection) return this.connection;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async restart(): Promise<MessageConnection> {
    this.crashTimes = [];
    this.stop();
    return this.connect();
  }

  private async start(): Promise<MessageConnection> {
    this.setState('starting');
    const script = path.join(this.extensionPath, 'out', 'engine.js');
    // process.execPath is VS Code's Electron (or code-server's Node); ELECTRON_RUN_AS_NODE makes it plain Node.
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.process = child;
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) this.log.info(`[engine] ${line}`);
    });
    const reader = new StrictMessageReader(child.stdout!);
    // Output the client cannot frame (a native library writing to stdout) ends that engine: a new one starts.
    reader.onError((error) => {
      this.log.error(`engine output unreadable: ${error.message}`);
      if (error instanceof FramingError) child.kill();
    });
    const connection = createMessageConnection(reader, new StreamMessageWriter(child.stdin!));
    connection.onNotification(logNotification, ({ level, message }) => this.log[level](`[engine] ${message}`));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.on('error', (error) => this.log.error(`engine failed to start: ${error.message}`));
    connection.listen();
    this.connection = connection;
    this.setState('running');
    return connection;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.process) return; // an engine we stopped on purpose
    this.connection?.dispose();
    this.connection = undefined;
    this.process = undefined;
    if (this.disposed) return;
    this.log.warn(`engine exited (code ${code}, signal ${signal})`);
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < crashWindowMs), now];
    if (this.crashTimes.length >= maxCrashesInWindow) {
      this.setState('failed');
      void vscode.window
        .showErrorMessage('Formula Lens: the engine keeps stopping.', 'Show log', 'Restart')
        .then((choice) => {
          if (choice === 'Show log') this.log.show();
          if (choice === 'Restart') void this.restart();
        });
      return;
    }
    const delay = this.restartDelayMs() * 2 ** (this.crashTimes.length - 1);
    this.setState('stopped');
    this.restartTimer = setTimeout(() => void this.connect().catch(() => undefined), delay);
  }

  private stop(): void {
    clearTimeout(this.restartTimer);
    const child = this.process;
    this.process = undefined;
    this.connection?.dispose();
    this.connection = undefined;
    child?.kill();
    this.setState('stopped');
  }

  private setState(state: EngineState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.stateEmitter.dispose();
  }
}
