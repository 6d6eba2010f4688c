"""Tiled compositing of a layer stack with a dirty-tile cache.

The cache holds the composite in the document dtype; events mark the tiles a change
touched as dirty, and :meth:`Compositor.composite` recomposites only dirty tiles that
the requested rectangle covers. Arithmetic is vectorised float32 for both depths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from editor.document.blend import blend_premultiplied, unpremultiply
from editor.document.events import Event, Rect
from editor.document.layer import Layer

COMPOSITE_TILE = 256

# Modes for which compositing onto a fully transparent backdrop returns the source as is.
_IDENTITY_ON_EMPTY_EXCLUDED = ("svg:src-atop", "svg:dst-out")


def composite_premultiplied(layers: Sequence[Layer], rect: Rect) -> tuple[np.ndarray, np.ndarray]:
    """Composite the visible ``layers`` (bottom → top) over transparency within ``rect``.

    Returns *premultiplied* colour ``(h, w, 3)`` and alpha ``(h, w, 1)``, float32.
    """
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
            continue  # fully transparent here: every mode leaves the backdrop as is
        scale = np.float32(1.0 / np.iinfo(src.dtype).max)
        cs = src[..., :3].astype(np.float32)
        cs *= scale
        as_ = src[..., 3:4].astype(np.float32)
        as_ *= scale * np.float32(layer.opacity)
        if layer.mask is not None:
            as_ *= layer.mask[ys, xs, None].astype(np.float32) * np.float32(1.0 / 255.0)
        mode = layer.blend_mode
        if empty and inter == rect and mode not in _IDENTITY_ON_EMPTY_EXCLUDED:
            # Transparent backdrop: every blend mode reduces to the source itself.
            cs *= as_
            pc, ab = cs, as_
        else:
            dys, dxs = inter.translated(-rect.x, -rect.y).slices()
            blend_premultiplied(pc[dys, dxs], ab[dys, dxs], cs, as_, mode)
        empty = False
    return pc, ab


def composite_float(layers: Sequence[Layer], rect: Rect) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`composite_premultiplied` but returns straight colour."""
    pc, ab = composite_premultiplied(layers, rect)
    return unpremultiply(pc, ab), ab


