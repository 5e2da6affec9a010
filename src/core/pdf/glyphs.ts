// What a glyph is, mathematically: its font says whether it was set as math (TeX's math fonts and the
// OpenType math fonts), and its character gives Unicode math text where the font's encoding does not.

/**
 * Fonts that only math uses: TeX's Computer Modern and Latin Modern math fonts, the AMS and Euler fonts,
 * the common Times/Palatino math companions (tx, px, newtx, mathtime), and the OpenType math fonts
 * (STIX, XITS, Cambria Math, Latin Modern Math, TeX Gyre Math). Subset prefixes (`ABCDEF+`) are ignored.
 */
const MATH_FONT =
  /cmmi|cmbsy|cmsy|cmex|msam|msbm|eufm|eufb|eurm|eurb|eusm|eusb|euex|rsfs|mathitalic|mathsymbols|mathextension|stix|xits|cambria.?math|latinmodern.?math|latin.?modern.?math|gyre\w*math|txmi|txsy|txex|pxmi|pxsy|pxex|ntxmi|ntxsy|ntxex|mtmi|mtsy|mtex|bbold|dsrom|esint|stmary|wasy|bbm|^(?:[A-Z]{6}\+)?symbol/i;

export function isMathFont(fontName: string): boolean {
  return MATH_FONT.test(fontName);
}

/** Characters that are math wherever they appear: operators, relations, Greek, arrows, math alphanumerics. */
const MATH_CHAR =
  /[=+<>^|~*\u00b1\u00b7\u00d7\u00f7\u0370-\u03ff\u2016\u2032-\u2037\u2100-\u214f\u2190-\u23ff\u25a0-\u25ff\u27c0-\u27ff\u2900-\u2aff\u{1d400}-\u{1d7ff}]/u;

export function isMathChar(text: string): boolean {
  return MATH_CHAR.test(text);
}

/** Letters and digits set in a text font: what makes a line prose rather than a formula. */
export function isTextLetter(text: string): boolean {
  return /^[\p{L}\p{N}]/u.test(text);
}

// TeX's math extension font (CMEX and Latin Modern's copy) has no Unicode names for its glyphs: without a
// ToUnicode map a PDF reader sees its slot numbers as ASCII ("P" for a display sum). Slots by the font's layout;
// the pieces of extensible delimiters (0x30–0x43, 0x75–0x7f) are ink without a character of their own.
const CMEX_SLOTS: [number[], string][] = [
  [[0x00, 0x10, 0x12, 0x20], '('],
  [[0x01, 0x11, 0x13, 0x21], ')'],
  [[0x02, 0x14, 0x22, 0x68], '['],
  [[0x03, 0x15, 0x23, 0x69], ']'],
  [[0x04, 0x16, 0x24, 0x6a], '⌊'],
  [[0x05, 0x17, 0x25, 0x6b], '⌋'],
  [[0x06, 0x18, 0x26, 0x6c], '⌈'],
  [[0x07, 0x19, 0x27, 0x6d], '⌉'],
  [[0x08, 0x1a, 0x28, 0x6e], '{'],
  [[0x09, 0x1b, 0x29, 0x6f], '}'],
  [[0x0a, 0x1c, 0x2a, 0x44], '⟨'],
  [[0x0b, 0x1d, 0x2b, 0x45], '⟩'],
  [[0x0c], '|'],
  [[0x0d], '‖'],
  [[0x0e, 0x1e, 0x2c], '/'],
  [[0x0f, 0x1f, 0x2d], '\\'],
  [[0x46, 0x47], '⨆'],
  [[0x48, 0x49], '∮'],
  [[0x4a, 0x4b], '⨀'],
  [[0x4c, 0x4d], '⨁'],
  [[0x4e, 0x4f], '⨂'],
  [[0x50, 0x58], '∑'],
  [[0x51, 0x59], '∏'],
  [[0x52, 0x5a], '∫'],
  [[0x53, 0x5b], '⋃'],
  [[0x54, 0x5c], '⋂'],
  [[0x55, 0x5d], '⨄'],
  [[0x56, 0x5e], '⋀'],
  [[0x57, 0x5f], '⋁'],
  [[0x60, 0x61], '∐'],
  [[0x62, 0x63, 0x64], '^'],
  [[0x65, 0x66, 0x67], '~'],
  [[0x70, 0x71, 0x72, 0x73, 0x74], '√'],
];
const CMEX = new Map<number, string>(CMEX_SLOTS.flatMap(([slots, text]) => slots.map((slot): [number, string] => [slot, text])));

/** Letterlike symbols that the Mathematical Alphanumeric block leaves out (its holes). */
const DOUBLE_STRUCK_HOLES: Record<string, string> = { C: 'ℂ', H: 'ℍ', N: 'ℕ', P: 'ℙ', Q: 'ℚ', R: 'ℝ', Z: 'ℤ' };
const SCRIPT_HOLES: Record<string, string> = { B: 'ℬ', E: 'ℰ', F: 'ℱ', H: 'ℋ', I: 'ℐ', L: 'ℒ', M: 'ℳ', R: 'ℛ' };

function mathAlphabet(letter: string, base: number, holes: Record<string, string>): string {
  return holes[letter] ?? String.fromCodePoint(base + letter.charCodeAt(0) - 0x41);
}

/**
 * The glyph's text as Unicode math. `unicode` is what the PDF says (ToUnicode or the font's glyph names);
 * where that is only the slot number read as ASCII, TeX's font layouts say what the glyph is: CMEX's big
 * operators and delimiters, and the capitals of the blackboard (MSBM) and calligraphic (CMSY) alphabets.
 */
export function glyphText(fontName: string, unicode: string, charCode: number | undefined): string {
  const unmapped = charCode !== undefined && unicode === String.fromCharCode(charCode);
  if (/cmex|mathextension/i.test(fontName) && unmapped) {
    const slot = CMEX.get(charCode);
    if (slot !== undefined) return slot;
    return (charCode >= 0x30 && charCode <= 0x43) || charCode >= 0x75 ? '' : unicode;
  }
  if (/^[A-Z]$/.test(unicode) && unmapped) {
    if (/msbm/i.test(fontName)) return mathAlphabet(unicode, 0x1d538, DOUBLE_STRUCK_HOLES);
    if (/cmsy|cmbsy|mathsymbols/i.test(fontName)) return mathAlphabet(unicode, 0x1d49c, SCRIPT_HOLES);
  }
  return unicode;
}
