// The cursor lookup: the math region at an offset of a .tex or .md document, with the macros it is
// typeset with: those of the project on disk (main file and its \input files, found by the LaTeX
// reader) and, taking precedence, those of the document's current, possibly unsaved, text.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-jsonrpc';
import { collectMacros, extractProject, findMainFile, findMathAt, macroString, shorthandsFrom } from '../core/latex';
import { cancelledRequest } from './params';
import { formulaAtRequest, type FormulaAtParams, type FormulaAtResult } from './protocol';

/** A project's macros, and the files they were read from with each one's mtime and size then ('' once missing). */
interface ProjectMacros {
  macros: string;
  stamps: Map<string, string>;
}

interface DocumentMacros {
  text: string;
  macros: string;
  shorthands: ReturnType<typeof shorthandsFrom>;
}

export class FormulaLocator {
  /** By file: reused while none of the files they were read from changed, so a cursor move reads no project again. */
  private readonly projectMacros = new Map<string, Promise<ProjectMacros>>();
  /** The last document's macros, so resting the cursor again does not rescan an unchanged text. */
  private lastDocument: (DocumentMacros & { uri: string }) | undefined;

  constructor(
    private readonly log: (line: string) => void,
    /** Reads a whole project (tests count the calls). */
    private readonly extract: typeof extractProject = extractProject,
  ) {}

  async formulaAt(params: FormulaAtParams, token: CancellationToken): Promise<FormulaAtResult> {
    if (typeof params.text !== 'string' || !Number.isInteger(params.offset)) {
      return { found: false, reason: 'unreadable', message: 'The request holds no document text or offset.' };
    }
    const language = params.languageId === 'markdown' ? 'markdown' : 'latex';
    const document = this.documentMacros(params.uri, params.text);
    const formula = findMathAt(params.text, params.offset, language, { shorthands: document.shorthands });
    if (!formula) return { found: false, reason: 'noMath' };
    if (!formula.display && !params.includeInline) return { found: false, reason: 'inlineExcluded' };
    const project = language === 'latex' && params.path ? await this.projectMacrosOf(params.path) : '';
    if (token.isCancellationRequested) throw cancelledRequest(formulaAtRequest.method);
    // The document's own definitions come last: a later definition of a name replaces an earlier one.
    const macros = [project, document.macros].filter(Boolean).join('\n');
    return {
      found: true,
      formula: { latex: formula.latex, display: formula.display, env: formula.env, macros },
      start: formula.bodyStart,
      end: formula.bodyEnd,
    };
  }

  private documentMacros(uri: string, text: string): DocumentMacros {
    if (this.lastDocument?.uri === uri && this.lastDocument.text === text) return this.lastDocument;
    const { definitions } = collectMacros(text);
    this.lastDocument = { uri, text, macros: macroString(definitions), shorthands: shorthandsFrom(definitions) };
    return this.lastDocument;
  }

  /** The macros of the project the file belongs to: its main file and every file that includes. */
  private async projectMacrosOf(file: string): Promise<string> {
    const cached = this.projectMacros.get(file);
    if (cached) {
      const known = await cached;
      if (await unchanged(known.stamps)) return known.macros;
    }
    const reading = this.readProjectMacros(file);
    this.projectMacros.set(file, reading);
    return (await reading).macros;
  }

  private async readProjectMacros(file: string): Promise<ProjectMacros> {
    const read = new Set([file]);
    let macros = '';
    for (const main of await mainFileCandidates(file)) {
      read.add(main);
      const project = await this.extract(main);
      if (!project.ok) {
        this.log(`could not read the project of ${path.basename(file)}: ${project.reason}`);
        continue;
      }
      const files = project.value.files.map((relative) => path.resolve(project.value.root, relative));
      for (const other of files) read.add(other);
      if (main === file || files.includes(file)) {
        macros = project.value.macros;
        break;
      }
    }
    // Stamped after reading: a file saved meanwhile may be missed until its next save.
    return { macros, stamps: new Map(await Promise.all([...read].map(async (other) => [other, await stamp(other)] as const))) };
  }
}

async function stamp(file: string): Promise<string> {
  return stat(file).then(({ mtimeMs, size }) => `${mtimeMs}:${size}`, () => '');
}

async function unchanged(stamps: Map<string, string>): Promise<boolean> {
  const now = await Promise.all([...stamps.keys()].map(stamp));
  return [...stamps.values()].every((then, i) => now[i] === then);
}

/** How many folders above a file are searched for the main file that includes it. */
const mainFileSearchDepth = 3;

/**
 * Main files the project of `file` may have, most likely first: the one `% !TEX root` names, else
 * the main files of the file's folder and the folders above it; the file itself last.
 */
async function mainFileCandidates(file: string): Promise<string[]> {
  const own = await findMainFile(file);
  if (own.ok && own.value !== file) return [own.value];
  const candidates: string[] = [];
  let folder = path.dirname(file);
  for (let depth = 0; depth < mainFileSearchDepth; depth++, folder = path.dirname(folder)) {
    const main = await findMainFile(folder);
    if (main.ok && main.value !== file && !candidates.includes(main.value)) candidates.push(main.value);
    if (path.dirname(folder) === folder) break;
  }
  return [...candidates, file];
}
