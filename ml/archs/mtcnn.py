"""MTCNN's three networks (Zhang et al. 2016): PNet, RNet, ONet, written for the published
weights.

Layer names and shapes match the state dicts that facenet-pytorch 2.6.0 ships
(``pnet.pt``, ``rnet.pt``, ``onet.pt``; copied to ``resources/models/face/``), so they load
with ``strict=True``. The detection pipeline around them (pyramid, NMS, box regression)
is :mod:`ml.face.detect`.

Conventions the weights were trained with (and these nets therefore expect):

* input: RGB, ``(N, 3, H, W)``, values ``(pixel_0_255 - 127.5) / 128``;
* PNet is fully convolutional: 12×12 windows at stride 2; RNet takes 24×24 crops, ONet
  48×48 crops;
* the fully connected layers read the feature map flattened in (W, H, C) order (the
  weights were ported from a Caffe/TensorFlow model), hence the ``permute(0, 3, 2, 1)``;
* outputs: box regression (offsets as fractions of the window's width/height), face
  probability (softmax over [not face, face]), and for ONet 10 landmark numbers: the x of
  the 5 points, then their y, as fractions of the window (eyes, nose, mouth corners).

Imports torch at module level: import lazily, from code that runs the detector.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ml.resources import resource_path

WEIGHT_FILES = {"pnet": "pnet.pt", "rnet": "rnet.pt", "onet": "onet.pt"}


def _flatten_whc(x: torch.Tensor) -> torch.Tensor:
    """Flatten ``(N, C, H, W)`` in (W, H, C) order, the order the ported dense weights use."""
    return x.permute(0, 3, 2, 1).reshape(x.shape[0], -1)


def _face_probability(logits: torch.Tensor) -> torch.Tensor:
    """``softmax(logits, dim=1)[:, 1]`` for two classes, as the cheaper
    ``sigmoid(face − not_face)`` (the same number)."""
    return torch.sigmoid(logits[:, 1] - logits[:, 0])


class _MTCNNNet(nn.Module):
    """The three nets' shared shape: ``conv{i} → prelu{i} [→ pool{i}]`` stages, then (RNet,
    ONet) dense ``dense{k} → prelu{k}`` and the output heads.

    Modules are registered under facenet-pytorch's names (``conv1``, ``prelu1``, ``pool1``,
    ``dense4``, ``conv4_1`` ...), so the published state dicts load strictly.
    """

    #: ``(in, out, kernel, pool)`` per conv stage; pool is ``(kernel, stride)`` or None.
    CONVS: tuple[tuple[int, int, int, tuple[int, int] | None], ...] = ()
    #: ``(in, out)`` of the hidden dense layer (numbered after the convs), or None (PNet).
    DENSE: tuple[int, int] | None = None
    #: output heads ``(name, out features)``: face logits first, then what forward returns.
    HEADS: tuple[tuple[str, int], ...] = ()

    def __init__(self) -> None:
        super().__init__()
        for i, (cin, cout, k, pool) in enumerate(self.CONVS, 1):
            setattr(self, f"conv{i}", nn.Conv2d(cin, cout, kernel_size=k))
            setattr(self, f"prelu{i}", nn.PReLU(cout))
            if pool is not None:
                setattr(self, f"pool{i}", nn.MaxPool2d(*pool, ceil_mode=True))
        width = self.CONVS[-1][1]
        if self.DENSE is not None:
            k = len(self.CONVS) + 1
            setattr(self, f"dense{k}", nn.Linear(*self.DENSE))
            setattr(self, f"prelu{k}", nn.PReLU(self.DENSE[1]))
            width = self.DENSE[1]
        for name, out in self.HEADS:
            head = nn.Conv2d(width, out, kernel_size=1) if self.DENSE is None else nn.Linear(width, out)
            setattr(self, name, head)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        for i, (*_, pool) in enumerate(self.CONVS, 1):
            x = getattr(self, f"prelu{i}")(getattr(self, f"conv{i}")(x))
            if pool is not None:
                x = getattr(self, f"pool{i}")(x)
        if self.DENSE is not None:
            k = len(self.CONVS) + 1
            x = getattr(self, f"prelu{k}")(getattr(self, f"dense{k}")(_flatten_whc(x)))
        return x

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self._features(x)
        logits, *rest = (getattr(self, name)(x) for name, _ in self.HEADS)
        return (*rest, _face_probability(logits))


class PNet(_MTCNNNet):
    """Proposal net: fully convolutional, one 12×12 window per output cell (stride 2).

    ``forward`` returns ``(regression (N, 4, h, w), face probability (N, h, w))``.
    """

    CONVS = ((3, 10, 3, (2, 2)), (10, 16, 3, None), (16, 32, 3, None))
    HEADS = (("conv4_1", 2), ("conv4_2", 4))


class RNet(_MTCNNNet):
    """Refinement net on 24×24 crops: ``(regression (N, 4), face probability (N,))``."""

    CONVS = ((3, 28, 3, (3, 2)), (28, 48, 3, (3, 2)), (48, 64, 2, None))
    DENSE = (576, 128)
    HEADS = (("dense5_1", 2), ("dense5_2", 4))


class ONet(_MTCNNNet):
    """Output net on 48×48 crops: ``(regression (N, 4), landmarks (N, 10), probability (N,))``.

    Landmarks are ``[x1..x5, y1..y5]`` as fractions of the crop's width and height.
    """

    CONVS = ((3, 32, 3, (3, 2)), (32, 64, 3, (3, 2)), (64, 64, 3, (2, 2)), (64, 128, 2, None))
    DENSE = (1152, 256)
    HEADS = (("dense6_1", 2), ("dense6_2", 4), ("dense6_3", 10))


_CLASSES: dict[str, type[nn.Module]] = {"pnet": PNet, "rnet": RNet, "onet": ONet}


def default_weights_dir() -> Path:
    """Where the built-in MTCNN weights live (``resources/models/face``)."""
    return resource_path("models", "face")


def load_mtcnn_net(name: str, weights_dir: Path | None = None) -> nn.Module:
    """Build ``"pnet"``, ``"rnet"`` or ``"onet"`` and load its weights strictly (eval mode).

    The files are plain state dicts, read with ``torch.load(weights_only=True)``.
    """
    if name not in _CLASSES:
        raise ValueError(f"unknown MTCNN net {name!r}; expected one of {sorted(_CLASSES)}")
    path = Path(weights_dir or default_weights_dir()) / WEIGHT_FILES[name]
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = _CLASSES[name]()
    net.load_state_dict(state, strict=True)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net
