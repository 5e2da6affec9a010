"""Training losses on unit-norm embeddings, and the optimiser step the training scripts share."""

import math

import torch
from torch import nn
import torch.nn.functional as F

MAX_LOG_SCALE = math.log(100)  # CLIP's cap on the learned logit scale
INITIAL_TEMPERATURE = 0.07  # CLIP's and SNIP's starting temperature; the scale is learned


def swapped_margin_violation(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                             margin: float = 1.0) -> torch.Tensor:
    """Per triple Δ − ⟨a,p⟩ + max(⟨a,n⟩, ⟨p,n⟩): the triplet margin with anchor swap (Pfahler et al.
    2019, eq. 3), i.e. the worse of the two triples with the roles of anchor and positive swapped."""
    similar = (anchor * positive).sum(1)
    dissimilar = torch.maximum((anchor * negative).sum(1), (positive * negative).sum(1))
    return margin - similar + dissimilar


def squared_triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                         margin: float = 1.0) -> torch.Tensor:
    """The training objective of Schill (2020), 4.1.5: the anchor-swap margin loss, squared."""
    return F.relu(swapped_margin_violation(anchor, positive, negative, margin)).pow(2).mean()


def symmetric_info_nce(anchor: torch.Tensor, positive: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """SNIP's (and CLIP's) symmetric InfoNCE: each anchor must pick its positive among all positives
    of the batch and vice versa, so a batch of B pairs gives every anchor B−1 negatives."""
    logits = log_scale.exp() * anchor @ positive.T
    labels = torch.arange(len(anchor), device=anchor.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def learned_log_scale(temperature: float, device: str | torch.device = 'cpu') -> nn.Parameter:
    """InfoNCE's logit scale, log(1 / temperature), as a parameter the optimiser learns (made on the model's
    device: a parameter moved there later would no longer be the leaf the optimiser updates)."""
    return nn.Parameter(torch.tensor(math.log(1 / temperature), device=device))


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor, log_scale: torch.Tensor) -> None:
    """One step on `loss`; the learned logit scale stays under CLIP's cap."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        log_scale.clamp_(max=MAX_LOG_SCALE)
