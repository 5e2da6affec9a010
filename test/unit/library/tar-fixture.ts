// Hand-made ustar archives for the extraction tests: node-tar's writer refuses to produce the
// hostile entries (`../`, absolute paths, lying sizes) we need to feed the reader.
import { gzipSync } from 'node:zlib';

export interface RawEntry {
  path: string;
  body?: string | Buffer;
  /** tar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory. */
  type?: '0' | '1' | '2' | '3' | '5';
  linkpath?: string;
  /** Size written into the header, when it should differ from the body (a lying header). */
  headerSize?: number;
}

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value.slice(0, length), offset, length, 'latin1');
}

function octal(header: Buffer, offset: number, length: number, value: number): void {
  field(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function headerFor(entry: RawEntry, bodyLength: number): Buffer {
  const header = Buffer.alloc(512);
  field(header, 0, 100, entry.path);
  octal(header, 100, 8, entry.type === '5' ? 0o755 : 0o644);
  octal(header, 108, 8, 1000);
  octal(header, 116, 8, 1000);
  octal(header, 124, 12, entry.headerSize ?? bodyLength);
  octal(header, 136, 12, 1_700_000_000);
  field(header, 148, 8, '        ');
  field(header, 156, 1, entry.type ?? '0');
  field(header, 157, 100, entry.linkpath ?? '');
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

/** An uncompressed ustar archive of the entries, with the two closing zero blocks. */
export function tarOf(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    blocks.push(headerFor(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const tarGzOf = (entries: RawEntry[]): Buffer => gzipSync(tarOf(entries));
