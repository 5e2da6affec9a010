// `formula-lens formulas <main.tex|folder>`: the formulas of a LaTeX project, as the indexer sees them.
import { ExitCode, UsageError, type CliCommand } from '../command';
import { extractProject, type LatexProject } from '../../core/latex';

const help = `Usage: formula-lens formulas <main.tex|folder> [--json] [--macros]

Lists every display formula of a LaTeX project (and inline formulas of at least 20 characters),
following \\input/\\include/\\subfile/\\import from the main file, with file, line, section and
environment. Problems (missing files, unreadable macros, unclosed math) go to stderr.

Options:
  --json     one JSON object per formula: {"file","line","section","env","display","inline","latex"}
  --macros   also print the document's macro definitions (one per line) before the formulas`;

/** A formula on one line of text output. */
const oneLine = (latex: string) => latex.replace(/\s*\n\s*/g, ' ');

/** The output lines for a project: a header and one line per formula, or JSON lines. */
export function formulaLines(project: LatexProject, options: { json: boolean; macros: boolean }): string[] {
  const out: string[] = [];
  if (!options.json) {
    const authors = project.info.authors.length ? ' — ' + project.info.authors.join(', ') : '';
    out.push(`# ${project.info.title || '(untitled)'}${authors}`);
    out.push(`# ${project.mainFile}: ${project.files.length} files, ${project.formulas.length} formulas`);
  }
  if (options.macros && project.macros) {
    out.push(...(options.json ? [JSON.stringify({ macros: project.macros })] : ['# macros:', project.macros]));
  }
  for (const { file, line, section, env, display, inline, latex } of project.formulas) {
    out.push(
      options.json
        ? JSON.stringify({ file, line, section, env, display, inline, latex })
        : `${file}:${line}\t${env}\t${section}\t${oneLine(latex)}`,
    );
  }
  return out;
}

export const formulasCommand: CliCommand = {
  name: 'formulas',
  summary: 'list the formulas of a LaTeX project (main file or folder)',
  help,
  async run(args) {
    const flags = new Set(args.filter((arg) => arg.startsWith('--')));
    const inputs = args.filter((arg) => !arg.startsWith('--'));
    const unknown = [...flags].filter((flag) => flag !== '--json' && flag !== '--macros');
    if (unknown.length) throw new UsageError(`unknown option ${unknown[0]}`);
    if (inputs.length !== 1) throw new UsageError('expects exactly one main .tex file or folder');
    const result = await extractProject(inputs[0]!);
    if (!result.ok) {
      process.stderr.write(`formula-lens formulas: ${result.reason}\n`);
      return ExitCode.failure;
    }
    const lines = formulaLines(result.value, { json: flags.has('--json'), macros: flags.has('--macros') });
    process.stdout.write(lines.map((line) => line + '\n').join(''));
    for (const problem of result.value.problems) {
      process.stderr.write(`${problem.file}${problem.line ? ':' + problem.line : ''}: ${problem.message}\n`);
    }
    return ExitCode.ok;
  },
};
