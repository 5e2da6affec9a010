// Document macro definitions (one per line, as the LaTeX reader and the corpus give them),
// rewritten into the subset MathJax 3's newcommand/mathtools packages understand.

/** One definition ready for MathJax, or the reason it cannot be used. */
export type TranslatedDefinition =
  | { ok: true; tex: string; /** Set for \providecommand: define only if this command is still undefined. */ providing?: string }
  | { ok: false; source: string; reason: string };

/** Commands whose redefinition would break the typesetting of every formula (e.g. `\renewcommand{\left}{…\bgroup…}`). */
const protectedCommands = new Set(['\\left', '\\right', '\\middle', '\\begin', '\\end', '\\\\', '\\frac']);

/** Definitions MathJax has no equivalent for (font tables). They are dropped; uses then render as unknown macros. */
const unsupported = ['\\DeclareMathAlphabet', '\\SetMathAlphabet'];

/**
 * The letters of a math italic font in TeX's OML layout (cmmi, and the Greek and Euler fonts
 * documents declare for their own letters), slot → [MathJax command, the character it sets].
 * Capital Greek here is italic, as a \mathalpha from an italic font prints it (\varGamma, …).
 */
const omlGreek: [string, string][] = [
  ['\\varGamma', 'Γ'], ['\\varDelta', 'Δ'], ['\\varTheta', 'Θ'], ['\\varLambda', 'Λ'], ['\\varXi', 'Ξ'], ['\\varPi', 'Π'],
  ['\\varSigma', 'Σ'], ['\\varUpsilon', 'Υ'], ['\\varPhi', 'Φ'], ['\\varPsi', 'Ψ'], ['\\varOmega', 'Ω'],
  ['\\alpha', 'α'], ['\\beta', 'β'], ['\\gamma', 'γ'], ['\\delta', 'δ'], ['\\epsilon', 'ϵ'], ['\\zeta', 'ζ'], ['\\eta', 'η'],
  ['\\theta', 'θ'], ['\\iota', 'ι'], ['\\kappa', 'κ'], ['\\lambda', 'λ'], ['\\mu', 'μ'], ['\\nu', 'ν'], ['\\xi', 'ξ'], ['\\pi', 'π'],
  ['\\rho', 'ρ'], ['\\sigma', 'σ'], ['\\tau', 'τ'], ['\\upsilon', 'υ'], ['\\phi', 'ϕ'], ['\\chi', 'χ'], ['\\psi', 'ψ'], ['\\omega', 'ω'],
  ['\\varepsilon', 'ε'], ['\\vartheta', 'ϑ'], ['\\varpi', 'ϖ'], ['\\varrho', 'ϱ'], ['\\varsigma', 'ς'], ['\\varphi', 'φ'],
];

/** The character a font slot sets, for the fonts whose layout we know; undefined for the rest. */
function fontSlot(font: 'oml' | 'ot1', slot: number): { command?: string; tex: string } | undefined {
  const ascii = String.fromCharCode(slot);
  if (/[A-Za-z0-9]/.test(ascii)) return { tex: font === 'ot1' ? `\\mathrm{${ascii}}` : ascii };
  if (font === 'oml') {
    const greek = omlGreek[slot];
    return greek ? { command: greek[0], tex: greek[1] } : undefined;
  }
  // OT1 (the operators font) is ASCII in these slots; the others hold ligatures, accents and quotes.
  return /[!()*+,\-./:;=?@[\]]/.test(ascii) ? { tex: `\\mathord{\\text{${ascii}}}` } : undefined;
}

