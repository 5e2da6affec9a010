// Running the Python training scripts from tests: Debian's interpreter, a skip reason when it lacks PyTorch
// (CI installs python3-torch python3-onnx), and a runner that fails the test with the script's output.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths';

export const python = '/usr/bin/python3';

const hasTorchAndOnnx = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;

/** `false` when the training scripts can run here, else why a test skips. */
export const trainingSkip: false | string = hasTorchAndOnnx ? false : `${python} lacks torch/onnx (CI installs python3-torch python3-onnx)`;

const run = promisify(execFile);

/** Runs training/<name> with `args` from the repository root and returns its stdout. */
export async function trainingScript(name: string, ...args: string[]): Promise<string> {
  const result = await run(python, [path.join(repoRoot, 'training', name), ...args], { cwd: repoRoot }).catch(
    (error: { stdout: string; stderr: string }) => assert.fail(`${name} ${args[0]} failed:\n${error.stdout}\n${error.stderr}`),
  );
  return result.stdout;
}
