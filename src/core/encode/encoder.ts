// The equation encoder: an onnxruntime-node session over a trained model (models/see.onnx by default)
// that maps rendered formula bitmaps to unit-norm 64-dimensional embeddings.
import { basename } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { modelPath, readModelFile } from './models';
import {
  BITMAP_BYTES,
  BITMAP_HEIGHT,
  BITMAP_WIDTH,
  EMBEDDING_DIMENSIONS,
  INPUT_NAME,
  OUTPUT_NAME,
  type EncoderError,
  type EncoderErrorKind,
  type EncoderOptions,
  type EncoderResult,
  type ModelInfo,
} from './types';
import { SerialRunner } from './serial';
import { loadOnnxRuntime } from './runtime';
import { recordNativeUse } from '../native';
import { errorMessage } from '../result';

const UNIT_NORM_TOLERANCE = 1e-3;

function failure(kind: EncoderErrorKind, message: string): { ok: false; reason: EncoderError } {
  return { ok: false, reason: { kind, message } };
}

export class Encoder {
  private readonly inference = new SerialRunner();

  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly model: ModelInfo,
    /** The provider the session runs on. */
    readonly executionProvider: 'cuda' | 'cpu',
    readonly batchSize: number,
  ) {}

  readonly dimensions = EMBEDDING_DIMENSIONS;

  /**
   * Opens a model: resolves and fingerprints the file, creates the session on the chosen provider,
   * checks the graph's input/output shapes and warms it up (the first run allocates and is slow).
   */
  static async open(options: EncoderOptions = {}): Promise<EncoderResult<Encoder>> {
    const name = options.model ?? 'see';
    const read = await readModelFile(name, modelPath(name));
    if (!read.ok) return read;
    const { model, bytes } = read.value;
    const file = model.path;

    const ort = loadOnnxRuntime();
    const baseOptions: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const create = (provider: 'cuda' | 'cpu') =>
      ort.InferenceSession.create(bytes, { ...baseOptions, executionProviders: [provider] });

    let session: Ort.InferenceSession;
    let provider: 'cuda' | 'cpu' = options.executionProvider === 'cpu' ? 'cpu' : 'cuda';
    try {
      session = await create(provider);
    } catch (error) {
      if (provider === 'cuda' && isProviderFailure(error)) {
        if (options.executionProvider === 'cuda') {
          return failure('provider-unavailable', `CUDA execution provider unavailable: ${errorMessage(error)}`);
        }
        options.log?.(`encoder: CUDA unavailable (${errorMessage(error)}); using the CPU`);
        provider = 'cpu';
        try {
          session = await create(provider);
        } catch (cpuError) {
          return failure('invalid-model', `${file} is not a loadable ONNX model: ${errorMessage(cpuError)}`);
        }
      } else {
        return failure('invalid-model', `${file} is not a loadable ONNX model: ${errorMessage(error)}`);
      }
    }

    const shapeProblem = describeShapeProblem(session);
    if (shapeProblem) {
      await session.release();
      return failure('wrong-model-shape', `${file} is not an equation encoder: ${shapeProblem}`);
    }
    const encoder = new Encoder(ort, session, model, provider, Math.max(1, options.batchSize ?? 32));
    const warmUp = await encoder.embed([warmUpBitmap()]).then(
      ([embedding]) => embedding,
      (error: unknown) => new Error(errorMessage(error)),
    );
    if (warmUp instanceof Error || !isUnitNorm(warmUp)) {
      await session.release();
      const problem = warmUp instanceof Error ? `inference failed: ${warmUp.message}` : 'its outputs are not unit-norm rows';
      return failure('wrong-model-shape', `${file} is not an equation encoder: ${problem}`);
    }
    recordNativeUse(`onnxruntime session: bitmap encoder (${basename(file)})`);
    return { ok: true, value: encoder };
  }

  /**
   * Embeddings of the bitmaps (each BITMAP_BYTES long, from the renderer), in order, computed in batches
   * of `batchSize`. A bitmap of the wrong length is a programming error and throws a RangeError.
   */
  embed(bitmaps: readonly Uint8Array[]): Promise<Float32Array[]> {
    const bad = bitmaps.findIndex((bitmap) => bitmap.length !== BITMAP_BYTES);
    if (bad >= 0) {
      return Promise.reject(new RangeError(`bitmap ${bad} has ${bitmaps[bad].length} bytes, the encoder needs ${BITMAP_BYTES}`));
    }
    return this.inference.run(() => this.embedInBatches(bitmaps));
  }

  async dispose(): Promise<void> {
    await this.inference.idle();
    await this.session.release();
  }

  private async embedInBatches(bitmaps: readonly Uint8Array[]): Promise<Float32Array[]> {
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < bitmaps.length; start += this.batchSize) {
      const batch = bitmaps.slice(start, start + this.batchSize);
      const input = new Float32Array(batch.length * BITMAP_BYTES);
      batch.forEach((bitmap, i) => {
        const row = input.subarray(i * BITMAP_BYTES, (i + 1) * BITMAP_BYTES);
        for (let j = 0; j < row.length; j++) row[j] = BYTE_TO_INK[bitmap[j]]!;
      });
      const tensor = new this.ort.Tensor('float32', input, [batch.length, 1, BITMAP_HEIGHT, BITMAP_WIDTH]);
      const output = (await this.session.run({ [INPUT_NAME]: tensor }))[OUTPUT_NAME];
      const data = output.data as Float32Array;
      if (data.length !== batch.length * EMBEDDING_DIMENSIONS) {
        throw new Error(`the model returned ${data.length} values for ${batch.length} bitmaps`);
      }
      for (let i = 0; i < batch.length; i++) {
        embeddings.push(data.slice(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS));
      }
      output.dispose();
    }
    return embeddings;
  }
}

