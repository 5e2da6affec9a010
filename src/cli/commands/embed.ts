// `formula-lens embed`: JSON lines of formulas on stdin → one JSON line per input line on stdout,
// in order: {"embedding": [64 numbers]} or {"error": "reason"}. Rendering runs in the render pool's
// worker threads while the main thread runs inference on the previous batch, so both cores work.
import type { Readable, Writable } from 'node:stream';
import { type CliCommand, UsageError } from '../command';
import { Encoder } from '../../core/encode/encoder';
import type { ExecutionProviderChoice } from '../../core/encode/types';
import { RenderPool, type FormulaInput, type TimedRenderResult } from '../../core/render';
import { SymbolicEncoder } from '../../core/encode/symbolic';
import { chooseSearchMode } from '../../core/search/hybrid-search';
import { hybridVector, type DenseWeights } from '../../core/search/hybrid';
import { errorMessage } from '../../core/result';

/** A longer line is refused unread: formulas are at most a few kilobytes. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** The corpus drops formulas over 4,000 characters; a query ten times that long is not a formula. */
export const MAX_LATEX_CHARS = 40_000;

const help = `Usage: formula-lens embed [--encoder bitmap|symbolic|hybrid] [--model see|bee|<file.onnx>] [--symbolic-model <file.onnx>] [--batch N] [--threads N] [--execution-provider auto|cpu|cuda]

Reads JSON lines {"latex": "...", "macros": "optional definitions", "display": true} on stdin
("display" defaults to true; "env" such as "align*" is optional) and writes one JSON line per
input line, in order: {"embedding": [64 numbers]}, with "degraded": "<why>" added when the
formula could not be rendered faithfully, or {"error": "reason"}.

Options:
  --encoder E             bitmap (the rendered formula through --model), symbolic (its canonical tokens
                          through models/symbolic.onnx) or hybrid: both unit vectors side by side, each scaled by
                          the square root of its fusion weight (models/fusion.json), 128 numbers whose dot product
                          is the fused dense score. Default: hybrid or symbolic when models/fusion.json ranks it
                          best, else bitmap
  --model M               see (default), bee, or the path of a custom encoder .onnx
  --symbolic-model F      a custom symbolic encoder .onnx (e.g. from \`formula-lens train\`) instead of models/symbolic.onnx
  --batch N               formulas per inference batch (default 64)
  --threads N             inference threads (default 1; rendering uses worker threads beside it)
  --execution-provider P  auto (default: CUDA if available, else CPU), cpu or cuda`;

type Line = { text: string } | { tooLong: number };

/** Splits a byte stream into lines (LF or CRLF) without ever holding more than MAX_LINE_BYTES of one. */
export async function* readLines(input: Readable, maxBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let length = 0;
  let dropped = 0; // bytes of an over-long line, counted but not kept
  const end = (): Line => {
    const line: Line = dropped ? { tooLong: dropped + length } : { text: Buffer.concat(parts).toString('utf8').replace(/\r$/, '') };
    parts = [];
    length = 0;
    dropped = 0;
    return line;
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      append(chunk.subarray(start, newline));
      yield end();
      start = newline + 1;
    }
    append(chunk.subarray(start));
  }
  if (length > 0 || dropped > 0) yield end();

  function append(bytes: Buffer): void {
    if (dropped || length + bytes.length > maxBytes) {
      dropped += length + bytes.length;
      parts = [];
      length = 0;
    } else if (bytes.length) {
      parts.push(bytes);
      length += bytes.length;
    }
  }
}

