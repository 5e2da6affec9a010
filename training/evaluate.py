"""Evaluation on a held-out split: the thesis' triple measures (ranking loss and constant margin loss,
both with anchor swap, on a fixed seeded set of triples) and same-document retrieval (mean average
precision and precision at 10; each query ranks every other formula of the split), for an encoder
and for the token TF-IDF baseline, so the two can be read side by side."""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable

import numpy as np
import torch
from torch import nn

from data import Dataset, Documents, sample_triples, to_input
from tokenizer import TokenizeError, lex, tokenize_formula

EVALUATION_TRIPLES = 10_000
RETRIEVAL_QUERIES = 2_000
TRIPLE_SEED, QUERY_SEED = 1, 2


def fixed_triples(documents: Documents, count: int = EVALUATION_TRIPLES, seed: int = TRIPLE_SEED) -> np.ndarray:
    return sample_triples(documents, count, np.random.default_rng(seed))


def fixed_queries(documents: Documents, count: int = RETRIEVAL_QUERIES, seed: int = QUERY_SEED) -> np.ndarray:
    rows = documents.all_rows()
    return np.sort(np.random.default_rng(seed).choice(rows, size=min(count, len(rows)), replace=False))


@torch.no_grad()
def embed_rows(model: nn.Module, bitmaps: torch.Tensor, rows: np.ndarray, batch: int = 500) -> torch.Tensor:
    """Embeddings [len(rows), 64] in eval mode (batch-norm running statistics), on the CPU whatever the model's
    device, where the measures are taken."""
    was_training = model.training
    model.eval()
    parts = [model(to_input(bitmaps, rows[start:start + batch])) for start in range(0, len(rows), batch)]
    model.train(was_training)
    return torch.cat(parts).cpu()


def triple_measures(similarity: Callable[[np.ndarray, np.ndarray], torch.Tensor], triples: np.ndarray) -> dict:
    """Ranking loss (share of triples where the positive is not strictly more similar, under either
    role of anchor and positive) and constant margin loss (Δ = 1), both with anchor swap."""
    anchor, positive, negative = triples.T
    similar = similarity(anchor, positive)
    dissimilar = torch.maximum(similarity(anchor, negative), similarity(positive, negative))
    violation = 1.0 - similar + dissimilar
    return {
        'ranking_loss': float((similar <= dissimilar).float().mean()),
        'constant_margin_loss': float(violation.clamp(min=0).mean()),
    }


def ranking_measures(similarity_of: Callable[[np.ndarray], torch.Tensor], labels: torch.Tensor,
                     queries: np.ndarray, chunk: int = 100) -> dict:
    """mAP, P@10 and 1-NN accuracy when every query (a position in `labels`) ranks all other items and an item
    of its own label counts as relevant. `similarity_of(query_positions)` returns [len(queries), len(labels)]."""
    average_precisions, precisions_at_10, nearest = [], [], []
    for start in range(0, len(queries), chunk):
        own = torch.as_tensor(queries[start:start + chunk], dtype=torch.long)
        similarity = similarity_of(own.numpy()).clone()
        similarity[torch.arange(len(own)), own] = -math.inf  # a query does not retrieve itself
        order = similarity.argsort(dim=1, descending=True)[:, :-1]
        relevant = (labels[order] == labels[own].unsqueeze(1)).float()
        hits = relevant.cumsum(1)
        ranks = torch.arange(1, relevant.shape[1] + 1)
        average_precisions.append((hits / ranks * relevant).sum(1) / relevant.sum(1))
        precisions_at_10.append(relevant[:, :10].mean(1))
        nearest.append(relevant[:, 0])
    return {
        'mAP': float(torch.cat(average_precisions).mean()),
        'P@10': float(torch.cat(precisions_at_10).mean()),
        '1-NN': float(torch.cat(nearest).mean()),
    }


def retrieval_measures(scores: Callable[[np.ndarray], torch.Tensor], documents: Documents,
                       queries: np.ndarray, chunk: int = 100) -> dict:
    """Same-document mAP and P@10: every query ranks all other formulas of the split.
    `scores(query_rows)` returns [len(query_rows), n] similarities against documents.all_rows()."""
    rows = documents.all_rows()
    position = {int(row): i for i, row in enumerate(rows)}
    labels = torch.tensor([documents.document_of[int(row)] for row in rows])
    measures = ranking_measures(lambda positions: scores(rows[positions]), labels,
                                np.array([position[int(row)] for row in queries]), chunk)
    return {key: measures[key] for key in ('mAP', 'P@10')}


def concept_measures(similarity_of: Callable[[np.ndarray], torch.Tensor], concepts: Dataset) -> dict:
    """1-NN accuracy and mAP on a class-labelled set (training/concept_set.py: a formula's class is its record's
    source), as the seed authors measured their encoders on 94 hand-labelled formulas: each formula ranks all
    the others, and the formulas of its class are the relevant ones. `similarity_of(rows)` gives [len(rows),
    concepts.count] similarities with every row of the set."""
    classes = [row['source'] for row in concepts.rows]
    names = sorted(set(classes))
    sizes = Counter(classes)
    labels = torch.tensor([names.index(name) for name in classes])
    queries = np.array([i for i, name in enumerate(classes) if sizes[name] > 1])  # a class of one has nothing to find
    measures = ranking_measures(similarity_of, labels, queries)
    return {'concept_1nn': measures['1-NN'], 'concept_mAP': measures['mAP']}


