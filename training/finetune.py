#!/usr/bin/python3
"""Fine-tunes a shipped SEE on the user's library (`formula-lens train`), with train.py's weak labels.

The starting weights come from the shipped ONNX file itself (its Conv and BatchNormalization
initializers, in graph order, mapped onto the PyTorch modules in definition order), so the product
needs no PyTorch checkpoint beside models/see.onnx. The run trains on the split's `train` papers,
evaluates the starting and the fine-tuned model on its `test` (held-out) papers with
training/evaluate.py, exports the new ONNX (parity-checked) and writes a JSON report.

Progress lines on stdout, for the caller to relay: `progress <fraction 0..1> <message>`.
SIGTERM or SIGINT cancels: exit code 130, nothing exported."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))

from data import DataError, Documents, load_dataset, load_split, to_input  # noqa: E402
from encoders import build  # noqa: E402
from evaluate import evaluate_encoder, fixed_queries, fixed_triples  # noqa: E402
from losses import learned_log_scale, optimizer_step  # noqa: E402
from train import weak_label_loss  # noqa: E402

CANCELLED = 130
HELD_OUT_TRIPLES = 2_000


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


def progress(fraction: float, message: str) -> None:
    print(f'progress {min(max(fraction, 0.0), 1.0):.4f} {message}', flush=True)


def command_run(args: argparse.Namespace) -> None:
    from export import check_parity, export_onnx, fingerprint  # onnx is needed anyway; keep imports together
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dataset = load_dataset(args.dataset)
    split = load_split(args.split)
    train = Documents(dataset, split, 'train', include_degraded=True)
    held_out = Documents(dataset, split, 'test', include_degraded=True)
    triples = fixed_triples(held_out, HELD_OUT_TRIPLES)
    queries = fixed_queries(held_out)

    base = build('see')
    load_onnx_weights(base, args.init)
    model = build('see')
    model.load_state_dict(base.state_dict())
    model = model.to(memory_format=torch.channels_last)
    progress(0.0, f'fine-tuning on {len(train)} papers ({train.formula_count} formulas), '
                  f'{len(held_out)} held out ({held_out.formula_count} formulas)')

    # The shipped SEE's objective (models/MODEL_CARD.md): the squared triplet loss collapses this network.
    log_scale = learned_log_scale(args.temperature)
    optimizer = torch.optim.Adam(list(model.parameters()) + [log_scale], lr=args.lr)
    rng = np.random.default_rng(args.seed)
    started = time.time()
    budget = args.minutes * 60 if args.minutes is not None else None
    step = 0
    model.train()
    while True:
        loss, _ = weak_label_loss(model, dataset.bitmaps, train, 'infonce', args.batch, 0.0, log_scale, rng)
        optimizer_step(optimizer, loss, log_scale)
        step += 1
        elapsed = time.time() - started
        by_steps = step / args.steps if args.steps is not None else 0.0
        by_time = elapsed / budget if budget else 0.0
        # Training is 90% of the bar; evaluation and export the rest.
        progress(0.9 * max(by_steps, by_time), f'step {step}: loss {float(loss):.4f}')
        if (args.steps is not None and step >= args.steps) or (budget is not None and elapsed >= budget):
            break

    progress(0.9, 'evaluating the default and the fine-tuned model on the held-out papers')
    measures = {name: evaluate_encoder(encoder, dataset.bitmaps, held_out, triples, queries)
                for name, encoder in (('default', base), ('finetuned', model))}
    progress(0.95, f'exporting {args.out}')
    model.eval()
    # Written beside the target and renamed once checked: a cancelled or failed export leaves no model.
    partial = args.out.with_name(args.out.name + '.partial')
    export_onnx(model, partial, {'architecture': 'see', 'finetuned_from': fingerprint(args.init),
                                 'steps': str(step), 'renderer': dataset.renderer})
    sample = to_input(dataset.bitmaps, np.arange(min(32, dataset.count)))
    difference = check_parity(model, partial, sample)
    os.replace(partial, args.out)
    default, finetuned = measures['default'], measures['finetuned']
    better = (finetuned['mAP'], -finetuned['ranking_loss']) > (default['mAP'], -default['ranking_loss'])
    report = {'steps': step, 'seconds': round(time.time() - started, 1), 'model': str(args.out),
              'fingerprint': fingerprint(args.out), 'parity': difference, 'better': better,
              'train': {'papers': len(train), 'formulas': train.formula_count},
              'heldOut': {'papers': len(held_out), 'formulas': held_out.formula_count,
                          'triples': len(triples), 'queries': len(queries)},
              'default': default, 'finetuned': finetuned}
    args.report.write_text(json.dumps(report, indent=1) + '\n')
    progress(1.0, f'done: held-out mAP {default["mAP"]:.4f} → {finetuned["mAP"]:.4f}')


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', type=Path, required=True, help='directory made by the dataset exporter')
    parser.add_argument('--split', type=Path, required=True, help='split.json with train and test (held-out) sources')
    parser.add_argument('--init', type=Path, required=True, help='the SEE .onnx to start from')
    parser.add_argument('--out', type=Path, required=True, help='the fine-tuned .onnx')
    parser.add_argument('--report', type=Path, required=True, help='JSON report of the held-out measures')
    parser.add_argument('--steps', type=int, help='stop after this many steps')
    parser.add_argument('--minutes', type=float, help='stop after this wall-clock budget')
    parser.add_argument('--batch', type=int, default=32, help='pairs per step, from distinct papers (in-batch negatives)')
    parser.add_argument('--lr', type=float, default=1e-4, help='lower than from scratch: keep what the corpus taught')
    parser.add_argument('--temperature', type=float, default=0.5, help='initial InfoNCE temperature, as in training')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    if args.steps is None and args.minutes is None:
        parser.error('give --steps or --minutes')
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _number, _frame: sys.exit(CANCELLED))
    try:
        command_run(args)
    except (DataError, WeightError) as error:
        raise SystemExit(f'finetune.py: {error}')


if __name__ == '__main__':
    main(sys.argv[1:])
