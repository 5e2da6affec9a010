// The binary layout the vector sidecars share (symbolic-vectors.bin, bitmap-<model>.vectors): a magic line, a JSON
// header line {model, count, dimensions}, then `count` keys of `keyBytes` bytes each and `count` float32 vectors.
// Written whole under a temporary name and renamed, so a crash or a concurrent writer leaves one complete file.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { errorMessage } from '../result';

export interface VectorFile {
  /** `count` keys of `keyBytes` bytes, back to back. */
  keys: Buffer;
  /** `count` vectors of `dimensions` values, back to back. */
  values: Float32Array;
  count: number;
  dimensions: number;
}

/**
 * The file's keys and vectors; undefined when it is absent or of another model (a sidecar of another model is
 * another file, or is replaced); a string saying why when it is damaged.
 */
export function readVectorFile(file: string, magic: string, model: string, keyBytes: number): VectorFile | string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const bytes = readFileSync(file);
    if (bytes.subarray(0, magic.length).toString('latin1') !== magic) return 'not a vectors file';
    const headerEnd = bytes.indexOf(10, magic.length);
    const header = JSON.parse(bytes.subarray(magic.length, headerEnd).toString('utf8')) as { model?: string; count?: number; dimensions?: number };
    if (header.model !== model) return undefined;
    const { count, dimensions } = header;
    if (!Number.isInteger(count) || count! < 0 || !Number.isInteger(dimensions) || dimensions! <= 0) return 'its header is damaged';
    const start = headerEnd + 1;
    const valuesStart = start + count! * keyBytes;
    if (bytes.length !== valuesStart + count! * dimensions! * 4) return 'it is truncated or has trailing bytes';
    // Copies: the data after a text header is not 4-byte aligned for typed-array views.
    const keys = Buffer.from(bytes.subarray(start, valuesStart));
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + valuesStart, bytes.byteOffset + bytes.length));
    return { keys, values, count: count!, dimensions: dimensions! };
  } catch (error) {
    return errorMessage(error);
  }
}

/** Writes the file atomically (temporary file of this process, then rename). */
export function writeVectorFile(file: string, magic: string, model: string, { keys, values, count, dimensions }: VectorFile): void {
  const header = Buffer.from(`${magic}${JSON.stringify({ model, count, dimensions })}\n`, 'utf8');
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, Buffer.concat([header, keys, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
  renameSync(temporary, file);
}
