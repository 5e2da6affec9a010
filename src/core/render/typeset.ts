// MathJax 3 (TeX input → SVG output), with per-document macros, shims for common LaTeX packages,
// unknown commands typeset as their upright names, and a plain-text fallback so that no red
// error box ever reaches the encoder. Synchronous and CPU-bound: callers run it in a worker.
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { MathML } from 'mathjax-full/js/input/mathml.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor, type LiteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { STATE } from 'mathjax-full/js/core/MathItem.js';
import type { MathDocument } from 'mathjax-full/js/core/MathDocument.js';
import type { LiteElement } from 'mathjax-full/js/adaptors/lite/Element.js';
import type { LiteText } from 'mathjax-full/js/adaptors/lite/Text.js';
import type { LiteDocument } from 'mathjax-full/js/adaptors/lite/Document.js';
import { Configuration } from 'mathjax-full/js/input/tex/Configuration.js';
import TexError from 'mathjax-full/js/input/tex/TexError.js';
import type TexParser from 'mathjax-full/js/input/tex/TexParser.js';
import 'mathjax-full/js/input/tex/base/BaseConfiguration.js';
import 'mathjax-full/js/input/tex/ams/AmsConfiguration.js';
import 'mathjax-full/js/input/tex/amscd/AmsCdConfiguration.js';
import 'mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js';
import 'mathjax-full/js/input/tex/braket/BraketConfiguration.js';
import 'mathjax-full/js/input/tex/cancel/CancelConfiguration.js';
import 'mathjax-full/js/input/tex/cases/CasesConfiguration.js';
import 'mathjax-full/js/input/tex/centernot/CenternotConfiguration.js';
import 'mathjax-full/js/input/tex/color/ColorConfiguration.js';
import 'mathjax-full/js/input/tex/configmacros/ConfigMacrosConfiguration.js';
import 'mathjax-full/js/input/tex/enclose/EncloseConfiguration.js';
import 'mathjax-full/js/input/tex/extpfeil/ExtpfeilConfiguration.js';
import 'mathjax-full/js/input/tex/gensymb/GensymbConfiguration.js';
import 'mathjax-full/js/input/tex/mathtools/MathtoolsConfiguration.js';
import 'mathjax-full/js/input/tex/mhchem/MhchemConfiguration.js';
import 'mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js';
import 'mathjax-full/js/input/tex/textcomp/TextcompConfiguration.js';
import 'mathjax-full/js/input/tex/textmacros/TextMacrosConfiguration.js';
import 'mathjax-full/js/input/tex/upgreek/UpgreekConfiguration.js';
import 'mathjax-full/js/input/tex/unicode/UnicodeConfiguration.js';
import 'mathjax-full/js/input/tex/verb/VerbConfiguration.js';
import { MAX_NESTING, nestingDepth, repairEscapes, repairText, wrapBody } from './body';
import { COMMANDS_PACKAGE, TEXT_COMMANDS_PACKAGE, dropEquationNumbers } from './commands';
import { LruCache } from '../lru';
import { translateMacros } from './macros';
import { shims } from './shims';
import type { FormulaInput, RenderIssue } from './types';
import { errorMessage } from '../result';

/** A typeset formula: an SVG whose viewBox is in MathJax units (1000 per em). */
export interface TypesetFormula {
  svg: string;
  viewBox: { x: number; y: number; width: number; height: number };
  issues: RenderIssue[];
}

/** Packages: all of MathJax's TeX extensions except those that change standard commands (physics
 *  redefines \div), load code at run time (require, autoload), or show errors instead of failing. */
const packages = [
  'base', 'ams', 'amscd', 'boldsymbol', 'braket', 'cancel', 'cases', 'centernot', 'color', 'configmacros',
  'enclose', 'extpfeil', 'gensymb', 'mathtools', 'mhchem', 'newcommand', 'textcomp', 'textmacros',
  'upgreek', 'unicode', 'verb', 'formula-lens-fallbacks', COMMANDS_PACKAGE,
];

/** The MathJax tables that document definitions write into, and that must not leak between documents or formulas. */
const definitionTables = ['new-Command', 'new-Environment', 'new-Delimiter', 'mathtools-paired-delims'];

/** The longest source shown by the plain-text fallback; only about 55 characters fit the crop anyway. */
const FALLBACK_TEXT_LENGTH = 400;

/** Unknown commands and environments seen while parsing the current formula. */
let unknownCommands: string[] = [];
let unknownEnvironments: string[] = [];

