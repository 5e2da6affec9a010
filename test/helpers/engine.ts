// An engine process for tests, spoken to over JSON-RPC on stdio as the VS Code client does.
import { spawn } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { tsxArgs } from './paths';

export interface TestEngine {
  connection: MessageConnection;
  /** Closes the connection and waits for the engine to exit (it exits when stdin closes). */
  stop(): Promise<void>;
}

export function startEngine(env: NodeJS.ProcessEnv = process.env): TestEngine {
  const child = spawn(process.execPath, tsxArgs('src/engine/main.ts'), { stdio: ['pipe', 'pipe', 'pipe'], env });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    connection,
    async stop() {
      connection.dispose();
      child.stdin.end();
      await exited;
    },
  };
}
