// The citation "Insert \cite" writes: the `formulaLens.cite.command` setting (\citep, \autocite, …)
// in LaTeX, a Pandoc citation in Markdown. vscode-free (unit-tested).

export const defaultCiteCommand = '\\cite';

/** A LaTeX command name with an optional star; anything else (a hand-edited setting) falls back to \cite. */
const citeCommandPattern = /^\\[A-Za-z]+\*?$/;

export function citationText(key: string, languageId: string, citeCommand: string): string {
  if (languageId === 'markdown') return `[@${key}]`;
  const command = citeCommandPattern.test(citeCommand.trim()) ? citeCommand.trim() : defaultCiteCommand;
  return `${command}{${key}}`;
}
