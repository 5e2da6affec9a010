// The editor path (issue 7): the cursor request round trip through the engine (JSON-RPC, the whole
// document sent, project macros), a search of a small index, and the results view's KaTeX rendering
// of real corpus formulas with their documents' macros (time per view, and how many fall back to source).
// Goals: cursor lookup round trip well under the 300 ms debounce; a results view renders in < 50 ms.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { buildIndexRequest, formulaAtRequest, searchRequest, type IndexSelection } from '../src/engine/protocol';
import { renderViewState } from '../src/webview/html';
import { MathRenderer } from '../src/webview/math';
import type { ViewPaperResult } from '../src/webview/protocol';
import { corpusPath, repoRoot } from '../test/helpers/paths';
import type { Bench } from './run';
import type { CorpusRecord } from './corpus-library';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'editor');
const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function engineRoundTrips(): Promise<void> {
  const engine = path.join(repoRoot, 'out', 'engine.js');
  if (!existsSync(engine)) {
    console.log('engine: out/engine.js is missing (npm run build); skipped');
    return;
  }
  const child = spawn(process.execPath, [engine], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  const scratch = mkdtempSync(path.join(tmpdir(), 'fl-bench-editor-'));
  try {
    // A 10,000-line chapter of the fixture project: its macros come from the main file on disk.
    const chapter = path.join(fixtures, 'project', 'chapters', 'attention.tex');
    const block = readFileSync(chapter, 'utf8');
    const text = Array.from({ length: Math.ceil(10_000 / block.split('\n').length) }, () => block).join('\n');
    const needle = text.lastIndexOf('\\sqrt{d_k}');
    const params = { uri: 'file://bench', path: chapter, text, offset: needle, languageId: 'latex', includeInline: true };
    await connection.sendRequest(formulaAtRequest, params); // reads the project once (cached 30 s)
    const lookups: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await connection.sendRequest(formulaAtRequest, { ...params, offset: needle - (i % 40) });
      lookups.push(performance.now() - started);
    }
    console.log(`formulaAt round trip, ${(text.length / 1024).toFixed(0)} KiB document: p50 ${ms(percentile(lookups, 0.5))}, p95 ${ms(percentile(lookups, 0.95))}`);

    const model = { kind: 'custom', path: tinyEncoder } as const;
    const indexDir = path.join(scratch, 'index');
    const started = performance.now();
    const built = await connection.sendRequest(buildIndexRequest, { folders: [path.join(fixtures, 'library')], indexDir, cacheDir: path.join(scratch, 'cache'), model, executionProvider: 'cpu' });
    console.log(`build index of the fixture library (${built.kind === 'built' ? built.formulas : 0} formulas, tiny encoder): ${ms(performance.now() - started)}`);
    const indexes: IndexSelection = { locations: [indexDir], includeDefault: false, model, executionProvider: 'cpu' };
    const searches: number[] = [];
    for (let i = 0; i < 50; i++) {
      const began = performance.now();
      await connection.sendRequest(searchRequest, { formula: { latex: `\\hat{x}_{${i}} = (A^\\top A)^{-1} A^\\top b`, display: true }, k: 10, indexes });
      searches.push(performance.now() - began);
    }
    console.log(`search (render + embed the query, HNSW, group by paper): p50 ${ms(percentile(searches, 0.5))}, p95 ${ms(percentile(searches, 0.95))}`);
  } finally {
    connection.dispose();
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Views of 10 papers × 3 display formulas each, from consecutive corpus records. */
async function corpusViews(file: string, views: number): Promise<ViewPaperResult[][]> {
  const papers: ViewPaperResult[] = [];
  const lines = createInterface({ input: createReadStream(file) });
  for await (const line of lines) {
    const record = JSON.parse(line) as CorpusRecord;
    const display = record.formulas.filter((formula) => !formula.inline).slice(0, 3);
    if (display.length === 0) continue;
    papers.push({
      paper: { id: record.id, title: record.title ?? '', authors: record.authors ?? [], year: record.year, hasUrl: true },
      formulas: display.map((formula) => ({
        formula: { latex: formula.latex, macros: record.macros, display: true, env: formula.env },
        section: formula.section,
        similarity: 0.9,
        signals: [],
        hasSource: false,
      })),
    });
    if (papers.length >= views * 10) break;
  }
  lines.close();
  return Array.from({ length: Math.floor(papers.length / 10) }, (_, i) => papers.slice(i * 10, i * 10 + 10));
}

async function viewRendering(): Promise<void> {
  const corpus = corpusPath();
  if (!corpus) {
    console.log('results view: corpus absent; skipped');
    return;
  }
  // Spread over the corpus: hep-th first, then GitHub papers, books, blogs, vignettes.
  const views = await corpusViews(corpus, 100);
  const renderer = new MathRenderer();
  const times: number[] = [];
  let formulas = 0;
  let fallbacks = 0;
  for (const results of views) {
    const started = performance.now();
    const html = renderViewState({ kind: 'results', citeLabel: 'Insert \\cite', query: results[0]!.formulas[0]!.formula, results, indexName: 'corpus' }, (formula) => renderer.render(formula));
    times.push(performance.now() - started);
    formulas += results.reduce((sum, result) => sum + result.formulas.length, 0) + 1;
    fallbacks += html.match(/class="latex-source"/g)?.length ?? 0;
  }
  console.log(`results view of 10 papers × ≤3 formulas (KaTeX, paper macros), ${views.length} views: p50 ${ms(percentile(times, 0.5))}, p95 ${ms(percentile(times, 0.95))}`);
  console.log(`formulas KaTeX could not typeset (shown as LaTeX source): ${fallbacks} of ${formulas} (${((100 * fallbacks) / formulas).toFixed(1)} %)`);
}

export const bench: Bench = {
  title: 'Editor: cursor lookup and search through the engine, results view rendering',
  async run() {
    await engineRoundTrips();
    await viewRendering();
  },
};
