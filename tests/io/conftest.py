"""Shared fixtures for editor.io tests: tiny images, a real sRGB ICC profile, EXIF blocks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageCms

from editor.document import Document, Layer


@pytest.fixture(scope="session")
def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_exif(orientation: int = 1, make: str = "RetouchCam") -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = make
    return exif.tobytes()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def random_rgba(rng: np.random.Generator, h: int, w: int, dtype=np.uint8) -> np.ndarray:
    top = np.iinfo(dtype).max
    return rng.integers(0, top + 1, (h, w, 4), dtype=np.int64).astype(dtype)


def layered_document(rng: np.random.Generator, depth: int = 8) -> Document:
    """Three layers exercising every property the ORA format must keep."""
    dtype = np.uint16 if depth == 16 else np.uint8
    bottom = Layer(random_rgba(rng, 12, 16, dtype), "Background")
    middle = Layer(
        random_rgba(rng, 5, 7, dtype),
        "Multiply me",
        opacity=0.37,
        blend_mode="svg:multiply",
        offset=(3, -2),
        mask=rng.integers(0, 256, (5, 7), dtype=np.int64).astype(np.uint8),
    )
    top = Layer(
        random_rgba(rng, 4, 4, dtype),
        "Hidden & locked <layer>",
        visible=False,
        locked=True,
        blend_mode="svg:screen",
        offset=(14, 10),
    )
    doc = Document(16, 12, depth, layers=[bottom, middle, top])
    doc.active_index = 1
    return doc
