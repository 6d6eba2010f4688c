"""SRSmall: the built-in super-resolution CNN (small, fast on a CPU, trained by us).

A residual network on the low-resolution grid: head conv 3→C (3×3), a body of N
[conv C→C 3×3 + ReLU] with a long skip, a tail conv C→3·s² and a pixel shuffle. Its
output is a *correction* added to the bicubic upsample of the input, so an untrained net
starts at bicubic and training only has to learn the missing detail.

Input and output are float RGB in [0, 1], shape ``(N, 3, h, w)`` → ``(N, 3, h·s, w·s)``
(not clamped: callers clamp). Weights live in safetensors files whose metadata carries
``arch="sr-small"``, ``scale``, ``channels`` and ``blocks``, so the file alone says how to
build the net (:func:`load_sr_small`).

The file format is shared with :class:`ml.archs.sr_res.SRRes` (``arch="sr-res"``, the same
metadata keys): :func:`save_sr_model` writes either, :func:`load_sr_model` builds whichever
architecture the file names (or refuses one it was not asked for).
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
        self.add_middle(channels)
        self.tail = nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)
        # start as (almost) plain bicubic: a tiny tail keeps early training stable
        nn.init.normal_(self.tail.weight, std=1e-3)
        nn.init.zeros_(self.tail.bias)

    def add_middle(self, channels: int) -> None:
        """Hook for subclasses: layers between the stem and the tail, created in this
        order (which fixes how a seeded initialisation draws its random weights)."""

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> SRSmall:
        return cls(int(meta["scale"]), int(meta["channels"]), int(meta["blocks"]))

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


def save_sr_model(model, path: str | Path, extra: dict[str, str] | None = None) -> None:
    """Write an SR net's weights (fp32) and its ``metadata()`` atomically to a safetensors
    file (any net of :func:`sr_arch`)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    meta = model.metadata() | {k: str(v) for k, v in (extra or {}).items()}
    state = {k: v.detach().float().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(tmp), metadata=meta)
    tmp.chmod(0o644)  # safetensors creates it private; shipped weights are world-readable
    tmp.replace(path)


save_sr_small = save_sr_model


class SRSmallFileError(ValueError):
    """The file is not a readable SR safetensors file; the message names it."""


def sr_arch(arch: str):
    """The class of the built-in SR architecture named ``arch`` (``sr-small``, ``sr-res``);
    ValueError for another name."""
    if arch == ARCH_NAME:
        return SRSmall
    from ml.archs.sr_res import ARCH_NAME as RES_NAME
    from ml.archs.sr_res import SRRes

    if arch == RES_NAME:
        return SRRes
    raise ValueError(f"unknown SR architecture {arch!r} (sr-small, sr-res)")


def load_sr_small(path: str | Path) -> SRSmall:
    """Build an :class:`SRSmall` from a safetensors file written by :func:`save_sr_small`."""
    return load_sr_model(path, ARCH_NAME)


def load_sr_model(path: str | Path, arch: str | None = None):
    """Build the net a file written by :func:`save_sr_model` describes (in eval mode);
    with ``arch``, :class:`SRSmallFileError` unless the file holds that architecture."""
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
    found = meta.get("arch")
    if arch is not None and found != arch:
        raise SRSmallFileError(f"{path}: not an {arch} model (arch={found!r})")
    try:
        cls = sr_arch(str(found))
    except ValueError as exc:
        raise SRSmallFileError(f"{path}: {exc}") from None
    try:
        model = cls.from_metadata(meta)
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise SRSmallFileError(f"{path}: weights do not match the metadata ({exc})") from None
    return model.eval()
