"""VGG-19 feature extractor for optimisation-based style transfer (Gatys et al.).

The module keeps torchvision's layout (``features.N.weight`` / ``features.N.bias`` with
the same indices N as ``torchvision.models.vgg19``), so the published ImageNet weights
``vgg19-dcbb9e9d.pth`` load into it unchanged (the classifier keys are ignored). Two
choices differ from torchvision and do not touch the weights:

* ``padding="reflect"`` (optional) pads every conv with the image's own border; it doubles
  the CPU cost of a backward pass, so :mod:`ml.engines.style` keeps torchvision's zero
  padding and reflect-pads the *input* once instead, which avoids dark frames as well;
* ``pool="avg"`` uses average pooling, which Gatys et al. found gives smoother gradients.

Without downloaded weights, :func:`random_vgg19` builds the same stack (optionally
narrower: ``width``) with seeded Kaiming-normal weights and zero bias (He, Wang & Hopcroft 2016 show that Gram statistics of
random features still capture texture). Inputs are RGB in [0, 1], shaped ``(N, 3, H, W)``;
:meth:`VGG19Features.normalize` applies the matching input normalisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from torch import nn

#: torchvision's VGG-19 ("E") configuration: conv widths, "M" = pooling
VGG19_CFG: tuple[int | str, ...] = (
    64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
    512, 512, 512, 512, "M", 512, 512, 512, 512, "M",
)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _layer_names() -> dict[str, int]:
    """Map ``relu{block}_{n}`` / ``conv{block}_{n}`` / ``pool{block}`` to features indices."""
    names: dict[str, int] = {}
    index, block, n = 0, 1, 1
    for item in VGG19_CFG:
        if item == "M":
            names[f"pool{block}"] = index
            index += 1
            block, n = block + 1, 1
        else:
            names[f"conv{block}_{n}"] = index
            names[f"relu{block}_{n}"] = index + 1
            index += 2
            n += 1
    return names


LAYERS: dict[str, int] = _layer_names()


class VGG19Features(nn.Module):
    """The convolutional part of VGG-19 (``self.features``), truncated after ``until``.

    ``forward(x, layers)`` returns a dict ``{layer name: activation}`` and stops at the
    deepest requested layer.
    """

    def __init__(self, until: str = "relu5_1", pool: str = "avg", padding: str = "zeros",
                 pretrained_normalisation: bool = True, width: float = 1.0) -> None:
        super().__init__()
        if until not in LAYERS:
            raise ValueError(f"unknown VGG-19 layer {until!r}")
        if pool not in ("avg", "max"):
            raise ValueError("pool must be 'avg' or 'max'")
        if padding not in ("reflect", "zeros"):
            raise ValueError("padding must be 'reflect' or 'zeros'")
        last = LAYERS[until]
        modules: list[nn.Module] = []
        channels = 3
        for item in VGG19_CFG:
            if item == "M":
                modules.append(nn.AvgPool2d(2, 2) if pool == "avg" else nn.MaxPool2d(2, 2))
                continue
            out_ch = max(4, round(int(item) * width))
            modules.append(nn.Conv2d(channels, out_ch, 3, padding=1, padding_mode=padding))
            modules.append(nn.ReLU(inplace=False))
            channels = out_ch
        self.features = nn.Sequential(*modules[: last + 1])
        self.pretrained_normalisation = pretrained_normalisation
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1),
                             persistent=False)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet normalisation for trained weights; mean removal only for random ones."""
        if self.pretrained_normalisation:
            return (x - self.mean) / self.std
        return x - self.mean

    def forward(self, x: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        wanted = {LAYERS[name]: name for name in layers}
        deepest = max(wanted)
        out: dict[str, torch.Tensor] = {}
        h = self.normalize(x)
        for i, module in enumerate(self.features):
            h = module(h)
            if i in wanted:
                out[wanted[i]] = h
            if i >= deepest:
                break
        return out


def random_vgg19(seed: int = 0, until: str = "relu5_1", width: float = 1.0) -> VGG19Features:
    """A VGG-19-shaped net with seeded Kaiming-normal weights and zero bias (no download).

    ``width`` scales every layer's channel count (0.25 = 16, 32, 64, 128, 128 channels per
    block): random features need far fewer channels than trained ones for usable Gram
    statistics, and the cost of a step falls with the square of the width.
    """
    net = VGG19Features(until=until, pool="avg", padding="zeros",
                        pretrained_normalisation=False, width=width)
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for module in net.features:
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu", generator=gen)
                nn.init.zeros_(module.bias)
    return net.eval().requires_grad_(False)


def load_vgg19(state_dict: Mapping[str, torch.Tensor], until: str = "relu5_1",
               source: str = "VGG-19 weights") -> VGG19Features:
    """Build :class:`VGG19Features` from a torchvision ``vgg19`` state dict.

    Only ``features.N.*`` keys up to ``until`` are used; ``classifier.*`` is ignored. A
    missing or mis-shaped key raises ``ValueError`` naming ``source`` and the key.
    """
    net = VGG19Features(until=until, pool="avg", padding="zeros",
                        pretrained_normalisation=True)
    own = net.state_dict()
    picked: dict[str, torch.Tensor] = {}
    for key, target in own.items():
        if key not in state_dict:
            raise ValueError(f"{source}: missing key {key!r} (not a torchvision VGG-19 file?)")
        value = state_dict[key]
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != tuple(target.shape):
            shape = tuple(getattr(value, "shape", ()))
            raise ValueError(f"{source}: {key} has shape {shape}, expected "
                             f"{tuple(target.shape)}")
        picked[key] = value.float()
    net.load_state_dict(picked, strict=True)
    return net.eval().requires_grad_(False)
