// Normalises a formula body for rendering and indexing: no comments, labels, tags or
// (no)number marks, tidy whitespace, and no punctuation that merely ends the surrounding sentence.
// Alignment `&` and row breaks `\\` stay for the renderer.
import { charCodes, readArgument, readControlSequence, stripComments } from './args';

const { BACKSLASH } = charCodes;

/** Commands dropped together with their argument. */
const droppedWithArgument = new Set(['label', 'tag']);
const droppedAlone = new Set(['nonumber', 'notag']);
/** A sentence-ending mark wrapped in a text box: `\text{.}`, `\mbox{ ,}`. */
const boxedPunctuation = /\\(?:text|mbox|hbox|textrm|mathrm)\s*\{\s*[.,;:]\s*\}$/;
/** A `.` after these is a null delimiter (`\right.`), not punctuation. */
const delimiterCommand = /\\(?:left|right|middle|[bB]igg?[lrm]?)\s*$/;

function dropLabelsAndTags(body: string): string {
  if (!body.includes('\\')) return body;
  let out = '';
  let copied = 0;
  for (let i = 0; i < body.length; i++) {
    if (body.charCodeAt(i) !== BACKSLASH) continue;
    const { name, end } = readControlSequence(body, i);
    let dropEnd = -1;
    if (droppedAlone.has(name)) dropEnd = end;
    else if (droppedWithArgument.has(name)) {
      const argument = readArgument(body, body[end] === '*' ? end + 1 : end);
      if (argument) dropEnd = argument.end;
    }
    if (dropEnd >= 0) {
      out += body.slice(copied, i);
      copied = dropEnd;
    }
    i = Math.max(i, (dropEnd >= 0 ? dropEnd : end) - 1);
  }
  return out + body.slice(copied);
}

function tidyWhitespace(body: string): string {
  return body
    .split('\n')
    .map((line) => line.replace(/[ \t\r\f\v]+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** The number of backslashes immediately before `end`. */
function backslashesBefore(text: string, end: number): number {
  let count = 0;
  while (end - count > 0 && text.charCodeAt(end - count - 1) === BACKSLASH) count++;
  return count;
}

/**
 * Peels trailing row breaks, spacing (`\,`, `\quad`, `~`) and sentence punctuation off the end,
 * token by token from the right (a regex anchored at `$` would backtrack quadratically).
 */
function dropTrailingPunctuation(body: string): string {
  let end = body.length;
  for (;;) {
    const last = body[end - 1];
    if (last === undefined) return '';
    const escapes = backslashesBefore(body, end - 1);
    const tail = body.slice(Math.max(0, end - 24), end);
    if (last === '\\') {
      if (escapes % 2 === 0) return body.slice(0, end); // a lone trailing backslash: leave it
      end -= 2; // a row break `\\`
    } else if (escapes % 2 === 1) {
      // `\,` `\;` `\:` `\!` `\ ` are spacing; any other control symbol (`\.` accent, `\}`) is content.
      if (!',;:! '.includes(last)) return body.slice(0, end);
      end -= 2;
    } else if (/\s|~/.test(last)) end--;
    else if (/\\q?quad$/.test(tail)) end -= tail.endsWith('\\qquad') ? 6 : 5;
    else if ('.,;:'.includes(last)) {
      if (last === '.' && delimiterCommand.test(tail.slice(0, -1))) return body.slice(0, end);
      end--;
    } else {
      const boxed = boxedPunctuation.exec(tail);
      if (!boxed) return body.slice(0, end);
      end -= boxed[0].length;
    }
  }
}

/**
 * The body ready for the renderer and the index. `display` formulas also lose the punctuation that
 * ends the sentence around them (`x = 1,` → `x = 1`).
 */
export function normalizeFormula(body: string, display: boolean): string {
  const tidy = tidyWhitespace(dropLabelsAndTags(stripComments(body)));
  return display ? tidyWhitespace(dropTrailingPunctuation(tidy)) : tidy;
}
