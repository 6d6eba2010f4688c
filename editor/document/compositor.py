"""Tiled compositing of a layer stack with a dirty-rect cache.

The cache holds the composite in the document dtype on a grid of small cells
(:data:`COMPOSITE_TILE` pixels); events mark the cells a change touched as dirty, and
:meth:`Compositor.composite` recomposites only the dirty cells that the requested
rectangle covers, joined into as few rectangles as possible. A brush dab therefore costs
a few thousand pixels, not a 256² tile.

While one layer is being painted the compositor also keeps, lazily per cell, the
premultiplied float32 composite of the layers *below* it (as Krita keeps its
projection), so a dab recomposites only that layer and the ones above it. A change to a
layer below, a reorder, an addition or removal, or painting another layer invalidates
it. Large updates (a full recomposite) are split into bands composited on a thread
pool: numpy releases the GIL inside its loops.

Arithmetic is planar float32 (:mod:`editor.document.kernels`) and elementwise, so every
pixel gets the same value whichever rectangle it is composited in: dirty-rect output
equals a full recomposite exactly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from editor.document.blend import unpremultiply
from editor.document.events import Event, Rect
from editor.document.kernels import blend_planar, quantize_planar
from editor.document.layer import Layer

#: Side of the dirty-grid cells, in pixels.
COMPOSITE_TILE = 32
#: Work unit of large composites: bands this many rows high (and at most this wide).
BAND_ROWS = 64
BAND_COLS = 2048
#: Rectangles up to this many pixels are composited over the cached "below" layers.
BELOW_MAX_PIXELS = 256 * 256
#: Below this many pixels a composite runs on the calling thread only.
PARALLEL_MIN_PIXELS = 256 * 256

# Modes for which compositing onto a fully transparent backdrop returns the source as is.
_IDENTITY_ON_EMPTY_EXCLUDED = ("svg:src-atop", "svg:dst-out")

_F = np.float32
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor | None:
    """The shared composite thread pool (None on a single core)."""
    global _pool
    workers = min(8, os.cpu_count() or 1)
    if workers < 2:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="composite")
        return _pool


def _apply_layer(pc: np.ndarray, ab: np.ndarray, layer: Layer, rect: Rect, empty: bool) -> bool:
    """Composite ``layer`` onto the planar premultiplied backdrop of ``rect`` in place.

    Returns whether the backdrop is still untouched (``empty`` and the layer skipped)."""
    if not layer.visible or layer.opacity <= 0.0:
        return empty
    inter = rect.intersect(layer.bounds)
    if inter.empty:
        return empty
    ox, oy = layer.offset
    ys, xs = inter.translated(-ox, -oy).slices()
    src = layer.pixels[ys, xs]
    scale = _F(1.0 / np.iinfo(src.dtype).max)
    as_ = np.multiply(src[..., 3], scale, dtype=_F)
    if layer.opacity < 1.0:
        as_ *= _F(layer.opacity)
    if layer.mask is not None:
        as_ *= np.multiply(layer.mask[ys, xs], _F(1.0 / 255.0), dtype=_F)
    if not as_.any():
        return empty  # fully transparent here: every mode leaves the backdrop as is
    cs = np.empty((3,) + as_.shape, _F)
    for c in range(3):
        np.multiply(src[..., c], scale, out=cs[c], dtype=_F)
    mode = layer.blend_mode
    if empty and inter == rect and mode not in _IDENTITY_ON_EMPTY_EXCLUDED:
        # Transparent backdrop: every blend mode reduces to the source itself (and gives
        # bit for bit what blending onto zeros would).
        np.multiply(cs, as_, out=pc)
        np.copyto(ab, as_)
    else:
        dys, dxs = inter.translated(-rect.x, -rect.y).slices()
        blend_planar(pc[:, dys, dxs], ab[dys, dxs], cs, as_, mode)
    return False


def composite_planar(
    layers: Sequence[Layer],
    rect: Rect,
    base: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Composite the visible ``layers`` (bottom → top) within ``rect``.

    Returns premultiplied colour planes ``(3, h, w)`` and alpha ``(h, w)``, float32.
    ``base`` (arrays of those shapes, written in place) is the backdrop to start from
    instead of transparency."""
    if base is None:
        pc = np.zeros((3, rect.h, rect.w), _F)
        ab = np.zeros((rect.h, rect.w), _F)
        empty = True
    else:
        pc, ab = base
        empty = False
    for layer in layers:
        empty = _apply_layer(pc, ab, layer, rect, empty)
    return pc, ab


def _bands(rect: Rect, rows: int = BAND_ROWS, cols: int = BAND_COLS) -> list[Rect]:
    out = []
    for y in range(rect.y, rect.bottom, rows):
        for x in range(rect.x, rect.right, cols):
            out.append(Rect(x, y, min(cols, rect.right - x), min(rows, rect.bottom - y)))
    return out


def _run(jobs: list[Callable[[], None]], pixels: int) -> None:
    pool = _executor() if pixels >= PARALLEL_MIN_PIXELS and len(jobs) > 1 else None
    if pool is None:
        for job in jobs:
            job()
        return
    for f in [pool.submit(job) for job in jobs]:
        f.result()


