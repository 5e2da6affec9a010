#!/usr/bin/python3
"""Fine-tunes a shipped SEE on the user's library (`formula-lens train`), with train.py's weak labels (weak_labels.py).

The starting weights come from the shipped ONNX file itself (its Conv and BatchNormalization
initializers, in graph order, mapped onto the PyTorch modules in definition order), so the product
needs no PyTorch checkpoint beside models/see.onnx. The run trains on the split's `train` papers,
evaluates the starting and the fine-tuned model on its `test` (held-out) papers with
training/evaluate.py, exports the new ONNX (parity-checked) and writes a JSON report.

Progress lines on stdout, for the caller to relay: `progress <fraction 0..1> <message>`.
SIGTERM or SIGINT cancels: exit code 130, nothing exported."""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))

from data import DataError, Documents, load_corpus, load_dataset, load_split, sample_pairs, to_input  # noqa: E402
from encoders import build  # noqa: E402
from export import ParityError  # noqa: E402
from evaluate import evaluate_encoder, fixed_queries, fixed_triples  # noqa: E402
from losses import learned_log_scale, optimizer_step, symmetric_info_nce  # noqa: E402
from onnx_weights import WeightError, load_onnx_weights  # noqa: E402
from weak_labels import weak_label_loss  # noqa: E402

CANCELLED = 130
HELD_OUT_TRIPLES = 2_000


def progress(fraction: float, message: str) -> None:
    print(f'progress {min(max(fraction, 0.0), 1.0):.4f} {message}', flush=True)


def fine_tune(step_loss: Callable[[], torch.Tensor], optimizer: torch.optim.Optimizer, log_scale: torch.Tensor,
              steps: int | None, seconds: float | None, bar: tuple[float, float], name: str) -> int:
    """Optimises `step_loss` until the step count or time budget is reached; returns the steps taken.
    Progress runs over `bar` (a part of the whole run's 0..1)."""
    started, step = time.time(), 0
    while True:
        loss = step_loss()
        optimizer_step(optimizer, loss, log_scale)
        step += 1
        elapsed = time.time() - started
        done = max(step / steps if steps is not None else 0.0, elapsed / seconds if seconds else 0.0)
        progress(bar[0] + (bar[1] - bar[0]) * done, f'{name}step {step}: loss {float(loss):.4f}')
        if (steps is not None and step >= steps) or (seconds is not None and elapsed >= seconds):
            return step


def export_checked(out: Path, write: Callable[[Path], float]) -> float:
    """Writes the model beside `out` with `write` (which exports and returns its parity) and renames it once
    checked: a cancelled or failed export leaves no model."""
    partial = out.with_name(out.name + '.partial')
    difference = write(partial)
    os.replace(partial, out)
    return difference


def better_than(finetuned: dict, default: dict) -> bool:
    return (finetuned['mAP'], -finetuned['ranking_loss']) > (default['mAP'], -default['ranking_loss'])


def fine_tune_symbolic(args: argparse.Namespace, base: nn.Module, config: dict, split: dict[str, str],
                       seconds: float | None, bar: tuple[float, float]) -> dict:
    """The symbolic encoder's part of the run, from `base` (read from --symbolic-init), on the same papers and
    held-out papers as the SEE's; the report's `symbolic`."""
    from symbolic import check_symbolic_parity, corpus_documents, corpus_rows, evaluate_symbolic, export_metadata, export_symbolic, FormulaTokens
    from export import fingerprint
    progress(bar[0] - 0.02, 'tokenizing the formulas for the symbolic encoder')
    records = load_corpus(args.corpus)
    rows = corpus_rows(records)
    tokens = FormulaTokens.of_corpus(records, rows, cache=None)
    train, held_out = corpus_documents(rows, split, 'train'), corpus_documents(rows, split, 'test')
    triples, queries = fixed_triples(held_out, HELD_OUT_TRIPLES), fixed_queries(held_out)
    max_length = base.max_length
    model = copy.deepcopy(base).train()
    sample = tokens.batch(np.arange(min(32, len(rows))), max_length)
    check_symbolic_parity(base, args.symbolic_init, sample)  # the weights were read back faithfully
    log_scale = learned_log_scale(args.symbolic_temperature)
    # AdamW with weight decay, as in symbolic.py fit.
    optimizer = torch.optim.AdamW(list(model.parameters()) + [log_scale], lr=args.symbolic_lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)

    def step_loss() -> torch.Tensor:
        pairs = sample_pairs(train, args.batch, rng)
        anchor, positive = model(tokens.batch(pairs.T.flatten(), max_length)).split(len(pairs))
        return symmetric_info_nce(anchor, positive, log_scale)

    steps = fine_tune(step_loss, optimizer, log_scale, args.steps, seconds, bar, 'symbolic ')
    progress(bar[1], 'evaluating the default and the fine-tuned symbolic encoder on the held-out papers')
    model.eval()
    measures = {name: evaluate_symbolic(encoder, tokens, held_out, triples, queries, max_length)
                for name, encoder in (('default', base), ('finetuned', model))}
    metadata = export_metadata(config, steps, finetuned_from=fingerprint(args.symbolic_init))

    progress(bar[1] + 0.02, f'exporting {args.symbolic_out}')

    def write(path: Path) -> float:
        export_symbolic(model, path, metadata)
        return check_symbolic_parity(model, path, sample)

    difference = export_checked(args.symbolic_out, write)
    return {'steps': steps, 'model': str(args.symbolic_out), 'fingerprint': fingerprint(args.symbolic_out),
            'parity': difference, 'better': better_than(measures['finetuned'], measures['default']),
            'default': measures['default'], 'finetuned': measures['finetuned']}


