// Where the encoder models live and how a model file is identified (sha256 of its bytes).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fail, ok } from '../result';
import { BUILTIN_MODELS, type BuiltinModel, type EncoderErrorKind, type EncoderResult, type ModelInfo } from './types';

/** Larger files are not ours: the shipped encoders are under 2 MB. */
export const MAX_MODEL_BYTES = 256 * 1024 * 1024;

export function isBuiltinModel(model: string): model is BuiltinModel {
  return (BUILTIN_MODELS as readonly string[]).includes(model);
}

/**
 * The repository's (or installed extension's) models/ folder: the nearest ancestor of this file that
 * holds package.json and models/. Bundled (out/cli.js) and source (src/core/encode) layouts both work.
 */
export function modelsDirectory(start: string = __dirname): string | undefined {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, 'package.json')) && existsSync(path.join(directory, 'models'))) {
      return path.join(directory, 'models');
    }
    if (path.dirname(directory) === directory) return undefined;
  }
}

/** The file behind a model choice: a shipped name or a path (relative to the working directory). */
export function modelPath(model: string): string | undefined {
  if (!isBuiltinModel(model)) return path.resolve(model);
  const directory = modelsDirectory();
  return directory && path.join(directory, `${model}.onnx`);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A model file (`name` as the user chose it, `file` where that resolved, if anywhere), checked to be a regular
 * file of plausible size and fingerprinted, with its bytes: what an index records, known without a session.
 */
export async function readModelFile(name: string, file: string | undefined): Promise<EncoderResult<{ model: ModelInfo; bytes: Uint8Array }>> {
  const failure = (kind: EncoderErrorKind, message: string) => fail({ kind, message });
  if (!file) return failure('model-not-found', `no models/ folder found for the shipped model '${name}'`);
  const size = await stat(file).then((info) => (info.isFile() ? info.size : -1), () => undefined);
  if (size === undefined) return failure('model-not-found', `model file ${file} does not exist`);
  if (size < 0 || size > MAX_MODEL_BYTES) {
    return failure('invalid-model', `${file} is not a model file (${size < 0 ? 'not a regular file' : `${size} bytes`})`);
  }
  const bytes = new Uint8Array(await readFile(file));
  return ok({ model: { name, path: file, fingerprint: sha256(bytes) }, bytes });
}

/** The fingerprint an index records for a model file, without loading it into a session. */
export function modelFingerprint(file: string): string {
  return sha256(readFileSync(file));
}
