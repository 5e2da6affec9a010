// The indexer's path: every formula of a LaTeX project, with its file, line, section and
// environment, plus the paper's metadata and macros. Two passes over the include tree:
//  1. load files and collect macro definitions (preamble, \input files, the project's own .sty/.cls),
//     which also yields the shorthands (`\be … \ee`) the formula scan needs;
//  2. scan the files again in document order for formulas, sections, title, authors, bibliography.
// Everything that goes wrong is a problem in the result; only "no usable main file" is a failure.
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { LineIndex, findUncommented, readArgument, readOptional, skipSpace } from './args';
import {
  type MacroCollection,
  type MacroDefinition,
  definitionCommands,
  locateProblems,
  macroString,
  macrosUsedBy,
  recordDefinition,
  shorthandsFrom,
} from './macros';
import { authorNames, plainText } from './metadata';
import { normalizeFormula } from './normalize';
import { defaultMaxFileBytes, readSource } from './read';
import { type Shorthands, scanMath } from './scan';
import type { Result } from '../result';
import type { ExtractedFormula, LatexProblem, LatexProject, MathRegion, PaperInfo } from './types';

export interface ExtractOptions {
  /** Inline formulas shorter than this (normalised) are left out. */
  minInlineChars?: number;
  maxFileBytes?: number;
  /** Most files read for one project, and most bytes over all of them. */
  maxFiles?: number;
  maxTotalBytes?: number;
  /** Deepest `\input` nesting followed. */
  maxDepth?: number;
}

const defaults: Required<ExtractOptions> = {
  minInlineChars: 20,
  maxFileBytes: defaultMaxFileBytes,
  maxFiles: 500,
  maxTotalBytes: 64 * 1024 * 1024,
  maxDepth: 16,
};

/** `\input`-like commands; the `import` ones take a folder first. */
const includeCommands = new Set(['input', 'include', 'subfile', 'import', 'subimport', 'inputfrom', 'subinputfrom', 'includefrom', 'subincludefrom']);
const packageCommands = new Set(['usepackage', 'RequirePackage', 'documentclass']);
const sectionCommands = new Set(['section', 'chapter']);
const titleCommands = new Set(['title', 'icmltitle']);
const authorCommands = new Set(['author', 'icmlauthor']);
const bibliographyCommands = new Set(['bibliography', 'addbibresource']);

const macroPassWatch = new Set([...definitionCommands, ...includeCommands, ...packageCommands]);
const formulaPassWatch = new Set([
  ...definitionCommands, // so that math inside a definition is not taken for a formula
  ...includeCommands,
  ...sectionCommands,
  ...titleCommands,
  ...authorCommands,
  ...bibliographyCommands,
  'end',
]);

interface Include {
  /** Files to try, in order. */
  candidates: string[];
  /** The folder the included file resolves its own includes against. */
  contextDir: string;
  /** As written, for reports. */
  written: string;
  end: number;
}