/** The formula a line asks for, or why it is not one. */
export function parseFormula(line: Line): FormulaInput | { error: string } {
  if ('tooLong' in line) return { error: `line of ${line.tooLong} bytes exceeds the ${MAX_LINE_BYTES}-byte limit` };
  if (line.text.trim() === '') return { error: 'empty line' };
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return { error: `not JSON: ${errorMessage(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  const { latex, macros, display, env } = value as Record<string, unknown>;
  if (typeof latex !== 'string') return { error: '"latex" must be a string' };
  if (latex.trim() === '') return { error: '"latex" is empty' };
  if (latex.length > MAX_LATEX_CHARS) return { error: `"latex" has ${latex.length} characters, over the ${MAX_LATEX_CHARS} limit` };
  if (macros !== undefined && typeof macros !== 'string') return { error: '"macros" must be a string of definitions' };
  if (display !== undefined && typeof display !== 'boolean') return { error: '"display" must be true or false' };
  if (env !== undefined && typeof env !== 'string') return { error: '"env" must be a string' };
  return { latex, macros, display: display ?? true, env };
}

type EmbedEncoder = 'bitmap' | 'symbolic' | 'hybrid';

interface Options {
  /** Default bitmap. */
  encoder?: EmbedEncoder;
  /** The fusion weights, for `hybrid`. */
  fusion?: DenseWeights;
  model: string;
  /** undefined: the shipped symbolic model. */
  symbolicModel?: string;
  batch: number;
  threads: number;
  executionProvider: ExecutionProviderChoice;
}

function parseOptions(args: string[]): Options {
  const options: Options = { model: 'see', batch: 64, threads: 1, executionProvider: 'auto' };
  let encoder: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    const positive = () => {
      const number = Number(value);
      if (!Number.isInteger(number) || number < 1) throw new UsageError(`${args[i]} needs a positive integer`);
      return number;
    };
    switch (args[i]) {
      case '--model':
        if (!value) throw new UsageError('--model needs see, bee or a file');
        options.model = value;
        break;
      case '--symbolic-model':
        if (!value) throw new UsageError('--symbolic-model needs a file');
        options.symbolicModel = value;
        break;
      case '--encoder':
        if (value !== 'bitmap' && value !== 'symbolic' && value !== 'hybrid') throw new UsageError('--encoder is bitmap, symbolic or hybrid');
        encoder = value;
        break;
      case '--batch':
        options.batch = positive();
        break;
      case '--threads':
        options.threads = positive();
        break;
      case '--execution-provider':
        if (value !== 'auto' && value !== 'cpu' && value !== 'cuda') throw new UsageError('--execution-provider is auto, cpu or cuda');
        options.executionProvider = value;
        break;
      default:
        throw new UsageError(`unknown option '${args[i]}'`);
    }
    i++;
  }
  const chosen = chooseSearchMode(encoder);
  if (!chosen.ok) throw new UsageError(chosen.reason);
  const mode = chosen.value.mode;
  // The lexical and structure signals have no vector: their default falls back to the bitmap encoder.
  options.encoder = mode === 'lexical' || mode === 'structure' ? 'bitmap' : mode;
  options.fusion = chosen.value.fusion;
  return options;
}

/** A line in flight: its error, or its formula (the symbolic encoder reads it) and its rendering. */
type Pending = { error: string } | { formula: FormulaInput; rendering: Promise<TimedRenderResult> };

async function write(output: Writable, text: string): Promise<void> {
  if (!output.write(text)) await new Promise((resolve) => output.once('drain', resolve));
}

/** Embeds stdin to stdout; exported for the tests, which pass their own streams. */
export async function embedLines(input: Readable, output: Writable, options: Options, log: (line: string) => void): Promise<void> {
  const mode = options.encoder ?? 'bitmap';
  const needsBitmap = mode !== 'symbolic';
  let symbolic: SymbolicEncoder | undefined;
  if (mode !== 'bitmap') {
    const openedSymbolic = await SymbolicEncoder.open({ model: options.symbolicModel, intraOpThreads: options.threads, batchSize: options.batch });
    if (!openedSymbolic.ok) throw new Error(openedSymbolic.reason.message);
    symbolic = openedSymbolic.value;
  }
  if (!needsBitmap) {
    try {
      return await embedSymbolicLines(input, output, symbolic!, options.batch);
    } finally {
      await symbolic!.dispose();
    }
  }
  const opened = await Encoder.open({
    model: options.model,
    executionProvider: options.executionProvider,
    intraOpThreads: options.threads,
    batchSize: options.batch,
    log,
  });
  if (!opened.ok) throw new Error(opened.reason.message);
  const encoder = opened.value;
  const pool = new RenderPool({ cacheSize: 0 });
  const window: Pending[] = [];

  /** Embeds the oldest `count` lines and writes their results; later lines keep rendering meanwhile. */
  const flush = async (count: number) => {
    const lines = window.splice(0, count);
    const rendered = await Promise.all(
      lines.map((line) =>
        'error' in line ? line : line.rendering.catch((error: Error) => ({ error: `rendering failed: ${error.message}` })),
      ),
    );
    const bitmaps = rendered.flatMap((result) => ('error' in result ? [] : [result.pixels]));
    const embeddings = await encoder.embed(bitmaps);
    const formulas = lines.flatMap((line, i) => ('error' in line || 'error' in rendered[i] ? [] : [line.formula]));
    const symbolicEmbeddings = symbolic ? await symbolic.embed(formulas) : [];
    let next = 0;
    const text = rendered
      .map((result) => {
        if ('error' in result) return JSON.stringify({ error: result.error });
        const vector = symbolic ? hybridVector(embeddings[next], symbolicEmbeddings[next], options.fusion!) : embeddings[next];
        next++;
        const embedding = Array.from(vector);
        const degraded = result.degraded ? result.issues.map((issue) => `${issue.kind}: ${issue.detail}`).join('; ') : undefined;
        return JSON.stringify(degraded ? { embedding, degraded } : { embedding });
      })
      .join('\n');
    await write(output, text + '\n');
  };

  try {
    for await (const line of readLines(input)) {
      const formula = parseFormula(line);
      window.push('error' in formula ? formula : { formula, rendering: pool.render(formula, { priority: 'batch' }) });
      if (window.length >= 2 * options.batch) await flush(options.batch);
    }
    while (window.length > 0) await flush(options.batch);
  } finally {
    await pool.close();
    await encoder.dispose();
    await symbolic?.dispose();
  }
}

/** `--encoder symbolic`: no rendering, the tokens go straight to the symbolic model, a batch at a time. */
async function embedSymbolicLines(input: Readable, output: Writable, symbolic: SymbolicEncoder, batch: number): Promise<void> {
  let window: ({ error: string } | FormulaInput)[] = [];
  const flush = async () => {
    const formulas = window.flatMap((line) => ('error' in line ? [] : [line]));
    const embeddings = await symbolic.embed(formulas);
    let next = 0;
    const text = window.map((line) => JSON.stringify('error' in line ? line : { embedding: Array.from(embeddings[next++]) })).join('\n');
    window = [];
    await write(output, text + '\n');
  };
  for await (const line of readLines(input)) {
    window.push(parseFormula(line));
    if (window.length >= batch) await flush();
  }
  if (window.length > 0) await flush();
}

export const embedCommand: CliCommand = {
  name: 'embed',
  summary: 'embed formulas (JSON lines on stdin) with the equation encoder',
  help,
  run: async (args) => {
    const options = parseOptions(args);
    await embedLines(process.stdin, process.stdout, options, (line) => process.stderr.write(line + '\n'));
    return 0;
  },
};
