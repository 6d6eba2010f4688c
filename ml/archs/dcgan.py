"""DCGAN (Radford et al. 2015) at 64 or 128 px, with a spectrally normalised discriminator.

Generator: latent ``(N, d)`` → 4×4 map by a 4×4 transposed conv, then stride-2
transposed convs (BatchNorm + ReLU) doubling the size up to the resolution, tanh,
mapped to [0, 1]. Discriminator: stride-2 4×4 convs with spectral norm and LeakyReLU
down to 4×4, then a 4×4 conv to one logit. Losses (:func:`d_loss`, :func:`g_loss`): BCE
real vs fake with one-sided label smoothing (real target 0.9), non-saturating G loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from ml.archs.latent_config import LatentImageConfig

ARCH_NAME = "latent-dcgan"


@dataclass(frozen=True)
class GANConfig(LatentImageConfig):
    """Architecture of a DCGAN pair (stored in the model file)."""

    KIND: ClassVar[str] = "the DCGAN"

    resolution: int = 64
    latent_dim: int = 64
    g_base: int = 32
    d_base: int = 32


class Generator(nn.Module):
    """Noise → image in [0, 1]."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        chans = [min(config.g_base * 2**i, config.g_base * 8) for i in range(config.levels)][::-1]
        self.stem = nn.Sequential(
            nn.ConvTranspose2d(config.latent_dim, chans[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(chans[0]),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        for c_in, c_out in pairwise(chans):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU(inplace=True)]
        layers += [nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1)]
        self.body = nn.Sequential(*layers)

    def features(self, z: torch.Tensor) -> torch.Tensor:
        """The 4×4 feature map after the stem (GANSpace PCA runs on it)."""
        return self.stem(z[:, :, None, None])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (torch.tanh(self.body(self.features(z))) + 1) * 0.5


class Discriminator(nn.Module):
    """Image in [0, 1] → one real/fake logit per image."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        chans = [min(config.d_base * 2**i, config.d_base * 8) for i in range(config.levels)]
        layers: list[nn.Module] = []
        prev = 3
        for c in chans:
            layers += [spectral_norm(nn.Conv2d(prev, c, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True)]
            prev = c
        layers += [spectral_norm(nn.Conv2d(prev, 1, 4, 1, 0))]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 - 1).flatten()


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, smooth: float = 0.9) -> torch.Tensor:
    """Discriminator BCE; real targets are ``smooth`` (one-sided label smoothing)."""
    return F.binary_cross_entropy_with_logits(
        real_logits, torch.full_like(real_logits, smooth)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: −log D(G(z))."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
