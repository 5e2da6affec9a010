// Reads a source file as text: size-capped, decoded as UTF-8 with replacement characters, and
// refused when it looks binary. Failures are values: a missing or hostile file is normal input.
import { open } from 'node:fs/promises';
import type { Result } from '../result';

export const defaultMaxFileBytes = 8 * 1024 * 1024;

export interface SourceText {
  text: string;
  /** Invalid UTF-8 was replaced by U+FFFD. */
  replaced: boolean;
}

/** Decodes bytes as UTF-8 (invalid sequences become U+FFFD), or fails when they look binary. */
export function decodeSource(bytes: Uint8Array): Result<SourceText> {
  // Text files hold no NUL bytes; archives, images and PDFs do within their first kilobytes.
  if (bytes.subarray(0, 8192).includes(0)) return { ok: false, reason: 'binary file (NUL bytes)' };
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  return { ok: true, value: { text, replaced: text.includes('\uFFFD') } };
}

/** The file as text, or why not: missing, a folder, larger than `maxBytes`, or binary. */
export async function readSource(path: string, maxBytes = defaultMaxFileBytes): Promise<Result<SourceText>> {
  let handle;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) return { ok: false, reason: 'not a file' };
    if (stat.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes (${stat.size})` };
    return decodeSource(await handle.readFile());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'not found' : `unreadable (${code ?? String(error)})` };
  } finally {
    await handle?.close();
  }
}