def command_run(args: argparse.Namespace) -> None:
    from export import check_parity, export_onnx, fingerprint  # onnx is needed anyway; keep imports together
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    started = time.time()
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
    symbolic = args.symbolic_init is not None
    if symbolic:
        from symbolic import symbolic_from_onnx
        symbolic_base, symbolic_config = symbolic_from_onnx(args.symbolic_init)  # a wrong file fails now, not after the SEE's training
    # The symbolic model learns far faster per second than the SEE: it gets a quarter of a time budget.
    see_seconds = args.minutes * 60 * (0.75 if symbolic else 1.0) if args.minutes is not None else None
    # Training is 90% of the bar (the SEE's share of it 60% when the symbolic model trains too).
    see_bar = (0.0, 0.6 if symbolic else 0.9)

    # The shipped SEE's objective (models/MODEL_CARD.md): the squared triplet loss collapses this network.
    log_scale = learned_log_scale(args.temperature)
    optimizer = torch.optim.Adam(list(model.parameters()) + [log_scale], lr=args.lr)
    rng = np.random.default_rng(args.seed)
    model.train()
    steps = fine_tune(lambda: weak_label_loss(model, dataset.bitmaps, train, 'infonce', args.batch, 0.0, log_scale, rng)[0],
                      optimizer, log_scale, args.steps, see_seconds, see_bar, '')

    progress(see_bar[1], 'evaluating the default and the fine-tuned SEE on the held-out papers')
    measures = {name: evaluate_encoder(encoder, dataset.bitmaps, held_out, triples, queries)
                for name, encoder in (('default', base), ('finetuned', model))}
    progress(see_bar[1] + 0.02, f'exporting {args.out}')
    model.eval()
    sample = to_input(dataset.bitmaps, np.arange(min(32, dataset.count)))

    def write(path: Path) -> float:
        export_onnx(model, path, {'architecture': 'see', 'finetuned_from': fingerprint(args.init),
                                  'steps': str(steps), 'renderer': dataset.renderer})
        return check_parity(model, path, sample)

    difference = export_checked(args.out, write)
    default, finetuned = measures['default'], measures['finetuned']
    report = {'steps': steps, 'model': str(args.out),
              'fingerprint': fingerprint(args.out), 'parity': difference, 'better': better_than(finetuned, default),
              'train': {'papers': len(train), 'formulas': train.formula_count},
              'heldOut': {'papers': len(held_out), 'formulas': held_out.formula_count,
                          'triples': len(triples), 'queries': len(queries)},
              'default': default, 'finetuned': finetuned}
    if symbolic:
        # Its share of the budget is for training, like the SEE's: evaluations and exports come on top.
        symbolic_seconds = args.minutes * 60 * 0.25 if args.minutes is not None else None
        report['symbolic'] = fine_tune_symbolic(args, symbolic_base, symbolic_config, split, symbolic_seconds, (0.65, 0.95))
    report['seconds'] = round(time.time() - started, 1)
    args.report.write_text(json.dumps(report, indent=1) + '\n')
    summary = f'done: held-out mAP {default["mAP"]:.4f} → {finetuned["mAP"]:.4f}'
    if symbolic:
        summary += f', symbolic {report["symbolic"]["default"]["mAP"]:.4f} → {report["symbolic"]["finetuned"]["mAP"]:.4f}'
    progress(1.0, summary)


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
    parser.add_argument('--symbolic-init', type=Path, help='also fine-tune this symbolic encoder .onnx (needs --corpus and --symbolic-out)')
    parser.add_argument('--symbolic-out', type=Path, help='the fine-tuned symbolic .onnx')
    parser.add_argument('--corpus', type=Path, help='the corpus the dataset was rendered from (the symbolic model reads its LaTeX)')
    parser.add_argument('--symbolic-lr', type=float, default=2e-4, help='a tenth of its training rate: keep what the corpus taught')
    parser.add_argument('--symbolic-temperature', type=float, default=0.09, help='initial InfoNCE temperature: where its training ended')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    if args.steps is None and args.minutes is None:
        parser.error('give --steps or --minutes')
    if args.symbolic_init and not (args.symbolic_out and args.corpus):
        parser.error('--symbolic-init needs --symbolic-out and --corpus')
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _number, _frame: sys.exit(CANCELLED))
    try:
        command_run(args)
    except (DataError, WeightError, ParityError) as error:
        raise SystemExit(f'finetune.py: {error}')


if __name__ == '__main__':
    main(sys.argv[1:])
