"""SRRes: the stronger built-in super-resolution CNN (sr-small grown by residual blocks).

Head conv 3→C (3×3); a stem of N [conv C→C 3×3 + ReLU] (exactly sr-small's body); then M
residual blocks [conv C→C 3×3, ReLU, conv C→C 3×3] each added back to its input (EDSR-style,
no batch norm); a long skip from the head around stem and blocks; a tail conv C→3·s² and a
pixel shuffle. Like :class:`ml.archs.sr_small.SRSmall`, the output is a *correction* added
to the bicubic upsample of the input.

Net2Net-style growth: :meth:`SRRes.grown_from` copies a trained sr-small into head, stem and
tail and starts every residual block's second conv at zero, so the grown net computes
exactly what the sr-small did; training then only has to make the extra capacity pay (on a
2-core CPU that costs far less than training a new net from bicubic).

No global (channel) attention on purpose: its pooled statistics would differ between the
tiles :func:`ml.tiling.tiled_apply` cuts a large photo into, and between small training
patches and whole photos, which shows as seams; every operation here is local.

Inference runs the convolutions in channels-last memory format (about twice as fast on a
CPU with oneDNN); the values are the same either way.

Input and output are float RGB in [0, 1], ``(N, 3, h, w)`` → ``(N, 3, h·s, w·s)``, not
clamped. Weights: safetensors files with metadata ``arch="sr-res"``, ``scale``,
``channels``, ``blocks`` (stem layers), ``res_blocks`` (:func:`ml.archs.sr_small.save_sr_model`
and :func:`ml.archs.sr_small.load_sr_model` read and write both architectures).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ml.archs.sr_small import SRSmall

ARCH_NAME = "sr-res"


class ResBlock(nn.Module):
    """conv 3×3 → ReLU → conv 3×3, added to the input (no batch norm, as in EDSR)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(x), inplace=True))


class SRRes(SRSmall):
    """sr-small's stem plus residual blocks, at integer ``scale`` (2, 3 or 4)."""

    def __init__(
        self, scale: int = 2, channels: int = 48, blocks: int = 6, res_blocks: int = 2
    ) -> None:
        self.res_blocks = int(res_blocks)
        super().__init__(scale, channels, blocks)  # head, stem, (add_middle), tail, shuffle

    def add_middle(self, channels: int) -> None:
        self.res = nn.Sequential(*[ResBlock(channels) for _ in range(self.res_blocks)])
        # residual branches start small (stable without normalisation)
        for block in self.res:
            block.conv2.weight.data.mul_(0.1)
            nn.init.zeros_(block.conv2.bias)

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> SRRes:
        return cls(int(meta["scale"]), int(meta["channels"]), int(meta["blocks"]),
                   int(meta["res_blocks"]))

    @classmethod
    def grown_from(cls, small: nn.Module, res_blocks: int = 2) -> SRRes:
        """An SRRes computing exactly what the trained sr-small ``small`` computes: its
        head, stem and tail copied, each residual block's second conv at zero."""
        net = cls(small.scale, small.channels, small.blocks, res_blocks)
        own = net.state_dict()
        own.update({k: v for k, v in small.state_dict().items() if k in own})
        net.load_state_dict(own)
        for block in net.res:
            nn.init.zeros_(block.conv2.weight)
            nn.init.zeros_(block.conv2.bias)
        return net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        if not self.training:
            x = x.contiguous(memory_format=torch.channels_last)
        feat = self.head(x)
        feat = feat + self.res(self.body(feat))
        return base + self.shuffle(self.tail(feat)).contiguous()

    def metadata(self) -> dict[str, str]:
        """safetensors metadata describing this net (all values are strings)."""
        return super().metadata() | {"arch": ARCH_NAME, "res_blocks": str(self.res_blocks)}