const beginDocument = /\\begin\s*\{\s*document\s*\}/;
const documentClass = /\\documentclass\s*(\[[^\]]*\])?\s*\{/;

const isMainSource = (text: string) => findUncommented(text, documentClass) >= 0 && findUncommented(text, beginDocument) >= 0;

/** Reads the include command at `nameEnd`: its target files to try and where they resolve theirs. */
function readInclude(text: string, command: string, nameEnd: number, contextDir: string, fileDir: string): Include | undefined {
  let at = text[nameEnd] === '*' ? nameEnd + 1 : nameEnd; // \subimport*, \import*
  let folder = '';
  if (command.endsWith('import') || command.endsWith('from')) {
    const first = readArgument(text, at);
    if (!first) return undefined;
    folder = first.content.trim();
    at = first.end;
  }
  let written: string;
  let end: number;
  const start = skipSpace(text, at);
  if (command === 'input' && text[start] !== '{') {
    // TeX's own syntax: `\input file` ends at a space or the line end.
    const match = /^[^\s{}\\%]+/.exec(text.slice(start, start + 256));
    if (!match) return undefined;
    written = match[0];
    end = start + written.length;
  } else {
    const argument = readArgument(text, at);
    if (!argument) return undefined;
    written = argument.content.trim().replace(/^"(.*)"$/, '$1');
    end = argument.end;
  }
  if (!written) return undefined;
  const relativeToFile = command.startsWith('sub');
  const base = relativeToFile ? fileDir : contextDir;
  const targetDir = folder ? path.resolve(base, folder) : base;
  // TeX tries `name.tex` before `name` (so `intro.v2` may be `intro.v2.tex`); \include always adds .tex.
  const names = written.endsWith('.tex') ? [written] : command === 'include' ? [written + '.tex'] : [written + '.tex', written];
  const dirs = [...new Set([targetDir, folder ? targetDir : fileDir])];
  return {
    candidates: dirs.flatMap((dir) => names.map((name) => path.resolve(dir, name))),
    contextDir: folder ? targetDir : contextDir,
    written: (folder ? folder.replace(/\/?$/, '/') : '') + written,
    end,
  };
}

/** Package names of `\usepackage[opts]{a,b}` that may be the project's own .sty (or .cls). */
function readPackages(text: string, command: string, nameEnd: number): { files: string[]; end: number } | undefined {
  const options = readOptional(text, nameEnd);
  const argument = readArgument(text, options ? options.end : nameEnd);
  if (!argument) return undefined;
  const extension = command === 'documentclass' ? '.cls' : '.sty';
  const files = argument.content.split(',').map((name) => name.trim()).filter((name) => /^[\w./-]+$/.test(name));
  return { files: files.map((name) => name + extension), end: argument.end };
}

class ProjectReader {
  readonly texts = new Map<string, Result<string>>();
  readonly problems: LatexProblem[] = [];
  readonly definitions: MacroDefinition[] = [];
  private totalBytes = 0;
  private readonly macroFilesDone = new Set<string>();

  constructor(
    readonly root: string,
    private readonly options: Required<ExtractOptions>,
  ) {}

  relative(file: string): string {
    const relative = path.relative(this.root, file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
  }

  inside(file: string): boolean {
    const relative = path.relative(this.root, file);
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  }

  /** Loads a file once (within the caps); later calls get the same result. */
  async load(file: string): Promise<Result<string>> {
    const cached = this.texts.get(file);
    if (cached) return cached;
    let result: Result<string>;
    if (!this.inside(file)) result = { ok: false, reason: 'outside the project folder' };
    else if (this.texts.size >= this.options.maxFiles) result = { ok: false, reason: `more than ${this.options.maxFiles} files` };
    else {
      const read = await readSource(file, Math.min(this.options.maxFileBytes, this.options.maxTotalBytes - this.totalBytes));
      result = read.ok ? { ok: true, value: read.value.text } : read;
      if (read.ok) {
        this.totalBytes += read.value.text.length;
        if (read.value.replaced) this.problems.push({ file: this.relative(file), message: 'invalid UTF-8 replaced by U+FFFD' });
      }
    }
    this.texts.set(file, result);
    return result;
  }

  /** The first candidate that exists as a file, loaded; or the first failure. */
  async loadFirst(candidates: string[]): Promise<{ file: string; result: Result<string> }> {
    for (const file of candidates) {
      const exists = await stat(file).then((info) => info.isFile(), () => false);
      if (exists) return { file, result: await this.load(file) };
    }
    return { file: candidates[0] ?? '', result: { ok: false, reason: 'not found' } };
  }

  /** Pass 1: definitions in document order, following includes and the project's own packages. */
  async collectMacros(file: string, contextDir: string, depth: number): Promise<void> {
    if (depth > this.options.maxDepth || this.macroFilesDone.has(file)) return;
    this.macroFilesDone.add(file);
    const loaded = await this.load(file);
    if (!loaded.ok) return;
    const text = loaded.value;
    type Event = { definition: MacroDefinition } | { candidates: string[]; contextDir: string };
    const events: Event[] = [];
    const collection: MacroCollection = { definitions: [], problems: [] };
    scanMath(text, {
      language: 'latex',
      math: false,
      watch: macroPassWatch,
      onCommand: (name, start, nameEnd) => {
        if (definitionCommands.has(name)) {
          const count = collection.definitions.length;
          const resume = recordDefinition(collection, text, name, start, nameEnd);
          if (collection.definitions.length > count) events.push({ definition: collection.definitions.at(-1)! });
          return resume;
        }
        if (includeCommands.has(name)) {
          const include = readInclude(text, name, nameEnd, contextDir, path.dirname(file));
          if (include) events.push(include);
          return include?.end;
        }
        const packages = readPackages(text, name, nameEnd);
        for (const name of packages?.files ?? []) {
          events.push({ candidates: [path.resolve(this.root, name), path.resolve(path.dirname(file), name)], contextDir });
        }
        return packages?.end;
      },
    });
    const lines = new LineIndex(text);
    for (const problem of locateProblems(collection.problems, lines)) this.problems.push({ file: this.relative(file), ...problem });
    for (const event of events) {
      if ('definition' in event) this.definitions.push(event.definition);
      else {
        const target = await this.loadFirst(event.candidates.filter((candidate) => this.inside(candidate)));
        if (target.result.ok) await this.collectMacros(target.file, event.contextDir, depth + 1);
      }
    }
  }
}

/** Pass 2 state: the document-order walk that emits formulas. */
class FormulaWalk {
  readonly formulas: ExtractedFormula[] = [];
  readonly info: PaperInfo = { title: '', authors: [], bibFiles: [] };
  private section = '';

  constructor(
    private readonly reader: ProjectReader,
    private readonly shorthands: Shorthands,
    private readonly options: Required<ExtractOptions>,
  ) {}

  private problem(file: string, line: number | undefined, message: string): void {
    this.reader.problems.push({ file: this.reader.relative(file), ...(line === undefined ? {} : { line }), message });
  }

  /** Walks one file; `inBody` tells whether it is included after `\begin{document}`. */
  walk(file: string, contextDir: string, stack: string[], inBody: boolean, isMain: boolean): void {
    const loaded = this.reader.texts.get(file);
    if (!loaded?.ok) return;
    const text = loaded.value;
    const lines = new LineIndex(text);
    const documentStart = findUncommented(text, beginDocument);
    // The main file's body starts at \begin{document} (a fragment without one is all body); an
    // included file with its own \begin{document} (a subfile) contributes only its body.
    const bodyStart = documentStart >= 0 ? documentStart : isMain || inBody ? 0 : Infinity;
    type Event = { at: number; run: () => void };
    const events: Event[] = [];
    const { regions, unclosed } = scanMath(text, {
      language: 'latex',
      shorthands: this.shorthands,
      watch: formulaPassWatch,
      onCommand: (name, start, nameEnd) => {
        if (name === 'end') {
          const isDocumentEnd = /^\s*\{\s*document\s*\}/.test(text.slice(nameEnd, nameEnd + 32));
          return isDocumentEnd ? text.length : undefined;
        }
        if (definitionCommands.has(name)) {
          return recordDefinition({ definitions: [], problems: [] }, text, name, start, nameEnd);
        }
        if (includeCommands.has(name)) {
          const include = readInclude(text, name, nameEnd, contextDir, path.dirname(file));
          if (!include) return undefined;
          const body = start >= bodyStart;
          events.push({ at: start, run: () => this.include(include, file, lines.lineOf(start), stack, body) });
          return include.end;
        }
        const starredEnd = text[nameEnd] === '*' ? nameEnd + 1 : nameEnd;
        const short = readOptional(text, starredEnd);
        const argument = readArgument(text, short ? short.end : starredEnd);
        if (!argument) return undefined;
        events.push({ at: start, run: () => this.command(name, argument.content, start >= bodyStart) });
        return argument.end;
      },
    });
    for (const region of regions) {
      if (region.start >= bodyStart) events.push({ at: region.start, run: () => this.formula(text, region, file, lines) });
    }
    for (const opener of unclosed) {
      if (opener.start >= bodyStart) this.problem(file, lines.lineOf(opener.start), `unclosed math (${opener.env})`);
    }
    events.sort((a, b) => a.at - b.at);
    for (const event of events) event.run();
  }

  private include(include: Include, from: string, line: number, stack: string[], inBody: boolean): void {
    // The stack holds the main file too, so its length is the depth the included file would have.
    if (stack.length > this.options.maxDepth) {
      return this.problem(from, line, `\\input{${include.written}}: nested deeper than ${this.options.maxDepth} includes, skipped`);
    }
    const candidates = include.candidates.filter((candidate) => this.reader.inside(candidate));
    const target = candidates.find((candidate) => this.reader.texts.get(candidate)?.ok)
      ?? candidates.find((candidate) => this.reader.texts.has(candidate));
    if (!target) {
      const reason = candidates.length ? 'not found' : 'outside the project folder';
      return this.problem(from, line, `\\input{${include.written}}: ${reason}, skipped`);
    }
    const loaded = this.reader.texts.get(target)!;
    if (!loaded.ok) return this.problem(from, line, `\\input{${include.written}}: ${loaded.reason}, skipped`);
    if (stack.includes(target)) {
      const cycle = [...stack.slice(stack.indexOf(target)), target].map((file) => this.reader.relative(file));
      return this.problem(from, line, `include cycle ${cycle.join(' → ')}, skipped`);
    }
    this.walk(target, include.contextDir, [...stack, target], inBody, false);
  }

  private command(name: string, argument: string, inBody: boolean): void {
    if (sectionCommands.has(name)) {
      if (inBody) this.section = plainText(argument);
    } else if (titleCommands.has(name)) {
      if (!this.info.title) this.info.title = plainText(argument);
    } else if (authorCommands.has(name)) {
      this.info.authors.push(...authorNames(argument));
    } else if (bibliographyCommands.has(name)) {
      for (const name of argument.split(',').map((part) => part.trim()).filter(Boolean)) {
        const file = path.resolve(this.reader.root, path.extname(name) === '.bib' ? name : name + '.bib');
        if (!this.info.bibFiles.includes(file)) this.info.bibFiles.push(file);
      }
    }
  }

  private formula(text: string, region: MathRegion, file: string, lines: LineIndex): void {
    const latex = normalizeFormula(text.slice(region.bodyStart, region.bodyEnd), region.display);
    if (!latex || (!region.display && latex.length < this.options.minInlineChars)) return;
    this.formulas.push({
      latex,
      display: region.display,
      inline: !region.display,
      env: region.env,
      file: this.reader.relative(file),
      line: lines.lineOf(region.start),
      section: this.section,
    });
  }
}

const preferredMainNames = ['main.tex', 'paper.tex', 'ms.tex', 'article.tex', 'thesis.tex'];

/** `.tex` files of a folder and its subfolders (bounded), shallowest first. */
async function texFiles(folder: string, depth: number, budget = { entries: 5000 }): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  entries = entries.slice(0, Math.max(0, budget.entries));
  budget.entries -= entries.length;
  const here = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.tex')).map((entry) => path.join(folder, entry.name));
  const below: string[] = [];
  if (depth > 0) {
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) below.push(...(await texFiles(path.join(folder, entry.name), depth - 1, budget)));
    }
  }
  return [...here.sort(), ...below];
}

