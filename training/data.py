"""The rendered dataset (`formula-lens dataset` output), the corpus, the source split and the
weakly labelled triples of Schill (2020), section 4.1.1: two formulas of one document are similar,
formulas of different documents are not."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

SPLITS = ('train', 'validation', 'test')
DEFAULT_SPLIT = Path(__file__).resolve().parent.parent / 'models' / 'split.json'
SPLIT_FRACTIONS = {'train': 0.8, 'validation': 0.1, 'test': 0.1}
# A group of sources larger than a whole held-out split's share would overfill it (in the corpus:
# hep-th, 47% of the formulas, and the Stacks Project, 20%), so it always trains.
TRAIN_ONLY_SHARE = min(SPLIT_FRACTIONS['validation'], SPLIT_FRACTIONS['test'])


class DataError(Exception):
    """The dataset, corpus or split on disk is missing or malformed."""


@dataclass
class Dataset:
    """Bitmaps [N, 32, 333] uint8 in memory, and per row its document, section and source."""
    bitmaps: torch.Tensor
    rows: list[dict]
    renderer: str

    @property
    def count(self) -> int:
        return len(self.rows)


def load_dataset(directory: Path, device: torch.device | str = 'cpu') -> Dataset:
    meta_path = directory / 'meta.json'
    if not meta_path.exists():
        raise DataError(f'{meta_path} is missing: the dataset is absent or still being written')
    meta = json.loads(meta_path.read_text())
    count, height, width = meta['count'], meta['height'], meta['width']
    if (height, width) != (32, 333):
        raise DataError(f'{directory}: bitmaps are {height}×{width}, the encoders need 32×333')
    bitmap_path = directory / 'bitmaps.u8'
    if bitmap_path.stat().st_size != count * height * width:
        raise DataError(f'{bitmap_path}: size does not match {count} bitmaps of {height}×{width}')
    with open(directory / 'formulas.jsonl', encoding='utf8') as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    if len(rows) != count:
        raise DataError(f'{directory}/formulas.jsonl has {len(rows)} lines, meta.json says {count}')
    bitmaps = np.fromfile(bitmap_path, dtype=np.uint8).reshape(count, height, width)
    return Dataset(torch.from_numpy(bitmaps).to(device), rows, meta.get('renderer', 'unknown'))


def load_corpus(path: Path) -> dict[str, dict]:
    """Corpus records by id (papers.jsonl, see /work/shared/corpus/README.md)."""
    with open(path, encoding='utf8') as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return {record['id']: record for record in records}


def make_split(corpus: dict[str, dict], seed: int) -> dict:
    """Assigns whole sources to train/validation/test (about 80/10/10 of the formulas).

    Sources linked by `shares_formulas_with` form one group, so near-duplicate documents never
    straddle two splits. Groups above TRAIN_ONLY_SHARE of all formulas go to train; the others,
    in a seeded random order, each go to the split furthest below its target share."""
    parent: dict[str, str] = {}

    def find(source: str) -> str:
        while parent.setdefault(source, source) != source:
            parent[source] = parent[parent[source]]
            source = parent[source]
        return source

    formulas_per_source: dict[str, int] = {}
    for record in corpus.values():
        formulas_per_source[record['source']] = formulas_per_source.get(record['source'], 0) + len(record['formulas'])
        find(record['source'])
        for other in record.get('shares_formulas_with') or []:
            if other in corpus:
                parent[find(corpus[other]['source'])] = find(record['source'])
    groups: dict[str, list[str]] = {}
    for source in sorted(formulas_per_source):
        groups.setdefault(find(source), []).append(source)
    group_list = sorted(groups.values())
    random.Random(seed).shuffle(group_list)

    total = sum(formulas_per_source.values())
    size = {split: 0 for split in SPLITS}
    chosen: dict[str, list[str]] = {split: [] for split in SPLITS}
    large = [group for group in group_list if sum(formulas_per_source[s] for s in group) > TRAIN_ONLY_SHARE * total]
    for group in large + [group for group in group_list if group not in large]:
        if group in large:
            split = 'train'
        else:
            split = max(SPLITS, key=lambda name: 1 - size[name] / (SPLIT_FRACTIONS[name] * total))
        chosen[split].extend(group)
        size[split] += sum(formulas_per_source[s] for s in group)
    return {'seed': seed, **{split: sorted(chosen[split]) for split in SPLITS}}


def load_split(path: Path) -> dict[str, str]:
    """The committed split as source → split name."""
    split = json.loads(path.read_text())
    return {source: name for name in SPLITS for source in split[name]}


class Documents:
    """The formulas (dataset row indices) of one split, grouped by document and section, for sampling."""

    def __init__(self, dataset: Dataset, split_of_source: dict[str, str], split: str, include_degraded: bool,
                 display_only: bool = False):
        by_document: dict[str, dict[str, list[int]]] = {}
        for index, row in enumerate(dataset.rows):
            if split_of_source.get(row['source']) != split or (row.get('degraded') and not include_degraded):
                continue
            if display_only and row.get('inline'):
                continue
            section = row.get('section') or ''
            by_document.setdefault(row['record'], {}).setdefault(section, []).append(index)
        # A document with a single formula cannot give an anchor and a positive.
        kept = {doc: sections for doc, sections in sorted(by_document.items())
                if sum(len(rows) for rows in sections.values()) >= 2}
        self.names = list(kept)
        source_of = {row['record']: row['source'] for row in dataset.rows}
        self.sources = [source_of[name] for name in self.names]
        self.weights: np.ndarray | None = None  # None: documents are drawn uniformly
        # Of an InfoNCE batch, this share of the documents comes from few sources (hard in-batch negatives).
        self.same_source_share = 0.0
        self.by_source: dict[str, list[int]] = {}
        for document, source in enumerate(self.sources):
            self.by_source.setdefault(source, []).append(document)
        self.formulas = [np.array(sorted(r for rows in sections.values() for r in rows)) for sections in kept.values()]
        self.section_of: dict[int, np.ndarray] = {}
        for sections in kept.values():
            for rows in sections.values():
                members = np.array(rows)
                for row in rows:
                    self.section_of[row] = members
        self.document_of = {int(row): doc for doc, rows in enumerate(self.formulas) for row in rows}
        # Structural positives (attach_neighbours): this share of an InfoNCE batch's pairs takes one.
        self.structure_share = 0.0
        self.neighbours: dict[int, np.ndarray] = {}  # anchor row → its neighbours' rows
        self.anchors_of: dict[int, np.ndarray] = {}  # document → its rows that have neighbours
        self.taught_documents = np.empty(0, dtype=np.int64)  # the documents that have such rows
        if len(self.names) < 2:
            raise DataError(f'the {split} split has {len(self.names)} documents with two or more formulas; '
                            'sampling needs at least two')

    def __len__(self) -> int:
        return len(self.names)

    def weigh_by_source(self) -> None:
        """Draws a document with probability ∝ 1/√(documents of its source). The train split is two
        thirds hep-th documents, the held-out splits have none: this cuts hep-th's share of anchors and
        in-batch negatives from 66% to about a fifth without letting one-document sources dominate."""
        weights = np.array([len(self.by_source[source]) ** -0.5 for source in self.sources])
        self.weights = weights / weights.sum()

    def draw(self, rng: np.random.Generator, size: int | None = None, replace: bool = True):
        """Document indices, uniform or by the weights of weigh_by_source."""
        if self.weights is None and replace:
            return rng.integers(len(self.names), size=size)
        return rng.choice(len(self.names), size=size, replace=replace, p=self.weights)

    def attach_neighbours(self, path: Path, rows: list[dict]) -> int:
        """Reads `formula-lens structure-pairs` output: each formula's structural neighbours in other papers. Pairs
        whose formulas are not both among these documents (another split, not rendered) are skipped; returns
        how many anchors are left."""
        row_of = {(row['record'], row['formula']): index for index, row in enumerate(rows) if index in self.document_of}
        with open(path, encoding='utf8') as lines:
            for line in filter(str.strip, lines):
                entry = json.loads(line)
                anchor = row_of.get((entry['record'], entry['formula']))
                found = [row_of[key] for n in entry['neighbours'] if (key := (n['record'], n['formula'])) in row_of]
                if anchor is not None and found:
                    self.neighbours[anchor] = np.array(found)
        by_document: dict[int, list[int]] = {}
        for anchor in sorted(self.neighbours):
            by_document.setdefault(self.document_of[anchor], []).append(anchor)
        self.anchors_of = {document: np.array(anchors) for document, anchors in by_document.items()}
        self.taught_documents = np.array(sorted(by_document), dtype=np.int64)
        return len(self.neighbours)

    @property
    def formula_count(self) -> int:
        return sum(len(rows) for rows in self.formulas)

    def all_rows(self) -> np.ndarray:
        return np.concatenate(self.formulas)


def _other(members: np.ndarray, exclude: int, rng: np.random.Generator) -> int:
    """A uniform member of `members` other than `exclude` (members holds at least two rows)."""
    choice = int(members[rng.integers(len(members) - 1)])
    return int(members[-1]) if choice == exclude else choice


def sample_pair(documents: Documents, document: int, rng: np.random.Generator) -> tuple[int, int]:
    """An anchor from the document and a positive from its section, else from the same document."""
    rows = documents.formulas[document]
    anchor = int(rows[rng.integers(len(rows))])
    section = documents.section_of[anchor]
    return anchor, _other(section if len(section) >= 2 else rows, anchor, rng)


def sample_triples(documents: Documents, count: int, rng: np.random.Generator) -> np.ndarray:
    """[count, 3] rows (anchor, positive, negative); anchor and negative documents drawn uniformly,
    so that documents with many formulas are not over-represented (thesis 4.1.1, footnote 1), or by
    the documents' weights when set."""
    triples = np.empty((count, 3), dtype=np.int64)
    for i in range(count):
        document = int(documents.draw(rng))
        anchor, positive = sample_pair(documents, document, rng)
        if documents.weights is None:
            other = int(rng.integers(len(documents) - 1))
            other += other >= document
        else:
            other = document
            while other == document:
                other = int(documents.draw(rng))
        rows = documents.formulas[other]
        triples[i] = (anchor, positive, int(rows[rng.integers(len(rows))]))
    return triples


