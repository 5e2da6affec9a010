#!/usr/bin/python3
"""Trains, evaluates and exports the symbolic formula encoder (training/symbolic_model.py): SNIP's
symbolic branch on canonical LaTeX tokens, trained with symmetric InfoNCE (learned temperature, in-batch
negatives) on the weak label of the bitmap encoders: two formulas of one document (section when it has
two) are a positive pair. With --variants (issue 10), a positive is, with probability --variant-rate, a
generated notation variant of the anchor (`formula-lens variants`) instead: SNIP's positive is a second view
of the same object, and ⚡ANSR's is procedurally generated; replacing (rather than adding a third view) keeps
the loss, the batch and the cost of a step those of the run without variants, so an ablation at the same
step budget compares the same compute.

  fit        train; checkpoints, train.log and history.jsonl in --run, resumes from --run/last.pt
  evaluate   split measures of checkpoints beside an untrained twin and the TF-IDF baseline
  export     ONNX export (`token_ids` int64 [N, L] → `embeddings` float32 [N, 64]) with a parity check

Formulas are the corpus's, in corpus order: the same rows, in the same order, as the rendered dataset of
`formula-lens dataset`, so the seeded evaluation triples and queries of training/evaluate.py are the
same formulas for the bitmap and the symbolic encoders. Run with /usr/bin/python3."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))

from data import DEFAULT_SPLIT, SPLITS, DataError, Dataset, Documents, load_corpus, load_split, sample_pairs  # noqa: E402
from evaluate import TfidfBaseline, corpus_tokens, fixed_queries, fixed_triples, retrieval_measures, triple_measures  # noqa: E402
from fitting import VALIDATION_TRIPLES, Log, Run, load_checkpoint  # noqa: E402
from losses import INITIAL_TEMPERATURE, learned_log_scale, symmetric_info_nce  # noqa: E402
from symbolic_model import BOS_ID, DEFAULT_CONFIG, DIMENSION, PAD_ID, build, parameter_count  # noqa: E402
from tokenizer import RULES_PATH, VOCAB_PATH, TokenizeError, Vocabulary, canonicalize, tokenize_formula  # noqa: E402

PARITY_SCRIPT = Path(__file__).with_name('symbolic_parity.mjs')
EMBED_BATCH = 256


def corpus_rows(corpus: dict[str, dict]) -> list[dict]:
    """One row per formula in corpus order, with the fields the dataset's formulas.jsonl has for sampling."""
    return [{'record': record['id'], 'source': record['source'], 'formula': index,
             'section': formula.get('section') or '', 'inline': bool(formula.get('inline'))}
            for record in corpus.values() for index, formula in enumerate(record['formulas'])]


def corpus_documents(rows: list[dict], split: dict[str, str], name: str) -> Documents:
    return Documents(Dataset(bitmaps=None, rows=rows, renderer='none'), split, name, include_degraded=True)


class FormulaTokens:
    """Canonical token ids of every row (ragged: flat ids + offsets), and model inputs built from them."""

    def __init__(self, ids: np.ndarray, offsets: np.ndarray):
        self.ids, self.offsets = ids, offsets

    @classmethod
    def of_corpus(cls, corpus: dict[str, dict], rows: list[dict], cache: Path | None) -> 'FormulaTokens':
        key = _tokens_key(corpus, len(rows))
        path = cache / f'symbolic-tokens-{key}.npz' if cache else None
        if path and path.exists():
            stored = np.load(path)
            return cls(stored['ids'], stored['offsets'])
        vocabulary = Vocabulary()
        pieces, offsets = [], [0]
        for row in rows:
            record = corpus[row['record']]
            try:
                tokens, _ = tokenize_formula(record['formulas'][row['formula']]['latex'], record.get('macros') or '')
                ids = vocabulary.encode(canonicalize(tokens))
            except TokenizeError:
                ids = [vocabulary.unknown]  # a formula over the tokenizer's length limit: no usable tokens
            pieces.append(np.asarray(ids, dtype=np.int32))
            offsets.append(offsets[-1] + len(ids))
        tokens = cls(np.concatenate(pieces) if pieces else np.zeros(0, np.int32), np.asarray(offsets, dtype=np.int64))
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix('.tmp.npz')
            np.savez(temporary, ids=tokens.ids, offsets=tokens.offsets)
            os.replace(temporary, path)
        return tokens

    def length(self, row: int) -> int:
        return int(self.offsets[row + 1] - self.offsets[row])

    def sequence(self, row: int) -> np.ndarray:
        return self.ids[self.offsets[row]:self.offsets[row + 1]]

    def batch(self, rows, max_length: int) -> torch.Tensor:
        return model_input([self.sequence(row) for row in rows], max_length)