const magicRoot = /^%\s*!\s*TEX\s+root\s*=\s*(.+?)\s*$/im;

/**
 * The main file of a project given as a folder or a file: a file holding `\documentclass` and
 * `\begin{document}`, reached through `% !TEX root = …` when the given file names one. A file
 * without either is read as a fragment (its own main file).
 */
export async function findMainFile(input: string, maxBytes = defaultMaxFileBytes): Promise<Result<string>> {
  const absolute = path.resolve(input);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) return { ok: false, reason: `${input}: not found` };
  if (info.isFile()) {
    let file = absolute;
    for (let hops = 0; hops < 4; hops++) {
      const read = await readSource(file, maxBytes);
      if (!read.ok) return { ok: false, reason: `${file}: ${read.reason}` };
      const root = magicRoot.exec(read.value.text.slice(0, 4096))?.[1];
      if (!root || isMainSource(read.value.text)) return { ok: true, value: file };
      file = path.resolve(path.dirname(file), root);
    }
    return { ok: false, reason: `${input}: '% !TEX root' chain longer than 4 files` };
  }
  // The folder itself first; its subfolders only when it holds no main file.
  const candidates: string[] = [];
  for (const depth of [0, 2]) {
    for (const file of await texFiles(absolute, depth)) {
      const read = await readSource(file, maxBytes);
      if (read.ok && isMainSource(read.value.text)) candidates.push(file);
    }
    if (candidates.length) break;
  }
  if (candidates.length === 0) return { ok: false, reason: `${input}: no .tex file with \\documentclass and \\begin{document}` };
  const depthOf = (file: string) => path.relative(absolute, file).split(path.sep).length;
  const rank = (file: string) => {
    const preferred = preferredMainNames.indexOf(path.basename(file));
    return depthOf(file) * 100 + (preferred < 0 ? preferredMainNames.length : preferred);
  };
  return { ok: true, value: candidates.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0]! };
}

/** Every formula of the project at `input` (its main file or its folder), with metadata and macros. */
export async function extractProject(input: string, options: ExtractOptions = {}): Promise<Result<LatexProject>> {
  const settings = { ...defaults, ...options };
  const main = await findMainFile(input, settings.maxFileBytes);
  if (!main.ok) return main;
  const root = path.dirname(main.value);
  const reader = new ProjectReader(root, settings);
  await reader.collectMacros(main.value, root, 0);
  const loaded = reader.texts.get(main.value);
  if (!loaded?.ok) return { ok: false, reason: `${main.value}: ${loaded?.reason ?? 'unreadable'}` };
  const walk = new FormulaWalk(reader, shorthandsFrom(reader.definitions), settings);
  walk.walk(main.value, root, [main.value], false, true);
  const macros = macroString(reader.definitions);
  return {
    ok: true,
    value: {
      root,
      mainFile: main.value,
      files: [...reader.texts].filter(([, result]) => result.ok).map(([file]) => reader.relative(file)),
      info: walk.info,
      macros,
      usedMacros: macrosUsedBy(macros, walk.formulas.map((formula) => formula.latex)),
      formulas: walk.formulas,
      problems: reader.problems,
    },
  };
}