Configuration.create('formula-lens-fallbacks', {
  fallback: {
    // An undefined command is typeset as its upright name (noundefined does the same, but in red).
    macro: (parser: TexParser, name: string | unknown) => {
      unknownCommands.push(String(name));
      parser.Push(parser.create('node', 'mtext', [], {}, parser.create('text', '\\' + String(name))));
    },
    // An unknown environment is typeset as a plain group around its body.
    environment: (parser: TexParser, env: string | unknown) => {
      const ending = /\\end\s*\{[^{}]*\}$/.test(parser.string.slice(0, parser.i));
      if (!ending) unknownEnvironments.push(String(env));
      parser.Push(parser.itemFactory.create(ending ? 'end' : 'begin').setProperty('name', String(env)));
    },
  },
});

type ParseMapTable = { map: Map<string, unknown> };
type Snapshot = Map<string, Map<string, unknown>>;

function parseViewBox(svg: string): TypesetFormula['viewBox'] {
  const match = /viewBox="([-\d.e]+) ([-\d.e]+) ([-\d.e]+) ([-\d.e]+)"/.exec(svg);
  if (!match) throw new Error('MathJax produced an SVG without a viewBox');
  const [x, y, width, height] = match.slice(1, 5).map(Number) as [number, number, number, number];
  return { x, y, width, height };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Glyph ids carry a per-conversion counter; without it the SVG depends only on the formula. */
function withStableIds(svg: string): string {
  return svg.replace(/"(#?)MJX-\d+-/g, '"$1MJX-');
}

type Document = MathDocument<LiteElement, LiteText, LiteDocument>;

/**
 * One MathJax instance with its own definition tables. Synchronous and not reentrant (the
 * unknown-command lists are module state): one Typesetter per thread, used by one caller at a time.
 */
export class Typesetter {
  private readonly adaptor: LiteAdaptor;
  private readonly tex: TeX<LiteElement, LiteText, LiteDocument>;
  private readonly texDocument: Document;
  private readonly textDocument: Document;
  /** The definition tables after each recently used document's macros were applied. */
  private readonly documents = new LruCache<string, Snapshot>(32);

  constructor() {
    this.adaptor = liteAdaptor();
    RegisterHTMLHandler(this.adaptor);
    this.tex = new TeX({
      packages,
      macros: shims,
      // Long formulas with many macros exceed MathJax's 5 KiB default; recursion is still caught by maxMacros.
      maxBuffer: 64 * 1024,
      maxMacros: 10000,
      tags: 'none',
      textmacros: { packages: ['text-base', TEXT_COMMANDS_PACKAGE] },
      formatError: (_jax: unknown, error: TexError) => {
        throw error;
      },
    });
    dropEquationNumbers(this.tex.parseOptions.tags);
    this.texDocument = mathjax.document('', { InputJax: this.tex, OutputJax: new SVG({ fontCache: 'local' }) }) as Document;
    this.textDocument = mathjax.document('', { InputJax: new MathML(), OutputJax: new SVG({ fontCache: 'local' }) }) as Document;
  }

  typeset(formula: FormulaInput): TypesetFormula {
    const issues: RenderIssue[] = [];
    const repaired = repairText(formula.latex);
    if (repaired.issue) issues.push(repaired.issue);
    const depth = nestingDepth(repaired.text);
    if (depth > MAX_NESTING) {
      return this.fallback(repaired.text, formula.display, [...issues, { kind: 'too-deep', detail: `nesting depth ${depth} > ${MAX_NESTING}` }]);
    }
    this.useDocument(formula.macros ?? '');
    unknownCommands = [];
    unknownEnvironments = [];
    let svg: string;
    try {
      svg = this.convertWithAlignmentRetry(repairEscapes(repaired.text), formula);
    } catch (error) {
      return this.fallback(repaired.text, formula.display, [...issues, this.failure(error)]);
    }
    for (const name of new Set(unknownCommands)) issues.push({ kind: 'unknown-macro', detail: '\\' + name });
    for (const name of new Set(unknownEnvironments)) issues.push({ kind: 'unknown-environment', detail: name });
    return { svg, viewBox: parseViewBox(svg), issues };
  }

  /** The plain-text picture of a formula MathJax cannot typeset (its source, upright), reporting `issues`. */
  typesetAsText(formula: FormulaInput, issues: RenderIssue[]): TypesetFormula {
    const repaired = repairText(formula.latex);
    return this.fallback(repaired.text, formula.display, repaired.issue ? [repaired.issue, ...issues] : issues);
  }

  private sourceAsText(latex: string, display: boolean): string {
    const excess = latex.length - FALLBACK_TEXT_LENGTH;
    // Keep the middle: the crop shows the centre of the line.
    const shown = excess > 0 ? latex.slice(Math.floor(excess / 2), Math.floor(excess / 2) + FALLBACK_TEXT_LENGTH) : latex;
    const text = escapeXml(shown.replace(/\s+/g, ' ').trim() || ' ');
    const mathml = `<math display="${display ? 'block' : 'inline'}"><mtext>${text}</mtext></math>`;
    return withStableIds(this.adaptor.innerHTML(this.textDocument.convert(mathml, { display }) as LiteElement));
  }

  private fallback(latex: string, display: boolean, issues: RenderIssue[]): TypesetFormula {
    const svg = this.sourceAsText(latex, display);
    return { svg, viewBox: parseViewBox(svg), issues };
  }

  private failure(error: unknown): RenderIssue {
    if (error instanceof TexError) return { kind: 'mathjax-error', detail: error.message };
    if (error instanceof RangeError) return { kind: 'too-deep', detail: error.message };
    return { kind: 'mathjax-error', detail: errorMessage(error) };
  }

  /**
   * A display body with alignment tabs outside any alignment was an eqnarray whose environment
   * was guessed wrong upstream (hep-th's `\\be…\\ee` shorthands): typeset it as eqnarray* instead.
   */
  private convertWithAlignmentRetry(latex: string, formula: FormulaInput): string {
    try {
      return this.convert(wrapBody(latex, formula.env, formula.display), formula.display);
    } catch (error) {
      const bare = wrapBody(latex, formula.env, formula.display) === latex;
      if (!(error instanceof TexError && error.id === 'Misplaced' && bare && formula.display)) throw error;
      this.useDocument(formula.macros ?? '');
      unknownCommands = [];
      unknownEnvironments = [];
      return this.convert(wrapBody(latex, 'eqnarray*', true), true);
    }
  }

  private convert(tex: string, display: boolean): string {
    // textmacros parses \text{} with parse options of its own that nothing ever clears: without
    // this, every \text{} keeps its parser and nodes alive (about 8 KB each) for the worker's lifetime.
    (this.tex.parseOptions.packageData.get('textmacros') as { parseOptions: { clear(): void } }).parseOptions.clear();
    const container = this.texDocument.convert(tex, { display, em: 16, ex: 8 }) as LiteElement;
    return withStableIds(this.adaptor.innerHTML(container));
  }

  /** Sets the definition tables to exactly the given document's macros (and nothing a previous formula defined). */
  private useDocument(macros: string): void {
    const cached = this.documents.get(macros);
    if (cached) {
      this.restore(cached);
      return;
    }
    this.restore(new Map());
    this.applyDefinitions(macros);
    this.documents.set(macros, this.snapshot());
  }

  /**
   * Feeds each definition to MathJax's parser on its own, so one bad line loses only itself.
   * Definition problems are not formula issues: a formula that uses a lost command reports it as unknown.
   */
  private applyDefinitions(macros: string): void {
    for (const definition of translateMacros(macros)) {
      if (!definition.ok) continue;
      if (definition.providing && this.isDefined(definition.providing)) continue;
      try {
        this.texDocument.convert(definition.tex, { display: true, end: STATE.COMPILED });
      } catch (error) {
        // A definition MathJax rejects is skipped like one we cannot translate.
        if (!(error instanceof TexError) && !(error instanceof RangeError)) throw error;
      }
    }
  }

  private isDefined(command: string): boolean {
    return this.tex.parseOptions.handlers.get('macro').contains(command.slice(1));
  }

  /** One of this instance's definition tables (each TeX instance has its own). */
  private table(name: string): Map<string, unknown> {
    return (this.tex.parseOptions.handlers.retrieve(name) as unknown as ParseMapTable).map;
  }

  private snapshot(): Snapshot {
    return new Map(definitionTables.map((name) => [name, new Map(this.table(name))]));
  }

  private restore(saved: Snapshot): void {
    for (const name of definitionTables) {
      const entries = this.table(name);
      entries.clear();
      for (const [key, value] of saved.get(name) ?? []) entries.set(key, value);
    }
  }
}
