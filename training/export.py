"""ONNX export of a trained encoder, checked against PyTorch with the runtime the product uses
(onnxruntime-node, through training/onnx_parity.mjs): Debian's Python has no onnxruntime."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from encoders import HEIGHT, WIDTH, DIMENSION

OPSET = 17
PARITY_TOLERANCE = 1e-4
PARITY_SCRIPT = Path(__file__).with_name('onnx_parity.mjs')
# The product runs these scripts from its engine, whose runtime may be VS Code's (Electron as Node, with
# ELECTRON_RUN_AS_NODE inherited) on a machine without `node` on PATH: it passes its own executable.
NODE = os.environ.get('FORMULA_LENS_NODE') or 'node'


class ParityError(Exception):
    """The exported model's embeddings differ from PyTorch's."""


def export_onnx(model: nn.Module, path: Path, metadata: dict[str, str]) -> None:
    """Writes `bitmaps` float32 [N, 1, 32, 333] → `embeddings` float32 [N, 64], N dynamic."""
    model = model.eval().to(memory_format=torch.contiguous_format)
    example = torch.zeros(2, 1, HEIGHT, WIDTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    # torch 1.13 warns about constants it cannot shape-infer; the checker and the parity test cover the graph.
    warnings.filterwarnings('ignore', message='The shape inference of prim::Constant')
    torch.onnx.export(
        model, example, str(path), input_names=['bitmaps'], output_names=['embeddings'],
        dynamic_axes={'bitmaps': {0: 'batch'}, 'embeddings': {0: 'batch'}},
        opset_version=OPSET, do_constant_folding=True,
    )
    exported = onnx.load(str(path))
    onnx.checker.check_model(exported)
    for key, value in sorted(metadata.items()):
        exported.metadata_props.add(key=key, value=value)
    onnx.save(exported, str(path))


def check_parity(model: nn.Module, path: Path, bitmaps: torch.Tensor) -> float:
    """Max |PyTorch − onnxruntime-node| over the embeddings of `bitmaps` [n, 1, 32, 333]; raises above tolerance."""
    model = model.eval()
    with torch.no_grad():
        expected = model(bitmaps.contiguous()).numpy()
    with tempfile.TemporaryDirectory() as scratch:
        inputs, outputs = Path(scratch, 'in.f32'), Path(scratch, 'out.f32')
        bitmaps.contiguous().numpy().astype('<f4').tofile(inputs)
        subprocess.run([NODE, str(PARITY_SCRIPT), str(path), str(inputs), str(len(bitmaps)), str(outputs)],
                       check=True, cwd=PARITY_SCRIPT.parent.parent)
        actual = np.fromfile(outputs, dtype='<f4').reshape(len(bitmaps), DIMENSION)
    difference = float(np.abs(actual - expected).max())
    if not difference < PARITY_TOLERANCE:
        raise ParityError(f'{path}: max abs difference {difference:.2e} to PyTorch exceeds {PARITY_TOLERANCE}')
    return difference


def fingerprint(path: Path) -> str:
    """sha256 of the file bytes: the model identity that indexes record."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
