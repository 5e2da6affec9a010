// Cuts a .bib text into its entries as BibTeX reads them: an entry starts at `@type{` (or `@type(`) and
// ends at its matching closing delimiter; text between entries is comment. An entry left open ends
// where a line starts with the next `@type{`, so a missing brace costs one entry, not the rest of the
// file. One pass, each character looked at a bounded number of times: linear whatever the input.

export type BibPiece =
  | { kind: 'entry'; type: string; key?: string; line: number; text: string }
  | { kind: 'unclosed'; type: string; key?: string; line: number }
  | { kind: 'too-long'; type: string; key?: string; line: number }
  /** An `@` that starts no entry (junk, or a broken header). */
  | { kind: 'stray'; line: number };

const header = /@[ \t]*([A-Za-z][\w:.-]*)[ \t\r\n]*([{(])[ \t\r\n]*/y;
const citeKey = /([^\s,{}()"#%'=\\]+)[ \t\r\n]*[,})]/y;
const entryAtLineStart = /[ \t]*@[ \t]*[A-Za-z][\w:.-]*[ \t\r\n]*[{(]/y;
const nextEntryAtLineStart = /\n[ \t]*@[ \t]*[A-Za-z][\w:.-]*[ \t\r\n]*[{(]/g;
/** Entry types whose body is not `key, fields`. */
const keylessTypes = new Set(['string', 'preamble', 'comment']);

type EntryEnd = { kind: 'closed'; end: number } | { kind: 'unclosed'; next: number } | { kind: 'too-long' };

/** Where the entry whose body starts at `from` ends: after its closing delimiter, or why it does not. */
function entryEnd(text: string, from: number, close: '}' | ')', limit: number): EntryEnd {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (i >= limit) return { kind: 'too-long' };
    const char = text[i];
    if (char === '{') depth++;
    else if (char === '}') {
      if (depth > 0) depth--;
      else if (close === '}') return { kind: 'closed', end: i + 1 };
    } else if (char === ')' && depth === 0 && close === ')') return { kind: 'closed', end: i + 1 };
    else if (char === '\n') {
      entryAtLineStart.lastIndex = i + 1;
      if (entryAtLineStart.test(text)) return { kind: 'unclosed', next: i + 1 };
    }
  }
  return { kind: 'unclosed', next: text.length };
}

/** Line numbers of increasing positions, counted incrementally (each newline is looked for once). */
function lineCounter(text: string): (position: number) => number {
  let line = 1;
  let nextNewline = text.indexOf('\n');
  return (position) => {
    while (nextNewline !== -1 && nextNewline < position) {
      line++;
      nextNewline = text.indexOf('\n', nextNewline + 1);
    }
    return line;
  };
}

/** The entries of a .bib text in order, each at most `maxEntryChars` long, and what could not be one. */
export function* bibPieces(text: string, maxEntryChars: number): Generator<BibPiece> {
  const lineAt = lineCounter(text);
  let position = 0;
  for (;;) {
    const at = text.indexOf('@', position);
    if (at < 0) return;
    // An e-mail address in a comment, not an entry.
    if (at > 0 && /[\w.+-]/.test(text[at - 1]!)) {
      position = at + 1;
      continue;
    }
    header.lastIndex = at;
    const match = header.exec(text);
    if (!match) {
      yield { kind: 'stray', line: lineAt(at) };
      position = at + 1;
      continue;
    }
    const type = match[1]!.toLowerCase();
    const bodyStart = header.lastIndex;
    citeKey.lastIndex = bodyStart;
    const key = keylessTypes.has(type) ? undefined : citeKey.exec(text)?.[1];
    const line = lineAt(at);
    const end = entryEnd(text, bodyStart, match[2] === '{' ? '}' : ')', at + maxEntryChars);
    if (end.kind === 'closed') {
      yield { kind: 'entry', type, key, line, text: text.slice(at, end.end) };
      position = end.end;
    } else if (end.kind === 'unclosed') {
      yield { kind: 'unclosed', type, key, line };
      position = end.next;
    } else {
      yield { kind: 'too-long', type, key, line };
      nextEntryAtLineStart.lastIndex = at + maxEntryChars;
      const next = nextEntryAtLineStart.exec(text);
      position = next ? next.index + 1 : text.length;
    }
  }
}