def quantize(color: np.ndarray, alpha: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Straight float colour + alpha → ``(h, w, 4)`` ints of ``dtype`` (rounded)."""
    dtype = np.dtype(dtype)
    maxv = np.float32(np.iinfo(dtype).max)
    out = np.empty(color.shape[:2] + (4,), dtype)
    np.rint(np.clip(color, 0.0, 1.0) * maxv, out=out[..., :3], casting="unsafe")
    np.rint(np.clip(alpha, 0.0, 1.0) * maxv, out=out[..., 3:4], casting="unsafe")
    return out


@dataclass(frozen=True, eq=False)
class LayerOverride:
    """A read-only change to what is composited, never to the layers themselves (a view's
    before/after compare): ``layer`` is left out (``pixels`` None), or its pixels over
    document ``rect`` are taken from ``pixels`` (``(rect.h, rect.w, 4)`` of the layer's
    dtype) instead of the layer's own, clipped to the layer's bounds."""

    layer: Layer
    rect: Rect | None = None
    pixels: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.pixels is not None:
            if self.rect is None:
                raise ValueError("a pixel override needs the rect it covers")
            if self.pixels.shape != (self.rect.h, self.rect.w, 4):
                raise ValueError(
                    f"override pixels are {self.pixels.shape}, the rect is "
                    f"{self.rect.w}x{self.rect.h}"
                )

    @property
    def bounds(self) -> Rect:
        """The document area whose composite the override can change."""
        if self.pixels is None or self.rect is None:
            return self.layer.bounds
        return self.layer.bounds.intersect(self.rect)

    def apply(self, layers: Sequence[Layer], rect: Rect) -> list[Layer]:
        """``layers`` as they should be composited within ``rect``: the layer dropped, or
        replaced by a private copy of its part of ``rect`` with the override pixels."""
        out: list[Layer] = []
        for layer in layers:
            if layer is not self.layer:
                out.append(layer)
            elif self.pixels is not None:
                out.append(self._patched(rect))
        return out

    def _patched(self, rect: Rect) -> Layer:
        layer = self.layer
        assert self.rect is not None and self.pixels is not None
        part = layer.bounds.intersect(rect)
        if part.empty:
            return layer
        ox, oy = layer.offset
        local = part.translated(-ox, -oy).slices()
        px = layer.pixels[local].copy()
        sub = part.intersect(self.rect)
        if not sub.empty:
            px[sub.translated(-part.x, -part.y).slices()] = self.pixels[
                sub.translated(-self.rect.x, -self.rect.y).slices()
            ]
        mask = None if layer.mask is None else layer.mask[local].copy()
        return Layer(
            px, layer.name, opacity=layer.opacity, visible=layer.visible,
            blend_mode=layer.blend_mode, offset=(part.x, part.y), mask=mask,
        )


def composite_layers(
    layers: Sequence[Layer], rect: Rect, dtype: np.dtype, override: LayerOverride | None = None
) -> np.ndarray:
    """Uncached composite of ``layers`` within ``rect`` as ``(h, w, 4)`` of ``dtype``;
    ``override`` (read-only) leaves a layer out or substitutes some of its pixels."""
    if override is not None:
        layers = override.apply(layers, rect)
    return quantize(*composite_float(layers, rect), dtype)


class Compositor:
    """Dirty-tile composite cache for one document.

    ``layers`` returns the current stack; ``size`` the document (width, height).
    :attr:`tiles_composited` counts tile recomposites since creation (tests and
    benchmarks read it).
    """

    def __init__(
        self,
        layers: Callable[[], Sequence[Layer]],
        size: Callable[[], tuple[int, int]],
        dtype: Callable[[], np.dtype],
        tile: int = COMPOSITE_TILE,
    ) -> None:
        self._layers = layers
        self._size = size
        self._dtype = dtype
        self.tile = int(tile)
        self.tiles_composited = 0
        self._cache: np.ndarray | None = None
        self._dirty: np.ndarray | None = None
        self.reset()

    def reset(self) -> None:
        """Drop the cache (size or depth changed)."""
        w, h = self._size()
        self._cache = np.zeros((h, w, 4), self._dtype())
        self._dirty = np.ones((-(-h // self.tile), -(-w // self.tile)), bool)

    def invalidate(self, rect: Rect | None = None) -> None:
        """Mark the tiles overlapping ``rect`` (None = all) for recompositing."""
        assert self._dirty is not None
        if rect is None:
            self._dirty[:] = True
            return
        w, h = self._size()
        r = Rect(*rect).intersect(Rect(0, 0, w, h))
        if r.empty:
            return
        t = self.tile
        self._dirty[r.y // t : (r.bottom - 1) // t + 1, r.x // t : (r.right - 1) // t + 1] = True

    @property
    def dirty_tiles(self) -> int:
        assert self._dirty is not None
        return int(self._dirty.sum())

    def on_event(self, event: Event) -> None:
        """Invalidate what an event says changed (connected first by the document)."""
        kind = event.kind
        if kind in ("size-changed", "depth-changed"):
            self.reset()
        elif (
            (kind == "pixels-changed" and event.target in ("pixels", "mask", None))
            or kind in ("layer-added", "layer-removed", "layer-moved")
            or (kind == "layer-changed" and event.prop not in ("name", "locked", "metadata"))
        ):
            self.invalidate(event.rect)

    def composite(
        self, rect: Rect | None = None, override: LayerOverride | None = None
    ) -> np.ndarray:
        """The composite of ``rect`` (None = whole document), recompositing dirty tiles.

        With ``override`` the area it touches is composited afresh (never cached) with
        that layer left out or patched; the layers and the cache are not changed."""
        assert self._cache is not None and self._dirty is not None
        w, h = self._size()
        full = Rect(0, 0, w, h)
        r = full if rect is None else Rect(*rect).intersect(full)
        if r.empty:
            return np.zeros((max(0, r.h), max(0, r.w), 4), self._cache.dtype)
        if override is not None:
            hit = r.intersect(override.bounds)
            out = self.composite(r)
            if not hit.empty:
                layers = list(self._layers())
                out[hit.translated(-r.x, -r.y).slices()] = composite_layers(
                    layers, hit, self._cache.dtype, override
                )
            return out
        t = self.tile
        ty0, ty1 = r.y // t, (r.bottom - 1) // t + 1
        tx0, tx1 = r.x // t, (r.right - 1) // t + 1
        sub = self._dirty[ty0:ty1, tx0:tx1]
        if sub.any():
            layers = list(self._layers())
            dtype = self._cache.dtype
            for ty, tx in zip(*np.nonzero(sub)):
                tr = Rect((tx0 + tx) * t, (ty0 + ty) * t, t, t).intersect(full)
                self._cache[tr.slices()] = composite_layers(layers, tr, dtype)
                self.tiles_composited += 1
            sub[:] = False
        return self._cache[r.slices()].copy()
