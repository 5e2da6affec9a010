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
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))

from data import DEFAULT_SPLIT, SPLITS, DataError, Documents, load_corpus, load_dataset, load_split, make_split, to_input  # noqa: E402
from encoders import ARCHITECTURES, HEIGHT, WIDTH, build, parameter_count  # noqa: E402
from evaluate import TfidfBaseline, corpus_tokens, encoder_concept_measures, tfidf_concept_measures, evaluate_encoder, fixed_queries, fixed_triples  # noqa: E402
from fitting import VALIDATION_TRIPLES, Log, Run, load_checkpoint  # noqa: E402
from losses import learned_log_scale, squared_triplet_loss  # noqa: E402
from onnx_weights import load_onnx_weights  # noqa: E402
from weak_labels import weak_label_loss  # noqa: E402

# Bitmap encoders collapse from 0.07 (MODEL_CARD.md, "Triplet loss against InfoNCE") and learn fastest from 0.5.
BITMAP_INITIAL_TEMPERATURE = 0.5


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


def model_from_checkpoint(checkpoint: dict) -> nn.Module:
    model = build(checkpoint['config']['arch'])
    model.load_state_dict(checkpoint['model'])
    return model.eval()


def initialise(model: nn.Module, path: Path) -> None:
    """Starts a run from trained weights: a shipped .onnx (the learned temperature is not in it, so it restarts
    at --temperature) or a train.py checkpoint of the same architecture."""
    if path.suffix == '.onnx':
        load_onnx_weights(model, path)
    else:
        model.load_state_dict(load_checkpoint(path)['model'])


# fit options (and their unset values) that runs begun before them do not record.
LATER_OPTIONS = {'document_weights': 'uniform', 'same_source_share': 0.0, 'cosine_steps': None, 'display_only': False,
                 'validate_display_only': False, 'validation_triples': VALIDATION_TRIPLES, 'shift_pixels': 0,
                 'positives': 'paper', 'structure_pairs': None}

# --positives: the share of an InfoNCE batch whose positive is a structural neighbour in another paper (the rest
# come from the anchor's own paper).
STRUCTURE_SHARE = {'paper': 0.0, 'structure': 1.0, 'both': 0.5}


def cosine_rate(peak: float, step: int, steps: int) -> float:
    """The learning rate at `step` of a cosine decay from `peak` to 0 over `steps`."""
    return peak * 0.5 * (1 + math.cos(math.pi * min(step, steps) / steps))


def training_device(name: str) -> torch.device:
    """The device a run trains on; asking for CUDA where PyTorch sees no GPU is an error, not a silent CPU run."""
    if name == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: PyTorch sees no CUDA device here')
    return torch.device(name)


