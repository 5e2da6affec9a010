#!/usr/bin/python3
"""SNIP's alignment step for formulas: fine-tunes a bitmap encoder (a train.py checkpoint, SEE or BEE) with
cross-modal symmetric InfoNCE against the frozen symbolic encoder's embedding of the same formula, so the
bitmap encoder inherits what the token model learned and the two embedding spaces become comparable.

Each step draws one formula from each of `--batch` distinct training documents (so in-batch negatives are
never the positive's own document); the bitmap of formula i must pick the symbolic embedding of formula i
among the batch's, and vice versa; the temperature is learned. The result is a train.py-format checkpoint
(best.pt / last.pt in --run, resumable), so `train.py evaluate` and `train.py export` take it as they take the
original: evaluate both side by side for the before/after figures.

Run with /usr/bin/python3, one thread (the machine is shared)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from data import DEFAULT_SPLIT, DataError, Documents, load_dataset, sample_pairs, to_input  # noqa: E402
from evaluate import evaluate_encoder, fixed_triples  # noqa: E402
from fitting import VALIDATION_TRIPLES, Log, Run, load_checkpoint  # noqa: E402
from losses import learned_log_scale, symmetric_info_nce  # noqa: E402
from symbolic import Corpus, model_from_checkpoint as symbolic_model  # noqa: E402
from train import model_from_checkpoint  # noqa: E402


def command_align(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    args.run.mkdir(parents=True, exist_ok=True)
    log = Log(args.run / 'train.log')
    corpus = Corpus(args)
    dataset = load_dataset(args.dataset)
    if len(dataset.rows) != len(corpus.rows) or any(
            (a['record'], a['formula']) != (b['record'], b['formula']) for a, b in zip(dataset.rows, corpus.rows)):
        raise DataError(f'{args.dataset} does not hold the corpus formulas in corpus order')
    train = Documents(dataset, corpus.split, 'train', include_degraded=True)
    validation = Documents(dataset, corpus.split, 'validation', include_degraded=True)
    validation_triples = fixed_triples(validation, args.validation_triples)

    symbolic_checkpoint = load_checkpoint(args.symbolic)
    symbolic = symbolic_model(symbolic_checkpoint)
    max_length = symbolic_checkpoint['config']['max_length']
    last = args.run / 'last.pt'
    start = load_checkpoint(last if last.exists() else args.bitmap)
    model = model_from_checkpoint(start).train()
    config = {**start['config'], 'aligned_from': str(args.bitmap), 'aligned_to': str(args.symbolic),
              'align_batch': args.batch, 'align_lr': args.lr, 'align_temperature': args.temperature}
    log_scale = learned_log_scale(args.temperature)
    optimizer = torch.optim.Adam(list(model.parameters()) + [log_scale], lr=args.lr)
    rng = np.random.default_rng(args.seed)
    # No history.jsonl: an alignment's points are in its checkpoints' progress.
    run = Run(args.run, config, model, optimizer, log_scale, rng, log, extra={'renderer': dataset.renderer}, history_file=False)
    run.resume()
    log(f'align {args.bitmap} ({config["arch"]}) to {args.symbolic}: train {len(train)} documents, batch {args.batch}')

    def step() -> tuple[torch.Tensor, int]:
        rows = sample_pairs(train, args.batch, rng)[:, 0]  # one formula per distinct document
        with torch.no_grad():
            targets = symbolic(corpus.tokens.batch(rows, max_length))
        return symmetric_info_nce(model(to_input(dataset.bitmaps, rows)), targets, log_scale), len(rows)

    def validate(_train_loss: float | None) -> bool:
        return run.record(evaluate_encoder(model, dataset.bitmaps, validation, validation_triples, queries=None))

    run.train(step, validate, lambda losses: f'cross-modal loss {losses[-1]:.4f}', minutes=args.minutes, steps=args.steps,
              validate_minutes=args.validate_minutes, log_every=args.log_every)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', type=Path, required=True, help='directory made by `formula-lens dataset`')
    parser.add_argument('--corpus', type=Path, required=True)
    parser.add_argument('--split', type=Path, default=DEFAULT_SPLIT)
    parser.add_argument('--cache', type=Path, help='the tokenized corpus cache of symbolic.py')
    parser.add_argument('--bitmap', type=Path, required=True, help='train.py checkpoint to start from')
    parser.add_argument('--symbolic', type=Path, required=True, help='symbolic.py checkpoint (frozen)')
    parser.add_argument('--run', type=Path, required=True)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--lr', type=float, default=1e-4, help='small: a fine-tune, not a new training')
    parser.add_argument('--temperature', type=float, default=0.5,
                        help='initial temperature: at 0.07 the unrelated spaces give a loss above ln(batch), and collapse is its nearest minimum')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--minutes', type=float)
    parser.add_argument('--steps', type=int)
    parser.add_argument('--validate-minutes', type=float, default=10.0)
    parser.add_argument('--validation-triples', type=int, default=VALIDATION_TRIPLES)
    parser.add_argument('--log-every', type=int, default=25)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    try:
        command_align(args)
    except DataError as error:
        raise SystemExit(f'symbolic_align.py: {error}')


if __name__ == '__main__':
    main(sys.argv[1:])
