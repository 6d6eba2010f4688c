"""Cheap looks at a whole document: the composite sampled on a coarse grid, for the
Histogram and Navigator panels (numpy only).

A 24 MP photo sampled to 512 px on its long side reads about 1 row in 12 of the
composite (from the compositor's cache: only dirty cells are recomposited) and keeps the
sampled pixels' full precision, so a 16-bit histogram is binned from 16-bit values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from editor.document.events import Rect

if TYPE_CHECKING:
    from editor.document.document import Document
    from editor.document.layer import Layer


def sample_step(width: int, height: int, max_side: int) -> int:
    """The grid step that brings the long side of ``width`` × ``height`` to at most
    ``max_side`` samples (1: every pixel)."""
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side!r}")
    return max(1, math.ceil(max(width, height) / max_side))


def sampled_composite(doc: Document, max_side: int = 512) -> tuple[np.ndarray, int]:
    """``(pixels, step)``: the composite at every ``step``-th pixel of every ``step``-th
    row (``step`` from :func:`sample_step`), straight alpha in the document dtype. With
    step 1 it equals ``doc.composite()``."""
    step = sample_step(doc.width, doc.height, max_side)
    if step == 1:
        return doc.composite(), 1
    rows = [doc.composite(Rect(0, y, doc.width, 1))[0, ::step] for y in range(0, doc.height, step)]
    return np.stack(rows), step


def sampled_region(layer: Layer, rect: Rect, mask: np.ndarray | None = None,
                   max_pixels: int = 1_000_000) -> tuple[np.ndarray, np.ndarray | None]:
    """A layer's pixels over document ``rect`` (with ``mask`` of ``rect``'s shape, e.g.
    the selection there) on a grid coarse enough for at most about ``max_pixels``."""
    step = max(1, math.ceil(math.sqrt(max(1, rect.w * rect.h) / max_pixels)))
    px = layer.region(rect)[::step, ::step]
    return px, (None if mask is None else np.asarray(mask)[::step, ::step])