def sample_pairs(documents: Documents, count: int, rng: np.random.Generator) -> np.ndarray:
    """[count, 2] (anchor, positive) rows from `count` distinct documents: in-batch negatives
    for InfoNCE are then never from the anchor's own document. With a structure share, that share of the
    pairs takes a structural neighbour from another paper as its positive (structural_pair)."""
    count = min(count, len(documents))
    taught = _taught_documents(documents, round(count * documents.structure_share), rng)
    if len(taught):
        # The rest of the batch: paper positives from documents not chosen yet.
        rest = np.setdiff1d(np.arange(len(documents)), taught)
        p = documents.weights[rest] / documents.weights[rest].sum() if documents.weights is not None else None
        others = rng.choice(rest, size=min(count - len(taught), len(rest)), replace=False, p=p)
        return np.array([structural_pair(documents, int(document), rng) for document in taught]
                        + [sample_pair(documents, int(document), rng) for document in others], dtype=np.int64)
    hard = _same_source_documents(documents, round(count * documents.same_source_share), rng)
    if hard:
        # The rest uniformly (or by weight) from the documents not chosen yet.
        rest = np.setdiff1d(np.arange(len(documents)), hard)
        p = documents.weights[rest] / documents.weights[rest].sum() if documents.weights is not None else None
        chosen = np.concatenate([hard, rng.choice(rest, size=count - len(hard), replace=False, p=p)])
    else:
        chosen = documents.draw(rng, size=count, replace=False)
    return np.array([sample_pair(documents, int(document), rng) for document in chosen], dtype=np.int64)