def composite_into(layers: Sequence[Layer], rect: Rect, out: np.ndarray) -> np.ndarray:
    """Composite ``layers`` within ``rect`` into ``out`` (``(rect.h, rect.w, 4)`` ints of
    the document dtype), in bands on the thread pool when large; returns ``out``."""
    if rect.empty:
        return out

    def job(b: Rect) -> Callable[[], None]:
        def run() -> None:
            pc, ab = composite_planar(layers, b)
            quantize_planar(pc, ab, out[b.translated(-rect.x, -rect.y).slices()])

        return run

    _run([job(b) for b in _bands(rect)], rect.w * rect.h)
    return out


def composite_premultiplied(layers: Sequence[Layer], rect: Rect) -> tuple[np.ndarray, np.ndarray]:
    """Composite the visible ``layers`` (bottom → top) over transparency within ``rect``.

    Returns *premultiplied* colour ``(h, w, 3)`` and alpha ``(h, w, 1)``, float32."""
    pc, ab = composite_planar(layers, rect)
    return np.ascontiguousarray(np.moveaxis(pc, 0, -1)), ab[..., None]


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
    out = np.empty((max(0, rect.h), max(0, rect.w), 4), np.dtype(dtype))
    return composite_into(list(layers), rect, out)


def _runs(grid: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Cover the True cells of a 2-D bool grid with rectangles ``(ty, tx, th, tw)``:
    runs along each row, merged with identical runs of the rows below."""
    if grid.all():
        return [(0, 0, grid.shape[0], grid.shape[1])]
    open_: dict[tuple[int, int], list[int]] = {}
    out: list[tuple[int, int, int, int]] = []
    for ty in range(grid.shape[0]):
        row = grid[ty]
        runs: list[tuple[int, int]] = []
        if row.any():
            edges = np.flatnonzero(np.diff(np.concatenate(([0], row.view(np.int8), [0]))))
            runs = list(zip(edges[::2].tolist(), edges[1::2].tolist()))
        still: dict[tuple[int, int], list[int]] = {}
        for run in runs:
            if run in open_:
                r = open_.pop(run)
                r[2] += 1
                still[run] = r
            else:
                still[run] = [ty, run[0], 1, run[1] - run[0]]
        out.extend(tuple(r) for r in open_.values())  # type: ignore[misc]
        open_ = still
    out.extend(tuple(r) for r in open_.values())  # type: ignore[misc]
    return out


class Compositor:
    """Dirty-rect composite cache for one document.

    ``layers`` returns the current stack; ``size`` the document (width, height);
    ``dtype`` its pixel type. ``tile`` is the side of the dirty-grid cells.
    :attr:`tiles_composited` counts cells recomposited since creation and
    :attr:`below_cells_composited` cells of the below-the-painted-layer cache (tests and
    benchmarks read them). ``use_below_cache`` switches that cache off (benchmarks).
    """

    def __init__(
        self,
        layers: Callable[[], Sequence[Layer]],
        size: Callable[[], tuple[int, int]],
        dtype: Callable[[], np.dtype],
        tile: int = COMPOSITE_TILE,
        use_below_cache: bool = True,
    ) -> None:
        self._layers = layers
        self._size = size
        self._dtype = dtype
        self.tile = int(tile)
        self.use_below_cache = bool(use_below_cache)
        self.tiles_composited = 0
        self.below_cells_composited = 0
        self._cache: np.ndarray | None = None
        self._dirty: np.ndarray | None = None
        # The painted ("focus") layer and the premultiplied composite of those below it.
        self._focus: Layer | None = None
        self._below_key: tuple[int, ...] = ()
        self._below: tuple[np.ndarray, np.ndarray] | None = None
        self._below_valid: np.ndarray | None = None
        self.reset()

    def reset(self) -> None:
        """Drop the cache (size or depth changed)."""
        w, h = self._size()
        self._cache = np.zeros((h, w, 4), self._dtype())
        self._dirty = np.ones(self._grid_shape(), bool)
        self.drop_below()

    def _grid_shape(self) -> tuple[int, int]:
        w, h = self._size()
        return -(-h // self.tile), -(-w // self.tile)

    def _cells(self, rect: Rect | None) -> tuple[slice, slice] | None:
        """Grid slices of the cells ``rect`` overlaps (None: it misses the document)."""
        w, h = self._size()
        full = Rect(0, 0, w, h)
        r = full if rect is None else Rect(*rect).intersect(full)
        if r.empty:
            return None
        t = self.tile
        return slice(r.y // t, (r.bottom - 1) // t + 1), slice(r.x // t, (r.right - 1) // t + 1)

    def invalidate(self, rect: Rect | None = None) -> None:
        """Mark the cells overlapping ``rect`` (None = all) for recompositing, together
        with the below-the-painted-layer cache there (for callers that wrote pixels in
        place without an event)."""
        self._invalidate(rect)
        self._invalidate_below(rect)

    def _invalidate(self, rect: Rect | None) -> None:
        assert self._dirty is not None
        cells = self._cells(rect)
        if cells is not None:
            self._dirty[cells] = True

    def _invalidate_below(self, rect: Rect | None) -> None:
        if self._below_valid is None:
            return
        cells = self._cells(rect)
        if cells is not None:
            self._below_valid[cells] = False

    def drop_below(self) -> None:
        """Forget the below-the-painted-layer cache and which layer is painted."""
        self._focus = None
        self._below_key = ()
        self._below = None
        self._below_valid = None

    @property
    def dirty_tiles(self) -> int:
        """How many cells wait for recompositing."""
        assert self._dirty is not None
        return int(self._dirty.sum())

    def _index(self, layer: Layer | None, layers: Sequence[Layer]) -> int:
        for i, x in enumerate(layers):
            if x is layer:
                return i
        return -1

    def on_event(self, event: Event) -> None:
        """Invalidate what an event says changed (connected first by the document)."""
        kind = event.kind
        if kind in ("size-changed", "depth-changed"):
            self.reset()
            return
        if kind in ("layer-added", "layer-removed", "layer-moved"):
            self._invalidate(event.rect)
            self.drop_below()  # the set of layers below the painted one may have changed
            return
        if kind == "pixels-changed" and event.target in ("pixels", "mask", None):
            self._invalidate(event.rect)
            self._layer_changed(event.index, event.rect, painted=True)
        elif kind == "layer-changed" and event.prop not in ("name", "locked", "metadata"):
            self._invalidate(event.rect)
            self._layer_changed(event.index, event.rect, painted=False)

    def _layer_changed(self, index: int | None, rect: Rect | None, painted: bool) -> None:
        layers = self._layers()
        if index is None or not 0 <= index < len(layers):
            self.drop_below()
            return
        focus = self._index(self._focus, layers) if self._focus is not None else -1
        if index == focus:
            return  # the painted layer itself: the layers below it are untouched
        if painted:
            # Another layer is being painted now: the cache follows it (rebuilt lazily).
            self.drop_below()
            self._focus = layers[index]
        elif index < focus:
            self._invalidate_below(rect)

    def _below_for(self, layers: Sequence[Layer]) -> int:
        """Index of the painted layer if the below cache can serve ``layers``, else -1."""
        if not self.use_below_cache or self._focus is None:
            return -1
        k = self._index(self._focus, layers)
        if k < 1:
            return -1
        key = tuple(id(x) for x in layers[:k])
        if self._below is None or key != self._below_key:
            w, h = self._size()
            # np.zeros is backed lazily by the OS: only cells that get used cost memory.
            self._below = (np.zeros((3, h, w), _F), np.zeros((h, w), _F))
            self._below_valid = np.zeros(self._grid_shape(), bool)
            self._below_key = key
        return k

    def _ensure_below(self, layers: Sequence[Layer], k: int, rect: Rect, cells: tuple) -> None:
        assert self._below is not None and self._below_valid is not None
        valid = self._below_valid[cells]
        if valid.all():
            return
        bpc, bab = self._below
        w, h = self._size()
        full = Rect(0, 0, w, h)
        t = self.tile
        ty0, tx0 = cells[0].start, cells[1].start
        for ty, tx, th, tw in _runs(~valid):
            r = Rect((tx0 + tx) * t, (ty0 + ty) * t, tw * t, th * t).intersect(full)
            ys, xs = r.slices()
            pc, ab = bpc[:, ys, xs], bab[ys, xs]
            pc[...] = 0.0
            ab[...] = 0.0
            empty = True
            for layer in layers[:k]:
                empty = _apply_layer(pc, ab, layer, r, empty)
            self.below_cells_composited += th * tw
        valid[...] = True

    def _recomposite(self, layers: Sequence[Layer], rect: Rect, cells: tuple) -> None:
        """Recomposite the cell-aligned ``rect`` into the cache."""
        assert self._cache is not None
        out = self._cache[rect.slices()]
        if rect.w * rect.h <= BELOW_MAX_PIXELS:
            k = self._below_for(layers)
            if k >= 1:
                assert self._below is not None
                self._ensure_below(layers, k, rect, cells)
                ys, xs = rect.slices()
                pc = self._below[0][:, ys, xs].copy()
                ab = self._below[1][ys, xs].copy()
                composite_planar(layers[k:], rect, (pc, ab))
                quantize_planar(pc, ab, out)
                return
        composite_into(layers, rect, out)

    def composite(
        self, rect: Rect | None = None, override: LayerOverride | None = None
    ) -> np.ndarray:
        """The composite of ``rect`` (None = whole document), recompositing dirty cells.

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
        cells = self._cells(r)
        assert cells is not None
        sub = self._dirty[cells]
        if sub.any():
            layers = list(self._layers())
            t = self.tile
            ty0, tx0 = cells[0].start, cells[1].start
            for ty, tx, th, tw in _runs(sub):
                tr = Rect((tx0 + tx) * t, (ty0 + ty) * t, tw * t, th * t).intersect(full)
                self._recomposite(layers, tr, self._cells(tr))
                self.tiles_composited += th * tw
            sub[...] = False
        return self._cache[r.slices()].copy()
