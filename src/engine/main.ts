// The engine process: hosts the core and speaks JSON-RPC over stdio, like a language server.
// stdout carries the protocol only; diagnostics go to stderr, which the client shows in its log.
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { registerEditorHandlers } from './editor-handlers';
import { registerTrainHandlers } from './train';
import { infoRequest } from './protocol';
import { loadedNativeModules } from './native';
import { version } from '../../package.json';

const connection = createMessageConnection(
  new StreamMessageReader(process.stdin),
  new StreamMessageWriter(process.stdout),
);

connection.onRequest(infoRequest, () => ({
  version,
  pid: process.pid,
  runtime: process.version,
  loadedNativeModules: loadedNativeModules(),
}));

registerEditorHandlers(connection);
registerTrainHandlers(connection);

// The client going away closes stdin: exit instead of lingering as an orphan.
connection.onClose(() => process.exit(0));
process.stdin.on('end', () => process.exit(0));

connection.listen();
process.stderr.write(`engine ${version} started (pid ${process.pid}, node ${process.version})\n`);
