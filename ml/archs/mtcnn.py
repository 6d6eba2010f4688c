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


class PNet(nn.Module):
    """Proposal net: fully convolutional, one 12×12 window per output cell (stride 2).

    ``forward`` returns ``(regression (N, 4, h, w), face probability (N, h, w))``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.prelu1(self.conv1(x))
        x = self.pool1(x)
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        return self.conv4_2(x), _face_probability(self.conv4_1(x))


class RNet(nn.Module):
    """Refinement net on 24×24 crops: ``(regression (N, 4), face probability (N,))``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        x = self.prelu4(self.dense4(_flatten_whc(x)))
        return self.dense5_2(x), _face_probability(self.dense5_1(x))


class ONet(nn.Module):
    """Output net on 48×48 crops: ``(regression (N, 4), landmarks (N, 10), probability (N,))``.

    Landmarks are ``[x1..x5, y1..y5]`` as fractions of the crop's width and height.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = self.prelu5(self.dense5(_flatten_whc(x)))
        return self.dense6_2(x), self.dense6_3(x), _face_probability(self.dense6_1(x))


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
