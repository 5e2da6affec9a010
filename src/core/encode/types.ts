// The encoder's public types: which model and runtime to use, and why opening one can fail.
import type { Result } from '../result';

/** The encoder input: CROP_HEIGHT × CROP_WIDTH bytes, row-major, 0 = paper, 255 = full ink. */
export const BITMAP_HEIGHT = 32;
export const BITMAP_WIDTH = 333;
export const BITMAP_BYTES = BITMAP_HEIGHT * BITMAP_WIDTH;
/** Length of every embedding (unit norm). */
export const EMBEDDING_DIMENSIONS = 64;
/** The ONNX graph's input and output names (see training/export.py). */
export const INPUT_NAME = 'bitmaps';
export const OUTPUT_NAME = 'embeddings';

/** The shipped models (models/<name>.onnx); SEE is the default. */
export const BUILTIN_MODELS = ['see', 'bee'] as const;
export type BuiltinModel = (typeof BUILTIN_MODELS)[number];

/** `auto` tries CUDA and falls back to the CPU; `cuda` fails when CUDA cannot be used. */
export type ExecutionProviderChoice = 'auto' | 'cuda' | 'cpu';

export interface EncoderOptions {
  /** A shipped model (`see`, `bee`) or the path of a custom .onnx file. Default `see`. */
  model?: BuiltinModel | string;
  executionProvider?: ExecutionProviderChoice;
  /** Threads one inference may use. Default 1: the editor shares the machine. */
  intraOpThreads?: number;
  /** Bitmaps per inference call. Default 32. */
  batchSize?: number;
  /** Receives the encoder's few log lines (e.g. the CUDA fallback). */
  log?: (line: string) => void;
}

export interface ModelInfo {
  /** `see`, `bee`, or the custom file's path as given. */
  name: string;
  /** Absolute path of the .onnx file. */
  path: string;
  /** sha256 of the .onnx file bytes, hex: the identity an index records. */
  fingerprint: string;
}

export type EncoderErrorKind =
  /** No file at the model path, or the shipped models are not installed. */
  | 'model-not-found'
  /** The file is not a loadable ONNX model (corrupt, truncated, not ONNX, too large). */
  | 'invalid-model'
  /** An ONNX model, but not an equation encoder: wrong input/output names, types or shapes, or non-unit outputs. */
  | 'wrong-model-shape'
  /** `executionProvider: 'cuda'` was asked for and CUDA cannot be used here. */
  | 'provider-unavailable';

export interface EncoderError {
  kind: EncoderErrorKind;
  message: string;
}

export type EncoderResult<T> = Result<T, EncoderError>;
