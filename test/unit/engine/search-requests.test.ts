// The engine builds an index from a library folder and searches it, through JSON-RPC, with the tiny
// test encoder (test/unit/encode/fixtures), so the whole path runs: LaTeX reader, renderer, encoder, index.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startEngine } from '../../helpers/engine';
import { buildIndexRequest, indexProgressNotification, searchRequest, type IndexSelection } from '../../../src/engine/protocol';
import { repoRoot } from '../../helpers/paths';
import { symbolicModelPath } from '../../../src/core/encode/symbolic';
import { FormulaIndex } from '../../../src/core/index/store';
import { indexPapers } from '../../../src/core/search/build';

const library = path.join(repoRoot, 'test', 'fixtures', 'editor', 'library');
const tinyEncoder = path.join(repoRoot, 'test', 'unit', 'encode', 'fixtures', 'tiny-encoder.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'fl-engine-search-'));
const indexDir = path.join(scratch, 'index');
const model = { kind: 'custom', path: tinyEncoder } as const;

let connection: MessageConnection;
let stop: () => Promise<void>;

before(() => {
  const engine = startEngine();
  connection = engine.connection;
  stop = async () => {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
});
after(() => stop());

test('an index built from a library folder is searched, and answers grouped by paper with what the view needs', async () => {
  const progress: number[] = [];
  connection.onNotification(indexProgressNotification, (update) => progress.push(update.progress));
  const built = await connection.sendRequest(buildIndexRequest, {
    folders: [library],
    indexDir,
    cacheDir: path.join(scratch, 'cache'),
    model,
    executionProvider: 'cpu',
  });
  assert.ok(built.kind === 'built');
  const { report, library: libraryName, ...counts } = built;
  assert.deepEqual(counts, { kind: 'built', indexed: 2, unchanged: 0, removed: 0, failed: 0, formulas: 3, cancelled: false });
  assert.equal(libraryName, 'library');
  assert.equal(report?.filter((entry) => entry.status === 'indexed').length, 2);
  assert.equal(progress.at(-1), 1);
  assert.ok(progress.every((value, i) => value >= 0 && value <= 1 && (i === 0 || value >= progress[i - 1]!)), 'progress only grows');

  const indexes: IndexSelection = { locations: [indexDir], includeDefault: false, model, executionProvider: 'cpu' };
  const result = await connection.sendRequest(searchRequest, { formula: { latex: 'R \\hat{x} = Q^\\top b', display: true }, k: 5, indexes });
  assert.equal(result.kind, 'results');
  if (result.kind !== 'results') return;
  assert.equal(result.indexName, 'index');
  const golub = result.papers.find((match) => match.paper.id === 'bib:golub2013');
  assert.ok(golub, 'the paper with the identical formula is found');
  assert.deepEqual(
    { ...golub.paper },
    {
      id: 'bib:golub2013',
      title: 'Matrix Computations',
      authors: ['Gene H. Golub', 'Charles F. Van Loan'],
      year: 2013,
      key: 'golub2013',
      macros: '\\newcommand{\\R}{\\mathbb{R}}\n\\DeclareMathOperator*{\\argmin}{arg\\,min}',
    },
  );
  const exact = golub.formulas.find((hit) => hit.formula.latex === 'R \\hat{x} = Q^\\top b');
  assert.ok(exact);
  assert.equal(exact.sourceFile, path.join(library, 'golub2013', 'main.tex'));
  assert.equal(exact.line, 14);
  assert.equal(exact.section, 'Least squares');
  assert.deepEqual(exact.formula, { latex: 'R \\hat{x} = Q^\\top b', display: true, env: 'equation' });
  assert.match(exact.highlightedLatex ?? '', /^\\textcolor\{[a-z]+\}\{R\} \\hat\{\\textcolor/, 'the default mode weighs structure: what matched is coloured');
  const sorted = result.papers.map((match) => match.similarity);
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a), 'papers are ranked by similarity');
  assert.ok(exact.signals.length > 0 && exact.signals.every((part) => part.weight > 0 && part.similarity >= 0 && part.similarity <= 1), 'the score names its signals');
  assert.ok(Math.abs(exact.similarity - exact.signals.reduce((sum, part) => sum + part.weight * part.similarity, 0)) < 1e-9, 'and is their weighted sum');

  // Searched from the file it is indexed from, the formula is not its own result; the paper's others still are.
  const queryFile = path.join(library, 'golub2013', 'main.tex');
  const itself = await connection.sendRequest(searchRequest, { formula: { latex: 'R  \\hat{x}=Q^\\top b', display: true }, k: 5, queryFile, indexes });
  assert.ok(itself.kind === 'results');
  const formulas = itself.papers.flatMap((match) => match.formulas);
  assert.ok(formulas.every((hit) => hit.formula.latex !== 'R \\hat{x} = Q^\\top b'), 'the query\'s own formula (spacing aside) is left out');
  assert.ok(formulas.some((hit) => hit.sourceFile === queryFile), 'the other formulas of its file are not');

  const excluded = await connection.sendRequest(searchRequest, {
    formula: { latex: 'R \\hat{x} = Q^\\top b', display: true },
    k: 5,
    excludePaper: 'bib:golub2013',
    indexes,
  });
  assert.ok(excluded.kind === 'results' && excluded.papers.every((match) => match.paper.id !== 'bib:golub2013'));
});

test('between searches the engine holds no lock: another process writes the index, and the next search sees its commit', async () => {
  const writer = FormulaIndex.open(indexDir);
  assert.ok(writer.ok, writer.ok ? '' : writer.reason.message); // the engine searched this index in the test before
  const formula = { latex: '\\oint_{\\partial S} \\omega = \\int_S d\\omega', inline: false, env: 'equation' };
  const added = await indexPapers(writer.value.index, [{ paper: { id: 'stokes', title: 'Stokes', authors: [], library: 'other' }, formulas: [formula] }]);
  writer.value.index.close();
  assert.ok(added.ok);
  const indexes: IndexSelection = { locations: [indexDir], includeDefault: false, model, executionProvider: 'cpu', searchMode: 'bitmap' };
  const result = await connection.sendRequest(searchRequest, { formula: { latex: '\\oint_{\\partial S} \\omega = \\int_{S} d\\omega', display: true }, k: 5, indexes });
  assert.ok(result.kind === 'results' && result.papers.some((match) => match.paper.id === 'stokes'), JSON.stringify(result));
});

test('a missing model is a typed failure where the bitmap signal needs it, not a crash, and no obstacle where nothing reads it', async () => {
  const selection = (searchMode: IndexSelection['searchMode']): IndexSelection => ({
    locations: [indexDir], includeDefault: false, model: { kind: 'custom', path: path.join(scratch, 'absent.onnx') }, executionProvider: 'cpu', searchMode,
  });
  const bitmap = await connection.sendRequest(searchRequest, { formula: { latex: 'x', display: true }, k: 5, indexes: selection('bitmap') });
  assert.equal(bitmap.kind, 'failed');
  assert.match(bitmap.kind === 'failed' ? bitmap.reason : '', /absent\.onnx/);
  const structure = await connection.sendRequest(searchRequest, { formula: { latex: 'x', display: true }, k: 5, indexes: selection('structure') });
  assert.equal(structure.kind, 'results', JSON.stringify(structure));
});

test('the symbolic modes use the selected symbolic model, and a missing one is a typed failure', async () => {
  const formula = { latex: 'R \\hat{x} = Q^\\top b', display: true };
  const selection = (symbolicModel?: string): IndexSelection => ({
    locations: [indexDir], includeDefault: false, model, executionProvider: 'cpu', searchMode: 'symbolic', symbolicModel,
  });
  const shipped = await connection.sendRequest(searchRequest, { formula, k: 5, indexes: selection(symbolicModelPath()) });
  assert.equal(shipped.kind, 'results', JSON.stringify(shipped));
  const absent = await connection.sendRequest(searchRequest, { formula, k: 5, indexes: selection(path.join(scratch, 'absent-symbolic.onnx')) });
  assert.equal(absent.kind, 'failed');
  assert.match(absent.kind === 'failed' ? absent.reason : '', /symbolic model: .*absent-symbolic\.onnx/);
});

test('a library of a .bib and a PDF is built by the engine; its results carry the page, the crop and the PDF to open', async () => {
  const pdfLibrary = path.join(scratch, 'pdf-library');
  mkdirSync(pdfLibrary);
  copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'pdf', 'displays.pdf'), path.join(pdfLibrary, 'descent.pdf'));
  writeFileSync(path.join(pdfLibrary, 'refs.bib'), '@article{descent, title = {Gradient Descent}, author = {Ada Lovelace}, year = {2020}}');
  const pdfIndex = path.join(scratch, 'pdf-index');
  const built = await connection.sendRequest(buildIndexRequest, { folders: [pdfLibrary], indexDir: pdfIndex, cacheDir: path.join(scratch, 'cache'), model, executionProvider: 'cpu' });
  assert.ok(built.kind === 'built');
  assert.deepEqual([built.indexed, built.formulas], [1, 4]);
  const indexes: IndexSelection = { locations: [pdfIndex], includeDefault: false, model, executionProvider: 'cpu' };
  const result = await connection.sendRequest(searchRequest, { formula: { latex: '\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)', display: true }, k: 5, indexes });
  assert.ok(result.kind === 'results');
  const [best] = result.papers;
  assert.equal(best?.paper.key, 'descent');
  const hit = best!.formulas[0]!;
  assert.deepEqual({ page: hit.pdf?.page, number: hit.pdf?.number, sourceFile: hit.sourceFile }, { page: 1, number: '(1)', sourceFile: path.join(pdfLibrary, 'descent.pdf') });
  assert.ok(Buffer.from(hit.pdf!.crop!, 'base64').subarray(1, 4).toString() === 'PNG', 'the crop is a PNG');
});