def structural_pair(documents: Documents, document: int, rng: np.random.Generator) -> tuple[int, int]:
    """An anchor of the document that has structural neighbours, and one of them (from another paper)."""
    anchors = documents.anchors_of[document]
    anchor = int(anchors[rng.integers(len(anchors))])
    neighbours = documents.neighbours[anchor]
    return anchor, int(neighbours[rng.integers(len(neighbours))])


def _taught_documents(documents: Documents, count: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `count` distinct documents that have structural anchors, by the documents' weights when set. A
    positive's own paper may be another anchor's in the batch: a rare, weak false negative, as weak as the labels."""
    eligible = documents.taught_documents
    if count == 0 or len(eligible) == 0:
        return eligible[:0]
    p = documents.weights[eligible] / documents.weights[eligible].sum() if documents.weights is not None else None
    return rng.choice(eligible, size=min(count, len(eligible)), replace=False, p=p)


def _same_source_documents(documents: Documents, count: int, rng: np.random.Generator) -> list[int]:
    """`count` distinct documents, filled source by source: the source of a drawn document, all of its
    documents not taken yet in random order, then the next. Documents of one source share notation and
    topic, so as in-batch negatives of each other they are the hard ones that same-document retrieval meets."""
    chosen: list[int] = []
    while len(chosen) < count:
        source = documents.sources[int(documents.draw(rng))]
        members = [document for document in documents.by_source[source] if document not in chosen]
        chosen.extend(int(document) for document in rng.permutation(members)[:count - len(chosen)])
    return chosen


def to_input(bitmaps: torch.Tensor, rows: np.ndarray | torch.Tensor) -> torch.Tensor:
    """The model input [n, 1, 32, 333] float32 = byte / 255 for the given dataset rows, channels_last."""
    selected = bitmaps.index_select(0, torch.as_tensor(rows, dtype=torch.long, device=bitmaps.device).flatten())
    return (selected.unsqueeze(1).float() / 255.0).contiguous(memory_format=torch.channels_last)
