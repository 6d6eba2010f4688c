"""Johnson et al.'s feed-forward style network, in the pytorch/examples layout.

The module and parameter names match ``fast_neural_style/neural_style/transformer_net.py``
of pytorch/examples exactly, so the published ``candy.pth``, ``mosaic.pth``, ``udnie.pth``
and ``rain_princess.pth`` load as they are. Those checkpoints were saved by an old
PyTorch whose InstanceNorm kept running statistics; :func:`clean_state_dict` drops those
``in*.running_mean/var`` keys (they are unused at inference: instance norm always uses
the statistics of the image it sees).

Input and output are RGB float tensors in the 0–255 range, shape ``(N, 3, H, W)``; the
output has the input's size when H and W are multiples of 4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch
from torch import nn

_LEGACY_KEY = re.compile(r"in\d+\.running_(mean|var)$|in\d+\.num_batches_tracked$")


class ConvLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int):
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3, 1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, 3, 1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.in1(self.conv1(x)))
        return self.in2(self.conv2(out)) + x


class UpsampleConvLayer(nn.Module):
    """Nearest-neighbour ×``upsample`` then conv (avoids transposed-conv checkerboards)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 upsample: int | None = None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(nn.Module):
    """conv1 3→32 k9, conv2/3 stride 2, res1–5, deconv1/2 (×2 + conv), deconv3 32→3 k9."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = ConvLayer(3, 32, 9, 1)
        self.in1 = nn.InstanceNorm2d(32, affine=True)
        self.conv2 = ConvLayer(32, 64, 3, 2)
        self.in2 = nn.InstanceNorm2d(64, affine=True)
        self.conv3 = ConvLayer(64, 128, 3, 2)
        self.in3 = nn.InstanceNorm2d(128, affine=True)
        self.res1 = ResidualBlock(128)
        self.res2 = ResidualBlock(128)
        self.res3 = ResidualBlock(128)
        self.res4 = ResidualBlock(128)
        self.res5 = ResidualBlock(128)
        self.deconv1 = UpsampleConvLayer(128, 64, 3, 1, upsample=2)
        self.in4 = nn.InstanceNorm2d(64, affine=True)
        self.deconv2 = UpsampleConvLayer(64, 32, 3, 1, upsample=2)
        self.in5 = nn.InstanceNorm2d(32, affine=True)
        self.deconv3 = ConvLayer(32, 3, 9, 1)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.in1(self.conv1(x)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.relu(self.in3(self.conv3(y)))
        y = self.res5(self.res4(self.res3(self.res2(self.res1(y)))))
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


def clean_state_dict(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the legacy InstanceNorm running-statistics keys old checkpoints carry."""
    return {k: v for k, v in state_dict.items() if not _LEGACY_KEY.search(k)}


def load_transformer_net(state_dict: Mapping[str, torch.Tensor],
                         source: str = "style model") -> TransformerNet:
    """A :class:`TransformerNet` in eval mode from a pytorch/examples checkpoint.

    Raises ``ValueError`` naming ``source`` when keys are missing, unexpected or mis-shaped.
    """
    net = TransformerNet()
    cleaned = clean_state_dict(state_dict)
    own = net.state_dict()
    missing = sorted(set(own) - set(cleaned))
    unexpected = sorted(set(cleaned) - set(own))
    if missing or unexpected:
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing[:4])}{'…' if len(missing) > 4 else ''}")
        if unexpected:
            detail.append(
                f"unexpected {', '.join(unexpected[:4])}{'…' if len(unexpected) > 4 else ''}")
        raise ValueError(f"{source}: not a fast-neural-style TransformerNet ({'; '.join(detail)})")
    for key, value in cleaned.items():
        if tuple(value.shape) != tuple(own[key].shape):
            raise ValueError(f"{source}: {key} has shape {tuple(value.shape)}, expected "
                             f"{tuple(own[key].shape)}")
    net.load_state_dict({k: v.float() for k, v in cleaned.items()}, strict=True)
    return net.eval().requires_grad_(False)
