"""Today's compositing method, frozen for the benchmarks' ratios (not used by the editor).

This is the compositor as it was before the planar kernels (benchmarks/results of
2026-12-01): interleaved ``(h, w, 3)`` / ``(h, w, 1)`` float32 per 256² tile, one tile
at a time on one thread, a dirty grid of 256² tiles. :class:`ReferenceCompositor`
replays it on a :class:`Document`'s layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from editor.document import Document, Layer, Rect
from editor.document.blend import BLEND_FUNCTIONS, unpremultiply

TILE = 256
_IDENTITY_ON_EMPTY_EXCLUDED = ("svg:src-atop", "svg:dst-out")


def blend_premultiplied(pc: np.ndarray, ab: np.ndarray, cs: np.ndarray, as_: np.ndarray,
                        mode: str) -> None:
    """The interleaved in-place blend of the old compositor."""
    if mode == "svg:src-over":
        ia = 1.0 - as_
        pc *= ia
        pc += cs * as_
        ab *= ia
        ab += as_
        return
    if mode == "svg:plus":
        pc += cs * as_
        np.minimum(pc, 1.0, out=pc)
        ab += as_
        np.minimum(ab, 1.0, out=ab)
        return
    if mode == "svg:src-atop":
        pc *= 1.0 - as_
        pc += cs * (as_ * ab)
        return
    if mode == "svg:dst-out":
        ia = 1.0 - as_
        pc *= ia
        ab *= ia
        return
    fn = BLEND_FUNCTIONS[mode]
    cb = unpremultiply(pc, ab)
    mixed = fn(cb, cs)
    mixed *= ab
    mixed += (1.0 - ab) * cs
    mixed *= as_
    ia = 1.0 - as_
    pc *= ia
    pc += mixed
    ab *= ia
    ab += as_


def composite_premultiplied(layers: Sequence[Layer], rect: Rect) -> tuple[np.ndarray, np.ndarray]:
    """The old per-rect composite: premultiplied ``(h, w, 3)`` colour, ``(h, w, 1)`` alpha."""
    pc = np.zeros((rect.h, rect.w, 3), np.float32)
    ab = np.zeros((rect.h, rect.w, 1), np.float32)
    empty = True
    for layer in layers:
        if not layer.visible or layer.opacity <= 0.0:
            continue
        inter = rect.intersect(layer.bounds)
        if inter.empty:
            continue
        ox, oy = layer.offset
        ys, xs = inter.translated(-ox, -oy).slices()
        src = layer.pixels[ys, xs]
        if not src[..., 3].any():
            continue
        scale = np.float32(1.0 / np.iinfo(src.dtype).max)
        cs = src[..., :3].astype(np.float32)
        cs *= scale
        as_ = src[..., 3:4].astype(np.float32)
        as_ *= scale * np.float32(layer.opacity)
        if layer.mask is not None:
            as_ *= layer.mask[ys, xs, None].astype(np.float32) * np.float32(1.0 / 255.0)
        mode = layer.blend_mode
        if empty and inter == rect and mode not in _IDENTITY_ON_EMPTY_EXCLUDED:
            cs *= as_
            pc, ab = cs, as_
        else:
            dys, dxs = inter.translated(-rect.x, -rect.y).slices()
            blend_premultiplied(pc[dys, dxs], ab[dys, dxs], cs, as_, mode)
        empty = False
    return pc, ab


def composite_layers(layers: Sequence[Layer], rect: Rect, dtype: np.dtype) -> np.ndarray:
    """The old uncached composite of one rect, quantized to ``dtype``."""
    pc, ab = composite_premultiplied(layers, rect)
    color = unpremultiply(pc, ab)
    maxv = np.float32(np.iinfo(dtype).max)
    out = np.empty(color.shape[:2] + (4,), dtype)
    np.rint(np.clip(color, 0.0, 1.0) * maxv, out=out[..., :3], casting="unsafe")
    np.rint(np.clip(ab, 0.0, 1.0) * maxv, out=out[..., 3:4], casting="unsafe")
    return out


class ReferenceCompositor:
    """The old 256²-tile dirty cache over a document's layers (driven by hand)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.cache = np.zeros((doc.height, doc.width, 4), doc.dtype)
        self.dirty = np.ones((-(-doc.height // TILE), -(-doc.width // TILE)), bool)

    def invalidate(self, rect: Rect | None = None) -> None:
        if rect is None:
            self.dirty[:] = True
            return
        r = rect.intersect(self.doc.rect)
        if not r.empty:
            self.dirty[r.y // TILE:(r.bottom - 1) // TILE + 1,
                       r.x // TILE:(r.right - 1) // TILE + 1] = True

    def composite(self, rect: Rect | None = None) -> np.ndarray:
        full = self.doc.rect
        r = full if rect is None else Rect(*rect).intersect(full)
        ty0, ty1 = r.y // TILE, (r.bottom - 1) // TILE + 1
        tx0, tx1 = r.x // TILE, (r.right - 1) // TILE + 1
        sub = self.dirty[ty0:ty1, tx0:tx1]
        if sub.any():
            layers = list(self.doc.layers)
            for ty, tx in zip(*np.nonzero(sub)):
                tr = Rect((tx0 + tx) * TILE, (ty0 + ty) * TILE, TILE, TILE).intersect(full)
                self.cache[tr.slices()] = composite_layers(layers, tr, self.doc.dtype)
            sub[:] = False
        return self.cache[r.slices()].copy()
