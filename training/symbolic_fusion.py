#!/usr/bin/python3
"""Chooses the hybrid ranking's fusion weights on the validation split and measures every signal and the
hybrid on the test split with training/evaluate.py's protocol (the same seeded triples and queries).

Signals, each a similarity of two formulas:
  bitmap    cosine of a bitmap encoder's embeddings (a train.py checkpoint, --bitmap NAME=PATH; needs --dataset)
  symbolic  cosine of the symbolic encoder's embeddings (a symbolic.py checkpoint, --symbolic PATH)
  lexical   TF-IDF cosine over token 1–3-grams, macros expanded: training/evaluate.py's TF-IDF baseline (the
            product's lexical signal, src/core/search/lexical.ts, weighs the same terms by BM25; the same over canonical tokens is measured on
            validation only, to show why the lexical signal does not canonicalize)
  canonical TF-IDF cosine over canonical tokens with single-letter variables renamed in order of appearance
            (the canonicalizer's rule 3): notation-proof where the project tokens are not (issue 10)
  numeric   with --numeric FILE (`formula-lens signatures`): the IDF-weighted overlap of two formulas' numeric
            signature side keys, as src/core/latex/numeric-signature-index.ts computes it; 0 for a formula
            without a signature. The grid then spans four signals, and the test table shows the hybrid with
            and without it.
The hybrid score is Σ weight × signal similarity (weights on a simplex grid; the best mean of mAP, P@10 and
1 − ranking loss on validation wins). With --variants (`formula-lens variants` of the validation split), only
combinations whose notation invariance on validation reaches --invariance-goal compete: a generated variant
of a validation formula queries the split and must find its original at rank 1 (bench/invariance.bench.ts
measures the same on the test split). A weighted sum rather than reciprocal-rank fusion: the triple error
needs a similarity of two formulas, and `embed --encoder hybrid` a vector whose dot product is the score.

Writes the weights to --fusion (in models/fusion.json's format) and, with --out, the test measures as JSON. The
product's models/fusion.json comes from scripts/fit-fusion.ts since the structure signal, which this script does
not compute, joined the fusion (issue 19): this one measures the embedding and token signals and their weights;
prints the test table for models/MODEL_CARD.md. Run with /usr/bin/python3."""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from data import DEFAULT_SPLIT, Documents, load_dataset  # noqa: E402
from evaluate import TfidfBaseline, corpus_tokens, embed_rows as embed_bitmap_rows, fixed_queries, fixed_triples, retrieval_measures, triple_measures  # noqa: E402
from fitting import load_checkpoint  # noqa: E402
from symbolic import Corpus, embed_rows as embed_symbolic_rows, model_from_checkpoint as symbolic_model, model_input  # noqa: E402
from tokenizer import TokenizeError, Vocabulary, canonicalize, tokenize_formula  # noqa: E402
from train import model_from_checkpoint as bitmap_model  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SIGNALS = ('bitmap', 'symbolic', 'lexical', 'canonical', 'numeric')
VALIDATION_QUERIES = 1000  # fewer than the test's 2,000: the grid evaluates every weight combination
INVARIANCE_QUERIES, INVARIANCE_SEED = 1000, 3


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


def canonical_tokens(corpus: Corpus, rename_variables: bool = False) -> Callable[[int], list[str]]:
    """Row → canonical tokens (variables renamed: the canonical signal, as lexical.ts indexes it); a refused
    formula has none."""
    def tokens(row: int) -> list[str]:
        record = corpus.records[corpus.rows[row]['record']]
        try:
            return canonicalize(tokenize_formula(record['formulas'][corpus.rows[row]['formula']]['latex'], record.get('macros') or '')[0], rename_variables)
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
        # kept for queries from outside the split (the invariance measure's variants)
        self.embeddings: dict[str, torch.Tensor] = {label: embed_bitmap_rows(model, pixels, rows) for label, (model, pixels) in bitmaps.items()}
        self.embeddings['symbolic'] = embed_symbolic_rows(symbolic, corpus.tokens, rows, max_length)
        self.baselines = {label: TfidfBaseline(tokens, self.documents.all_rows()) for label, tokens in lexical.items()}
        for label, embeddings in self.embeddings.items():
            self.signals[label] = Signal.dense(rows, embeddings)
        for label, baseline in self.baselines.items():
            self.signals[label] = Signal.tfidf(baseline)
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


