"""The symbolic formula encoder (SNIP's symbolic branch, Meidani et al. 2023, applied to LaTeX): canonical
formula tokens (training/tokenizer.py, vocabulary src/core/latex/vocab.json) → a small pre-norm transformer
with learned positional embeddings → attention pooling → a 64-d unit vector, the same space size as the
bitmap encoders so the two can be aligned and fused.

Input: token ids int64 [N, L], each row [BOS] + canonical token ids, right-padded with [PAD] (id 0); tokens
beyond max_length are ignored. The padding mask is derived from the ids inside the model, so the ONNX graph has one input."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

DIMENSION = 64
PAD_ID = 0  # vocab.json: [PAD] is token 0, [BOS] token 2
BOS_ID = 2
# SNIP's symbolic encoder is deeper (and the issue suggests 4 layers); on this shared 2-core CPU a 4-layer, 512-wide
# feed-forward step costs 4× more, so the default is 2 layers, and 64 tokens cover 85% of the corpus's formulas whole.
DEFAULT_CONFIG = {'layers': 2, 'width': 128, 'heads': 4, 'feedforward': 256, 'max_length': 64, 'dropout': 0.1}


class Block(nn.Module):
    """Pre-norm transformer layer written out with plain matmuls: torch 1.13's nn.TransformerEncoder takes
    a nested-tensor fast path in eval mode that does not export to ONNX."""

    def __init__(self, width: int, heads: int, feedforward: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.scale = 1 / math.sqrt(width // heads)
        self.attention_norm = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.project = nn.Linear(width, width)
        self.feedforward_norm = nn.LayerNorm(width)
        self.feedforward = nn.Sequential(nn.Linear(width, feedforward), nn.GELU(), nn.Linear(feedforward, width))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, padding_bias: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        head_width = width // self.heads
        q, k, v = self.qkv(self.attention_norm(x)).view(batch, length, 3, self.heads, head_width).permute(2, 0, 3, 1, 4).unbind(0)
        scores = q @ k.transpose(-1, -2) * self.scale + padding_bias  # [B, H, L, L]
        attended = (self.dropout(scores.softmax(-1)) @ v).transpose(1, 2).reshape(batch, length, width)
        x = x + self.dropout(self.project(attended))
        return x + self.dropout(self.feedforward(self.feedforward_norm(x)))


class SymbolicEncoder(nn.Module):
    def __init__(self, vocabulary_size: int, layers: int, width: int, heads: int, feedforward: int,
                 max_length: int, dropout: float):
        super().__init__()
        self.max_length = max_length
        self.tokens = nn.Embedding(vocabulary_size, width, padding_idx=PAD_ID)
        self.positions = nn.Embedding(max_length, width)
        self.blocks = nn.ModuleList(Block(width, heads, feedforward, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.pool_score = nn.Linear(width, 1)  # attention pooling: one learned query over the tokens
        self.head = nn.Linear(width, DIMENSION)
        nn.init.normal_(self.tokens.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        token_ids = token_ids[:, :self.max_length]  # longer rows are truncated here, so callers need not know the limit
        padding = token_ids == PAD_ID  # [B, L]
        # A large finite negative rather than -inf: a row is never all padding ([BOS] leads), and finite
        # values keep the exported graph free of inf arithmetic.
        bias = padding.float() * -1e9
        positions = torch.arange(token_ids.shape[1], device=token_ids.device)
        x = self.tokens(token_ids) + self.positions(positions).unsqueeze(0)
        attention_bias = bias[:, None, None, :]
        for block in self.blocks:
            x = block(x, attention_bias)
        x = self.norm(x)
        weights = (self.pool_score(x).squeeze(-1) + bias).softmax(-1)  # [B, L]
        pooled = (weights.unsqueeze(-1) * x).sum(1)
        return F.normalize(self.head(pooled), dim=-1)


def build(vocabulary_size: int, config: dict) -> SymbolicEncoder:
    return SymbolicEncoder(vocabulary_size, config['layers'], config['width'], config['heads'],
                           config['feedforward'], config['max_length'], config['dropout'])


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())