/** byte / 255 for every byte, as the model's input wants it (a table lookup beats a division per pixel). */
const BYTE_TO_INK = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);

/** True when session creation failed because of the provider, not the model file. */
function isProviderFailure(error: unknown): boolean {
  return /cuda|provider|shared library|backend/i.test(errorMessage(error));
}

/** Why the session's graph does not fit the encoder contract, or undefined when it does. */
function describeShapeProblem(session: Ort.InferenceSession): string | undefined {
  const describe = (metadata: Ort.InferenceSession.ValueMetadata) =>
    metadata.isTensor ? `${metadata.name}: ${metadata.type} [${metadata.shape.join(', ')}]` : `${metadata.name}: not a tensor`;
  const expectTensor = (
    list: readonly Ort.InferenceSession.ValueMetadata[],
    name: string,
    shape: readonly number[],
    role: string,
  ): string | undefined => {
    const expected = `${role} ${name}: float32 [N, ${shape.join(', ')}]`;
    if (list.length !== 1) return `expected one ${role} (${expected}), found ${list.map(describe).join('; ') || 'none'}`;
    const [metadata] = list;
    const fits =
      metadata.name === name &&
      metadata.isTensor &&
      metadata.type === 'float32' &&
      metadata.shape.length === shape.length + 1 &&
      shape.every((size, i) => metadata.shape[i + 1] === size);
    return fits ? undefined : `expected ${expected}, found ${describe(metadata)}`;
  };
  return (
    expectTensor(session.inputMetadata, INPUT_NAME, [1, BITMAP_HEIGHT, BITMAP_WIDTH], 'input') ??
    expectTensor(session.outputMetadata, OUTPUT_NAME, [EMBEDDING_DIMENSIONS], 'output')
  );
}

/** A few ink strokes: a blank page is a degenerate input some models map to a zero vector. */
function warmUpBitmap(): Uint8Array {
  const bitmap = new Uint8Array(BITMAP_BYTES);
  for (let row = 12; row < 20; row++) {
    for (let column = 100; column < 233; column += 7) bitmap[row * BITMAP_WIDTH + column] = 255;
  }
  return bitmap;
}

function isUnitNorm(embedding: Float32Array): boolean {
  const norm = Math.sqrt(embedding.reduce((sum, value) => sum + value * value, 0));
  return Math.abs(norm - 1) < UNIT_NORM_TOLERANCE;
}
