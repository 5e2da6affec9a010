// The symbolic formula encoder: an onnxruntime-node session over models/symbolic.onnx (training/symbolic.py)
// that maps a formula's canonical LaTeX tokens to a unit-norm 64-dimensional embedding, the token-side
// twin of the bitmap encoder (src/core/encode/encoder.ts).
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { modelsDirectory, readModelFile } from './models';
import { symbolicTokenIds } from './symbolic-tokens';
import { EMBEDDING_DIMENSIONS, OUTPUT_NAME, type EncoderError, type EncoderErrorKind, type EncoderResult, type ModelInfo } from './types';
import { SerialRunner } from './serial';
import { loadOnnxRuntime } from './runtime';
import { recordNativeUse } from '../native';
import { errorMessage } from '../result';

/** The ONNX input of the symbolic encoder: int64 [N, L], [BOS] + token ids, right-padded with [PAD] = 0. */
export const SYMBOLIC_INPUT_NAME = 'token_ids';
export const SYMBOLIC_MODEL = 'symbolic';
/** Tokens per formula sent to the model, [BOS] included; the graph itself keeps only its first `max_length`
 *  (64 for the shipped model), so this only bounds the work for huge formulas. */
const MAX_INPUT_TOKENS = 512;
const UNIT_NORM_TOLERANCE = 1e-3;

export interface SymbolicFormula {
  latex: string;
  macros?: string;
}

export interface SymbolicEncoderOptions {
  /** `symbolic` (the shipped model) or the path of a custom .onnx file. */
  model?: string;
  /** Threads one inference may use. Default 1: the editor shares the machine. */
  intraOpThreads?: number;
  /** Formulas per inference call. Default 64. */
  batchSize?: number;
}

function failure(kind: EncoderErrorKind, message: string): { ok: false; reason: EncoderError } {
  return { ok: false, reason: { kind, message } };
}

export function symbolicModelPath(model: string = SYMBOLIC_MODEL): string | undefined {
  if (model !== SYMBOLIC_MODEL) return path.resolve(model);
  const directory = modelsDirectory();
  return directory && path.join(directory, `${SYMBOLIC_MODEL}.onnx`);
}

export class SymbolicEncoder {
  private readonly inference = new SerialRunner();
  readonly dimensions = EMBEDDING_DIMENSIONS;

  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly model: ModelInfo,
    readonly batchSize: number,
  ) {}

  /**
   * Opens a model on the CPU (it is small: a query takes about a millisecond, so CUDA would not pay for
   * its start-up), checks its input and output and that a warm-up formula gives a unit vector.
   */
  static async open(options: SymbolicEncoderOptions = {}): Promise<EncoderResult<SymbolicEncoder>> {
    const name = options.model ?? SYMBOLIC_MODEL;
    const read = await readModelFile(name, symbolicModelPath(name));
    if (!read.ok) return read;
    const { model, bytes } = read.value;
    const file = model.path;
    const ort = loadOnnxRuntime();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
      });
    } catch (error) {
      return failure('invalid-model', `${file} is not a loadable ONNX model: ${errorMessage(error)}`);
    }
    const problem = describeShapeProblem(session);
    if (problem) {
      await session.release();
      return failure('wrong-model-shape', `${file} is not a symbolic formula encoder: ${problem}`);
    }
    const encoder = new SymbolicEncoder(ort, session, model, Math.max(1, options.batchSize ?? 64));
    const warmUp = await encoder.embed([{ latex: 'e^{i\\pi} + 1 = 0' }]).then(
      ([embedding]) => embedding,
      (error: unknown) => new Error(errorMessage(error)),
    );
    if (warmUp instanceof Error || Math.abs(Math.hypot(...warmUp) - 1) > UNIT_NORM_TOLERANCE) {
      await session.release();
      const why = warmUp instanceof Error ? `inference failed: ${warmUp.message}` : 'its outputs are not unit-norm rows';
      return failure('wrong-model-shape', `${file} is not a symbolic formula encoder: ${why}`);
    }
    recordNativeUse(`onnxruntime session: symbolic encoder (${path.basename(file)})`);
    return { ok: true, value: encoder };
  }

  /** Embeddings of the formulas, in order. Any LaTeX is accepted: the tokenizer is total and bounded. */
  embed(formulas: readonly SymbolicFormula[]): Promise<Float32Array[]> {
    return this.inference.run(() => this.embedInBatches(formulas));
  }

  async dispose(): Promise<void> {
    await this.inference.idle();
    await this.session.release();
  }

  private async embedInBatches(formulas: readonly SymbolicFormula[]): Promise<Float32Array[]> {
    const rows = formulas.map((formula) => symbolicTokenIds(formula.latex, formula.macros, MAX_INPUT_TOKENS));
    // Batches of similar length waste little on padding; results go back to input order.
    const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length);
    const embeddings = new Array<Float32Array>(rows.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const chosen = order.slice(start, start + this.batchSize);
      const length = Math.max(...chosen.map((i) => rows[i].length));
      const input = new BigInt64Array(chosen.length * length); // zero = [PAD]
      chosen.forEach((row, i) => rows[row].forEach((id, j) => (input[i * length + j] = BigInt(id))));
      const tensor = new this.ort.Tensor('int64', input, [chosen.length, length]);
      const output = (await this.session.run({ [SYMBOLIC_INPUT_NAME]: tensor }))[OUTPUT_NAME];
      const data = output.data as Float32Array;
      if (data.length !== chosen.length * EMBEDDING_DIMENSIONS) {
        throw new Error(`the model returned ${data.length} values for ${chosen.length} formulas`);
      }
      chosen.forEach((row, i) => (embeddings[row] = data.slice(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS)));
      output.dispose();
    }
    return embeddings;
  }
}

function describeShapeProblem(session: Ort.InferenceSession): string | undefined {
  const [input, ...moreInputs] = session.inputMetadata;
  const [output, ...moreOutputs] = session.outputMetadata;
  if (!input || moreInputs.length || input.name !== SYMBOLIC_INPUT_NAME || !input.isTensor || input.type !== 'int64' || input.shape.length !== 2) {
    return `expected one input ${SYMBOLIC_INPUT_NAME}: int64 [N, L]`;
  }
  const fits = output && !moreOutputs.length && output.name === OUTPUT_NAME && output.isTensor && output.type === 'float32' &&
    output.shape.length === 2 && output.shape[1] === EMBEDDING_DIMENSIONS;
  return fits ? undefined : `expected one output ${OUTPUT_NAME}: float32 [N, ${EMBEDDING_DIMENSIONS}]`;
}
