"""The two equation encoders of Schill (2020): the Squeezed Equation-Encoder (SEE, section 4.1.4,
133,120 parameters) and the Baseline Equation-Encoder of Pfahler et al. (BEE, section 3.1.1,
255,168 parameters), both with the final configuration of section 4.2.6: SELU activations and
LeCun-normal initialisation. Input: float32 [N, 1, 32, 333] (ink = 1); output: unit-norm [N, 64]."""

import torch
from torch import nn
import torch.nn.functional as F

HEIGHT, WIDTH, DIMENSION = 32, 333, 64


class Fire(nn.Module):
    """SqueezeNet's fire module with squeeze ratio 0.5 and pct3x3 0.5 (64 → 32 → 32 + 32 channels).
    Only the 3×3 expand convolution is padded, so all branches keep the input's size."""

    def __init__(self, channels: int = 64):
        super().__init__()
        half = channels // 2
        self.squeeze = nn.Conv2d(channels, half, 1)
        self.expand1x1 = nn.Conv2d(half, half, 1)
        self.expand3x3 = nn.Conv2d(half, half, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = F.selu(self.squeeze(x))
        return torch.cat([F.selu(self.expand1x1(squeezed)), F.selu(self.expand3x3(squeezed))], dim=1)


class SqueezedEquationEncoder(nn.Module):
    """Layer table 4.1 of the thesis. The last convolution is the embedding layer: no activation."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 64, 3, stride=2), nn.SELU(),                  # 64×15×166
            nn.MaxPool2d(3, stride=2), nn.BatchNorm2d(64),             # 64×7×82
            Fire(), Fire(),
            nn.MaxPool2d(3, stride=2), nn.BatchNorm2d(64),             # 64×3×40
            Fire(), Fire(),
            nn.MaxPool2d(3, stride=2), nn.BatchNorm2d(64),             # 64×1×19
            Fire(), Fire(), Fire(), Fire(),
            nn.Conv2d(64, 64, (1, 5), stride=2), nn.SELU(),            # 64×1×8
            nn.BatchNorm2d(64),
            nn.Conv2d(64, DIMENSION, (1, 3), stride=2),                # 64×1×3
            nn.AvgPool2d((1, 3)),                                      # 64×1×1
        )
        lecun_normal_(self)

    def forward(self, bitmaps: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.features(bitmaps).flatten(1), dim=1)


class BaselineEquationEncoder(nn.Module):
    """Layer table 3.1 of the thesis (Pfahler et al.'s large encoder), batch norm kept on throughout."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 64, 3), nn.SELU(),                            # 64×30×331
            nn.Conv2d(64, 64, 3), nn.SELU(),                           # 64×28×329
            nn.MaxPool2d((2, 4)),                                      # 64×14×82
            nn.Conv2d(64, 64, (3, 5)), nn.SELU(),                      # 64×12×78
            nn.Conv2d(64, 64, (3, 5)), nn.SELU(),                      # 64×10×74
            nn.MaxPool2d((2, 4)),                                      # 64×5×18
            nn.Conv2d(64, 64, 3), nn.SELU(),                           # 64×3×16
            nn.Conv2d(64, 64, 3), nn.SELU(),                           # 64×1×14
            nn.MaxPool2d((1, 3)),                                      # 64×1×4
        )
        self.head = nn.Sequential(
            nn.Linear(256, 64), nn.BatchNorm1d(64), nn.SELU(),
            nn.Linear(64, DIMENSION),
        )
        lecun_normal_(self)

    def forward(self, bitmaps: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.head(self.features(bitmaps).flatten(1)), dim=1)


ARCHITECTURES = {'see': SqueezedEquationEncoder, 'bee': BaselineEquationEncoder}


def build(architecture: str) -> nn.Module:
    return ARCHITECTURES[architecture]()


def lecun_normal_(model: nn.Module) -> None:
    """Definition 4.2.1: weights ~ N(0, 1/fan_in), biases zero (what SELU's self-normalisation assumes)."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = module.weight[0].numel()
            nn.init.normal_(module.weight, mean=0.0, std=fan_in ** -0.5)
            nn.init.zeros_(module.bias)


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())
