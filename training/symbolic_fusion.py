#!/usr/bin/python3
"""Chooses the hybrid ranking's fusion weights on the validation split and measures every signal and the
hybrid on the test split with training/evaluate.py's protocol (the same seeded triples and queries).

Signals, each a similarity of two formulas:
  bitmap    cosine of a bitmap encoder's embeddings (a train.py checkpoint, --bitmap NAME=PATH; needs --dataset)
  symbolic  cosine of the symbolic encoder's embeddings (a symbolic.py checkpoint, --symbolic PATH)
  lexical   TF-IDF cosine over token 1–3-grams, macros expanded: training/evaluate.py's TF-IDF baseline, and
            what src/core/search/lexical.ts computes (the same over canonical tokens is measured on
            validation only, to show why the lexical signal does not canonicalize)
  numeric   with --numeric FILE (`formula-lens signatures`): the IDF-weighted overlap of two formulas' numeric
            signature side keys, as src/core/latex/numeric-signature-index.ts computes it; 0 for a formula
            without a signature. The grid then spans four signals, and the test table shows the hybrid with
            and without it.
The hybrid score is Σ weight × signal similarity (weights on a simplex grid; the best mean of mAP, P@10 and
1 − ranking loss on validation wins). A weighted sum rather than reciprocal-rank fusion: the triple error
needs a similarity of two formulas, and `embed --encoder hybrid` a vector whose dot product is the score.

Writes models/fusion.json (read by src/core/search/hybrid.ts) and, with --out, the test measures as JSON;
prints the test table for models/MODEL_CARD.md. Run with /usr/bin/python3."""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from data import Documents, load_dataset  # noqa: E402
from evaluate import TfidfBaseline, corpus_tokens, embed_rows as embed_bitmap_rows, fixed_queries, fixed_triples, retrieval_measures, triple_measures  # noqa: E402
from symbolic import Corpus, embed_rows as embed_symbolic_rows, load_checkpoint as load_symbolic, model_from_checkpoint as symbolic_model  # noqa: E402
from tokenizer import TokenizeError, canonicalize, tokenize_formula  # noqa: E402
from train import DEFAULT_SPLIT, load_checkpoint as load_bitmap, model_from_checkpoint as bitmap_model  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SIGNALS = ('bitmap', 'symbolic', 'lexical', 'numeric')
VALIDATION_QUERIES = 1000  # fewer than the test's 2,000: the grid evaluates every weight combination


class Signal:
    """One similarity over the formulas of a split: pairwise (triples) and query × all (retrieval)."""

    def __init__(self, pairs: Callable[[np.ndarray, np.ndarray], torch.Tensor], rows_against_all: Callable[[np.ndarray], torch.Tensor]):
        self.pairs, self.rows_against_all = pairs, rows_against_all

    @classmethod
    def dense(cls, rows: np.ndarray, embeddings: torch.Tensor) -> 'Signal':
        index = {int(row): i for i, row in enumerate(rows)}

        def lookup(selected: np.ndarray) -> torch.Tensor:
            return embeddings[torch.tensor([index[int(row)] for row in selected])]
        return cls(lambda a, b: (lookup(a) * lookup(b)).sum(1), lambda block: lookup(block) @ embeddings.T)

    @classmethod
    def tfidf(cls, baseline: TfidfBaseline) -> 'Signal':
        return cls(baseline.similarity, baseline.scores)

    @classmethod
    def numeric(cls, similarity: 'NumericSimilarity') -> 'Signal':
        return cls(similarity.similarity, similarity.scores)


class NumericSimilarity:
    """The numeric signal over a collection of formulas, exactly as NumericSignatureIndex
    (src/core/latex/numeric-signature-index.ts) scores it: the IDF-weighted Dice overlap of two formulas'
    distinct side keys, 2 Σ_shared idf / (Σ idf of one + Σ idf of the other), with
    idf(key) = ln((1 + N) / (1 + df)) + 1 over the collection's N formulas (signed or not); 0 when a formula
    has no signature or nothing is shared."""

    def __init__(self, sides: list[Optional[list[str]]]):
        keys = [sorted(set(entry or ())) for entry in sides]
        frequency = Counter(key for entry in keys for key in entry)
        self.vocabulary = {key: i for i, key in enumerate(frequency)}
        self.idf = torch.tensor([math.log((1 + len(keys)) / (1 + frequency[key])) + 1 for key in self.vocabulary], dtype=torch.float64)
        self.keys = [[self.vocabulary[key] for key in entry] for entry in keys]
        entries = [(position, key) for position, entry in enumerate(self.keys) for key in entry]
        index = torch.tensor([[p for p, _ in entries], [k for _, k in entries]], dtype=torch.long).reshape(2, -1)
        self.incidence = torch.sparse_coo_tensor(index, torch.ones(len(entries), dtype=torch.float64), (len(keys), len(self.vocabulary))).coalesce()
        self.total = torch.tensor([float(self.idf[entry].sum()) for entry in self.keys], dtype=torch.float64)

    def pair(self, a: int, b: int) -> float:
        """Similarity of the formulas at positions a and b."""
        shared = set(self.keys[a]) & set(self.keys[b])
        return 2 * float(self.idf[list(shared)].sum()) / float(self.total[a] + self.total[b]) if shared else 0.0

    def block(self, positions: list[int]) -> torch.Tensor:
        """Similarities [len(positions), N] of the formulas at `positions` with every formula."""
        queries = torch.zeros(len(positions), len(self.vocabulary), dtype=torch.float64)
        for i, position in enumerate(positions):
            queries[i, self.keys[position]] = self.idf[self.keys[position]]
        shared = torch.sparse.mm(self.incidence, queries.T).T
        denominator = self.total[positions].unsqueeze(1) + self.total.unsqueeze(0)
        return torch.where(shared > 0, 2 * shared / denominator.clamp(min=1e-12), torch.zeros_like(shared))


