"""The SEE's weights read from an exported .onnx (its Conv and BatchNormalization initializers, in graph
order, onto the PyTorch modules in definition order): fine-tuning and `train.py fit --init` start from the
shipped model without a PyTorch checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn


class WeightError(Exception):
    """The ONNX file's layers do not match the PyTorch architecture."""


def onnx_layer_tensors(path: Path) -> list[tuple[str, list[np.ndarray]]]:
    """(op type, parameter tensors) of each Conv and BatchNormalization node, in graph order.
    Parameters are initializers, possibly behind Identity nodes (the exporter deduplicates equal tensors)."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(str(path)).graph
    tensors = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    for node in graph.node:
        if node.op_type == 'Identity' and node.input[0] in tensors:
            tensors[node.output[0]] = tensors[node.input[0]]
        elif node.op_type == 'Constant':
            tensors[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    layers = []
    for node in graph.node:
        if node.op_type in ('Conv', 'BatchNormalization'):
            missing = [name for name in node.input[1:] if name not in tensors]
            if missing:
                raise WeightError(f'{path}: {node.op_type} {node.name} computes its parameters {missing}')
            layers.append((node.op_type, [tensors[name] for name in node.input[1:]]))
    return layers


def load_onnx_weights(model: nn.Module, path: Path) -> None:
    """Copies the ONNX file's weights into `model` (same architecture, unfused batch norm)."""
    modules = [module for module in model.modules() if isinstance(module, (nn.Conv2d, nn.BatchNorm2d))]
    layers = onnx_layer_tensors(path)
    if len(layers) != len(modules):
        raise WeightError(f'{path} has {len(layers)} convolution/batch-norm layers, the SEE has {len(modules)}')
    with torch.no_grad():
        for module, (op_type, arrays) in zip(modules, layers):
            if isinstance(module, nn.Conv2d):
                targets = [module.weight] + ([module.bias] if module.bias is not None else [])
                expected = 'Conv'
            else:
                targets = [module.weight, module.bias, module.running_mean, module.running_var]
                expected = 'BatchNormalization'
            if op_type != expected or len(arrays) != len(targets):
                raise WeightError(f'{path}: expected {expected} with {len(targets)} parameters, found {op_type} with {len(arrays)}')
            for target, array in zip(targets, arrays):
                if tuple(array.shape) != tuple(target.shape):
                    raise WeightError(f'{path}: {op_type} parameter of shape {array.shape}, the SEE needs {tuple(target.shape)}')
                target.copy_(torch.tensor(array))
