// Formula → embedding: the render stage (MathJax in worker threads) feeding the encoder (ONNX).
// Search and index building both go through this, so queries and indexed formulas are embedded alike.
import { Encoder } from '../encode/encoder';
import type { EncoderError, EncoderOptions, ModelInfo } from '../encode/types';
import { RenderPool, type FormulaInput, type RenderIssue, type RenderPriority } from '../render';
import { fail, ok, type Result } from '../result';

export interface EmbeddedFormula {
  embedding: Float32Array;
  /** The rendering was not faithful (unknown macro, MathJax error, timeout…): the embedding is less reliable. */
  degraded: boolean;
  issues: RenderIssue[];
  renderMs: number;
}

/** What search and indexing need from the pipeline; tests substitute their own. */
export interface FormulaEmbedder {
  /** The encoder model: its fingerprint is what an index records. */
  readonly model: ModelInfo;
  readonly dimensions: number;
  /** Embeddings in input order; `interactive` goes ahead of queued batch work. */
  embed(formulas: FormulaInput[], priority: RenderPriority): Promise<EmbeddedFormula[]>;
  /** Embeddings of pictures already at the encoder's geometry (PDF crops: CROP_HEIGHT × CROP_WIDTH, 255 = ink). */
  embedPictures(pictures: readonly Uint8Array[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface EmbedderOptions {
  encoder?: EncoderOptions;
  /** Render worker threads (default 1: enough for queries; indexing wants the machine's cores). */
  renderWorkers?: number;
}

/** What the pipeline needs of the encoder (tests count what reaches it). */
export type BitmapEncoder = Pick<Encoder, 'model' | 'dimensions' | 'embed' | 'dispose'>;

export class PipelineEmbedder implements FormulaEmbedder {
  constructor(
    private readonly pool: RenderPool,
    private readonly encoder: BitmapEncoder,
  ) {}

  get model(): ModelInfo {
    return this.encoder.model;
  }

  get dimensions(): number {
    return this.encoder.dimensions;
  }

  async embed(formulas: FormulaInput[], priority: RenderPriority): Promise<EmbeddedFormula[]> {
    const rendered = await Promise.all(formulas.map((formula) => this.pool.render(formula, { priority })));
    // A formula a paper repeats ($n$, $x_i$) comes back from the pool with the same pixels: encode those once.
    const unique = [...new Set(rendered.map((result) => result.pixels))];
    const embeddings = await this.encoder.embed(unique);
    const vectorOf = new Map(unique.map((pixels, i) => [pixels, embeddings[i]!]));
    const handedOut = new Set<Uint8Array>();
    return rendered.map((result) => {
      // Each result owns its vector (a repeat gets a copy): callers may keep or change one without touching another's.
      const vector = vectorOf.get(result.pixels)!;
      const embedding = handedOut.has(result.pixels) ? vector.slice() : vector;
      handedOut.add(result.pixels);
      return { embedding, degraded: result.degraded, issues: result.issues, renderMs: result.typesetMs + result.rasterMs };
    });
  }

  embedPictures(pictures: readonly Uint8Array[]): Promise<Float32Array[]> {
    return this.encoder.embed(pictures);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.encoder.dispose()]);
  }
}

/** Opens the encoder model and starts the render workers. */
export async function openEmbedder(options: EmbedderOptions = {}): Promise<Result<FormulaEmbedder, EncoderError>> {
  const encoder = await Encoder.open(options.encoder);
  if (!encoder.ok) return fail(encoder.reason);
  return ok(new PipelineEmbedder(new RenderPool({ workers: options.renderWorkers ?? 1 }), encoder.value));
}