class NumericRows:
    """The numeric signal on one split's rows (documents.all_rows() order)."""

    def __init__(self, signatures: list[Optional[list[str]]], rows: np.ndarray):
        self.position = {int(row): i for i, row in enumerate(rows)}
        self.similarity_of = NumericSimilarity([signatures[int(row)] for row in rows])

    def similarity(self, left: np.ndarray, right: np.ndarray) -> torch.Tensor:
        return torch.tensor([self.similarity_of.pair(self.position[int(a)], self.position[int(b)]) for a, b in zip(left, right)], dtype=torch.float32)

    def scores(self, block: np.ndarray) -> torch.Tensor:
        return self.similarity_of.block([self.position[int(row)] for row in block]).float()


def load_signatures(path: Path, rows: list[dict]) -> list[Optional[list[str]]]:
    """Each corpus row's signature side keys (None without one) from `formula-lens signatures` output,
    which must cover every row."""
    row_of = {(row['record'], row['formula']): i for i, row in enumerate(rows)}
    signatures: list[Optional[list[str]]] = [None] * len(rows)
    seen = [False] * len(rows)
    versions = set()
    with open(path, encoding='utf8') as lines:
        for number, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
                row = row_of[(entry['record'], entry['formula'])]
                signature = entry['signature']
                signatures[row] = None if signature is None else [str(key) for key in signature['sides']]
                versions.add(entry['version'])
            except (ValueError, KeyError, TypeError) as error:
                raise SystemExit(f'{path}:{number}: not a signatures line of this corpus ({error!r})')
            seen[row] = True
    if not all(seen):
        raise SystemExit(f'{path} lacks {seen.count(False)} of the corpus formulas: make it with formula-lens signatures --corpus <the same corpus>')
    if len(versions) > 1:
        raise SystemExit(f'{path} mixes signature versions {sorted(versions)}')
    return signatures


def canonical_tokens(corpus: Corpus) -> Callable[[int], list[str]]:
    """Row → canonical tokens, as lexical.ts indexes them (a refused formula has none)."""
    def tokens(row: int) -> list[str]:
        record = corpus.records[corpus.rows[row]['record']]
        try:
            return canonicalize(tokenize_formula(record['formulas'][corpus.rows[row]['formula']]['latex'], record.get('macros') or '')[0])
        except TokenizeError:
            return []
    return tokens