def command_fit(args: argparse.Namespace) -> None:
    if (args.positives != 'paper') != bool(args.structure_pairs):
        raise SystemExit('--positives structure or both go with --structure-pairs (formula-lens structure-pairs), and only they')
    if args.positives != 'paper' and (args.loss != 'infonce' or args.same_source_share):
        raise SystemExit(f'--positives {args.positives} draws InfoNCE pairs: use --loss infonce, without --same-source-share')
    torch.set_num_threads(args.threads)
    device = training_device(args.device)
    args.run.mkdir(parents=True, exist_ok=True)
    log = Log(args.run / 'train.log')
    config = {key: getattr(args, key) for key in ('arch', 'loss', 'batch', 'lr', 'margin', 'temperature', 'seed', 'exclude_degraded')}
    if args.init:
        config['init'] = str(args.init)
    # Options added after the first runs enter the config only when set, so that those runs still resume.
    config.update({key: str(value) if isinstance(value, Path) else value
                   for key, unset in LATER_OPTIONS.items() if (value := getattr(args, key)) != unset})
    dataset = load_dataset(args.dataset, device)
    split = load_split(args.split)
    train = Documents(dataset, split, 'train', include_degraded=not args.exclude_degraded, display_only=args.display_only)
    if args.document_weights == 'source':
        train.weigh_by_source()
    train.same_source_share = args.same_source_share
    if args.positives != 'paper':
        anchors = train.attach_neighbours(args.structure_pairs, dataset.rows)
        train.structure_share = STRUCTURE_SHARE[args.positives]
    # A run validates on one fixed set for its whole life, even when it resumes on a larger dataset.
    validation_data = load_dataset(args.validation_dataset, device) if args.validation_dataset else dataset
    validation = Documents(validation_data, split, 'validation', include_degraded=True, display_only=args.validate_display_only)
    validation_triples = fixed_triples(validation, args.validation_triples)
    concepts = load_dataset(args.concepts, device) if args.concepts else None

    torch.manual_seed(args.seed)
    model = build(args.arch)
    if args.init:
        initialise(model, args.init)
    model = model.to(device, memory_format=torch.channels_last)
    log_scale = learned_log_scale(args.temperature, device)
    parameters = list(model.parameters()) + ([log_scale] if args.loss == 'infonce' else [])
    optimizer = torch.optim.Adam(parameters, lr=args.lr)
    rng = np.random.default_rng(args.seed)
    run = Run(args.run, config, model, optimizer, log_scale, rng, log, extra={'renderer': dataset.renderer})
    run.resume()
    log(f'fit {config}: {parameter_count(model)} parameters, {args.threads} threads on {device}; '
        f'train {len(train)} documents / {train.formula_count} formulas, '
        f'validation {len(validation)} / {validation.formula_count}; renderer {dataset.renderer}'
        + (f'; structural anchors {anchors} in {len(train.taught_documents)} documents' if args.positives != 'paper' else ''))

    def step() -> tuple[torch.Tensor, int]:
        if args.cosine_steps:
            # Stateless in the step count, so a resumed run continues the same schedule.
            for group in optimizer.param_groups:
                group['lr'] = cosine_rate(args.lr, run.progress['step'], args.cosine_steps)
        return weak_label_loss(model, dataset.bitmaps, train, args.loss, args.batch, args.margin, log_scale, rng, args.shift_pixels)

    def validate(train_loss: float | None) -> bool:
        measures = evaluate_encoder(model, validation_data.bitmaps, validation, validation_triples, queries=None)
        if concepts:
            measures.update(encoder_concept_measures(model, concepts))
        details = (f', constant margin {measures["constant_margin_loss"]:.4f}'
                   + (f', concepts 1-NN {measures["concept_1nn"]:.3f} mAP {measures["concept_mAP"]:.3f}' if concepts else '')
                   + f' '
                   f'({run.progress["cpu_seconds"] / 3600:.3f} CPU h)')
        return run.record(measures, details, **run.timing(train_loss))

    def report(losses: list[float]) -> str:
        return f'loss {np.mean(losses):.4f}, {run.progress["samples"] / run.progress["wall_seconds"]:.1f} samples/s overall'

    # A cosine schedule ends the run where its rate reaches 0.
    last_step = min((budget for budget in (args.steps, args.cosine_steps) if budget is not None), default=None)
    run.train(step, validate, report, minutes=args.minutes, steps=last_step, validate_minutes=args.validate_minutes,
              patience=args.patience, log_every=args.log_every)


