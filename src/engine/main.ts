// The engine process: hosts the core and speaks JSON-RPC over stdio, like a language server.
// stdout carries the protocol only; diagnostics go to stderr, which the client shows in its log.
import { createMessageConnection, StreamMessageWriter, type ResponseMessage } from 'vscode-jsonrpc/node';
import { registerEditorHandlers } from './editor-handlers';
import { registerTrainHandlers } from './train';
import { infoRequest } from './protocol';
import { loadedNativeModules } from '../core/native';
import { FramingError, MalformedMessage, StrictMessageReader } from './message-reader';
import { version } from '../../package.json';

/** The exit code after a framing error: the client restarts the engine, as after a crash. */
const framingErrorExitCode = 3;

// A dependency's console output must not land in the protocol stream.
console.log = console.info = console.debug = console.error;

const reader = new StrictMessageReader(process.stdin);
const writer = new StreamMessageWriter(process.stdout);
const connection = createMessageConnection(reader, writer);

reader.onError((error) => {
  if (error instanceof MalformedMessage) {
    const response: ResponseMessage = { jsonrpc: '2.0', id: error.id, error: { code: error.code, message: error.message } };
    void writer.write(response);
  } else if (error instanceof FramingError) {
    process.stderr.write(`engine: unreadable message frame from the client (${error.message}); exiting, the client starts a new engine\n`);
    process.exit(framingErrorExitCode);
  }
});

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