def model_input(sequences: list[np.ndarray], max_length: int) -> torch.Tensor:
    """int64 [n, L]: [BOS] + the first max_length − 1 ids of each sequence, right-padded with [PAD];
    L is the longest sequence of this batch (dynamic padding)."""
    sequences = [sequence[:max_length - 1] for sequence in sequences]
    out = np.full((len(sequences), 1 + max(len(s) for s in sequences)), PAD_ID, dtype=np.int64)
    out[:, 0] = BOS_ID
    for i, sequence in enumerate(sequences):
        out[i, 1:1 + len(sequence)] = sequence
    return torch.from_numpy(out)


class VariantTokens:
    """Canonical token ids of the generated notation variants of each row (`formula-lens variants`, the
    TypeScript generator): a variant's LaTeX (its document's macros already expanded) goes through the same
    tokenizer, canonicalizer and vocabulary as every other formula here. Variants whose canonical form is
    the row's own (purely presentational changes: \\left\\right, \\le/\\leq, …) are dropped: as a positive
    they would be the anchor again."""

    def __init__(self, tokens: FormulaTokens, offsets: np.ndarray, skipped: int):
        self.tokens = tokens  # one entry per kept variant
        self.offsets = offsets  # row r's variants are entries offsets[r]..offsets[r + 1]
        self.skipped = skipped

    @classmethod
    def load(cls, path: Path, corpus: dict[str, dict], rows: list[dict], row_tokens: FormulaTokens,
             cache: Path | None) -> 'VariantTokens':
        if not path.is_file():
            raise DataError(f'{path}: no such variants file (make it with formula-lens variants)')
        key = hashlib.sha256(path.read_bytes() + _tokens_key(corpus, len(rows)).encode()).hexdigest()[:16]
        cached = cache / f'symbolic-variants-{key}.npz' if cache else None
        if cached and cached.exists():
            stored = np.load(cached)
            return cls(FormulaTokens(stored['ids'], stored['entry_offsets']), stored['offsets'], int(stored['skipped']))
        row_of = {(row['record'], row['formula']): i for i, row in enumerate(rows)}
        by_row: list[list[np.ndarray]] = [[] for _ in rows]
        vocabulary, skipped = Vocabulary(), 0
        with open(path, encoding='utf8') as lines:
            for number, line in enumerate(lines, 1):
                try:
                    entry = json.loads(line)
                    row = row_of[(entry['record'], entry['formula'])]
                    latexes = [str(latex) for latex in entry['variants']]
                except (ValueError, KeyError, TypeError) as error:
                    raise DataError(f'{path}:{number}: not a variants line of this corpus ({error!r})')
                own = row_tokens.sequence(row)
                for latex in latexes:
                    try:
                        ids = np.asarray(vocabulary.encode(canonicalize(tokenize_formula(latex, '')[0])), dtype=np.int32)
                    except TokenizeError:
                        ids = own
                    if np.array_equal(ids, own):
                        skipped += 1
                    else:
                        by_row[row].append(ids)
        entries = [ids for variants in by_row for ids in variants]
        offsets = np.concatenate([[0], np.cumsum([len(variants) for variants in by_row])]).astype(np.int64)
        entry_offsets = np.concatenate([[0], np.cumsum([len(ids) for ids in entries])]).astype(np.int64)
        ids = np.concatenate(entries) if entries else np.zeros(0, np.int32)
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix('.tmp.npz')
            np.savez(temporary, ids=ids, entry_offsets=entry_offsets, offsets=offsets, skipped=skipped)
            os.replace(temporary, cached)
        return cls(FormulaTokens(ids, entry_offsets), offsets, skipped)

    def count(self, row: int) -> int:
        return int(self.offsets[row + 1] - self.offsets[row])

    def sequence(self, row: int, which: int) -> np.ndarray:
        return self.tokens.sequence(int(self.offsets[row]) + which)

    def positives(self, pairs: np.ndarray, rate: float, row_tokens: FormulaTokens,
                  rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
        """The positive of each (anchor, positive) pair: with probability `rate`, one of the anchor's variants
        (when it has one) in place of the sampled positive. Returns the sequences and how many are variants."""
        sequences, replaced = [], 0
        for anchor, positive in pairs:
            draw, which = rng.random(), rng.integers(1 << 30)
            available = self.count(int(anchor))
            if available and draw < rate:
                sequences.append(self.sequence(int(anchor), int(which % available)))
                replaced += 1
            else:
                sequences.append(row_tokens.sequence(int(positive)))
        return sequences, replaced


def _tokens_key(corpus: dict[str, dict], count: int) -> str:
    """The cache identity: whatever changes the ids (tokenizer, rules, vocabulary, corpus content)."""
    digest = hashlib.sha256()
    for path in (Path(__file__).with_name('tokenizer.py'), RULES_PATH, VOCAB_PATH):
        digest.update(path.read_bytes())
    digest.update(str(count).encode())
    for record_id, record in corpus.items():
        digest.update(record_id.encode())
        digest.update(str(len(record['formulas'])).encode())
        digest.update((record.get('macros') or '').encode())
    return digest.hexdigest()[:16]


@torch.no_grad()
def embed_rows(model: nn.Module, tokens: FormulaTokens, rows: np.ndarray, max_length: int) -> torch.Tensor:
    """Embeddings [len(rows), 64] in eval mode; rows are batched by length so padding stays small."""
    was_training = model.training
    model.eval()
    order = np.argsort([tokens.length(int(row)) for row in rows], kind='stable')
    out = torch.empty(len(rows), DIMENSION)
    for start in range(0, len(rows), EMBED_BATCH):
        chosen = order[start:start + EMBED_BATCH]
        out[torch.as_tensor(chosen)] = model(tokens.batch(rows[chosen], max_length))
    model.train(was_training)
    return out


def evaluate_symbolic(model: nn.Module, tokens: FormulaTokens, documents: Documents, triples: np.ndarray,
                      queries: np.ndarray | None, max_length: int) -> dict:
    """training/evaluate.py's measures (triples; retrieval when queries are given) for the symbolic encoder."""
    needed = documents.all_rows() if queries is not None else np.unique(triples)
    embeddings = embed_rows(model, tokens, needed, max_length)
    index = {int(row): i for i, row in enumerate(needed)}

    def lookup(rows: np.ndarray) -> torch.Tensor:
        return embeddings[torch.tensor([index[int(row)] for row in rows])]

    measures = triple_measures(lambda a, b: (lookup(a) * lookup(b)).sum(1), triples)
    if queries is not None:
        measures.update(retrieval_measures(lambda block: lookup(block) @ embeddings.T, documents, queries))
    return measures


def model_from_checkpoint(checkpoint: dict) -> nn.Module:
    model = build(checkpoint['vocabulary_size'], checkpoint['config'])
    model.load_state_dict(checkpoint['model'])
    return model.eval()


def symbolic_from_onnx(path: Path) -> tuple[nn.Module, dict]:
    """The PyTorch model (and its configuration) behind an exported symbolic .onnx (so fine-tuning needs no checkpoint beside the
    shipped file): the architecture from its `config` metadata, the parameters from its initializers. Most
    keep their PyTorch names; the exporter renames each Linear weight it turns into a MatMul input (and
    transposes it), whose layer is found from the bias added to that MatMul's output."""
    import onnx
    from onnx import numpy_helper
    proto = onnx.load(str(path))
    metadata = {prop.key: prop.value for prop in proto.metadata_props}
    if metadata.get('architecture') != 'symbolic' or 'config' not in metadata:
        raise DataError(f'{path} is not a symbolic encoder exported by training/symbolic.py')
    tensors = {tensor.name: numpy_helper.to_array(tensor) for tensor in proto.graph.initializer}
    if 'tokens.weight' not in tensors:
        raise DataError(f'{path} has no token embedding (tokens.weight)')
    config = json.loads(metadata['config'])
    model = build(tensors['tokens.weight'].shape[0], config)
    state = model.state_dict()
    weights = {name: tensors[name] for name in state if name in tensors}
    adds = {name: node for node in proto.graph.node if node.op_type == 'Add' for name in node.input}
    for node in proto.graph.node:
        if node.op_type != 'MatMul' or node.input[1] not in tensors or node.input[1] in state:
            continue
        add = adds.get(node.output[0])
        bias = next((name for name in add.input if name.endswith('.bias') and name in state), None) if add else None
        if bias:
            weights[bias[:-len('bias')] + 'weight'] = tensors[node.input[1]].T
    missing = sorted(name for name in state if name not in weights)
    if missing:
        raise DataError(f'{path}: no initializer for {", ".join(missing)}')
    try:
        model.load_state_dict({name: torch.tensor(np.ascontiguousarray(array)) for name, array in weights.items()})
    except RuntimeError as error:  # shapes that do not fit the configuration
        raise DataError(f'{path}: {error}') from None
    return model.eval(), config


class Corpus:
    """The corpus, its rows, their tokens and the split, loaded once per command."""

    def __init__(self, args: argparse.Namespace):
        self.records = load_corpus(args.corpus)
        self.rows = corpus_rows(self.records)
        self.split = load_split(args.split)
        self.tokens = FormulaTokens.of_corpus(self.records, self.rows, args.cache)

    def documents(self, name: str) -> Documents:
        return corpus_documents(self.rows, self.split, name)


def command_fit(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    args.run.mkdir(parents=True, exist_ok=True)
    log = Log(args.run / 'train.log')
    config = {**DEFAULT_CONFIG, **{key: getattr(args, key) for key in ('layers', 'width', 'feedforward', 'max_length')},
              'batch': args.batch, 'lr': args.lr, 'seed': args.seed}
    corpus = Corpus(args)
    variants = None
    if args.variants:
        if not 0 < args.variant_rate <= 1:
            raise SystemExit('symbolic.py fit: --variant-rate must be in (0, 1]')
        variants = VariantTokens.load(args.variants, corpus.records, corpus.rows, corpus.tokens, args.cache)
        config['variants'] = {'file': str(args.variants), 'sha256': hashlib.sha256(args.variants.read_bytes()).hexdigest(),
                              'rate': args.variant_rate}
    vocabulary_size = len(Vocabulary())
    train, validation = corpus.documents('train'), corpus.documents('validation')
    validation_triples = fixed_triples(validation, args.validation_triples)

    torch.manual_seed(args.seed)
    model = build(vocabulary_size, config)
    log_scale = learned_log_scale(INITIAL_TEMPERATURE)
    optimizer = torch.optim.AdamW(list(model.parameters()) + [log_scale], lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    # variant draws have their own generator, so the pairs drawn are the same as without variants
    variant_rng = np.random.default_rng([args.seed, 1])
    run = Run(args.run, config, model, optimizer, log_scale, rng, log, more_rngs={'variant_rng': variant_rng} if variants else None,
              extra={'vocabulary_size': vocabulary_size})
    run.resume()
    log(f'fit symbolic {config}: {parameter_count(model)} parameters, {args.threads} threads; '
        f'train {len(train)} documents / {train.formula_count} formulas, '
        f'validation {len(validation)} / {validation.formula_count}')
    if variants:
        log(f'variants {args.variants}: {len(variants.tokens.offsets) - 1} for '
            f'{int((np.diff(variants.offsets) > 0).sum())} formulas ({variants.skipped} dropped: canonical form unchanged); '
            f'a positive is a variant of its anchor with probability {args.variant_rate}')
    replaced, batch_pairs = 0, args.batch  # variant positives since the last log line; pairs per batch

    def step() -> tuple[torch.Tensor, int]:
        nonlocal replaced, batch_pairs
        pairs = sample_pairs(train, args.batch, rng)
        batch_pairs = len(pairs)
        if variants:
            positives, count = variants.positives(pairs, args.variant_rate, corpus.tokens, variant_rng)
            replaced += count
            batch = model_input([corpus.tokens.sequence(row) for row in pairs[:, 0]] + positives, config['max_length'])
        else:
            batch = corpus.tokens.batch(pairs.T.flatten(), config['max_length'])
        anchor, positive = model(batch).split(len(pairs))
        return symmetric_info_nce(anchor, positive, log_scale), len(pairs)

    def validate(train_loss: float | None) -> bool:
        measures = evaluate_symbolic(model, corpus.tokens, validation, validation_triples, None, config['max_length'])
        temperature = float(1 / log_scale.exp())
        details = (f', constant margin {measures["constant_margin_loss"]:.4f}, temperature {temperature:.4f} '
                   f'({run.progress["cpu_seconds"] / 3600:.3f} CPU h)')
        return run.record(measures, details, **run.timing(train_loss), temperature=temperature)

    def report(losses: list[float]) -> str:
        nonlocal replaced
        shares = f', {replaced / (args.log_every * batch_pairs):.0%} variant positives' if variants else ''
        replaced = 0
        return f'loss {np.mean(losses):.4f}, {run.progress["samples"] / run.progress["wall_seconds"]:.1f} pairs/s overall{shares}'

    run.train(step, validate, report, minutes=args.minutes, steps=args.steps, validate_minutes=args.validate_minutes,
              validate_steps=args.validate_steps, patience=args.patience, log_every=args.log_every)


def command_evaluate(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    corpus = Corpus(args)
    documents = corpus.documents(args.on)
    triples, queries = fixed_triples(documents), fixed_queries(documents)
    results: dict[str, dict] = {}
    for spec in args.checkpoint:
        name, _, path = spec.partition('=')
        checkpoint = load_checkpoint(Path(path))
        max_length = checkpoint['config']['max_length']
        results[name] = {'checkpoint': path, 'progress': {k: v for k, v in checkpoint['progress'].items() if k != 'history'},
                         **evaluate_symbolic(model_from_checkpoint(checkpoint), corpus.tokens, documents, triples, queries, max_length)}
        torch.manual_seed(args.seed)
        untrained = build(checkpoint['vocabulary_size'], checkpoint['config'])
        results['untrained symbolic'] = evaluate_symbolic(untrained, corpus.tokens, documents, triples, queries, max_length)
    results['TF-IDF'] = TfidfBaseline(corpus_tokens(corpus.rows, corpus.records), documents.all_rows()).evaluate(documents, triples, queries)
    print(f'{args.on} split: {len(documents)} documents, {documents.formula_count} formulas; '
          f'{len(triples)} triples, {len(queries)} retrieval queries')
    print(f'{"model":24} {"ranking loss":>12} {"const margin":>12} {"mAP":>8} {"P@10":>8}')
    for name, measures in results.items():
        print(f'{name:24} {measures["ranking_loss"]:12.4f} {measures["constant_margin_loss"]:12.4f} '
              f'{measures["mAP"]:8.4f} {measures["P@10"]:8.4f}')
    if args.out:
        report = {'split': args.on, 'documents': len(documents), 'formulas': documents.formula_count,
                  'triples': len(triples), 'queries': len(queries), 'results': results}
        args.out.write_text(json.dumps(report, indent=1) + '\n')


def export_metadata(config: dict, steps: int, **more: str) -> dict[str, str]:
    """The ONNX metadata of a symbolic export: what symbolic_from_onnx and the product read back, and `more`."""
    return {'architecture': 'symbolic', 'loss': 'infonce', 'config': json.dumps(config, sort_keys=True),
            'max_length': str(config['max_length']), 'steps': str(steps),
            'vocabulary_sha256': hashlib.sha256(VOCAB_PATH.read_bytes()).hexdigest(), **more}


def export_symbolic(model: nn.Module, path: Path, metadata: dict[str, str]) -> None:
    """Writes `token_ids` int64 [N, L] → `embeddings` float32 [N, 64], N and L dynamic (L ≤ max_length)."""
    import onnx  # loads only for exports
    from export import OPSET
    model = model.eval()
    example = torch.tensor([[BOS_ID, 10, 11, 12], [BOS_ID, 13, PAD_ID, PAD_ID]])
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, example, str(path), input_names=['token_ids'], output_names=['embeddings'],
        dynamic_axes={'token_ids': {0: 'batch', 1: 'length'}, 'embeddings': {0: 'batch'}},
        opset_version=OPSET, do_constant_folding=True,
    )
    exported = onnx.load(str(path))
    onnx.checker.check_model(exported)
    for key, value in sorted(metadata.items()):
        exported.metadata_props.add(key=key, value=value)
    onnx.save(exported, str(path))


def check_symbolic_parity(model: nn.Module, path: Path, token_ids: torch.Tensor) -> float:
    """Max |PyTorch − onnxruntime-node| over the embeddings of `token_ids` [n, L]; raises above tolerance."""
    import subprocess
    import tempfile
    from export import NODE, PARITY_TOLERANCE, ParityError
    with torch.no_grad():
        expected = model.eval()(token_ids).numpy()
    with tempfile.TemporaryDirectory() as scratch:
        inputs, outputs = Path(scratch, 'in.i64'), Path(scratch, 'out.f32')
        token_ids.numpy().astype('<i8').tofile(inputs)
        subprocess.run([NODE, str(PARITY_SCRIPT), str(path.resolve()), str(inputs), *map(str, token_ids.shape), str(outputs)],
                       check=True, cwd=PARITY_SCRIPT.parent.parent)
        actual = np.fromfile(outputs, dtype='<f4').reshape(len(token_ids), DIMENSION)
    difference = float(np.abs(actual - expected).max())
    if not difference < PARITY_TOLERANCE:
        raise ParityError(f'{path}: max abs difference {difference:.2e} to PyTorch exceeds {PARITY_TOLERANCE}')
    return difference


def command_export(args: argparse.Namespace) -> None:
    from export import fingerprint
    checkpoint = load_checkpoint(args.checkpoint)
    model = model_from_checkpoint(checkpoint)
    config, progress = checkpoint['config'], checkpoint['progress']
    metadata = export_metadata(config, progress['step'], samples=str(progress['samples']),
                               cpu_hours=f'{progress["cpu_seconds"] / 3600:.3f}')
    export_symbolic(model, args.out, metadata)
    if args.corpus:
        corpus = Corpus(args)
        rows = np.random.default_rng(0).choice(len(corpus.rows), size=min(64, len(corpus.rows)), replace=False)
        sample = corpus.tokens.batch(rows, config['max_length'])
    else:
        generator = torch.Generator().manual_seed(0)
        sample = torch.randint(5, checkpoint['vocabulary_size'], (16, 40), generator=generator)
        sample[:, 0] = BOS_ID
        sample[8:, 20:] = PAD_ID
    difference = check_symbolic_parity(model, args.out, sample)
    print(f'{args.out}: parity with PyTorch on {len(sample)} formulas, max abs difference {difference:.2e}; '
          f'sha256 {fingerprint(args.out)}')


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)

    def data_options(command: argparse.ArgumentParser, required: bool = True) -> None:
        command.add_argument('--corpus', type=Path, required=required, help='papers.jsonl')
        command.add_argument('--split', type=Path, default=DEFAULT_SPLIT)
        command.add_argument('--cache', type=Path, help='keep the tokenized corpus here between runs')
        command.add_argument('--threads', type=int, default=1)

    fit = commands.add_parser('fit', help='train the symbolic encoder (resumes from --run/last.pt)')
    data_options(fit)
    fit.add_argument('--run', type=Path, required=True, help='checkpoints, train.log and history.jsonl go here')
    fit.add_argument('--layers', type=int, default=DEFAULT_CONFIG['layers'])
    fit.add_argument('--width', type=int, default=DEFAULT_CONFIG['width'])
    fit.add_argument('--feedforward', type=int, default=DEFAULT_CONFIG['feedforward'])
    fit.add_argument('--max-length', type=int, default=DEFAULT_CONFIG['max_length'], help='tokens per formula, [BOS] included')
    fit.add_argument('--batch', type=int, default=128, help='positive pairs per step, from distinct documents')
    fit.add_argument('--lr', type=float, default=5e-4)
    fit.add_argument('--seed', type=int, default=0)
    fit.add_argument('--minutes', type=float, help='wall-clock budget of this invocation')
    fit.add_argument('--steps', type=int, help='stop at this total step count')
    fit.add_argument('--validation-triples', type=int, default=VALIDATION_TRIPLES,
                     help='fixed validation triples for checkpoint selection (fewer validate faster)')
    fit.add_argument('--validate-minutes', type=float, default=5.0)
    fit.add_argument('--validate-steps', type=int,
                     help='also validate every N steps (runs under different machine load then validate alike)')
    fit.add_argument('--patience', type=int, default=4, help='validations without improvement before stopping')
    fit.add_argument('--log-every', type=int, default=25)
    fit.add_argument('--variants', type=Path,
                     help='generated notation variants (formula-lens variants --splits train): extra positives')
    fit.add_argument('--variant-rate', type=float, default=0.5,
                     help='probability that a positive is a variant of its anchor instead of a sibling formula')

    evaluate = commands.add_parser('evaluate', help='split measures beside an untrained twin and TF-IDF')
    data_options(evaluate)
    evaluate.add_argument('--checkpoint', action='append', default=[], metavar='NAME=PATH')
    evaluate.add_argument('--on', choices=SPLITS, default='test')
    evaluate.add_argument('--seed', type=int, default=0, help='initialisation of the untrained twin')
    evaluate.add_argument('--out', type=Path, help='write the measures as JSON')

    export = commands.add_parser('export', help='ONNX export with a parity check')
    data_options(export, required=False)
    export.add_argument('--checkpoint', type=Path, required=True)
    export.add_argument('--out', type=Path, required=True)

    args = parser.parse_args(argv)
    try:
        {'fit': command_fit, 'evaluate': command_evaluate, 'export': command_export}[args.command](args)
    except DataError as error:
        raise SystemExit(f'symbolic.py {args.command}: {error}')


if __name__ == '__main__':
    main(sys.argv[1:])
