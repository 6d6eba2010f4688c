"""Spot healing (numpy only): the stroke that collects the painted coverage, the frozen
request cut from the layer, applying a filled result as one undo step, and the
synchronous :func:`spot_heal`. See :mod:`editor.document.heal` for the overview."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from editor.document.brush import dab_footprint
from editor.document.events import Rect
from editor.document.heal_solve import FillFunction, diffusion_fill
from editor.document.layer import Layer, LayerLockedError, coerce_mask

if TYPE_CHECKING:
    from editor.document.document import Document


class SpotHealStroke:
    """The area a spot-healing stroke painted (document coordinates); touches nothing.

    ``size``/``hardness``/``spacing`` as for the brush. :meth:`stroke_to` adds dabs
    (spacing-interpolated); :attr:`bounds` is the painted box; :meth:`coverage` renders
    the soft coverage (0..1) over a rect, the most of all dabs.
    """

    def __init__(self, size: float = 30.0, hardness: float = 0.8, spacing: float = 0.15) -> None:
        from editor.document.heal import CloneSettings

        CloneSettings(size=size, hardness=hardness, spacing=spacing)  # validates
        self.size = float(size)
        self.hardness = float(hardness)
        self.spacing = float(spacing)
        self.dabs: list[tuple[float, float, float]] = []
        self._last: tuple[float, float] | None = None
        self._carry = 0.0

    def dab(self, x: float, y: float, pressure: float = 1.0) -> Rect:
        """Add one dab at (x, y) (pressure scales the diameter); returns its box."""
        size = max(0.5, self.size * min(1.0, max(0.0, float(pressure))))
        self.dabs.append((float(x), float(y), size))
        return self._dab_rect(x, y, size)

    @staticmethod
    def _dab_rect(x: float, y: float, size: float) -> Rect:
        r = size / 2.0
        x0, y0 = math.floor(x - r - 1), math.floor(y - r - 1)
        return Rect(x0, y0, math.ceil(x + r + 1) - x0 + 1, math.ceil(y + r + 1) - y0 + 1)

    def stroke_to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue the stroke to (x, y); returns the box of the dabs added (or None)."""
        if self._last is None:
            self._last = (x, y)
            return self.dab(x, y, pressure)
        lx, ly = self._last
        dist = math.hypot(x - lx, y - ly)
        step = max(0.5, self.spacing * self.size)
        changed: Rect | None = None
        pos = step - self._carry
        while pos <= dist:
            t = pos / dist
            r = self.dab(lx + (x - lx) * t, ly + (y - ly) * t, pressure)
            changed = r if changed is None else changed.union(r)
            pos += step
        self._carry = dist - (pos - step)
        self._last = (x, y)
        return changed

    @property
    def bounds(self) -> Rect | None:
        """The box of every dab (document coords), or None before the first dab."""
        out: Rect | None = None
        for x, y, size in self.dabs:
            r = self._dab_rect(x, y, size)
            out = r if out is None else out.union(r)
        return out

    def coverage(self, rect: tuple[int, int, int, int]) -> np.ndarray:
        """Float32 ``(h, w)`` coverage in 0..1 over document ``rect`` (x, y, w, h)."""
        rect = Rect(*rect)
        out = np.zeros((rect.h, rect.w), np.float32)
        for x, y, size in self.dabs:
            fp = dab_footprint(x - rect.x, y - rect.y, size, self.hardness, (rect.h, rect.w))
            if fp is None:
                continue
            r, f = fp
            np.maximum(out[r.slices()], f, out=out[r.slices()])
        return out


@dataclass(frozen=True)
class SpotHealRequest:
    """A frozen spot-heal job: fill ``hole`` in ``pixels`` and blend with ``coverage``.

    ``rect``: the document rect of the crop (painted box plus context, clipped to the
    layer). ``pixels``: the layer's pre-heal pixels there (a copy, layer dtype). ``hole``:
    bool ``(h, w)``, where to fill. ``coverage``: float32 0..1 ``(h, w)``, how much of the
    fill lands (soft brush edge × selection). ``layer`` / ``generation``: what it applies
    to (the document's geometry generation when it was made)."""

    layer: Layer
    rect: Rect
    pixels: np.ndarray
    hole: np.ndarray
    coverage: np.ndarray
    generation: int

    def image(self) -> np.ndarray:
        """The crop's colour as float32 ``(h, w, 3)`` in 0..1 (what a fill function takes)."""
        maxv = float(np.iinfo(self.pixels.dtype).max)
        return self.pixels[..., :3].astype(np.float32) * np.float32(1.0 / maxv)


