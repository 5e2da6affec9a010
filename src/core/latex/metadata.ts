// Plain text out of the LaTeX of titles, section headings and author lists.
import { charCodes, readArgument, readControlSequence, stripComments } from './args';

const { BACKSLASH } = charCodes;

/** Commands dropped with their argument: notes and marks that are not part of a name or title. */
const dropped = new Set(['thanks', 'footnote', 'footnotemark', 'label', 'inst', 'textsuperscript', 'orcid', 'email', 'affil', 'IEEEauthorrefmark']);

/** Removes the dropped commands with their (optional and mandatory) arguments. */
function dropNotes(latex: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < latex.length; i++) {
    if (latex.charCodeAt(i) !== BACKSLASH) continue;
    const { name, end } = readControlSequence(latex, i);
    if (dropped.has(name)) {
      let after = end;
      const optional = latex[after] === '[' ? latex.indexOf(']', after) : -1;
      if (optional >= 0) after = optional + 1;
      const argument = readArgument(latex, after);
      out += latex.slice(copied, i);
      copied = argument ? argument.end : end;
      i = copied - 1;
    } else i = end - 1;
  }
  return out + latex.slice(copied);
}

/** Readable text: notes dropped, math superscripts (affiliation marks) dropped, commands unwrapped. */
export function plainText(latex: string): string {
  return dropNotes(stripComments(latex))
    .replace(/\$\^\{?[^$]*\}?\$/g, '') // `$^{1,2}$` affiliation marks
    .replace(/\\\\(\[[^\]]*\])?|~|\\[,;: ]/g, ' ')
    .replace(/\\(?:[A-Za-z@]+\*?|[^A-Za-z@\s])/g, (command) => (/^\\[{}&%$#_]$/.test(command) ? command[1]! : ''))
    .replace(/[{}]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The authors of one `\author{…}`: split at `\and`/`\AND`, each name cut before its affiliation lines. */
export function authorNames(latex: string): string[] {
  return stripComments(latex)
    .split(/\\and\b|\\AND\b/)
    .map((part) => plainText(dropNotes(part).split(/\\\\/)[0] ?? ''))
    .map((name) => name.replace(/^[,;\s]+|[,;\s]+$/g, ''))
    .filter((name) => name.length > 0 && name.length <= 200);
}