@torch.no_grad()
def embed_symbolic_tokens(model: torch.nn.Module, sequences: list[list[str]], max_length: int, batch: int = 256) -> torch.Tensor:
    """Symbolic embeddings of formulas given as project tokens (canonicalized here, as for every corpus row)."""
    vocabulary = Vocabulary()
    ids = [np.asarray(vocabulary.encode(canonicalize(tokens)) or [vocabulary.unknown], dtype=np.int64) for tokens in sequences]
    model.eval()
    return torch.cat([model(model_input(ids[start:start + batch], max_length)) for start in range(0, len(ids), batch)])


def embed_bitmap_latex(onnx: Path, formulas: list[tuple[str, bool]]) -> torch.Tensor:
    """Bitmap embeddings of LaTeX the dataset does not hold (generated variants), rendered and embedded by the
    product itself (`formula-lens embed`, out/cli.js; the model's ONNX export matches its checkpoint to 1e-6).
    A formula the product cannot embed gets a zero vector (it scores 0)."""
    request = ''.join(json.dumps({'latex': latex, 'display': display}) + '\n' for latex, display in formulas)
    done = subprocess.run(['node', str(REPO / 'out' / 'cli.js'), 'embed', '--encoder', 'bitmap', '--model', str(onnx)],
                          input=request, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f'formula-lens embed failed (npm run build first?):\n{done.stderr}')
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return torch.tensor([line.get('embedding') or [0.0] * 64 for line in lines], dtype=torch.float32)


