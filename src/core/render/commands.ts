// LaTeX commands MathJax 3 lacks that a macro body cannot express (shims.ts holds those that one
// can): they branch on their arguments, consume the rest of a row, or change text-mode state.
// Each is what LaTeX would print; where we cannot know that (a condition we cannot decide), the
// formula fails as a MathJax error instead of guessing.
import { Configuration } from 'mathjax-full/js/input/tex/Configuration.js';
import { CommandMap } from 'mathjax-full/js/input/tex/SymbolMap.js';
import ParseUtil from 'mathjax-full/js/input/tex/ParseUtil.js';
import type { Tags } from 'mathjax-full/js/input/tex/Tags.js';
import TexError from 'mathjax-full/js/input/tex/TexError.js';
import type TexParser from 'mathjax-full/js/input/tex/TexParser.js';
import type { ParseMethod } from 'mathjax-full/js/input/tex/Types.js';
import type { TextParser } from 'mathjax-full/js/input/tex/textmacros/TextParser.js';
import { NO_VALUE } from './macros';

/** Continues parsing with `tex` in place of the command and its arguments, as a macro expansion does. */
function expandTo(parser: TexParser, tex: string): void {
  parser.string = ParseUtil.addArgs(parser, tex, parser.string.slice(parser.i));
  parser.i = 0;
  ParseUtil.checkMaxMacros(parser);
}

/**
 * An ifthen condition: `\equal{a}{b}` tests joined by `\and`/`\or`, each optionally negated by
 * `\not`, read left to right as ifthen does without parentheses. \equal compares its arguments as
 * written, spaces ignored (LaTeX compares them expanded; they differ only where a macro expands to
 * nothing). Anything else (\boolean, numbers, lengths) is not decided here.
 */
export function evaluateCondition(condition: string): boolean {
  // Case-insensitive: ifthen also has \NOT, \AND and \OR.
  const test = /^\s*(\\not\s*)?\\equal\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*/i;
  let rest = condition;
  let result: boolean | undefined;
  let join: 'and' | 'or' | undefined;
  while (true) {
    const match = test.exec(rest);
    if (!match) throw new TexError('UnsupportedCondition', 'Unsupported \\ifthenelse condition: %1', condition);
    const equal = match[2]!.replace(/\s+/g, '') === match[3]!.replace(/\s+/g, '');
    const value = match[1] ? !equal : equal;
    result = result === undefined ? value : join === 'and' ? result && value : result || value;
    rest = rest.slice(match[0].length);
    if (rest.trim() === '') return result;
    const joiner = /^\\(and|or)\b\s*/i.exec(rest);
    if (!joiner) throw new TexError('UnsupportedCondition', 'Unsupported \\ifthenelse condition: %1', condition);
    join = joiner[1]!.toLowerCase() as 'and' | 'or';
    rest = rest.slice(joiner[0].length);
  }
}

/** Whether an xparse argument was given (an omitted optional argument arrives as NO_VALUE). */
const hasValue = (argument: string) => argument.trim() !== NO_VALUE;

