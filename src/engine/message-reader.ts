// JSON-RPC messages from a byte stream, framed as in the Language Server Protocol (`Content-Length: N`,
// a blank line, N bytes of JSON), strictly. vscode-jsonrpc's own reader, on a bad header, reports an
// error and stays out of step with the stream for good: the engine stayed alive but answered nothing.
// Here a bad frame is a FramingError, after which the reader reads nothing more (its owner ends the
// connection, so that a fresh one starts), while a well-framed message that is not JSON, or not JSON-RPC,
// is a MalformedMessage the owner answers (-32700, -32600) before reading on.
import { AbstractMessageReader, type DataCallback, type Disposable, type Message } from 'vscode-jsonrpc/node';
import { errorMessage } from '../core/result';

/** The stream cannot be read past this point. */
export class FramingError extends Error {}

/** One message was unreadable; the ones after it are not affected. `id` is the request's, when it shows. */
export class MalformedMessage extends Error {
  constructor(
    readonly code: -32700 | -32600,
    message: string,
    readonly id: number | string | null,
  ) {
    super(message);
  }
}

/** Limits: a header block is a few dozen bytes; a message may carry .bib texts of several megabytes. */
const maxHeaderBytes = 8 * 1024;
export const maxMessageBytes = 256 * 1024 * 1024;
const headerEnd = Buffer.from('\r\n\r\n');

function contentLength(header: string): number {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    const match = /^([\w-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match) throw new FramingError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    if (match[1]!.toLowerCase() !== 'content-length') continue;
    if (!/^\d{1,10}$/.test(match[2]!)) throw new FramingError(`Content-Length is not a number: ${JSON.stringify(match[2]!.slice(0, 80))}`);
    length = Number(match[2]);
    if (length > maxMessageBytes) throw new FramingError(`Content-Length ${length} is over the ${maxMessageBytes}-byte limit of a message`);
  }
  if (length === undefined) throw new FramingError(`a header without Content-Length: ${JSON.stringify(header.slice(0, 80))}`);
  return length;
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return false;
  const id = message.id;
  const validId = id === undefined || id === null || typeof id === 'string' || typeof id === 'number';
  return validId && (typeof message.method === 'string' || ('id' in message && ('result' in message || 'error' in message)));
}

function idOf(value: unknown): number | string | null {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export class StrictMessageReader extends AbstractMessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The body length announced by the last header, while its body is awaited. */
  private bodyLength: number | undefined;
  private broken = false;

  constructor(private readonly readable: NodeJS.ReadableStream) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => this.onData(chunk, callback);
    const onError = (error: Error) => this.fireError(error);
    const onClose = () => this.fireClose();
    this.readable.on('data', onData).on('error', onError).on('close', onClose);
    return {
      dispose: () => {
        this.readable.off('data', onData).off('error', onError).off('close', onClose);
      },
    };
  }

  private onData(chunk: Buffer, callback: DataCallback): void {
    if (this.broken) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      for (;;) {
        if (this.bodyLength === undefined) {
          const head = this.peek(Math.min(this.buffered, maxHeaderBytes));
          const end = head.indexOf(headerEnd);
          if (end < 0) {
            if (this.buffered >= maxHeaderBytes) throw new FramingError(`no end of header (a blank line) within ${maxHeaderBytes} bytes`);
            return;
          }
          this.bodyLength = contentLength(head.subarray(0, end).toString('latin1'));
          this.take(end + headerEnd.length);
        }
        if (this.buffered < this.bodyLength) return; // the rest of the body is still on its way
        const body = this.take(this.bodyLength);
        this.bodyLength = undefined;
        this.deliver(body, callback);
      }
    } catch (error) {
      if (error instanceof FramingError) {
        this.broken = true;
        this.chunks = [];
      }
      this.fireError(error);
    }
  }

  private deliver(body: Buffer, callback: DataCallback): void {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.fireError(new MalformedMessage(-32700, `Parse error: ${errorMessage(error)}`, null));
      return;
    }
    if (isMessage(value)) callback(value);
    else this.fireError(new MalformedMessage(-32600, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response (batches are not supported)', idOf(value)));
  }

  /** The first `count` buffered bytes, left in the buffer. */
  private peek(count: number): Buffer {
    if (this.chunks[0] && this.chunks[0].length >= count) return this.chunks[0].subarray(0, count);
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, count);
  }

  /** The first `count` buffered bytes, taken out of the buffer. */
  private take(count: number): Buffer {
    const all = this.peek(this.buffered);
    this.chunks = all.length > count ? [all.subarray(count)] : [];
    this.buffered -= count;
    return all.subarray(0, count);
  }
}