def spot_heal_request(
    doc: Document,
    stroke: SpotHealStroke | np.ndarray,
    layer_index: int | None = None,
    margin: int | None = None,
    respect_selection: bool = True,
) -> SpotHealRequest | None:
    """Cut the spot-heal job for ``stroke`` (a :class:`SpotHealStroke`, or a document-sized
    mask: uint8/bool/float, > 0 = heal) on a layer (default active). ``margin``: context
    pixels around the painted box (default: the brush size, at least 8). None when the
    stroke covers nothing of the layer (or only unselected pixels).

    Raises LayerLockedError for a locked layer."""
    _i, layer = doc._layer(layer_index)
    if layer.locked:
        raise LayerLockedError(f"layer {layer.name!r} is locked")
    if isinstance(stroke, SpotHealStroke):
        painted = stroke.bounds
        size = stroke.size
    else:
        m = coerce_mask(stroke, (doc.height, doc.width), "spot-heal mask")
        rows = np.flatnonzero(m.any(axis=1))
        if len(rows) == 0:
            return None
        cols = np.flatnonzero(m[rows[0] : rows[-1] + 1].any(axis=0))
        painted = Rect(
            int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)
        )
        size = max(painted.w, painted.h) / 2
    if painted is None:
        return None
    pad = max(8, round(size)) if margin is None else int(margin)
    rect = Rect(painted.x - pad, painted.y - pad, painted.w + 2 * pad, painted.h + 2 * pad)
    rect = rect.intersect(layer.bounds)
    if rect.empty:
        return None
    if isinstance(stroke, SpotHealStroke):
        cov = stroke.coverage(rect)
    else:
        cov = _doc_cut(m, rect).astype(np.float32) * np.float32(1.0 / 255.0)
    if respect_selection and doc._selection_active:
        cov = cov * (_doc_cut(doc._selection, rect).astype(np.float32) / 255.0)
    hole = cov > 0
    if not hole.any():
        return None
    return SpotHealRequest(
        layer, rect, layer.region(rect), hole, cov.astype(np.float32), doc.geometry_generation
    )


def _doc_cut(a: np.ndarray, rect: Rect) -> np.ndarray:
    out = np.zeros((rect.h, rect.w), a.dtype)
    r = rect.intersect(Rect(0, 0, a.shape[1], a.shape[0]))
    if not r.empty:
        out[r.translated(-rect.x, -rect.y).slices()] = a[r.slices()]
    return out


def apply_spot_heal(
    doc: Document, request: SpotHealRequest, filled: np.ndarray, text: str = "Spot healing"
) -> Rect | None:
    """Land a filled crop (``(h, w, 3|4)`` float 0..1 or the layer dtype; RGB keeps the
    layer's alpha) for ``request`` as one undo step, blended by its coverage. Returns the
    changed document rect, or None when nothing changed.

    ValueError when the request is stale: its layer left the document, the document's
    geometry changed, or the pixels under it were edited since it was made."""
    layer = request.layer
    try:
        index = doc.index_of(layer)
    except ValueError:
        raise ValueError("the layer of this spot heal is no longer in the document") from None
    if doc.geometry_generation != request.generation:
        raise ValueError("the image was cropped, resized or rotated since this spot heal began")
    if not np.array_equal(layer.region(request.rect), request.pixels):
        raise ValueError("the layer changed under this spot heal; run it again")
    f = np.asarray(filled)
    h, w = request.hole.shape
    if f.ndim != 3 or f.shape[:2] != (h, w) or f.shape[2] not in (3, 4):
        raise ValueError(f"filled crop must be ({h}, {w}, 3|4), got {f.shape}")
    if f.shape[2] == 3:
        if f.dtype.kind == "f":
            maxv = float(np.iinfo(doc.dtype).max)
            f = np.rint(np.clip(f, 0.0, 1.0) * maxv).astype(doc.dtype)
        f = np.concatenate([f.astype(doc.dtype), request.pixels[..., 3:4]], axis=2)
    return doc.apply_patch(index, request.rect.x, request.rect.y, f, text, mask=request.coverage)


def spot_heal(
    doc: Document,
    stroke: SpotHealStroke | np.ndarray,
    fill: FillFunction | None = None,
    layer_index: int | None = None,
    margin: int | None = None,
    respect_selection: bool = True,
    text: str = "Spot healing",
) -> Rect | None:
    """Spot-heal synchronously: :func:`spot_heal_request`, ``fill`` (default
    :func:`diffusion_fill`), :func:`apply_spot_heal`. Returns the changed doc rect."""
    req = spot_heal_request(doc, stroke, layer_index, margin, respect_selection)
    if req is None:
        return None
    filled = (fill or diffusion_fill)(req.image(), req.hole)
    return apply_spot_heal(doc, req, filled, text)
