// Shared by the custom-training tests: a small generated library and a freshly exported SEE to start from.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';

export const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
export const noTorchReason: string | false = hasTorch ? false : `${python} lacks torch/onnx (CI installs python3-torch python3-onnx)`;

/** Six papers of six formulas each, every paper written around its own symbol: formulas of one paper look alike. */
export function writeLibrary(folder: string): void {
  const symbols = ['\\alpha', '\\beta', '\\Gamma', '\\sum_{k=1}^{n}', '\\int_0^1', '\\prod_{j}'];
  symbols.forEach((symbol, paper) => {
    const formulas = Array.from(
      { length: 6 },
      (_, j) => `\\begin{equation} ${symbol} x_{${j}} + ${symbol} y^{${j + 1}} = ${symbol} \\frac{${j + 2}}{z} \\end{equation}`,
    );
    mkdirSync(path.join(folder, `paper${paper}`), { recursive: true });
    writeFileSync(
      path.join(folder, `paper${paper}`, 'main.tex'),
      `\\documentclass{article}\\title{Paper ${paper}}\n\\begin{document}\n\\section{Main}\n${formulas.join('\n')}\n\\end{document}\n`,
    );
  });
}

/**
 * Exports a freshly initialised SEE (batch-norm statistics and biases moved off their defaults, so every
 * weight counts) to `out`, reads it back with onnx_weights.py's loader, and returns the largest embedding
 * difference between the two models.
 */
export function exportFreshSee(out: string): number {
  const script = `
import sys, torch
from pathlib import Path
sys.path.insert(0, 'training')
from encoders import build
from export import export_onnx
from onnx_weights import load_onnx_weights
torch.manual_seed(3)
model = build('see')
with torch.no_grad():
    for tensor in model.state_dict().values():
        if tensor.dtype.is_floating_point:
            tensor.add_(torch.rand_like(tensor) * 0.1)
model.eval()
export_onnx(model, Path(sys.argv[1]), {})
loaded = build('see')
load_onnx_weights(loaded, Path(sys.argv[1]))
loaded.eval()
bitmaps = (torch.rand(4, 1, 32, 333) > 0.9).float()
print(float((model(bitmaps) - loaded(bitmaps)).abs().max()))
`;
  return Number(execFileSync(python, ['-c', script, out], { cwd: repoRoot, encoding: 'utf8' }).trim());
}
