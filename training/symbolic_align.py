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
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from data import DataError, Documents, load_dataset, sample_pairs, to_input  # noqa: E402
from evaluate import evaluate_encoder, fixed_triples  # noqa: E402
from losses import learned_log_scale, optimizer_step, symmetric_info_nce  # noqa: E402
from symbolic import Corpus, load_checkpoint as load_symbolic, model_from_checkpoint as symbolic_model  # noqa: E402
from train import DEFAULT_SPLIT, VALIDATION_TRIPLES, Log, load_checkpoint, model_from_checkpoint, save_atomically  # noqa: E402


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

    symbolic_checkpoint = load_symbolic(args.symbolic)
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
    progress = {'step': 0, 'samples': 0, 'cpu_seconds': 0.0, 'wall_seconds': 0.0, 'history': [], 'best': None}
    if last.exists():
        if start['config'] != config:
            raise SystemExit(f'{last} was aligned with {start["config"]}, not {config}; use another --run')
        optimizer.load_state_dict(start['optimizer'])
        log_scale.data.copy_(start['log_scale'])
        rng.bit_generator.state = start['rng']
        torch.set_rng_state(start['torch_rng'])
        progress = start['progress']
        log(f'resumed from {last} at step {progress["step"]}')
    log(f'align {args.bitmap} ({config["arch"]}) to {args.symbolic}: train {len(train)} documents, batch {args.batch}')

    def state() -> dict:
        return {'config': config, 'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                'log_scale': log_scale.detach().clone(), 'rng': rng.bit_generator.state,
                'torch_rng': torch.get_rng_state(), 'progress': progress, 'renderer': dataset.renderer}

    def validate() -> None:
        measures = evaluate_encoder(model, dataset.bitmaps, validation, validation_triples, queries=None)
        point = {'step': progress['step'], **{f'validation_{k}': v for k, v in measures.items()}}
        progress['history'].append(point)
        improved = progress['best'] is None or point['validation_ranking_loss'] < progress['best']['validation_ranking_loss']
        if improved:
            progress['best'] = point
            save_atomically(state(), args.run / 'best.pt')
        save_atomically(state(), last)
        log(f'validate step {point["step"]}: ranking loss {point["validation_ranking_loss"]:.4f}{" best" if improved else ""}')

    if not progress['history']:
        validate()
    started, since_validation = time.time(), time.time()
    while True:
        wall, cpu = time.time(), time.process_time()
        rows = sample_pairs(train, args.batch, rng)[:, 0]  # one formula per distinct document
        with torch.no_grad():
            targets = symbolic(corpus.tokens.batch(rows, max_length))
        loss = symmetric_info_nce(model(to_input(dataset.bitmaps, rows)), targets, log_scale)
        optimizer_step(optimizer, loss, log_scale)
        progress['step'] += 1
        progress['samples'] += len(rows)
        progress['cpu_seconds'] += time.process_time() - cpu
        progress['wall_seconds'] += time.time() - wall
        if progress['step'] % args.log_every == 0:
            log(f'step {progress["step"]}: cross-modal loss {float(loss):.4f}')
        out_of_time = args.minutes is not None and time.time() - started >= args.minutes * 60
        out_of_steps = args.steps is not None and progress['step'] >= args.steps
        if time.time() - since_validation >= args.validate_minutes * 60 or out_of_time or out_of_steps:
            validate()
            since_validation = time.time()
        if out_of_time or out_of_steps:
            break


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
