// The LaTeX reader's speed: the cursor lookup at the end of a 10,000-line document (goal: under
// 1 ms, as it runs on every cursor move) and project extraction throughput in formulas per second.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { MarkupLanguage } from '../src/core/latex';
import { corpusPath } from '../test/helpers/paths';
import { type CorpusRecord, writeProject } from '../test/unit/latex/corpus-projects';
import type { Bench } from './run';

const lineCount = 10_000;

type LatexReader = typeof import('../src/core/latex');

/**
 * The reader as the engine runs it: bundled by esbuild. (Under tsx every imported binding is a
 * getter on a module wrapper, which alone makes the cursor lookup several times slower.)
 */
async function bundledReader(folder: string): Promise<LatexReader> {
  const file = path.join(folder, 'latex-reader.js');
  const result = await esbuild.build({
    entryPoints: [path.resolve(__dirname, '..', 'src', 'core', 'latex', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
  });
  writeFileSync(file, result.outputFiles[0]!.text);
  return require(file) as LatexReader;
}

/** A realistic 10,000-line document: prose with inline math, display environments, comments, code. */
function longDocument(language: MarkupLanguage, blankLines: boolean): string {
  const block =
    language === 'latex'
      ? [
          'We bound the risk $R(\\theta) = \\E[\\ell(f_\\theta(x), y)]$ using the estimator',
          '\\begin{align}',
          '  \\hat{R}_n(\\theta) &= \\frac{1}{n} \\sum_{i=1}^n \\ell(f_\\theta(x_i), y_i) \\label{eq:risk} \\\\',
          '  &\\le R(\\theta) + \\sqrt{\\frac{\\log(1/\\delta)}{2n}}, % with probability 1 - delta',
          '\\end{align}',
          'which holds for all $\\theta \\in \\Theta$ and costs \\$5 to verify.',
          '\\begin{verbatim}',
          'echo $HOME',
          '\\end{verbatim}',
        ]
      : [
          'We bound the risk $R(\\theta) = E[\\ell(f_\\theta(x), y)]$ using the estimator',
          '$$',
          '\\hat{R}_n(\\theta) = \\frac{1}{n} \\sum_{i=1}^n \\ell(f_\\theta(x_i), y_i)',
          '$$',
          '```bash',
          'echo $HOME',
          '```',
          'which holds for all $\\theta \\in \\Theta$, see `$x$`.',
          '',
        ];
  const lines: string[] = [];
  while (lines.length < lineCount - 1) lines.push(...block, ...(blankLines ? [''] : []));
  lines.length = lineCount - 1;
  lines.push('Finally $\\lim_{n \\to \\infty} \\hat{R}_n(\\theta) = R(\\theta)$ almost surely.');
  return lines.join('\n');
}

function timeCursor({ findMathAt }: LatexReader, label: string, language: MarkupLanguage, blankLines: boolean): void {
  const text = longDocument(language, blankLines);
  const offset = text.length - 'R(\\theta)$ almost surely.'.length;
  const found = findMathAt(text, offset, language);
  if (!found?.latex.startsWith('\\lim_')) throw new Error(`${label}: the bench document's last formula was not found`);
  const runs = 5_000;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    findMathAt(text, offset, language);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[runs >> 1]!;
  const p99 = times[Math.floor(runs * 0.99)]!;
  console.log(`cursor lookup, ${label}: median ${(median * 1000).toFixed(0)} µs, p99 ${(p99 * 1000).toFixed(0)} µs (goal < 1000 µs)`);
}

/** collectMacros reads a whole document: what the engine pays when a document's text changes. */
function timeMacroCollection({ collectMacros }: LatexReader): void {
  const text = longDocument('latex', true);
  const runs = 50;
  const started = performance.now();
  for (let run = 0; run < runs; run++) collectMacros(text);
  console.log(`macro collection over the whole 10,000-line .tex: ${((performance.now() - started) / runs).toFixed(2)} ms`);
}

/** Writes projects to extract: corpus records when the corpus is here, copies of the fixture otherwise. */
function writeProjects(folder: string): { folders: string[]; source: string } {
  const corpus = corpusPath();
  if (!corpus) {
    const fixture = path.resolve(__dirname, '..', 'test', 'fixtures', 'latex-paper');
    const folders = Array.from({ length: 200 }, (_, index) => path.join(folder, String(index)));
    for (const target of folders) cpSync(fixture, target, { recursive: true });
    return { folders, source: '200 copies of test/fixtures/latex-paper (no corpus here)' };
  }
  const records = readFileSync(corpus, 'utf8').split('\n').filter((line, index) => line && index % 8 === 0);
  const folders = records.map((line, index) => {
    const target = path.join(folder, String(index));
    writeProject(JSON.parse(line) as CorpusRecord, target, index);
    return target;
  });
  return { folders, source: `${folders.length} corpus records written as multi-file projects` };
}

async function timeExtraction({ extractProject }: LatexReader, scratch: string): Promise<void> {
  const { folders, source } = writeProjects(scratch);
  let formulas = 0;
  const started = performance.now();
  for (const folder of folders) {
    const result = await extractProject(folder);
    if (result.ok) formulas += result.value.formulas.length;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`project extraction: ${formulas} formulas from ${source} in ${seconds.toFixed(2)} s = ${Math.round(formulas / seconds)} formulas/s`);
}

export const bench: Bench = {
  title: 'LaTeX reader: cursor lookup and project extraction',
  async run() {
    const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-bench-'));
    try {
      const reader = await bundledReader(scratch);
      timeCursor(reader, 'end of a 10,000-line .tex', 'latex', true);
      timeCursor(reader, 'end of a 10,000-line .tex without blank lines', 'latex', false);
      timeCursor(reader, 'end of a 10,000-line .md with code fences', 'markdown', true);
      timeMacroCollection(reader);
      await timeExtraction(reader, scratch);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