class SplitSignals:
    """Every signal on one split, with its fixed triples and queries; per-signal scores are cached so that
    trying a weight combination costs only a weighted sum and the ranking."""

    def __init__(self, corpus: Corpus, name: str, bitmaps: dict[str, tuple[torch.nn.Module, torch.Tensor]],
                 symbolic: torch.nn.Module, max_length: int, queries: int, lexical: dict[str, Callable[[int], list[str]]],
                 signatures: Optional[list[Optional[list[str]]]] = None):
        self.documents: Documents = corpus.documents(name)
        self.triples, self.queries = fixed_triples(self.documents), fixed_queries(self.documents, queries)
        rows = self.documents.all_rows()
        self.signals: dict[str, Signal] = {}
        for label, (model, pixels) in bitmaps.items():
            self.signals[label] = Signal.dense(rows, embed_bitmap_rows(model, pixels, rows))
        self.signals['symbolic'] = Signal.dense(rows, embed_symbolic_rows(symbolic, corpus.tokens, rows, max_length))
        for label, tokens in lexical.items():
            self.signals[label] = Signal.tfidf(TfidfBaseline(tokens, self.documents))
        if signatures is not None:
            self.signals['numeric'] = Signal.numeric(NumericRows(signatures, rows))
            self.signed = sum(signatures[int(row)] is not None for row in rows)
        self.pair_cache: dict[tuple, torch.Tensor] = {}
        self.query_position = {int(row): i for i, row in enumerate(self.queries)}
        self.query_cache = {label: torch.cat([signal.rows_against_all(self.queries[s:s + 100]) for s in range(0, len(self.queries), 100)])
                            for label, signal in self.signals.items()}

    def pairs(self, label: str, left: np.ndarray, right: np.ndarray) -> torch.Tensor:
        """A signal's similarities of row pairs, computed once per pair list (triple_measures asks for the
        same three lists for every weight combination)."""
        key = (label, left.tobytes(), right.tobytes())
        if key not in self.pair_cache:
            self.pair_cache[key] = self.signals[label].pairs(left, right)
        return self.pair_cache[key]

    def measure(self, weights: dict[str, float]) -> dict:
        """training/evaluate.py's measures of the score Σ weight × signal."""
        active = {label: weight for label, weight in weights.items() if weight}
        measures = triple_measures(lambda a, b: sum(w * self.pairs(label, a, b) for label, w in active.items()), self.triples)

        def fused_rows(block: np.ndarray) -> torch.Tensor:
            positions = torch.tensor([self.query_position[int(row)] for row in block])
            return sum(weight * self.query_cache[label][positions] for label, weight in active.items())
        measures.update(retrieval_measures(fused_rows, self.documents, self.queries))
        return measures


def objective(measures: dict) -> float:
    return (measures['mAP'] + measures['P@10'] + 1 - measures['ranking_loss']) / 3


