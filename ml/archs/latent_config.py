"""What the small latent models' configurations share (:class:`ml.archs.vae.VAEConfig`,
:class:`ml.archs.dcgan.GANConfig`): a square resolution of 64 or 128 px, a latent size,
the number of stride-2 stages between 4×4 and the resolution, and a plain-dict form that
is stored in the model file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar


@dataclass(frozen=True)
class LatentImageConfig:
    #: what the error messages call the model ("the VAE", "the DCGAN")
    KIND: ClassVar[str] = "the model"

    resolution: int = 64
    latent_dim: int = 32

    def __post_init__(self) -> None:
        if self.resolution not in (64, 128):
            raise ValueError(f"{self.KIND} supports 64 or 128 px, not {self.resolution}")
        if not 2 <= self.latent_dim <= 1024:
            raise ValueError(f"latent size {self.latent_dim} is outside 2..1024")

    @property
    def levels(self) -> int:
        """Stride-2 stages between 4×4 and the resolution."""
        return 4 if self.resolution == 64 else 5

    def to_dict(self) -> dict:
        return asdict(self)
