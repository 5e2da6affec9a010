// Which editors the lens follows, and when following one may start the engine. vscode-free (unit-tested).
import { scanMath } from '../core/latex/scan';

/** Languages whose math the lens reads; its status bar item shows only in their editors. */
const trackedLanguages = new Set(['latex', 'tex', 'markdown']);

export function isTrackedLanguage(languageId: string | undefined): boolean {
  return languageId !== undefined && trackedLanguages.has(languageId);
}

/**
 * Whether resting the cursor in a document of this language may search it, which starts the engine:
 * LaTeX always; Markdown only when it holds math (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, a math environment),
 * found as the engine finds it (so `$` in code blocks or prices does not count), as most Markdown has none.
 */
export function followsCursorIn(languageId: string, text: string): boolean {
  if (!isTrackedLanguage(languageId)) return false;
  return languageId !== 'markdown' || scanMath(text, { language: 'markdown' }).regions.length > 0;
}
