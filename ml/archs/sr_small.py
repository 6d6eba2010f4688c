"""SRSmall: the built-in super-resolution CNN (small, fast on a CPU, trained by us).

A residual network on the low-resolution grid: head conv 3→C (3×3), a body of N
[conv C→C 3×3 + ReLU] with a long skip, a tail conv C→3·s² and a pixel shuffle. Its
output is a *correction* added to the bicubic upsample of the input, so an untrained net
starts at bicubic and training only has to learn the missing detail.

Input and output are float RGB in [0, 1], shape ``(N, 3, h, w)`` → ``(N, 3, h·s, w·s)``
(not clamped: callers clamp). Weights live in safetensors files whose metadata carries
``arch="sr-small"``, ``scale``, ``channels`` and ``blocks``, so the file alone says how to
build the net (:func:`load_sr_small`).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ARCH_NAME = "sr-small"


class SRSmall(nn.Module):
    """Residual CNN super-resolution at integer ``scale`` (2, 3 or 4)."""

    def __init__(self, scale: int = 2, channels: int = 48, blocks: int = 6) -> None:
        super().__init__()
        if scale not in (2, 3, 4):
            raise ValueError(f"SRSmall supports scales 2, 3, 4, not {scale}")
        self.scale = int(scale)
        self.channels = int(channels)
        self.blocks = int(blocks)
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.body = nn.Sequential(
            *[
                layer
                for _ in range(blocks)
                for layer in (nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True))
            ]
        )
        self.tail = nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)
        # start as (almost) plain bicubic: a tiny tail keeps early training stable
        nn.init.normal_(self.tail.weight, std=1e-3)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        feat = self.head(x)
        feat = feat + self.body(feat)
        return base + self.shuffle(self.tail(feat))

    def metadata(self) -> dict[str, str]:
        """safetensors metadata describing this net (all values are strings)."""
        return {
            "arch": ARCH_NAME,
            "scale": str(self.scale),
            "channels": str(self.channels),
            "blocks": str(self.blocks),
        }


def save_sr_small(model: SRSmall, path: str | Path, extra: dict[str, str] | None = None) -> None:
    """Write the weights (fp32) and metadata atomically to a safetensors file."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    meta = model.metadata() | {k: str(v) for k, v in (extra or {}).items()}
    state = {k: v.detach().float().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(tmp), metadata=meta)
    tmp.chmod(0o644)  # safetensors creates it private; shipped weights are world-readable
    tmp.replace(path)


class SRSmallFileError(ValueError):
    """The file is not a readable sr-small safetensors file; the message names it."""


def load_sr_small(path: str | Path) -> SRSmall:
    """Build an :class:`SRSmall` from a safetensors file written by :func:`save_sr_small`."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not iterable)
    except FileNotFoundError:
        raise SRSmallFileError(f"{path}: file not found") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise SRSmallFileError(f"{path}: not a safetensors file ({exc})") from None
    if meta.get("arch") != ARCH_NAME:
        raise SRSmallFileError(f"{path}: not an sr-small model (arch={meta.get('arch')!r})")
    try:
        model = SRSmall(int(meta["scale"]), int(meta["channels"]), int(meta["blocks"]))
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise SRSmallFileError(f"{path}: weights do not match the metadata ({exc})") from None
    return model.eval()
