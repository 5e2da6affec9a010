// The citation "Insert \cite" writes: the `formulaLens.cite.command` setting (\citep, \autocite, …)
// in LaTeX, a Pandoc citation in Markdown. vscode-free (unit-tested).

export const defaultCiteCommand = '\\cite';

/** A LaTeX command name with an optional star; anything else (a hand-edited setting) falls back to \cite. */
const citeCommandPattern = /^\\[A-Za-z]+\*?$/;

function latexCiteCommand(setting: string): string {
  return citeCommandPattern.test(setting.trim()) ? setting.trim() : defaultCiteCommand;
}

export function citationText(key: string, languageId: string, citeCommand: string): string {
  return languageId === 'markdown' ? `[@${key}]` : `${latexCiteCommand(citeCommand)}{${key}}`;
}

/** The results view's button: what it writes, e.g. "Insert \citep" or, in Markdown, "Insert [@key]". */
export function citeButtonLabel(languageId: string, citeCommand: string): string {
  return `Insert ${languageId === 'markdown' ? '[@key]' : latexCiteCommand(citeCommand)}`;
}
