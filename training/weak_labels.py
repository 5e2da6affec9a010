"""The bitmap encoders' training batches: weakly labelled samples (formulas of one document are similar,
of different documents not), each bitmap shifted by its own offset. train.py fit and finetune.py draw them."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from data import Documents, sample_pairs, sample_triples, to_input
from losses import squared_triplet_loss, symmetric_info_nce


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
