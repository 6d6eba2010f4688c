"""AdaIN arbitrary style transfer (Huang & Belongie 2017), naoto0804/pytorch-AdaIN layout.

The published weights are two ``nn.Sequential`` state dicts, keyed by module index:

* ``vgg_normalised.pth`` -- a VGG-19 converted from Caffe: a 1×1 conv first (it does the
  Caffe RGB→BGR, 0–255 and mean-subtraction preprocessing), then reflection-padded 3×3
  convs with max pooling (``ceil_mode=True``). Keys ``0.*, 2.*, 5.*, … 51.*`` (to relu5_4);
  only modules ``[:31]`` (up to relu4_1) are used, the rest is ignored.
* ``decoder.pth`` -- the mirror of that encoder with reflection padding and nearest ×2
  upsampling; keys ``1.*, 5.*, 8.*, 11.*, 14.*, 18.*, 21.*, 25.*, 28.*``.

Images are RGB in [0, 1] (no further normalisation), ``(N, 3, H, W)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

#: how many leading modules of the published VGG make the encoder (through relu4_1)
ENCODER_DEPTH = 31


def _pad() -> nn.Module:
    return nn.ReflectionPad2d((1, 1, 1, 1))


def _pool() -> nn.Module:
    return nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True)


def make_encoder() -> nn.Sequential:
    """The first :data:`ENCODER_DEPTH` modules of the published ``vgg_normalised`` net."""
    layers: list[nn.Module] = [nn.Conv2d(3, 3, (1, 1))]
    channels = 3
    plan = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512]
    for item in plan:
        if item == "M":
            layers.append(_pool())
            continue
        layers += [_pad(), nn.Conv2d(channels, int(item), (3, 3)), nn.ReLU()]
        channels = int(item)
    assert len(layers) == ENCODER_DEPTH
    return nn.Sequential(*layers)


def make_decoder() -> nn.Sequential:
    """The published AdaIN decoder: relu4_1 features (512 ch) back to RGB."""
    up = lambda: nn.Upsample(scale_factor=2, mode="nearest")
    layers: list[nn.Module] = [_pad(), nn.Conv2d(512, 256, (3, 3)), nn.ReLU(), up()]
    for cin, cout in ((256, 256), (256, 256), (256, 256), (256, 128)):
        layers += [_pad(), nn.Conv2d(cin, cout, (3, 3)), nn.ReLU()]
    layers.append(up())
    for cin, cout in ((128, 128), (128, 64)):
        layers += [_pad(), nn.Conv2d(cin, cout, (3, 3)), nn.ReLU()]
    layers.append(up())
    layers += [_pad(), nn.Conv2d(64, 64, (3, 3)), nn.ReLU(), _pad(), nn.Conv2d(64, 3, (3, 3))]
    return nn.Sequential(*layers)


def _load_into(net: nn.Sequential, state_dict: Mapping[str, torch.Tensor], source: str,
               ignore_beyond: int | None = None) -> None:
    own = net.state_dict()
    picked: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        head = key.split(".", 1)[0]
        if not head.isdigit():
            raise ValueError(f"{source}: unexpected key {key!r} (not an nn.Sequential "
                             "state dict from pytorch-AdaIN?)")
        if ignore_beyond is not None and int(head) >= ignore_beyond:
            continue
        if key not in own:
            raise ValueError(f"{source}: unexpected key {key!r}")
        if tuple(value.shape) != tuple(own[key].shape):
            raise ValueError(f"{source}: {key} has shape {tuple(value.shape)}, expected "
                             f"{tuple(own[key].shape)}")
        picked[key] = value.float()
    missing = sorted(set(own) - set(picked))
    if missing:
        raise ValueError(f"{source}: missing keys {', '.join(missing[:4])}")
    net.load_state_dict(picked, strict=True)


def calc_mean_std(feat: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std over the spatial dimensions, shaped ``(N, C, 1, 1)``."""
    n, c = feat.shape[:2]
    flat = feat.reshape(n, c, -1)
    var = flat.var(dim=2, unbiased=flat.shape[2] > 1) + eps
    return flat.mean(dim=2).view(n, c, 1, 1), var.sqrt().view(n, c, 1, 1)


def adaptive_instance_norm(content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """Content features renormalised to the style features' channel mean and std."""
    s_mean, s_std = calc_mean_std(style)
    c_mean, c_std = calc_mean_std(content)
    return (content - c_mean) / c_std * s_std + s_mean


class AdaIN(nn.Module):
    """Encoder (to relu4_1) + AdaIN + decoder."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = make_encoder()
        self.decoder = make_decoder()

    def style_features(self, style: torch.Tensor) -> torch.Tensor:
        return self.encoder(style)

    def forward(self, content: torch.Tensor, style_feat: torch.Tensor,
                alpha: float = 1.0) -> torch.Tensor:
        """Stylised image for ``content``; ``alpha`` blends content (0) and style (1) features.

        H and W should be multiples of 8 for the output to match the input size.
        """
        c_feat = self.encoder(content)
        t = adaptive_instance_norm(c_feat, style_feat)
        t = alpha * t + (1.0 - alpha) * c_feat
        return self.decoder(t)


def load_adain(vgg_state: Mapping[str, torch.Tensor], decoder_state: Mapping[str, torch.Tensor],
               vgg_source: str = "vgg_normalised.pth",
               decoder_source: str = "decoder.pth") -> AdaIN:
    """An :class:`AdaIN` in eval mode from the two published state dicts.

    Encoder keys beyond relu4_1 are ignored; bad layouts raise ``ValueError`` naming the file.
    """
    model = AdaIN()
    _load_into(model.encoder, vgg_state, vgg_source, ignore_beyond=ENCODER_DEPTH)
    _load_into(model.decoder, decoder_state, decoder_source)
    return model.eval().requires_grad_(False)
