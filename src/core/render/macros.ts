// Document macro definitions (one per line, as the LaTeX reader and the corpus give them),
// rewritten into the subset MathJax 3's newcommand/mathtools packages understand.

/** One definition ready for MathJax, or the reason it cannot be used. */
export type TranslatedDefinition =
  | { ok: true; tex: string; /** Set for \providecommand: define only if this command is still undefined. */ providing?: string }
  | { ok: false; source: string; reason: string };

/** Commands whose redefinition would break the typesetting of every formula (e.g. `\renewcommand{\left}{…\bgroup…}`). */
const protectedCommands = new Set(['\\left', '\\right', '\\middle', '\\begin', '\\end', '\\\\', '\\frac']);

/** Definitions MathJax has no equivalent for (font tables, xparse). They are dropped; uses then render as unknown macros. */
const unsupported = ['\\DeclareMathSymbol', '\\DeclareMathAlphabet', '\\mathchardef', '\\NewDocumentCommand', '\\RenewDocumentCommand', '\\DeclareDocumentCommand', '\\DeclareRobustCommand', '\\SetMathAlphabet'];

/** Reads a `{…}` group (or a single control sequence / character) at `at`; returns its content and the index after it. */
export function readArgument(text: string, at: number): { content: string; end: number } | undefined {
  let i = at;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  if (i >= text.length) return undefined;
  if (text[i] === '{') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const char = text[j];
      if (char === '\\') j++;
      else if (char === '{') depth++;
      else if (char === '}' && --depth === 0) return { content: text.slice(i + 1, j), end: j + 1 };
    }
    return undefined;
  }
  if (text[i] === '\\') {
    const name = /^\\(?:[A-Za-z@]+|.)/.exec(text.slice(i));
    return name ? { content: name[0], end: i + name[0].length } : undefined;
  }
  return { content: text[i]!, end: i + 1 };
}

/** The control sequence a `\newcommand`-style line defines, from the argument right after the keyword. */
function definedName(line: string, keyword: string): string | undefined {
  const argument = readArgument(line, keyword.length);
  const name = argument?.content.trim();
  return name && /^\\(?:[A-Za-z@]+|.)$/.test(name) ? name : undefined;
}

function translateLine(line: string): TranslatedDefinition {
  const keyword = /^\\[A-Za-z]+\*?/.exec(line)?.[0] ?? '';
  const bare = keyword.replace(/\*$/, '');
  if (unsupported.includes(bare)) return { ok: false, source: line, reason: `${bare} has no MathJax equivalent` };

  if (bare === '\\DeclareMathOperator') {
    const name = readArgument(line, keyword.length);
    const body = name && readArgument(line, name.end);
    if (!name || !body || !name.content.startsWith('\\')) return { ok: false, source: line, reason: 'malformed \\DeclareMathOperator' };
    const operator = keyword.endsWith('*') ? '\\operatorname*' : '\\operatorname';
    return { ok: true, tex: `\\newcommand{${name.content.trim()}}{${operator}{${body.content}}}` };
  }

  if (['\\newcommand', '\\renewcommand', '\\providecommand'].includes(bare)) {
    const name = definedName(line, keyword);
    if (!name) return { ok: false, source: line, reason: `malformed ${bare}` };
    if (protectedCommands.has(name)) return { ok: false, source: line, reason: `redefining ${name} is not supported` };
    // MathJax 3 knows neither the starred forms nor \providecommand; \newcommand there never refuses a known name.
    const tex = '\\newcommand' + line.slice(keyword.length);
    return bare === '\\providecommand' ? { ok: true, tex, providing: name } : { ok: true, tex };
  }

  if (bare === '\\def' || bare === '\\let' || bare === '\\gdef' || bare === '\\edef') {
    const name = /^\\[A-Za-z]+\s*(\\(?:[A-Za-z@]+|.))/.exec(line)?.[1];
    if (name && protectedCommands.has(name)) return { ok: false, source: line, reason: `redefining ${name} is not supported` };
    // MathJax's \def has no \gdef/\edef; in a one-formula scope they mean the same.
    return { ok: true, tex: bare === '\\def' || bare === '\\let' ? line : '\\def' + line.slice(keyword.length) };
  }

  return { ok: true, tex: line };
}

/** Splits a document's macros into definitions and rewrites each for MathJax 3. Blank lines are skipped. */
export function translateMacros(macros: string): TranslatedDefinition[] {
  return macros
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map(translateLine);
}
