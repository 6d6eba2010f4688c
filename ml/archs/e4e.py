"""The e4e encoder (Tov et al. 2021, "Designing an Encoder for StyleGAN Image
Manipulation") in the pSp/e4e checkpoint layout.

A published ``e4e_ffhq_encode.pt`` is ``{"state_dict": {"encoder.*", "decoder.*"},
"latent_avg": (18, 512) or (512,), "opts": {...}}``. The ``encoder.*`` part is
``Encoder4Editing(50, "ir_se")``:

* ``input_layer`` — conv 3→64 (3×3, no bias), BatchNorm, PReLU;
* ``body.{0..23}`` — IR-SE bottlenecks in four stages of 3, 4, 14 and 3 units (64, 128,
  256, 512 channels, the first unit of each stage strided), each ``shortcut_layer``
  (max-pool 1×1 or conv 1×1 + BN) plus ``res_layer`` (BN, conv, PReLU, conv, BN, SE);
* ``styles.{0..n_latent−1}`` — ``GradualStyleBlock``s (strided 3×3 convs + LeakyReLU down to
  1×1, then an ``EqualLinear``) on the coarse (16²), middle (32²) and fine (64²) maps of a
  feature pyramid (``latlayer1``, ``latlayer2``);
* the output is ``w0`` repeated over every W+ row plus a delta per row ≥ 1; the checkpoint's
  ``latent_avg`` is added afterwards (``start_from_latent_avg``).

Input: 256×256 RGB in [−1, 1]. Widths are read from the weights (:func:`detect_widths`), so
narrow test models in the same layout load too.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ml.archs.stylegan2 import CheckpointMismatch, EqualLinear

#: units per stage of IR-50 and the feature taps e4e reads (after units 6, 20 and 23)
STAGE_UNITS = (3, 4, 14, 3)
TAPS = (6, 20, 23)
COARSE, MIDDLE = 3, 7
INPUT_SIZE = 256


class SEModule(nn.Module):
    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(s))))


class BottleneckIRSE(nn.Module):
    def __init__(self, in_c: int, depth: int, stride: int) -> None:
        super().__init__()
        if in_c == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(nn.Conv2d(in_c, depth, 1, stride, bias=False),
                                                nn.BatchNorm2d(depth))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_c), nn.Conv2d(in_c, depth, 3, 1, 1, bias=False), nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False), nn.BatchNorm2d(depth),
            SEModule(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res_layer(x) + self.shortcut_layer(x)


class GradualStyleBlock(nn.Module):
    def __init__(self, in_c: int, out_c: int, spatial: int) -> None:
        super().__init__()
        self.out_c = out_c
        mods: list[nn.Module] = [nn.Conv2d(in_c, out_c, 3, 2, 1), nn.LeakyReLU()]
        for _ in range(int(math.log2(spatial)) - 1):
            mods += [nn.Conv2d(out_c, out_c, 3, 2, 1), nn.LeakyReLU()]
        self.convs = nn.Sequential(*mods)
        self.linear = EqualLinear(out_c, out_c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.convs(x).view(-1, self.out_c))


def _upsample_add(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=y.shape[2:], mode="bilinear", align_corners=True) + y


class Encoder4Editing(nn.Module):
    """e4e: a 256² image in [−1, 1] → W+ offsets ``(n, n_latent, style_dim)`` (add
    ``latent_avg``)."""

    def __init__(self, n_latent: int = 18, widths: tuple[int, int, int, int] = (64, 128, 256, 512),
                 style_dim: int = 512) -> None:
        super().__init__()
        self.n_latent, self.widths, self.style_dim = n_latent, tuple(widths), style_dim
        base = widths[0]
        self.input_layer = nn.Sequential(nn.Conv2d(3, base, 3, 1, 1, bias=False),
                                         nn.BatchNorm2d(base), nn.PReLU(base))
        units = []
        in_c = base
        for depth, n in zip(widths, STAGE_UNITS):
            units.append(BottleneckIRSE(in_c, depth, 2))
            units += [BottleneckIRSE(depth, depth, 1) for _ in range(n - 1)]
            in_c = depth
        self.body = nn.Sequential(*units)
        self.styles = nn.ModuleList()
        for i in range(n_latent):
            spatial = 16 if i < COARSE else 32 if i < MIDDLE else 64
            self.styles.append(GradualStyleBlock(widths[3], style_dim, spatial))
        self.latlayer1 = nn.Conv2d(widths[2], widths[3], 1)
        self.latlayer2 = nn.Conv2d(widths[1], widths[3], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.input_layer(x)
        c1 = c2 = c3 = x
        for i, unit in enumerate(self.body):
            x = unit(x)
            if i == TAPS[0]:
                c1 = x
            elif i == TAPS[1]:
                c2 = x
            elif i == TAPS[2]:
                c3 = x
        w0 = self.styles[0](c3)
        rows = [w0]
        features = p2 = c3
        for i in range(1, self.n_latent):
            if i == COARSE:
                p2 = features = _upsample_add(c3, self.latlayer1(c2))
            elif i == MIDDLE:
                features = _upsample_add(p2, self.latlayer2(c1))
            rows.append(w0 + self.styles[i](features))
        return torch.stack(rows, dim=1)


def encoder_state(checkpoint: dict) -> dict[str, torch.Tensor]:
    """The ``encoder.*`` tensors of a pSp/e4e checkpoint, prefix removed."""
    state = checkpoint.get("state_dict", checkpoint)
    if not isinstance(state, dict):
        raise CheckpointMismatch("no state_dict in the checkpoint")
    out = {k[len("encoder."):]: v for k, v in state.items()
           if isinstance(k, str) and k.startswith("encoder.")}
    if not out:
        raise CheckpointMismatch("no encoder.* weights (not a pSp/e4e checkpoint)")
    return out


def detect_widths(state: dict[str, torch.Tensor]) -> tuple[int, tuple[int, ...], int]:
    """``(n_latent, stage widths, style_dim)`` of an ``encoder.*`` state dict."""
    try:
        n_latent = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("styles."))
        n_units = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("body."))
        starts = [0, 3, 7, 21]
        widths = tuple(int(state[f"body.{s}.res_layer.1.weight"].shape[0]) for s in starts)
        style_dim = int(state["styles.0.linear.weight"].shape[0])
    except (KeyError, ValueError, IndexError) as exc:
        raise CheckpointMismatch(f"not an e4e encoder ({exc})") from None
    if n_units != sum(STAGE_UNITS):
        raise CheckpointMismatch(f"the encoder has {n_units} body units; e4e's IR-SE-50 has "
                                 f"{sum(STAGE_UNITS)}")
    return n_latent, widths, style_dim


def load_encoder(state: dict[str, torch.Tensor]) -> Encoder4Editing:
    """An :class:`Encoder4Editing` built from and loaded with ``encoder.*`` weights."""
    n_latent, widths, style_dim = detect_widths(state)
    enc = Encoder4Editing(n_latent, widths, style_dim)  # type: ignore[arg-type]
    try:
        enc.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointMismatch(" ".join(str(exc).splitlines()[:2])[:300]) from None
    return enc.eval()