class Invariance:
    """Notation invariance on one split: each of `count` seeded formulas of the split with a generated variant
    (`formula-lens variants`: its first variant whose tokens differ) is replaced by that variant, which queries
    every formula of the split; it is found when the original, or a formula of the same canonical form, is at
    rank 1 (expected value under random tie-breaking; a best score of 0 finds nothing), as
    bench/invariance.bench.ts counts."""

    def __init__(self, split: SplitSignals, corpus: Corpus, variants: Path, raw_tokens: Callable[[int], list[str]],
                 max_length: int, symbolic: torch.nn.Module, bitmap_onnx: dict[str, Path], count: int = INVARIANCE_QUERIES):
        rows = split.documents.all_rows()
        position = {int(row): i for i, row in enumerate(rows)}
        row_of = {(row['record'], row['formula']): i for i, row in enumerate(corpus.rows)}
        candidates: list[tuple[int, list[str], str]] = []
        with open(variants, encoding='utf8') as lines:
            for number, line in enumerate(lines, 1):
                try:
                    entry = json.loads(line)
                    row = row_of[(entry['record'], entry['formula'])]
                except (ValueError, KeyError, TypeError) as error:
                    raise SystemExit(f'{variants}:{number}: not a variants line of this corpus ({error!r})')
                if row not in position:
                    continue
                own = raw_tokens(row)
                for latex in entry['variants']:
                    try:
                        tokens = tokenize_formula(latex, '')[0]
                    except TokenizeError:
                        continue
                    if tokens != own:
                        candidates.append((row, tokens, latex))
                        break
        if not candidates:
            raise SystemExit(f"{variants} has no variants of this split's formulas: make it with formula-lens variants --splits <split>")
        chosen = np.sort(np.random.default_rng(INVARIANCE_SEED).choice(len(candidates), size=min(count, len(candidates)), replace=False))
        queries = [candidates[i] for i in chosen]
        self.count = len(queries)
        canonical_form = [tuple(canonicalize(raw_tokens(int(row)))) for row in rows]
        same_form: dict[tuple, list[int]] = defaultdict(list)
        for i, form in enumerate(canonical_form):
            same_form[form].append(i)
        self.targets = torch.zeros(len(queries), len(rows), dtype=torch.bool)
        for q, (row, _, _) in enumerate(queries):
            self.targets[q, same_form[canonical_form[position[row]]]] = True
        tokens = [query_tokens for _, query_tokens, _ in queries]
        self.scores: dict[str, torch.Tensor] = {}
        for label, baseline in split.baselines.items():
            view = [canonicalize(t, rename_variables=True) for t in tokens] if label == 'canonical' else tokens
            self.scores[label] = baseline.token_scores(view)
        self.scores['symbolic'] = embed_symbolic_tokens(symbolic, tokens, max_length) @ split.embeddings['symbolic'].T
        for label, onnx in bitmap_onnx.items():
            display = [not corpus.rows[row].get('inline', False) for row, _, _ in queries]
            self.scores[label] = embed_bitmap_latex(onnx, [(latex, d) for (_, _, latex), d in zip(queries, display)]) @ split.embeddings[label].T

    def rank1(self, weights: dict[str, float]) -> float:
        fused = sum(weight * self.scores[label] for label, weight in weights.items() if weight)
        best = fused.max(1).values
        at_best = fused == best.unsqueeze(1)
        found = (at_best & self.targets).sum(1).float() / at_best.sum(1).float()
        return float(torch.where(best > 0, found, torch.zeros_like(found)).mean())


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
    parser.add_argument('--variants', type=Path,
                        help='generated variants of the validation (and test) formulas (formula-lens variants): weight combinations must reach --invariance-goal on validation')
    parser.add_argument('--invariance-goal', type=float, default=0.9, help='rank-1 notation invariance a combination needs on validation')
    parser.add_argument('--fused-bitmap-onnx', type=Path, default=REPO / 'models' / 'see.onnx',
                        help="the fused bitmap checkpoint's ONNX export, which renders and embeds the variants through the product")
    parser.add_argument('--step', type=float, default=0.1, help='weight grid step')
    parser.add_argument('--fusion', type=Path, required=True,
                        help="where to write the weights (not models/fusion.json: the product's come from scripts/fit-fusion.ts)")
    parser.add_argument('--out', type=Path, help='test measures as JSON')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.time()

    corpus = Corpus(args)
    checkpoint = load_checkpoint(args.symbolic)
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
            bitmaps[label] = (bitmap_model(load_checkpoint(Path(path))), dataset.bitmaps)
    fused_bitmap = next(iter(bitmaps), None) if args.fuse_bitmap else None
    signatures = load_signatures(args.numeric, corpus.rows) if args.numeric else None
    if signatures and args.variants:
        raise SystemExit('--numeric and --variants do not combine: the variants have no numeric signatures')
    fused = ([fused_bitmap] if fused_bitmap else []) + ['symbolic', 'lexical', 'canonical'] + (['numeric'] if signatures else [])
    if signatures:
        coverage = {name: (sum(signatures[int(row)] is not None for row in corpus.documents(name).all_rows()), len(corpus.documents(name).all_rows()))
                    for name in ('train', 'validation', 'test')}
        print('numeric signatures: ' + ', '.join(f'{name} {signed}/{total} ({100 * signed / total:.1f}%)' for name, (signed, total) in coverage.items())
              + f'; corpus {sum(entry is not None for entry in signatures)}/{len(signatures)}')

    raw_tokens = corpus_tokens(corpus.rows, corpus.records)
    lexical_views = {'lexical': raw_tokens, 'canonical': canonical_tokens(corpus, rename_variables=True)}
    validation = SplitSignals(corpus, 'validation', {fused_bitmap: bitmaps[fused_bitmap]} if fused_bitmap else {}, symbolic, max_length, VALIDATION_QUERIES,
                              {**lexical_views, 'lexical canonical': canonical_tokens(corpus)}, signatures)
    fused_onnx = {fused_bitmap: args.fused_bitmap_onnx} if fused_bitmap else {}
    invariance = Invariance(validation, corpus, args.variants, raw_tokens, max_length, symbolic, fused_onnx) if args.variants else None
    candidates = simplex(fused, args.step)
    results = []
    for weights in candidates:
        measures = validation.measure(weights)
        if invariance:
            measures['invariance_rank1'] = invariance.rank1(weights)
        results.append((weights, measures))
    choose = lambda options: max(options, key=lambda item: (objective(item[1]), -max(item[0].values())))  # noqa: E731
    feasible = [item for item in results if item[1]['invariance_rank1'] >= args.invariance_goal] if invariance else results
    if not feasible:
        print(f'validation: no weight combination reaches notation invariance {args.invariance_goal} at rank 1; choosing on retrieval alone')
    weights, best = choose(feasible or results)
    # the same grid without the numeric signal and with it forced in, to show what it adds
    weights_without, best_without = choose([item for item in results if not item[0].get('numeric')]) if signatures else (weights, best)
    weights_forced, best_forced = choose([item for item in results if item[0].get('numeric')]) if signatures else (weights, best)
    singles = {label: next(measures for chosen, measures in results if chosen[label] == 1.0) for label in fused}
    canonical_lexical = validation.measure({'lexical canonical': 1.0})
    # The default is whatever ranks best on validation: the fusion when it beats every single signal.
    if all(objective(best) > objective(m) for m in singles.values()):
        default_mode = 'hybrid'
    else:
        best_single = max(singles, key=lambda label: objective(singles[label]))
        default_mode = 'bitmap' if best_single == fused_bitmap else best_single
    print(f'validation: {len(candidates)} weight combinations of {", ".join(fused)}; best {weights}: '
          f'mAP {best["mAP"]:.4f}, P@10 {best["P@10"]:.4f}, ranking loss {best["ranking_loss"]:.4f}'
          + (f', invariance rank 1 {best["invariance_rank1"]:.3f} ({invariance.count} variants; '
             f'{len(feasible)} combinations reach {args.invariance_goal})' if invariance else ''))
    if invariance:
        unconstrained, unconstrained_best = choose(results)
        print(f'validation without the invariance goal: best {unconstrained}: mAP {unconstrained_best["mAP"]:.4f}, '
              f'P@10 {unconstrained_best["P@10"]:.4f}, ranking loss {unconstrained_best["ranking_loss"]:.4f}, '
              f'invariance rank 1 {unconstrained_best["invariance_rank1"]:.3f}')
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
                    'symbolic': weights['symbolic'], 'lexical': weights['lexical'], 'canonical': weights['canonical'],
                    'numeric': weights.get('numeric', 0.0)},
        'invarianceGoal': ({'rank1': args.invariance_goal, 'variants': invariance.count, 'sha256': fingerprint(args.variants),
                            'combinations reaching it': len(feasible)} if invariance else None),
        'defaultMode': default_mode,
        'bitmapModel': fused_bitmap,
        'symbolicModelSha256': fingerprint(args.symbolic_onnx),
        'grid': args.step,
        'numericSignatures': ({'sha256': fingerprint(args.numeric), 'signed': {name: {'signed': signed, 'formulas': total} for name, (signed, total) in coverage.items()}}
                              if signatures else None),
        'validation': {'queries': len(validation.queries), 'triples': len(validation.triples),
                       'hybrid': best,
                       **({'hybrid without the invariance goal': {'weights': unconstrained, **unconstrained_best}} if invariance else {}),
                       **({'hybrid without numeric': {'weights': weights_without, **best_without},
                                           'hybrid with numeric > 0': {'weights': weights_forced, **best_forced}} if signatures else {}),
                       **{label: measures for label, measures in singles.items()},
                       'lexical over canonical tokens (not used)': canonical_lexical},
    }
    args.fusion.write_text(json.dumps(fusion, indent=1) + '\n')

    test = SplitSignals(corpus, 'test', bitmaps, symbolic, max_length, 2000, lexical_views, signatures)
    table = {'TF-IDF (the lexical signal)': test.measure({'lexical': 1.0}), **{label: test.measure({label: 1.0}) for label in bitmaps},
             'symbolic': test.measure({'symbolic': 1.0}), 'canonical TF-IDF, variables renamed': test.measure({'canonical': 1.0})}
    if signatures:
        table['numeric alone'] = test.measure({'numeric': 1.0})
        table['hybrid without numeric'] = test.measure(weights_without)
    if invariance:
        table['hybrid without the invariance goal'] = test.measure(unconstrained)
    table['hybrid'] = test.measure(weights)
    if invariance:
        try:
            test_invariance = Invariance(test, corpus, args.variants, raw_tokens, max_length, symbolic,
                                         {label: args.fused_bitmap_onnx for label in bitmaps if label == fused_bitmap})
        except SystemExit as reason:
            print(f'test invariance not measured: {reason}')
        else:
            on_test = {'TF-IDF (the lexical signal)': {'lexical': 1.0}, 'symbolic': {'symbolic': 1.0},
                       'canonical TF-IDF, variables renamed': {'canonical': 1.0},
                       **({fused_bitmap: {fused_bitmap: 1.0}} if fused_bitmap else {}),
                       'hybrid without the invariance goal': unconstrained, 'hybrid': weights}
            for label, chosen in on_test.items():
                table[label]['invariance_rank1'] = test_invariance.rank1(chosen)
    print(f'\ntest split: {len(test.documents)} documents, {test.documents.formula_count} formulas; '
          f'{len(test.triples)} triples, {len(test.queries)} queries ({(time.time() - started) / 60:.1f} min)\n')
    print('| signal | triple ranking error | same-document mAP | P@10 | invariance rank 1 |\n|---|---:|---:|---:|---:|')
    for label, measures in table.items():
        rank1 = f'{measures["invariance_rank1"]:.3f}' if 'invariance_rank1' in measures else '–'
        print(f'| {label} | {measures["ranking_loss"]:.4f} | {measures["mAP"]:.4f} | {measures["P@10"]:.4f} | {rank1} |')
    if args.out:
        args.out.write_text(json.dumps({'fusion': fusion, 'test': table}, indent=1) + '\n')


if __name__ == '__main__':
    main(sys.argv[1:])
