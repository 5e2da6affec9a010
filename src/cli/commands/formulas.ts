// `formula-lens formulas <main.tex|folder>`: the formulas of a LaTeX project, as the indexer sees them.
import { ExitCode, UsageError, type CliCommand } from '../command';
import { extractProject } from '../../core/latex';

const help = `Usage: formula-lens formulas <main.tex|folder> [--json] [--macros]

Lists every display formula of a LaTeX project (and inline formulas of at least 20 characters),
following \\input/\\include/\\subfile/\\import from the main file, with file, line, section and
environment. Problems (missing files, unreadable macros, unclosed math) go to stderr.

Options:
  --json     one JSON object per formula: {"file","line","section","env","display","inline","latex"}
  --macros   also print the document's macro definitions (one per line) before the formulas`;

/** A formula on one line of text output. */
const oneLine = (latex: string) => latex.replace(/\s*\n\s*/g, ' ');

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
    const project = result.value;
    const out: string[] = [];
    if (!flags.has('--json')) {
      out.push(`# ${project.info.title || '(untitled)'}${project.info.authors.length ? ' — ' + project.info.authors.join(', ') : ''}`);
      out.push(`# ${project.mainFile}: ${project.files.length} files, ${project.formulas.length} formulas`);
    }
    if (flags.has('--macros') && project.macros) {
      out.push(...(flags.has('--json') ? [JSON.stringify({ macros: project.macros })] : ['# macros:', project.macros]));
    }
    for (const formula of project.formulas) {
      const { file, line, section, env, display, inline, latex } = formula;
      out.push(
        flags.has('--json')
          ? JSON.stringify({ file, line, section, env, display, inline, latex })
          : `${file}:${line}\t${env}\t${section}\t${oneLine(latex)}`,
      );
    }
    process.stdout.write(out.map((line) => line + '\n').join(''));
    for (const problem of project.problems) {
      process.stderr.write(`${problem.file}${problem.line ? ':' + problem.line : ''}: ${problem.message}\n`);
    }
    return ExitCode.ok;
  },
};