def simplex(signals: list[str], step: float) -> list[dict[str, float]]:
    parts = round(1 / step)
    return [dict(zip(signals, (count / parts for count in counts)))
            for counts in itertools.product(range(parts + 1), repeat=len(signals)) if sum(counts) == parts]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--corpus', type=Path, required=True)
    parser.add_argument('--split', type=Path, default=DEFAULT_SPLIT)
    parser.add_argument('--cache', type=Path)
    parser.add_argument('--symbolic', type=Path, required=True, help='symbolic.py checkpoint')
    parser.add_argument('--symbolic-onnx', type=Path, default=REPO / 'models' / 'symbolic.onnx', help='recorded by fingerprint')
    parser.add_argument('--bitmap', action='append', default=[], metavar='NAME=PATH',
                        help='train.py checkpoints (see, bee), measured on the test split')
    parser.add_argument('--fuse-bitmap', action='store_true',
                        help='fuse the first --bitmap checkpoint (else only symbolic and lexical are fused)')
    parser.add_argument('--dataset', type=Path, help='the rendered dataset, needed with --bitmap')
    parser.add_argument('--numeric', type=Path, help='numeric signatures of the corpus formulas (formula-lens signatures): fuses the numeric signal too')
    parser.add_argument('--step', type=float, default=0.1, help='weight grid step')
    parser.add_argument('--fusion', type=Path, default=REPO / 'models' / 'fusion.json')
    parser.add_argument('--out', type=Path, help='test measures as JSON')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.time()

    corpus = Corpus(args)
    checkpoint = load_symbolic(args.symbolic)
    symbolic, max_length = symbolic_model(checkpoint), checkpoint['config']['max_length']
    bitmaps: dict[str, tuple[torch.nn.Module, torch.Tensor]] = {}
    if args.bitmap:
        if not args.dataset:
            raise SystemExit('--bitmap needs --dataset')
        dataset = load_dataset(args.dataset)
        aligned = len(dataset.rows) == len(corpus.rows) and all(
            (a['record'], a['formula']) == (b['record'], b['formula']) for a, b in zip(dataset.rows, corpus.rows))
        if not aligned:
            raise SystemExit(f'{args.dataset} does not hold the corpus formulas in corpus order')
        for spec in args.bitmap:
            label, _, path = spec.partition('=')
            bitmaps[label] = (bitmap_model(load_bitmap(Path(path))), dataset.bitmaps)
    fused_bitmap = next(iter(bitmaps), None) if args.fuse_bitmap else None
    signatures = load_signatures(args.numeric, corpus.rows) if args.numeric else None
    fused = ([fused_bitmap] if fused_bitmap else []) + ['symbolic', 'lexical'] + (['numeric'] if signatures else [])
    if signatures:
        coverage = {name: (sum(signatures[int(row)] is not None for row in corpus.documents(name).all_rows()), len(corpus.documents(name).all_rows()))
                    for name in ('train', 'validation', 'test')}
        print('numeric signatures: ' + ', '.join(f'{name} {signed}/{total} ({100 * signed / total:.1f}%)' for name, (signed, total) in coverage.items())
              + f'; corpus {sum(entry is not None for entry in signatures)}/{len(signatures)}')

    raw_tokens = corpus_tokens(corpus.rows, corpus.records)
    validation = SplitSignals(corpus, 'validation', {fused_bitmap: bitmaps[fused_bitmap]} if fused_bitmap else {}, symbolic, max_length, VALIDATION_QUERIES,
                              {'lexical': raw_tokens, 'lexical canonical': canonical_tokens(corpus)}, signatures)
    candidates = simplex(fused, args.step)
    results = [(weights, validation.measure(weights)) for weights in candidates]
    choose = lambda options: max(options, key=lambda item: (objective(item[1]), -max(item[0].values())))  # noqa: E731
    weights, best = choose(results)
    # the same grid without the numeric signal and with it forced in, to show what it adds
    weights_without, best_without = choose([item for item in results if not item[0].get('numeric')]) if signatures else (weights, best)
    weights_forced, best_forced = choose([item for item in results if item[0].get('numeric')]) if signatures else (weights, best)
    singles = {label: validation.measure({label: 1.0}) for label in fused}
    canonical_lexical = validation.measure({'lexical canonical': 1.0})
    # The default is whatever ranks best on validation: the fusion when it beats every single signal.
    if all(objective(best) > objective(m) for m in singles.values()):
        default_mode = 'hybrid'
    else:
        best_single = max(singles, key=lambda label: objective(singles[label]))
        default_mode = 'bitmap' if best_single == fused_bitmap else best_single
    print(f'validation: {len(candidates)} weight combinations of {", ".join(fused)}; best {weights}: '
          f'mAP {best["mAP"]:.4f}, P@10 {best["P@10"]:.4f}, ranking loss {best["ranking_loss"]:.4f}')
    if signatures:
        for label, chosen, measures in (('without numeric', weights_without, best_without), ('with numeric > 0', weights_forced, best_forced)):
            print(f'validation {label}: best {chosen}: mAP {measures["mAP"]:.4f}, P@10 {measures["P@10"]:.4f}, '
                  f'ranking loss {measures["ranking_loss"]:.4f} (objective {objective(measures):.4f})')

    def fingerprint(path: Path) -> str | None:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None

    fusion = {
        'about': 'Hybrid ranking weights (src/core/search/hybrid.ts), chosen on the validation split by training/symbolic_fusion.py; '
                 'score = Σ weight × signal similarity. Do not edit by hand.',
        'weights': {'bitmap': weights.get(fused_bitmap, 0.0) if fused_bitmap else 0.0,
                    'symbolic': weights['symbolic'], 'lexical': weights['lexical'], 'numeric': weights.get('numeric', 0.0)},
        'defaultMode': default_mode,
        'bitmapModel': fused_bitmap,
        'symbolicModelSha256': fingerprint(args.symbolic_onnx),
        'grid': args.step,
        'numericSignatures': ({'sha256': fingerprint(args.numeric), 'signed': {name: {'signed': signed, 'formulas': total} for name, (signed, total) in coverage.items()}}
                              if signatures else None),
        'validation': {'queries': len(validation.queries), 'triples': len(validation.triples),
                       'hybrid': best, **({'hybrid without numeric': {'weights': weights_without, **best_without},
                                           'hybrid with numeric > 0': {'weights': weights_forced, **best_forced}} if signatures else {}),
                       **{label: measures for label, measures in singles.items()},
                       'lexical over canonical tokens (not used)': canonical_lexical},
    }
    args.fusion.write_text(json.dumps(fusion, indent=1) + '\n')

    test = SplitSignals(corpus, 'test', bitmaps, symbolic, max_length, 2000, {'lexical': raw_tokens}, signatures)
    table = {'TF-IDF (the lexical signal)': test.measure({'lexical': 1.0}), **{label: test.measure({label: 1.0}) for label in bitmaps},
             'symbolic': test.measure({'symbolic': 1.0})}
    if signatures:
        table['numeric alone'] = test.measure({'numeric': 1.0})
        table['hybrid without numeric'] = test.measure(weights_without)
    table['hybrid'] = test.measure(weights)
    print(f'\ntest split: {len(test.documents)} documents, {test.documents.formula_count} formulas; '
          f'{len(test.triples)} triples, {len(test.queries)} queries ({(time.time() - started) / 60:.1f} min)\n')
    print('| signal | triple ranking error | same-document mAP | P@10 |\n|---|---:|---:|---:|')
    for label, measures in table.items():
        print(f'| {label} | {measures["ranking_loss"]:.4f} | {measures["mAP"]:.4f} | {measures["P@10"]:.4f} |')
    if args.out:
        args.out.write_text(json.dumps({'fusion': fusion, 'test': table}, indent=1) + '\n')


if __name__ == '__main__':
    main(sys.argv[1:])
