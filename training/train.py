#!/usr/bin/python3
"""Trains, evaluates and exports the equation encoders (SEE and BEE, Schill 2020) on the rendered corpus.

  split      make the source split (models/split.json), once
  fit        train one encoder; checkpoints and log in --run, resumes from --run/last.pt
  evaluate   test-split measures of checkpoints beside an untrained twin and the TF-IDF baseline
  export     ONNX export of a checkpoint, with a parity check against PyTorch
  benchmark  PyTorch inference and training speed on this CPU (JSON, read by bench/encode.bench.ts)
  curve      a run's validation curve (history.jsonl) as a Markdown table, for the model card

Run with /usr/bin/python3 (Debian's PyTorch 1.13 and onnx). See models/MODEL_CARD.md for the
commands that made the shipped models."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))

from data import SPLITS, DataError, Documents, load_corpus, load_dataset, load_split, make_split, sample_pairs, sample_triples, to_input  # noqa: E402
from encoders import ARCHITECTURES, HEIGHT, WIDTH, build, parameter_count  # noqa: E402
from evaluate import TfidfBaseline, corpus_tokens, evaluate_encoder, fixed_queries, fixed_triples  # noqa: E402
from losses import learned_log_scale, optimizer_step, squared_triplet_loss, symmetric_info_nce  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SPLIT = REPO / 'models' / 'split.json'
VALIDATION_TRIPLES = 3_000
INITIAL_TEMPERATURE = 0.07  # CLIP's and SNIP's starting temperature; the scale is learned
# Bitmap encoders collapse from 0.07 (MODEL_CARD.md, "Triplet loss against InfoNCE") and learn fastest from 0.5.
BITMAP_INITIAL_TEMPERATURE = 0.5


class Log:
    """Lines to stdout and, when a run directory is given, appended to its train.log."""

    def __init__(self, path: Path | None = None):
        self.file = open(path, 'a', encoding='utf8') if path else None

    def __call__(self, message: str) -> None:
        line = f'{time.strftime("%Y-%m-%d %H:%M:%S")} {message}'
        print(line, flush=True)
        if self.file:
            self.file.write(line + '\n')
            self.file.flush()


def command_split(args: argparse.Namespace) -> None:
    corpus = load_corpus(args.corpus)
    split = make_split(corpus, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(split, indent=1) + '\n')
    formulas = {}
    for record in corpus.values():
        formulas[record['source']] = formulas.get(record['source'], 0) + len(record['formulas'])
    for name in SPLITS:
        print(f'{name}: {len(split[name])} sources, {sum(formulas[s] for s in split[name])} formulas')


def load_checkpoint(path: Path) -> dict:
    return torch.load(path, map_location='cpu')


def model_from_checkpoint(checkpoint: dict) -> nn.Module:
    model = build(checkpoint['config']['arch'])
    model.load_state_dict(checkpoint['model'])
    return model.eval()


def save_atomically(state: dict, path: Path) -> None:
    """A checkpoint is never half-written: a killed run leaves the previous one intact."""
    temporary = path.with_suffix('.tmp')
    torch.save(state, temporary)
    os.replace(temporary, path)


def initialise(model: nn.Module, path: Path) -> None:
    """Starts a run from trained weights: a shipped .onnx (the learned temperature is not in it, so it restarts
    at --temperature) or a train.py checkpoint of the same architecture."""
    if path.suffix == '.onnx':
        from finetune import load_onnx_weights  # imports this module; loaded only when needed
        load_onnx_weights(model, path)
    else:
        model.load_state_dict(load_checkpoint(path)['model'])


def shifted(inputs: torch.Tensor, most: int, rng: np.random.Generator) -> torch.Tensor:
    """Each bitmap moved by its own random whole-pixel offset, up to `most` columns left or right and a fifth
    of that up or down, paper filling the edge: views of a formula the centred renderer never draws, so the
    encoder cannot match training formulas by their exact pixel positions."""
    if most <= 0:
        return inputs
    height, width = inputs.shape[2], inputs.shape[3]
    vertical = most // 5
    padded = torch.nn.functional.pad(inputs, (most, most, vertical, vertical))
    columns = rng.integers(-most, most + 1, size=len(inputs))
    rows = rng.integers(-vertical, vertical + 1, size=len(inputs))
    views = [padded[i, :, vertical + dy:vertical + dy + height, most + dx:most + dx + width]
             for i, (dx, dy) in enumerate(zip(columns, rows))]
    return torch.stack(views).contiguous(memory_format=torch.channels_last)


def weak_label_loss(model: nn.Module, bitmaps: torch.Tensor, documents: Documents, loss: str, batch: int,
                    margin: float, log_scale: torch.Tensor, rng: np.random.Generator, shift: int = 0) -> tuple[torch.Tensor, int]:
    """The loss of one batch of fresh weakly labelled samples (triples, or InfoNCE pairs from distinct
    documents), and how many samples it drew."""
    if loss == 'triplet':
        rows = sample_triples(documents, batch, rng)
        anchor, positive, negative = model(shifted(to_input(bitmaps, rows.T), shift, rng)).split(batch)
        return squared_triplet_loss(anchor, positive, negative, margin), len(rows)
    rows = sample_pairs(documents, batch, rng)
    anchor, positive = model(shifted(to_input(bitmaps, rows.T), shift, rng)).split(len(rows))
    return symmetric_info_nce(anchor, positive, log_scale), len(rows)


# fit options (and their unset values) that runs begun before them do not record.
LATER_OPTIONS = {'document_weights': 'uniform', 'same_source_share': 0.0, 'cosine_steps': None, 'display_only': False,
                 'validate_display_only': False, 'validation_triples': VALIDATION_TRIPLES, 'shift_pixels': 0}


def cosine_rate(peak: float, step: int, steps: int) -> float:
    """The learning rate at `step` of a cosine decay from `peak` to 0 over `steps`."""
    return peak * 0.5 * (1 + math.cos(math.pi * min(step, steps) / steps))


def command_fit(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    args.run.mkdir(parents=True, exist_ok=True)
    log = Log(args.run / 'train.log')
    config = {key: getattr(args, key) for key in ('arch', 'loss', 'batch', 'lr', 'margin', 'temperature', 'seed', 'exclude_degraded')}
    if args.init:
        config['init'] = str(args.init)
    # Options added after the first runs enter the config only when set, so that those runs still resume.
    config.update({key: value for key, unset in LATER_OPTIONS.items() if (value := getattr(args, key)) != unset})
    dataset = load_dataset(args.dataset)
    split = load_split(args.split)
    train = Documents(dataset, split, 'train', include_degraded=not args.exclude_degraded, display_only=args.display_only)
    if args.document_weights == 'source':
        train.weigh_by_source()
    train.same_source_share = args.same_source_share
    # A run validates on one fixed set for its whole life, even when it resumes on a larger dataset.
    validation_data = load_dataset(args.validation_dataset) if args.validation_dataset else dataset
    validation = Documents(validation_data, split, 'validation', include_degraded=True, display_only=args.validate_display_only)
    validation_triples = fixed_triples(validation, args.validation_triples)

    torch.manual_seed(args.seed)
    model = build(args.arch)
    if args.init:
        initialise(model, args.init)
    model = model.to(memory_format=torch.channels_last)
    log_scale = learned_log_scale(args.temperature)
    parameters = list(model.parameters()) + ([log_scale] if args.loss == 'infonce' else [])
    optimizer = torch.optim.Adam(parameters, lr=args.lr)
    rng = np.random.default_rng(args.seed)
    progress = {'step': 0, 'samples': 0, 'cpu_seconds': 0.0, 'wall_seconds': 0.0, 'history': [], 'best': None}

    last = args.run / 'last.pt'
    if last.exists():
        checkpoint = load_checkpoint(last)
        if checkpoint['config'] != config:
            raise SystemExit(f'{last} was trained with {checkpoint["config"]}, not {config}; use another --run')
        model.load_state_dict(checkpoint['model'])
        optimizer.load_state_dict(checkpoint['optimizer'])
        log_scale.data.copy_(checkpoint['log_scale'])
        rng.bit_generator.state = checkpoint['rng']
        torch.set_rng_state(checkpoint['torch_rng'])
        progress = checkpoint['progress']
        log(f'resumed from {last} at step {progress["step"]} ({progress["cpu_seconds"] / 3600:.2f} CPU h)')
    log(f'fit {config}: {parameter_count(model)} parameters, {args.threads} threads; '
        f'train {len(train)} documents / {train.formula_count} formulas, '
        f'validation {len(validation)} / {validation.formula_count}; renderer {dataset.renderer}')

    def checkpoint_state() -> dict:
        return {'config': config, 'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                'log_scale': log_scale.detach().clone(), 'rng': rng.bit_generator.state,
                'torch_rng': torch.get_rng_state(), 'progress': progress, 'renderer': dataset.renderer}

    def validate(train_loss: float | None) -> bool:
        """Appends a history point; saves best.pt when the validation ranking loss improved."""
        measures = evaluate_encoder(model, validation_data.bitmaps, validation, validation_triples, queries=None)
        point = {'step': progress['step'], 'samples': progress['samples'],
                 'cpu_hours': progress['cpu_seconds'] / 3600, 'wall_hours': progress['wall_seconds'] / 3600,
                 'train_loss': train_loss, **{f'validation_{k}': v for k, v in measures.items()}}
        progress['history'].append(point)
        with open(args.run / 'history.jsonl', 'a', encoding='utf8') as history:
            history.write(json.dumps(point) + '\n')
        improved = progress['best'] is None or point['validation_ranking_loss'] < progress['best']['validation_ranking_loss']
        if improved:
            progress['best'] = point
            save_atomically(checkpoint_state(), args.run / 'best.pt')
        save_atomically(checkpoint_state(), last)
        log(f'validate step {point["step"]}: ranking loss {point["validation_ranking_loss"]:.4f}, '
            f'constant margin {point["validation_constant_margin_loss"]:.4f} '
            f'({point["cpu_hours"]:.3f} CPU h){" best" if improved else ""}')
        return improved

    if not progress['history']:
        validate(None)
    # SIGTERM/SIGINT end the run after the current step, with a validation and a checkpoint.
    stop_requested: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stop_requested.append(number))
    started = time.time()
    since_validation, losses, stale = time.time(), [], 0
    # A cosine schedule ends the run where its rate reaches 0.
    last_step = min((step for step in (args.steps, args.cosine_steps) if step is not None), default=None)
    model.train()
    while True:
        wall, cpu = time.time(), time.process_time()
        if args.cosine_steps:
            # Stateless in the step count, so a resumed run continues the same schedule.
            for group in optimizer.param_groups:
                group['lr'] = cosine_rate(args.lr, progress['step'], args.cosine_steps)
        loss, samples = weak_label_loss(model, dataset.bitmaps, train, args.loss, args.batch, args.margin, log_scale, rng,
                                        args.shift_pixels)
        optimizer_step(optimizer, loss, log_scale)
        progress['step'] += 1
        progress['samples'] += samples
        progress['cpu_seconds'] += time.process_time() - cpu
        progress['wall_seconds'] += time.time() - wall
        losses.append(float(loss))
        if progress['step'] % args.log_every == 0:
            log(f'step {progress["step"]}: loss {np.mean(losses[-args.log_every:]):.4f}, '
                f'{progress["samples"] / progress["wall_seconds"]:.1f} samples/s overall')
        out_of_time = args.minutes is not None and time.time() - started >= args.minutes * 60
        out_of_steps = last_step is not None and progress['step'] >= last_step
        interrupted = bool(stop_requested)
        if time.time() - since_validation >= args.validate_minutes * 60 or out_of_time or out_of_steps or interrupted:
            stale = 0 if validate(float(np.mean(losses))) else stale + 1
            since_validation, losses = time.time(), []
            if stale >= args.patience:
                log(f'stopping: no validation improvement in {args.patience} validations (plateau)')
                break
        if out_of_time or out_of_steps or interrupted:
            log('stopping: ' + ('signal received' if interrupted else 'time budget spent' if out_of_time else 'step budget spent'))
            break


def command_evaluate(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    dataset = load_dataset(args.dataset)
    corpus = load_corpus(args.corpus)
    test = Documents(dataset, load_split(args.split), args.on, include_degraded=True, display_only=args.display_only)
    triples, queries = fixed_triples(test), fixed_queries(test)
    results: dict[str, dict] = {}
    for spec in args.checkpoint:
        name, _, path = spec.partition('=')
        checkpoint = load_checkpoint(Path(path))
        arch = checkpoint['config']['arch']
        results[name] = {'checkpoint': path, 'progress': {k: v for k, v in checkpoint['progress'].items() if k != 'history'},
                         **evaluate_encoder(model_from_checkpoint(checkpoint), dataset.bitmaps, test, triples, queries)}
        if f'untrained {arch}' not in results:  # one twin per architecture: same seed, same network
            torch.manual_seed(args.seed)
            results[f'untrained {arch}'] = evaluate_encoder(build(arch), dataset.bitmaps, test, triples, queries)
    results['TF-IDF'] = TfidfBaseline(corpus_tokens(dataset.rows, corpus), test).evaluate(test, triples, queries)
    report = {'split': args.on, 'display_only': args.display_only, 'documents': len(test), 'formulas': test.formula_count,
              'triples': len(triples), 'queries': len(queries), 'renderer': dataset.renderer, 'results': results}
    print(f'{args.on} split{" (display formulas)" if args.display_only else ""}: {len(test)} documents, {test.formula_count} formulas; '
          f'{len(triples)} triples, {len(queries)} retrieval queries')
    print(f'{"model":24} {"ranking loss":>12} {"const margin":>12} {"mAP":>8} {"P@10":>8}')
    for name, measures in results.items():
        print(f'{name:24} {measures["ranking_loss"]:12.4f} {measures["constant_margin_loss"]:12.4f} '
              f'{measures["mAP"]:8.4f} {measures["P@10"]:8.4f}')
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + '\n')


def command_export(args: argparse.Namespace) -> None:
    from export import check_parity, export_onnx, fingerprint  # onnx loads only for exports
    checkpoint = load_checkpoint(args.checkpoint)
    model = model_from_checkpoint(checkpoint)
    progress = checkpoint['progress']
    metadata = {'architecture': checkpoint['config']['arch'], 'loss': checkpoint['config']['loss'],
                'steps': str(progress['step']), 'samples': str(progress['samples']),
                'cpu_hours': f'{progress["cpu_seconds"] / 3600:.3f}', 'renderer': checkpoint['renderer']}
    export_onnx(model, args.out, metadata)
    if args.dataset:
        dataset = load_dataset(args.dataset)
        rows = np.random.default_rng(0).choice(dataset.count, size=min(64, dataset.count), replace=False)
        sample = to_input(dataset.bitmaps, rows)
    else:
        sample = (torch.rand(16, 1, HEIGHT, WIDTH) > 0.9).float()
    difference = check_parity(model, args.out, sample)
    print(f'{args.out}: parity with PyTorch on {len(sample)} bitmaps, max abs difference {difference:.2e}; '
          f'sha256 {fingerprint(args.out)}')


def command_benchmark(args: argparse.Namespace) -> None:
    """Wall-clock speed of the PyTorch model on random ink: inference per batch size, batch-1 latency, training."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(args.arch).to(memory_format=torch.channels_last).eval()

    def bitmaps(count: int) -> torch.Tensor:
        return (torch.rand(count, 1, HEIGHT, WIDTH) > 0.9).float().contiguous(memory_format=torch.channels_last)

    report: dict = {'arch': args.arch, 'threads': args.threads, 'inference_per_second': {}}
    with torch.no_grad():
        for batch in (1, 32, 256):
            inputs = bitmaps(batch)
            model(inputs)  # warm-up
            repeats, started = 0, time.perf_counter()
            while repeats == 0 or time.perf_counter() - started < args.seconds:
                model(inputs)
                repeats += 1
            report['inference_per_second'][str(batch)] = batch * repeats / (time.perf_counter() - started)
        single, latencies = bitmaps(1), []
        for _ in range(100):
            started = time.perf_counter()
            model(single)
            latencies.append((time.perf_counter() - started) * 1000)
        report['latency_ms'] = {'p50': float(np.percentile(latencies, 50)), 'p95': float(np.percentile(latencies, 95))}
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    triples, steps, started = 100, 0, time.perf_counter()
    inputs = bitmaps(3 * triples)
    while steps == 0 or time.perf_counter() - started < args.seconds:
        anchor, positive, negative = model(inputs).split(triples)
        loss = squared_triplet_loss(anchor, positive, negative)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        steps += 1
    report['training_triples_per_second'] = steps * triples / (time.perf_counter() - started)
    print(json.dumps(report))