def encoder_concept_measures(model: nn.Module, concepts: Dataset) -> dict:
    """concept_measures of an encoder: cosine similarity of its embeddings."""
    embeddings = embed_rows(model, concepts.bitmaps, np.arange(concepts.count))
    return concept_measures(lambda rows: embeddings[torch.as_tensor(rows)] @ embeddings.T, concepts)


def tfidf_concept_measures(concepts: Dataset, corpus: dict[str, dict]) -> dict:
    """concept_measures of the TF-IDF 1–3-gram baseline over the set's LaTeX (its corpus.jsonl)."""
    tfidf = TfidfBaseline(corpus_tokens(concepts.rows, corpus), np.arange(concepts.count))
    return concept_measures(tfidf.scores, concepts)


def evaluate_encoder(model: nn.Module, bitmaps: torch.Tensor, documents: Documents,
                     triples: np.ndarray, queries: np.ndarray | None) -> dict:
    """Triple measures, and retrieval measures when queries are given (that needs every formula's embedding)."""
    needed = documents.all_rows() if queries is not None else np.unique(triples)
    embeddings = embed_rows(model, bitmaps, needed)
    index = {int(row): i for i, row in enumerate(needed)}

    def lookup(rows: np.ndarray) -> torch.Tensor:
        return embeddings[torch.tensor([index[int(row)] for row in rows])]

    measures = triple_measures(lambda a, b: (lookup(a) * lookup(b)).sum(1), triples)
    if queries is not None:
        measures.update(retrieval_measures(lambda block: lookup(block) @ embeddings.T, documents, queries))
    return measures


def ngrams(tokens: list[str], longest: int = 3) -> Counter:
    return Counter(' '.join(tokens[i:i + n]) for n in range(1, longest + 1) for i in range(len(tokens) - n + 1))


class TfidfBaseline:
    """Token 1–3-gram TF-IDF vectors (smoothed idf, L2-normalised) of the split's formulas, cosine similarity."""

    def __init__(self, tokens_of_row: Callable[[int], list[str]], rows: np.ndarray):
        """`rows`: the dataset rows to index (a split's documents.all_rows(), or every row of a set)."""
        counts = [ngrams(tokens_of_row(int(row))) for row in rows]
        frequency = Counter(term for count in counts for term in count)
        self.vocabulary = {term: i for i, term in enumerate(frequency)}
        self.idf = {term: math.log((1 + len(rows)) / (1 + df)) + 1 for term, df in frequency.items()}
        self.unseen_idf = math.log(1 + len(rows)) + 1
        self.vectors: dict[int, dict[int, float]] = {int(row): self.vector(count) for row, count in zip(rows, counts)}
        self.position = {int(row): i for i, row in enumerate(rows)}
        entries = [(self.position[row], term, weight) for row, vector in self.vectors.items() for term, weight in vector.items()]
        index = torch.tensor([[r for r, _, _ in entries], [t for _, t, _ in entries]], dtype=torch.long)
        values = torch.tensor([w for _, _, w in entries], dtype=torch.float32)
        self.matrix = torch.sparse_coo_tensor(index, values, (len(rows), len(self.vocabulary))).coalesce()

    def vector(self, count: Counter) -> dict[int, float]:
        """The normalised TF-IDF vector of n-gram counts; terms the split never saw count in the norm (with the
        idf of a term in no formula) and are then dropped, as src/core/search/lexical.ts queries do."""
        weights = {term: c * self.idf.get(term, self.unseen_idf) for term, c in count.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {self.vocabulary[term]: w / norm for term, w in weights.items() if term in self.vocabulary}

    def similarity(self, left: np.ndarray, right: np.ndarray) -> torch.Tensor:
        def dot(a: dict[int, float], b: dict[int, float]) -> float:
            if len(a) > len(b):
                a, b = b, a
            return sum(w * b.get(t, 0.0) for t, w in a.items())
        return torch.tensor([dot(self.vectors[int(a)], self.vectors[int(b)]) for a, b in zip(left, right)])

    def scores(self, queries: np.ndarray) -> torch.Tensor:
        selected = self.matrix.index_select(0, torch.tensor([self.position[int(q)] for q in queries])).to_dense()
        return torch.sparse.mm(self.matrix, selected.T).T

    def token_scores(self, queries: list[list[str]]) -> torch.Tensor:
        """Similarities [len(queries), n] of formulas outside the split (given as tokens) with every formula of it."""
        dense = torch.zeros(len(queries), len(self.vocabulary))
        for i, tokens in enumerate(queries):
            for term, weight in self.vector(ngrams(tokens)).items():
                dense[i, term] = weight
        return torch.sparse.mm(self.matrix, dense.T).T

    def evaluate(self, documents: Documents, triples: np.ndarray, queries: np.ndarray) -> dict:
        return {**triple_measures(self.similarity, triples), **retrieval_measures(self.scores, documents, queries)}


def corpus_tokens(rows: list[dict], corpus: dict[str, dict]) -> Callable[[int], list[str]]:
    """The tokens of a dataset row's formula, by the project's tokenizer with its document's macros
    expanded (the renderer expands them too, so both sides see the same formula)."""
    def tokens(row: int) -> list[str]:
        record = corpus[rows[row]['record']]
        latex = record['formulas'][rows[row]['formula']]['latex']
        try:
            return tokenize_formula(latex, record.get('macros') or '')[0]
        except TokenizeError:
            return lex(latex)
    return tokens

