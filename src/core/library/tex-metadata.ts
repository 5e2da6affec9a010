// Title and authors of a paper that has no bib entry, read from its main file's \title and
// \author (and the \icmltitle/\icmlauthor variants). Heuristic, like the corpus's own: the result is
// for display, so it favours readable text over completeness.

/** The brace-balanced argument starting at `open` (which must be `{`), or undefined if unbalanced. */
function bracedArgument(text: string, open: number): { body: string; end: number } | undefined {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    const char = text[index];
    if (char === '\\') {
      index++;
      continue;
    }
    if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return { body: text.slice(open + 1, index), end: index + 1 };
  }
  return undefined;
}

/** Removes `%` comments (an unescaped `%` to the end of its line). */
export function stripComments(text: string): string {
  return text.replace(/(^|[^\\])%.*$/gm, '$1');
}

/** The arguments of every uncommented `\name{…}` (optionally `\name[…]{…}`), in order. */
function commandArguments(text: string, names: string[]): string[] {
  const pattern = new RegExp(`\\\\(?:${names.join('|')})\\s*(?:\\[[^\\]]*\\])?\\s*(?=\\{)`, 'g');
  const found: string[] = [];
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const argument = bracedArgument(text, match.index + match[0].length);
    if (argument) found.push(argument.body);
  }
  return found;
}

/** Deletes `\name{…}` including its argument, for commands whose argument is not display text. */
function dropCommands(text: string, names: string[]): string {
  let result = text;
  for (let guard = 0; guard < 1000; guard++) {
    const match = new RegExp(`\\\\(?:${names.join('|')})\\s*(?:\\[[^\\]]*\\])?\\s*(?=\\{)`).exec(result);
    if (!match) break;
    const argument = bracedArgument(result, match.index + match[0].length);
    result = result.slice(0, match.index) + (argument ? result.slice(argument.end) : '');
  }
  return result;
}

const nonTextCommands = ['thanks', 'footnote', 'footnotemark', 'inst', 'orcid', 'email', 'affil', 'icmlaffiliation', 'icmlcorrespondingauthor', 'label'];

/** Combining marks for LaTeX's accent commands (`\"u` → ü). */
const accents: Record<string, string> = { "'": '\u0301', '"': '\u0308', '`': '\u0300', '^': '\u0302', '~': '\u0303', '=': '\u0304', '.': '\u0307' };

/** LaTeX markup to plain text: drops notes, unwraps `\textbf{x}`-style commands, normalises space. */
export function plainText(latex: string): string {
  return dropCommands(latex, nonTextCommands)
    // Math keeps its command names as words (`$\alpha$-stable` → `alpha-stable`).
    .replace(/\$([^$]*)\$/g, (_, math: string) => math.replace(/\\([a-zA-Z]+)/g, '$1'))
    .replace(/\\(['"`^~=.])\s*\{?([a-zA-Z])\}?/g, (_, accent: string, letter: string) => (letter + accents[accent]).normalize('NFC'))
    .replace(/\\\\(\[[^\]]*\])?/g, ' ')
    .replace(/\\[a-zA-Z]+\*?\s*/g, '')
    .replace(/\\([&%$#_{}])/g, '$1')
    .replace(/[{}]/g, '')
    .replace(/~/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface TexMetadata {
  title?: string;
  authors: string[];
}

/** Title and authors from the text of a main .tex file. */
export function texMetadata(latex: string): TexMetadata {
  const text = stripComments(latex);
  const titleSource = commandArguments(text, ['icmltitle', 'title'])[0];
  const title = titleSource === undefined ? undefined : plainText(titleSource) || undefined;
  const icmlAuthors = commandArguments(text, ['icmlauthor']);
  const authorBlocks = icmlAuthors.length ? icmlAuthors : commandArguments(text, ['author']);
  const authors = authorBlocks
    .flatMap((block) => dropCommands(block, nonTextCommands).split(/\\and\b|\\AND\b/))
    // An author block's first line is the name; the lines after `\\` are affiliations.
    .map((block) => plainText(block.split(/\\\\/)[0] ?? ''))
    .flatMap((names) => names.split(/\s*,\s*|\s+and\s+/))
    .filter((name) => name.length > 0 && name.length < 100);
  return { title, authors };
}