const methods = {
  /** ifthen's \ifthenelse{condition}{then}{else}. */
  IfThenElse(parser: TexParser, name: string) {
    const condition = parser.GetArgument(name);
    const then = parser.GetArgument(name);
    const otherwise = parser.GetArgument(name);
    expandTo(parser, evaluateCondition(condition) ? then : otherwise);
  },

  /** xparse's \IfValueT/F/TF and \IfNoValueT/F/TF: `wanted` is whether the branch runs when a value was given. */
  IfValue(parser: TexParser, name: string, wanted: boolean, branches: 'T' | 'F' | 'TF') {
    const given = hasValue(parser.GetArgument(name)) === wanted;
    const first = parser.GetArgument(name);
    const second = branches === 'TF' ? parser.GetArgument(name) : '';
    if (branches === 'T') expandTo(parser, given ? first : '');
    else if (branches === 'F') expandTo(parser, given ? '' : first);
    else expandTo(parser, given ? first : second);
  },

  /** amsopn's \qopname{font setup}{o|n|m}{name}: an operator name, without limits for `o`. */
  Qopname(parser: TexParser, name: string) {
    parser.GetArgument(name); // \relax or \newmcodes@: font setup with nothing to print
    const limits = parser.GetArgument(name).trim();
    const text = parser.GetArgument(name);
    expandTo(parser, `${limits === 'o' ? '\\operatorname' : '\\operatorname*'}{${text}}`);
  },

  /**
   * Plain TeX's \eqno/\leqno: the rest of the row is the equation number. Equation numbers are not
   * drawn (see dropEquationNumbers), so it is skipped: up to the row's end (\\, \cr, &, \end) or the group's.
   */
  EquationNumber(parser: TexParser) {
    const text = parser.string;
    let depth = 0;
    let i = parser.i;
    while (i < text.length) {
      const char = text[i]!;
      if (char === '\\') {
        const command = /^\\(?:[A-Za-z]+|.?)/.exec(text.slice(i))![0];
        if (depth === 0 && ['\\\\', '\\cr', '\\end'].includes(command)) break;
        i += command.length;
        continue;
      }
      if (char === '{') depth++;
      if (char === '}' && depth-- === 0) break;
      if (char === '&' && depth === 0) break;
      i++;
    }
    parser.i = i;
  },
};

new CommandMap(
  'formula-lens-commands',
  {
    ifthenelse: 'IfThenElse',
    IfValueT: ['IfValue', true, 'T'],
    IfValueF: ['IfValue', true, 'F'],
    IfValueTF: ['IfValue', true, 'TF'],
    IfNoValueT: ['IfValue', false, 'T'],
    IfNoValueF: ['IfValue', false, 'F'],
    IfNoValueTF: ['IfValue', false, 'TF'],
    qopname: 'Qopname',
    eqno: 'EquationNumber',
    leqno: 'EquationNumber',
  },
  // MathJax passes the command name as its second argument; its ParseMethod type is wider.
  methods as unknown as Record<string, ParseMethod>,
);

/**
 * Text-mode \boldmath/\unboldmath (`\mbox{\boldmath $x$}`, the classic way to a bold symbol): math
 * inside the rest of the text group is set bold, as \boldsymbol does. And the LaTeX 2e font
 * switches textmacros lacks (it has only \tt, \bf, \it, \rm): the rest of the group in that font.
 */
new CommandMap(
  'formula-lens-text-commands',
  {
    boldmath: ['MathVersion', true],
    unboldmath: ['MathVersion', false],
    ttfamily: ['FontSwitch', 'monospace'],
    rmfamily: ['FontSwitch', 'normal'],
    bfseries: ['FontSwitch', 'bold'],
    itshape: ['FontSwitch', 'italic'],
  },
  {
    MathVersion(parser: TextParser, _name: string, bold: boolean) {
      parser.saveText();
      parser.stack.env['boldsymbol'] = bold;
    },
    FontSwitch(parser: TextParser, _name: string, variant: string) {
      parser.saveText();
      parser.stack.env['mathvariant'] = variant;
    },
  } as unknown as Record<string, ParseMethod>,
);

/**
 * No equation numbers: numbered environments are typeset unnumbered (MathJax's tags `none`), and so
 * are explicit \tag{…}, which MathJax would otherwise lay out against a container width the crop
 * does not have (the number landed mid-crop, the formula off-centre). Patched on the instance:
 * MathJax's compiled classes cannot be subclassed with an ES class (mathtools wraps the tags class).
 */
export function dropEquationNumbers(tags: Tags): void {
  // \tag{…} (and \notag) record nothing, so no formula or row ever has a tag to lay out.
  tags.tag = () => undefined;
}

/** The package names: math-mode commands for the TeX input, text-mode ones for textmacros. */
export const COMMANDS_PACKAGE = 'formula-lens-commands';
export const TEXT_COMMANDS_PACKAGE = 'formula-lens-text-commands';

Configuration.create(COMMANDS_PACKAGE, { handler: { macro: ['formula-lens-commands'] } });

Configuration.create(TEXT_COMMANDS_PACKAGE, {
  parser: 'text',
  handler: { macro: ['formula-lens-text-commands'] },
});
