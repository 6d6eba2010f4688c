"""A small convolutional VAE for square RGB images at 64 or 128 px.

Encoder: ``n`` stride-2 4×4 convolutions (BatchNorm + LeakyReLU) from the image down to
4×4, then linear layers to the posterior mean and log-variance. Decoder: a linear layer
to a 4×4 feature map, ``n`` stride-2 transposed convolutions back to full size and a 3×3
conv to RGB through a sigmoid. ``n`` = 4 at 64 px, 5 at 128 px; channels double from
``base`` per level, capped at ``8·base``.

Images are float RGB in [0, 1], shape ``(N, 3, S, S)``; latents ``(N, latent)``.
The loss (:func:`vae_loss`) is the summed squared error per image plus
``kl_weight`` × the KL divergence to N(0, I) (a Gaussian likelihood whose variance
``kl_weight / 2`` sets how sharp reconstructions are against how regular the latent is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ml.archs.latent_config import LatentImageConfig

ARCH_NAME = "latent-vae"


@dataclass(frozen=True)
class VAEConfig(LatentImageConfig):
    """Architecture of a :class:`ConvVAE` (stored in the model file)."""

    KIND: ClassVar[str] = "the VAE"

    resolution: int = 64
    latent_dim: int = 32
    base: int = 32

    def channels(self) -> list[int]:
        """Channels after each encoder level (the decoder mirrors them)."""
        return [min(self.base * 2**i, self.base * 8) for i in range(self.levels)]


class ConvVAE(nn.Module):
    """Convolutional VAE; ``encode`` → (mu, logvar), ``decode`` → images in [0, 1]."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        chans = config.channels()
        layers: list[nn.Module] = []
        prev = 3
        for c in chans:
            layers += [nn.Conv2d(prev, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c),
                       nn.LeakyReLU(0.2, inplace=True)]
            prev = c
        self.encoder = nn.Sequential(*layers)
        flat = chans[-1] * 16
        self.to_mu = nn.Linear(flat, config.latent_dim)
        self.to_logvar = nn.Linear(flat, config.latent_dim)
        self.from_z = nn.Linear(config.latent_dim, flat)
        up: list[nn.Module] = []
        rev = chans[::-1]
        for c_in, c_out in zip(rev, rev[1:] + [max(16, config.base // 2)]):
            up += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                   nn.ReLU(inplace=True)]
        self.decoder = nn.Sequential(*up)
        self.to_rgb = nn.Conv2d(max(16, config.base // 2), 3, 3, padding=1)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance of images ``(N, 3, S, S)`` in [0, 1]."""
        h = self.encoder(x * 2 - 1).flatten(1)
        return self.to_mu(h), self.to_logvar(h).clamp(-12, 8)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 3, S, S)`` in [0, 1] from latents ``(N, latent)``."""
        c = self.config.channels()[-1]
        h = F.relu(self.from_z(z)).view(-1, c, 4, 4)
        return torch.sigmoid(self.to_rgb(self.decoder(h)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction (with a reparameterised sample), mu and logvar."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decode(z), mu, logvar


def vae_loss(
    recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
    kl_weight: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Total loss (mean over the batch) and its parts as floats (``recon``, ``kl``)."""
    n = x.shape[0]
    rec = F.mse_loss(recon, x, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    return rec + kl_weight * kl, {"recon": rec.item(), "kl": kl.item()}