/** A TeX number: "hex, 'octal, `character or decimal. */
function texNumber(text: string): number | undefined {
  const value = text.trim();
  if (/^"[0-9A-Fa-f]+$/.test(value)) return parseInt(value.slice(1), 16);
  if (/^'[0-7]+$/.test(value)) return parseInt(value.slice(1), 8);
  if (/^`\\?.$/.test(value)) return value.codePointAt(value.length - 1);
  if (/^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A definition of `name` as the character a font slot sets; refused when it would only rename MathJax's own glyph. */
function slotDefinition(source: string, name: string, font: 'oml' | 'ot1', slot: number): TranslatedDefinition {
  const character = fontSlot(font, slot);
  if (!character) return { ok: false, source, reason: `slot ${slot} of that font is not a letter we know` };
  // \DeclareMathSymbol{\zeta}{\mathalpha}{greek}{"10} sets the glyph MathJax's \zeta already sets.
  if (character.command === name) return { ok: false, source, reason: `${name} is already that glyph` };
  return { ok: true, tex: `\\newcommand{${name}}{${character.tex}}` };
}

/**
 * \DeclareMathSymbol{\cs}{class}{font}{slot} for letters (\mathalpha, \mathord): the standard
 * letter fonts by name (operators = OT1 upright, letters = OML italic), any other font as laid out
 * like OML, which is how fonts declared for Greek or alternative letters are laid out.
 */
function translateMathSymbol(line: string, keyword: string): TranslatedDefinition {
  const name = readArgument(line, keyword.length);
  const kind = name && readArgument(line, name.end);
  const font = kind && readArgument(line, kind.end);
  const slot = font && readArgument(line, font.end);
  const number = slot ? texNumber(slot.content) : undefined;
  if (!name || !kind || !font || number === undefined || !/^\\[A-Za-z]+$/.test(name.content.trim())) {
    return { ok: false, source: line, reason: 'malformed \\DeclareMathSymbol' };
  }
  if (!['\\mathalpha', '\\mathord'].includes(kind.content.trim())) return { ok: false, source: line, reason: 'only letter symbols are translated' };
  const fontName = font.content.trim();
  if (['symbols', 'largesymbols', 'AMSa', 'AMSb'].includes(fontName)) return { ok: false, source: line, reason: `${fontName} slots are not translated` };
  return slotDefinition(line, name.content.trim(), fontName === 'operators' ? 'ot1' : 'oml', number);
}

/** \mathchardef\cs="XYZZ (class X, family Y, slot ZZ) for family 0 (operators, OT1) and 1 (letters, OML). */
function translateMathChardef(line: string): TranslatedDefinition {
  const match = /^\\mathchardef\s*(\\[A-Za-z]+)\s*=?\s*(\S+)\s*$/.exec(line);
  const code = match ? texNumber(match[2]!) : undefined;
  if (!match || code === undefined) return { ok: false, source: line, reason: 'malformed \\mathchardef' };
  const family = (code >> 8) & 0xf;
  if (family > 1) return { ok: false, source: line, reason: `family ${family} is not translated` };
  return slotDefinition(line, match[1]!, family === 0 ? 'ot1' : 'oml', code & 0xff);
}

/** What xparse passes for an optional argument that was not given; \IfValueT and friends test for it. */
export const NO_VALUE = '-NoValue-';

/**
 * \NewDocumentCommand{\cs}{spec}{body} with mandatory (m) arguments and at most one optional
 * argument in first place (o, or O{default}): the forms MathJax's \newcommand can express.
 */
function translateDocumentCommand(line: string, keyword: string): TranslatedDefinition {
  const name = readArgument(line, keyword.length);
  const spec = name && readArgument(line, name.end);
  const body = spec && readArgument(line, spec.end);
  if (!name || !spec || !body || !/^\\[A-Za-z]+$/.test(name.content.trim())) return { ok: false, source: line, reason: `malformed ${keyword}` };
  let rest = spec.content.replace(/[\s+]/g, '');
  let optional: string | undefined;
  let count = 0;
  while (rest.length > 0) {
    const argument = /^(m|o|O)/.exec(rest)?.[1];
    if (!argument || (argument !== 'm' && count > 0)) return { ok: false, source: line, reason: `argument specification '${spec.content}' is not translated` };
    rest = rest.slice(1);
    if (argument === 'o') optional = NO_VALUE;
    if (argument === 'O') {
      const value = readArgument(rest, 0);
      if (!value || rest[0] !== '{') return { ok: false, source: line, reason: 'malformed O{default}' };
      optional = value.content;
      rest = rest.slice(value.end);
    }
    count++;
  }
  const commandName = name.content.trim();
  const tex = `\\newcommand{${commandName}}${count ? `[${count}]` : ''}${optional !== undefined ? `[${optional}]` : ''}{${body.content}}`;
  return keyword === '\\ProvideDocumentCommand' ? { ok: true, tex, providing: commandName } : { ok: true, tex };
}

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
  if (bare === '\\DeclareMathSymbol') return translateMathSymbol(line, keyword);
  if (bare === '\\mathchardef') return translateMathChardef(line);
  if (['\\NewDocumentCommand', '\\RenewDocumentCommand', '\\DeclareDocumentCommand', '\\ProvideDocumentCommand'].includes(bare)) {
    return translateDocumentCommand(line, bare);
  }

  if (bare === '\\DeclareMathOperator') {
    const name = readArgument(line, keyword.length);
    const body = name && readArgument(line, name.end);
    if (!name || !body || !name.content.startsWith('\\')) return { ok: false, source: line, reason: 'malformed \\DeclareMathOperator' };
    const operator = keyword.endsWith('*') ? '\\operatorname*' : '\\operatorname';
    return { ok: true, tex: `\\newcommand{${name.content.trim()}}{${operator}{${body.content}}}` };
  }

  if (['\\newcommand', '\\renewcommand', '\\providecommand', '\\DeclareRobustCommand'].includes(bare)) {
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