def command_evaluate(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    dataset = load_dataset(args.dataset)
    corpus = load_corpus(args.corpus)
    test = Documents(dataset, load_split(args.split), args.on, include_degraded=True, display_only=args.display_only)
    triples, queries = fixed_triples(test), fixed_queries(test)
    concepts = load_dataset(args.concepts) if args.concepts else None
    results: dict[str, dict] = {}
    for spec in args.checkpoint:
        name, _, path = spec.partition('=')
        checkpoint = load_checkpoint(Path(path))
        arch = checkpoint['config']['arch']
        model = model_from_checkpoint(checkpoint)
        results[name] = {'checkpoint': path, 'progress': {k: v for k, v in checkpoint['progress'].items() if k != 'history'},
                         **evaluate_encoder(model, dataset.bitmaps, test, triples, queries),
                         **(encoder_concept_measures(model, concepts) if concepts else {})}
        if f'untrained {arch}' not in results:  # one twin per architecture: same seed, same network
            torch.manual_seed(args.seed)
            untrained = build(arch)
            results[f'untrained {arch}'] = {**evaluate_encoder(untrained, dataset.bitmaps, test, triples, queries),
                                            **(encoder_concept_measures(untrained, concepts) if concepts else {})}
    results['TF-IDF'] = TfidfBaseline(corpus_tokens(dataset.rows, corpus), test.all_rows()).evaluate(test, triples, queries)
    if concepts:
        results['TF-IDF'].update(tfidf_concept_measures(concepts, load_corpus(args.concepts / 'corpus.jsonl')))
    report = {'split': args.on, 'display_only': args.display_only, 'documents': len(test), 'formulas': test.formula_count,
              'triples': len(triples), 'queries': len(queries), 'renderer': dataset.renderer, 'results': results}
    print(f'{args.on} split{" (display formulas)" if args.display_only else ""}: {len(test)} documents, {test.formula_count} formulas; '
          f'{len(triples)} triples, {len(queries)} retrieval queries')
    print(f'{"model":24} {"ranking loss":>12} {"const margin":>12} {"mAP":>8} {"P@10":>8}'
          + (f' {"concept 1-NN":>12} {"concept mAP":>11}' if concepts else ''))
    for name, measures in results.items():
        print(f'{name:24} {measures["ranking_loss"]:12.4f} {measures["constant_margin_loss"]:12.4f} '
              f'{measures["mAP"]:8.4f} {measures["P@10"]:8.4f}'
              + (f' {measures["concept_1nn"]:12.4f} {measures["concept_mAP"]:11.4f}' if 'concept_1nn' in measures else ''))
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
    device = training_device(args.device)
    model = build(args.arch).to(device, memory_format=torch.channels_last).eval()
    # A GPU runs kernels asynchronously: a timing ends only when they have.
    finish = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)

    def bitmaps(count: int) -> torch.Tensor:
        return (torch.rand(count, 1, HEIGHT, WIDTH, device=device) > 0.9).float().contiguous(memory_format=torch.channels_last)

    report: dict = {'arch': args.arch, 'threads': args.threads, 'device': str(device), 'inference_per_second': {}}
    with torch.no_grad():
        for batch in (1, 32, 256):
            inputs = bitmaps(batch)
            model(inputs)  # warm-up
            finish()
            repeats, started = 0, time.perf_counter()
            while repeats == 0 or time.perf_counter() - started < args.seconds:
                model(inputs)
                finish()
                repeats += 1
            report['inference_per_second'][str(batch)] = batch * repeats / (time.perf_counter() - started)
        single, latencies = bitmaps(1), []
        for _ in range(100):
            started = time.perf_counter()
            model(single)
            finish()
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
        finish()
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
    fit.add_argument('--concepts', type=Path, help='a class-labelled set (training/concept_set.py): 1-NN accuracy and mAP at each validation')
    fit.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                     help='where the model and the bitmaps live (a run may resume on another device)')
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
    fit.add_argument('--positives', choices=sorted(STRUCTURE_SHARE), default='paper',
                     help='InfoNCE positives: from the anchor\'s paper (the weak labels), a structural neighbour in another '
                          'paper (--structure-pairs), or half of each')
    fit.add_argument('--structure-pairs', type=Path, help='`formula-lens structure-pairs` output, for --positives structure/both')
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
    evaluate.add_argument('--concepts', type=Path, help='also 1-NN accuracy and mAP on this class-labelled set (training/concept_set.py)')
    evaluate.add_argument('--display-only', action='store_true', help='only display formulas (inline ones left out of triples and queries)')

    export = commands.add_parser('export', help='ONNX export with a parity check')
    export.add_argument('--checkpoint', type=Path, required=True)
    export.add_argument('--out', type=Path, required=True)
    export.add_argument('--dataset', type=Path, help='take the parity bitmaps from here (else random ink)')

    benchmark = commands.add_parser('benchmark', help='PyTorch speed on this CPU, as JSON')
    benchmark.add_argument('--arch', choices=sorted(ARCHITECTURES), default='see')
    benchmark.add_argument('--threads', type=int, default=2)
    benchmark.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
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
