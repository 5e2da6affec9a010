// Which .bib files a document names: \bibliography{a,b} and \addbibresource{x.bib} in LaTeX,
// `bibliography:` in a Markdown (Pandoc) front matter. vscode-free (unit-tested).
import * as path from 'node:path';

/** Absolute paths of the .bib files `text` names, resolved against the document's folder. */
export function namedBibFiles(text: string, languageId: string, documentDir: string): string[] {
  const names = languageId === 'markdown' ? frontMatterBibliography(text) : latexBibliography(text);
  const files = names.map((name) => path.resolve(documentDir, name.endsWith('.bib') ? name : `${name}.bib`));
  return [...new Set(files)];
}

function latexBibliography(text: string): string[] {
  const names: string[] = [];
  // Commented-out lines do not count; the [options] of \addbibresource are skipped.
  const uncommented = text.replace(/(^|[^\\])%.*$/gm, '$1');
  for (const match of uncommented.matchAll(/\\(?:bibliography|addbibresource|addglobalbib)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}/g)) {
    names.push(...match[1]!.split(',').map((name) => name.trim()).filter(Boolean));
  }
  return names;
}

function frontMatterBibliography(text: string): string[] {
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\s*$/m.exec(text);
  if (!frontMatter || frontMatter.index !== 0) return [];
  const lines = frontMatter[1]!.split(/\r?\n/);
  const start = lines.findIndex((line) => /^bibliography\s*:/.test(line));
  if (start < 0) return [];
  const unquote = (value: string) => value.trim().replace(/^["']|["']$/g, '');
  const inline = lines[start]!.replace(/^bibliography\s*:/, '').trim();
  if (inline.startsWith('[')) return inline.slice(1, -1).split(',').map(unquote).filter(Boolean);
  if (inline) return [unquote(inline)];
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = /^\s+-\s+(.+)$/.exec(line);
    if (!item) break;
    items.push(unquote(item[1]!));
  }
  return items;
}