def command_curve(args: argparse.Namespace) -> None:
    print('| run | step | samples | CPU h | wall h | validation ranking loss | validation constant margin |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for spec in args.run:
        name, _, directory = spec.partition('=')
        with open(Path(directory) / 'history.jsonl', encoding='utf8') as lines:
            for point in (json.loads(line) for line in lines if line.strip()):
                print(f'| {name} | {point["step"]} | {point["samples"]} | {point["cpu_hours"]:.3f} | {point["wall_hours"]:.3f} | '
                      f'{point["validation_ranking_loss"]:.4f} | {point["validation_constant_margin_loss"]:.4f} |')


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)

    def data_options(command: argparse.ArgumentParser, corpus: bool) -> None:
        command.add_argument('--dataset', type=Path, required=True, help='directory made by `formula-lens dataset`')
        if corpus:
            command.add_argument('--corpus', type=Path, required=True, help='papers.jsonl')
        command.add_argument('--split', type=Path, default=DEFAULT_SPLIT)
        command.add_argument('--threads', type=int, default=2)

    split = commands.add_parser('split', help='make the source split')
    split.add_argument('--corpus', type=Path, required=True)
    split.add_argument('--seed', type=int, default=2020)
    split.add_argument('--out', type=Path, default=DEFAULT_SPLIT)

    fit = commands.add_parser('fit', help='train an encoder (resumes from --run/last.pt)')
    data_options(fit, corpus=False)
    fit.add_argument('--arch', choices=sorted(ARCHITECTURES), default='see')
    fit.add_argument('--loss', choices=['triplet', 'infonce'], default='triplet')
    fit.add_argument('--run', type=Path, required=True, help='checkpoints, train.log and history.jsonl go here')
    fit.add_argument('--validation-dataset', type=Path,
                     help='validate on this dataset (e.g. a rendered sample of validation records) instead of --dataset')
    fit.add_argument('--batch', type=int, default=100, help='triples (or InfoNCE pairs) per step')
    fit.add_argument('--lr', type=float, default=1e-3)
    fit.add_argument('--margin', type=float, default=1.0)
    fit.add_argument('--temperature', type=float, default=BITMAP_INITIAL_TEMPERATURE,
                     help='initial InfoNCE temperature (learned from there)')
    fit.add_argument('--seed', type=int, default=0)
    fit.add_argument('--init', type=Path, help='start from these weights (.onnx, or a checkpoint .pt) instead of a random initialisation')
    fit.add_argument('--document-weights', choices=['uniform', 'source'], default='uniform',
                     help='draw training documents uniformly (the thesis) or ∝ 1/√(documents of their source)')
    fit.add_argument('--same-source-share', type=float, default=0.0,
                     help='InfoNCE: this share of a batch\'s documents comes from as few sources as it fills (hard negatives)')
    fit.add_argument('--cosine-steps', type=int,
                     help='decay the learning rate from --lr to 0 over this many steps (a cosine), and stop there')
    fit.add_argument('--display-only', action='store_true', help='train on display formulas only (validation keeps all, unless --validate-display-only)')
    fit.add_argument('--validate-display-only', action='store_true',
                     help='validate on the validation split\'s display formulas only (the split evaluate --display-only scores)')
    fit.add_argument('--validation-triples', type=int, default=VALIDATION_TRIPLES,
                     help='fixed validation triples (more give a smaller standard error and cost a longer validation)')
    fit.add_argument('--shift-pixels', type=int, default=0,
                     help='augment: move each training bitmap by up to this many columns (and a fifth as many rows)')
    fit.add_argument('--exclude-degraded', action='store_true',
                     help='skip degraded renders (by default they train too: the product embeds them as well)')
    fit.add_argument('--minutes', type=float, help='wall-clock budget of this invocation')
    fit.add_argument('--steps', type=int, help='stop at this total step count')
    fit.add_argument('--validate-minutes', type=float, default=10.0)
    fit.add_argument('--patience', type=int, default=6, help='validations without improvement before stopping')
    fit.add_argument('--log-every', type=int, default=50)

    evaluate = commands.add_parser('evaluate', help='test-split measures beside untrained twins and TF-IDF')
    data_options(evaluate, corpus=True)
    evaluate.add_argument('--checkpoint', action='append', default=[], metavar='NAME=PATH')
    evaluate.add_argument('--on', choices=SPLITS, default='test')
    evaluate.add_argument('--seed', type=int, default=0, help='initialisation of the untrained twins')
    evaluate.add_argument('--out', type=Path, help='write the measures as JSON')
    evaluate.add_argument('--display-only', action='store_true', help='only display formulas (inline ones left out of triples and queries)')

    export = commands.add_parser('export', help='ONNX export with a parity check')
    export.add_argument('--checkpoint', type=Path, required=True)
    export.add_argument('--out', type=Path, required=True)
    export.add_argument('--dataset', type=Path, help='take the parity bitmaps from here (else random ink)')

    benchmark = commands.add_parser('benchmark', help='PyTorch speed on this CPU, as JSON')
    benchmark.add_argument('--arch', choices=sorted(ARCHITECTURES), default='see')
    benchmark.add_argument('--threads', type=int, default=2)
    benchmark.add_argument('--seconds', type=float, default=3.0, help='measuring time per figure')

    curve = commands.add_parser('curve', help="a run's validation curve as a Markdown table")
    curve.add_argument('--run', action='append', required=True, metavar='NAME=DIR')

    args = parser.parse_args(argv)
    try:
        {'split': command_split, 'fit': command_fit, 'evaluate': command_evaluate,
         'export': command_export, 'benchmark': command_benchmark, 'curve': command_curve}[args.command](args)
    except DataError as error:
        raise SystemExit(f'train.py {args.command}: {error}')


if __name__ == '__main__':
    main(sys.argv[1:])
