"""Clone stamp, healing brush and spot healing (numpy only).

Clone and heal strokes
======================

A UI drives a clone or heal stroke like a brush stroke, through the document::

    source = CloneSource(x, y)                 # Ctrl/Alt-click: where to sample (doc coords)
    settings = CloneSettings(size=40, hardness=0.5, mode="heal", aligned=True,
                             sample="layer")   # or sample="merged"
    stroke = begin_clone_stroke(doc, source, settings)   # active layer by default
    stroke.stroke_to(x, y, pressure)           # = doc.stroke_to(...); dabs every spacing·size
    ...                                        # each call returns the changed doc Rect
    stroke.commit()                            # one undo step ("Clone stamp"/"Healing brush")
    # or stroke.abort(): pixels restored, nothing in the history

``doc.stroke_to``/``doc.dab``/``doc.end_stroke``/``doc.abort_stroke`` work on it too (it is
the document's current stroke, so other edits raise RuntimeError until it ends).

*Aligned* (default): the offset between the cursor and the source is fixed at the first dab
after the source was set and kept for every following stroke, until
:meth:`CloneSource.set` sets a new point. *Non-aligned*: every stroke starts sampling at the
source point again. :meth:`CloneSource.sample_point` gives where a cursor position samples
(for the UI's crosshair).

Sampling reads the *pre-stroke* state: the current layer's pixels as they were when the
stroke began (``sample="layer"``), or the merged image as it was then (``"merged"``: the
composite of the sampled area, taken lazily in 64² tiles with the stroke's own layer put
back to its pre-stroke pixels). So a stroke never samples what it painted itself. The
source offset is rounded to whole pixels (the clone is an exact pixel copy).

Dabs do not compound: like the brush, a stroke keeps a per-pixel coverage that only grows
(``max``), and the result is recomputed from the pre-stroke pixels, so overlapping dabs never
exceed the stroke opacity. The painted value is composited *over* the old pixels with the
source's own alpha (cloning transparency paints nothing). Per dab only the dab's box (plus
its source box) is read and written, and only the touched 64² tiles are saved: the cost
does not grow with the image.

Healing (``mode="heal"``) is a gradient-domain (Poisson) blend of each dab's box: the result
``V`` solves ``ΔV = Δsource`` inside the box with ``V = destination`` on its one-pixel
border, i.e. ``V = source + h`` with ``h`` the harmonic membrane that takes the
destination − source difference on the border inwards. ``h`` is solved exactly (no
iterations) with a type-I discrete sine transform, done as cached sine-matrix products
on the dab box (about 0.5 ms for a 64² box). The destination on the border is the stroke's own result where it already painted
there, so successive dabs continue each other's tone. Colour is healed; alpha is cloned.

Spot healing
============

No source: the user paints over a blemish and on release the painted area is filled from
its surroundings. :class:`SpotHealStroke` collects the painted coverage (it does not touch
the document); :func:`spot_heal_request` cuts a frozen :class:`SpotHealRequest` (the
pre-heal pixels of the painted box plus a context margin, the hole, the soft coverage);
a *fill* callable fills it — ``fill(image, hole) -> image`` with ``image`` float32
``(h, w, 3)`` in 0..1 and ``hole`` bool ``(h, w)`` — either :func:`diffusion_fill` (numpy,
built in), :func:`opencv_fill` (OpenCV Telea/Navier–Stokes) or the UI's inpaint engine
through editor/jobs; :func:`apply_spot_heal` lands the result as one undo step.
:func:`spot_heal` does all three synchronously.

All of it works in 8 and 16 bit (16-bit stays 16-bit), respects the layer offset, the
selection (paint lands only where it is selected, softly) and the lock (LayerLockedError).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from editor.document.brush import SNAPSHOT_TILE, SavedTiles, dab_footprint, walk_dabs
from editor.document.compositor import LayerOverride
from editor.document.events import Rect
from editor.document.layer import Layer, LayerLockedError, coerce_mask

if TYPE_CHECKING:
    from editor.document.document import Document

CLONE_MODES = ("clone", "heal")
SAMPLE_MODES = ("layer", "merged")
#: snapshot tile side: the one SavedTiles (brush.py) assumes
TILE = SNAPSHOT_TILE

#: ``fill(image, hole) -> filled``: image float32 (h, w, 3) in 0..1, hole bool (h, w).
FillFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class CloneSettings:
    """Parameters of a clone/heal stroke.

    ``size``: dab diameter in pixels (> 0). ``hardness``: 0 (soft) .. 1 (hard edge).
    ``opacity``: 0..1, the most a stroke covers (pressure scales it). ``spacing``: dab
    distance as a fraction of ``size``. ``mode``: "clone" (exact copy of the source) or
    "heal" (source texture, destination colour and tone). ``aligned``: keep the source
    offset across strokes (True) or restart at the source point each stroke (False).
    ``sample``: "layer" (the stroke's layer) or "merged" (the visible composite).
    ``pressure_size``: let pressure scale the diameter as well as the opacity.
    """

    size: float = 30.0
    hardness: float = 0.6
    opacity: float = 1.0
    spacing: float = 0.15
    mode: str = "clone"
    aligned: bool = True
    sample: str = "layer"
    pressure_size: bool = False

    def __post_init__(self) -> None:
        if not (self.size > 0 and math.isfinite(self.size)):
            raise ValueError(f"clone size must be a positive number, got {self.size!r}")
        if not 0.0 <= self.hardness <= 1.0:
            raise ValueError(f"clone hardness must be within 0..1, got {self.hardness!r}")
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError(f"clone opacity must be within 0..1, got {self.opacity!r}")
        if not 0.0 < self.spacing <= 10.0:
            raise ValueError(f"clone spacing must be within (0, 10], got {self.spacing!r}")
        if self.mode not in CLONE_MODES:
            raise ValueError(f"unknown clone mode {self.mode!r}; expected one of {CLONE_MODES}")
        if self.sample not in SAMPLE_MODES:
            raise ValueError(
                f"unknown clone sample {self.sample!r}; expected one of {SAMPLE_MODES}"
            )


class CloneSource:
    """The clone/heal source point (document coordinates) and, in aligned mode, the
    cursor→source offset fixed at the first dab after the point was set.

    The UI keeps one per tool and calls :meth:`set` on Ctrl/Alt-click.
    """

    def __init__(self, x: float, y: float) -> None:
        self.point = (0.0, 0.0)
        self.offset: tuple[int, int] | None = None
        self.set(x, y)

    def set(self, x: float, y: float) -> None:
        """Set a new source point; the aligned offset is fixed again at the next dab."""
        x, y = float(x), float(y)
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"clone source must be finite coordinates, got {(x, y)!r}")
        self.point = (x, y)
        self.offset = None

    def offset_for(self, x: float, y: float) -> tuple[int, int]:
        """The whole-pixel offset from cursor (x, y) to the source point."""
        return (round(self.point[0] - x), round(self.point[1] - y))

    def sample_point(
        self,
        x: float,
        y: float,
        aligned: bool = True,
        stroke_start: tuple[float, float] | None = None,
    ) -> tuple[float, float]:
        """Where a dab at cursor (x, y) samples (for the UI's source crosshair).

        Aligned with a fixed offset: cursor + offset. Otherwise the source point for the
        first dab of a stroke (``stroke_start`` None), or source + (cursor − stroke_start)
        while a non-aligned stroke that started at ``stroke_start`` goes on."""
        if aligned and self.offset is not None:
            return (x + self.offset[0], y + self.offset[1])
        if stroke_start is None:
            return self.point
        dx, dy = self.offset_for(*stroke_start)
        return (x + dx, y + dy)


def _over(paint: np.ndarray, old: np.ndarray, k: np.ndarray, maxv: float) -> np.ndarray:
    """``paint`` (float32 straight RGBA, colour in 0..maxv) composited over ``old`` (ints)
    with its alpha scaled by coverage ``k``; returns ``old``'s dtype."""
    inv = np.float32(1.0 / maxv)
    a_s = paint[..., 3] * inv * k
    ab = old[..., 3].astype(np.float32) * inv
    ao = a_s + ab * (1.0 - a_s)
    wb = ab * (1.0 - a_s)
    safe = np.where(ao > 0, ao, np.float32(1.0))
    co = paint[..., :3] * a_s[..., None] + old[..., :3].astype(np.float32) * wb[..., None]
    co /= safe[..., None]
    out = np.empty_like(old)
    np.rint(np.clip(co, 0, maxv), out=out[..., :3], casting="unsafe")
    np.rint(np.clip(ao * maxv, 0, maxv), out=out[..., 3], casting="unsafe")
    return out


@lru_cache(maxsize=64)
def _sine_matrix(n: int) -> np.ndarray:
    """The (symmetric) type-I discrete sine transform matrix of size n."""
    k = np.arange(1, n + 1, dtype=np.float64)
    return np.sin(np.pi * np.outer(k, k) / (n + 1))


def harmonic_membrane(border: np.ndarray) -> np.ndarray:
    """The discrete harmonic function (``Δh = 0`` inside) over a box whose one-pixel
    border holds ``border``'s border values; ``border`` is ``(h, w)`` or ``(h, w, c)``
    float, its inside is ignored. Solved exactly with a discrete sine transform.

    Returns float32 of ``border``'s shape (the border values kept)."""
    b = np.asarray(border, np.float64)
    out = b.copy()
    h, w = b.shape[:2]
    if h < 3 or w < 3:
        return out.astype(np.float32)
    m, n = h - 2, w - 2
    # Five-point Laplacian: the known border neighbours move to the right-hand side.
    rhs = np.zeros((m, n) + b.shape[2:], np.float64)
    rhs[0] += b[0, 1:-1]
    rhs[-1] += b[-1, 1:-1]
    rhs[:, 0] += b[1:-1, 0]
    rhs[:, -1] += b[1:-1, -1]
    lam_y = 2.0 - 2.0 * np.cos(np.pi * np.arange(1, m + 1) / (m + 1))
    lam_x = 2.0 - 2.0 * np.cos(np.pi * np.arange(1, n + 1) / (n + 1))
    # DST-I along both axes as matrix products (dab boxes are small: a matmul beats an
    # FFT here); DST-I is its own inverse up to 2 / (N + 1) per axis.
    sm, sn = _sine_matrix(m), _sine_matrix(n)
    r = np.moveaxis(rhs, -1, 0) if rhs.ndim == 3 else rhs
    lam_c = lam_y[:, None] + lam_x[None, :]
    coef = (sm @ r @ sn) / lam_c
    inside = (sm @ coef @ sn) * (4.0 / ((m + 1) * (n + 1)))
    if rhs.ndim == 3:
        inside = np.moveaxis(inside, 0, -1)
    out[1:-1, 1:-1] = inside
    return out.astype(np.float32)


def poisson_heal(source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """Gradient-domain blend of one box: ``source``'s texture with ``destination``'s
    values on the box border (float arrays ``(h, w)`` or ``(h, w, c)`` of equal shape).

    Returns float32 ``V = source + h`` where ``h`` is harmonic with ``h = destination −
    source`` on the border: ``ΔV = Δsource`` inside, ``V = destination`` on the border."""
    s = np.asarray(source, np.float32)
    d = np.asarray(destination, np.float32)
    if s.shape != d.shape:
        raise ValueError(f"source {s.shape} and destination {d.shape} differ in shape")
    return s + harmonic_membrane(d - s)


class CloneStroke(SavedTiles):
    """One clone or heal stroke on a layer (made by :func:`begin_clone_stroke`).

    Coordinates of :meth:`stroke_to`/:meth:`dab` are document coordinates when called on
    this object; the document's own ``doc.stroke_to`` translates them for it. Rects
    returned by this object's methods are document rects.
    """

    def __init__(
        self,
        doc: Document,
        layer: Layer,
        source: CloneSource,
        settings: CloneSettings,
        respect_selection: bool,
    ) -> None:
        self.doc = doc
        self.layer = layer
        self.source = source
        self.settings = settings
        self.array = layer._pixels
        self.history_text = "Healing brush" if settings.mode == "heal" else "Clone stamp"
        self._maxv = float(np.iinfo(self.array.dtype).max)
        self._ox, self._oy = layer.offset
        # The selection cannot change while a stroke runs (document edits refuse).
        self._select = doc._selection if respect_selection and doc._selection_active else None
        h, w = self.array.shape[:2]
        self.snapshot = np.empty_like(self.array)
        self._saved = np.zeros((-(-h // TILE), -(-w // TILE)), bool)
        # Lazily backed by the OS: untouched parts cost no memory.
        self.coverage = np.zeros((h, w), np.float32)
        self.paint = np.zeros_like(self.array)
        self._merged: dict[tuple[int, int], np.ndarray] = {}
        self._offset: tuple[int, int] | None = None
        if settings.aligned and source.offset is not None:
            self._offset = source.offset
        self.bbox: Rect | None = None
        self._last: tuple[float, float, float] | None = None
        self._carry = 0.0
        self.start: tuple[float, float] | None = None
        self.dabs = 0

    # --- bookkeeping ------------------------------------------------------------------

    def _save(self, rect: Rect) -> None:
        """Keep the pre-stroke values of the 64² tiles of ``rect`` (layer coords, clipped)."""
        h, w = self.array.shape[:2]
        rect = rect.intersect(Rect(0, 0, w, h))
        if rect.empty:
            return
        ty0, ty1 = rect.y // TILE, (rect.bottom - 1) // TILE + 1
        tx0, tx1 = rect.x // TILE, (rect.right - 1) // TILE + 1
        sub = self._saved[ty0:ty1, tx0:tx1]
        if sub.all():
            return
        for ty, tx in zip(*np.nonzero(~sub)):
            ys = slice((ty0 + ty) * TILE, (ty0 + ty + 1) * TILE)
            xs = slice((tx0 + tx) * TILE, (tx0 + tx + 1) * TILE)
            self.snapshot[ys, xs] = self.array[ys, xs]
        sub[:] = True

    def _pre_stroke(self, rect: Rect) -> np.ndarray:
        """The layer's pre-stroke pixels over layer-coordinate ``rect`` (transparent where
        the layer does not reach)."""
        self._save(rect)
        out = np.zeros((rect.h, rect.w, 4), self.array.dtype)
        h, w = self.array.shape[:2]
        r = rect.intersect(Rect(0, 0, w, h))
        if not r.empty:
            out[r.translated(-rect.x, -rect.y).slices()] = self.snapshot[r.slices()]
        return out

    def _merged_region(self, rect: Rect) -> np.ndarray:
        """The pre-stroke composite over document ``rect``, cached in 64² tiles."""
        out = np.zeros((rect.h, rect.w, 4), self.array.dtype)
        r = rect.intersect(self.doc.rect)
        if r.empty:
            return out
        ty0, ty1 = r.y // TILE, (r.bottom - 1) // TILE + 1
        tx0, tx1 = r.x // TILE, (r.right - 1) // TILE + 1
        missing = [
            (ty, tx)
            for ty in range(ty0, ty1)
            for tx in range(tx0, tx1)
            if (ty, tx) not in self._merged
        ]
        if missing:
            ys = [t[0] for t in missing]
            xs = [t[1] for t in missing]
            box = Rect(
                min(xs) * TILE,
                min(ys) * TILE,
                (max(xs) - min(xs) + 1) * TILE,
                (max(ys) - min(ys) + 1) * TILE,
            ).intersect(self.doc.rect)
            # Put the stroke's layer back to its pre-stroke pixels for this area.
            pre = self._pre_stroke(box.translated(-self._ox, -self._oy))
            comp = self.doc.composite(box, LayerOverride(self.layer, box, pre))
            for ty, tx in missing:
                t = Rect(tx * TILE, ty * TILE, TILE, TILE).intersect(self.doc.rect)
                self._merged[(ty, tx)] = comp[t.translated(-box.x, -box.y).slices()].copy()
        for ty in range(ty0, ty1):
            for tx in range(tx0, tx1):
                t = Rect(tx * TILE, ty * TILE, TILE, TILE).intersect(self.doc.rect)
                part = t.intersect(r)
                tile = self._merged[(ty, tx)]
                out[part.translated(-rect.x, -rect.y).slices()] = tile[
                    part.translated(-t.x, -t.y).slices()
                ]
        return out

    def _restrict(self, rect: Rect) -> np.ndarray | None:
        """Selection (0..1 float32) over layer-coordinate ``rect``, or None (no selection)."""
        if self._select is None:
            return None
        doc_r = rect.translated(self._ox, self._oy)
        out = np.zeros((rect.h, rect.w), np.float32)
        r = doc_r.intersect(Rect(0, 0, self._select.shape[1], self._select.shape[0]))
        if not r.empty:
            out[r.translated(-doc_r.x, -doc_r.y).slices()] = self._select[r.slices()] * np.float32(
                1.0 / 255.0
            )
        return out

    # --- painting ---------------------------------------------------------------------

    def _dab_layer(self, x: float, y: float, pressure: float) -> Rect | None:
        """One dab at layer-coordinate (x, y); returns the changed layer rect."""
        s = self.settings
        pressure = min(1.0, max(0.0, float(pressure)))
        size = s.size * pressure if s.pressure_size else s.size
        if size <= 0.0 or pressure <= 0.0:
            return None
        if self._offset is None:
            dx, dy = self.source.offset_for(x + self._ox, y + self._oy)
            self._offset = (dx, dy)
            if s.aligned:
                self.source.offset = (dx, dy)
        if self.start is None:
            self.start = (x + self._ox, y + self._oy)
        fp = dab_footprint(x, y, max(size, 0.5), s.hardness, self.array.shape[:2])
        if fp is None:
            return None
        rect, f = fp
        dx, dy = self._offset
        self._save(rect)
        if s.sample == "merged":
            src = self._merged_region(rect.translated(dx + self._ox, dy + self._oy))
        else:
            src = self._pre_stroke(rect.translated(dx, dy))
        ys, xs = rect.slices()
        snap = self.snapshot[ys, xs]
        cov_old = self.coverage[ys, xs]
        had = cov_old > 0
        value = src.astype(np.float32)
        if s.mode == "heal":
            # The destination is the stroke's result so far (full strength) where it painted.
            dest = np.where(had[..., None], self.paint[ys, xs], snap).astype(np.float32)
            value[..., :3] = poisson_heal(value[..., :3], dest[..., :3])
        old_paint = self.paint[ys, xs].astype(np.float32)
        mixed = np.where(had[..., None], old_paint + (value - old_paint) * f[..., None], value)
        touch = f > 0
        new_paint = np.where(touch[..., None], mixed, old_paint)
        self.paint[ys, xs] = np.rint(np.clip(new_paint, 0, self._maxv)).astype(self.array.dtype)
        strength = s.opacity if s.pressure_size else s.opacity * pressure
        cov = np.maximum(cov_old, f * np.float32(strength))
        self.coverage[ys, xs] = cov
        sel = self._restrict(rect)
        if sel is not None:
            cov = cov * sel
        self.array[ys, xs] = _over(self.paint[ys, xs].astype(np.float32), snap, cov, self._maxv)
        self.bbox = rect if self.bbox is None else self.bbox.union(rect)
        self.dabs += 1
        self.doc._target_changed("pixels", self.layer, rect)
        return rect

    def _stroke_to_layer(self, x: float, y: float, pressure: float) -> Rect | None:
        return walk_dabs(self, x, y, pressure, self._dab_layer)

    # The document calls these two with layer coordinates (see Document.stroke_to).
    def stroke_to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue to *layer* point (x, y) (what ``doc.stroke_to`` passes); returns the
        changed layer rect. UIs call :meth:`to` (document coordinates) or doc.stroke_to."""
        return self._stroke_to_layer(x, y, pressure)

    def dab(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """One dab at *layer* point (x, y) (what ``doc.dab`` passes)."""
        return self._dab_layer(x, y, pressure)

    def to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue the stroke to document point (x, y); returns the changed doc rect."""
        return self.doc.stroke_to(x, y, pressure)

    def dab_at(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """A single dab at document point (x, y); returns the changed doc rect."""
        return self.doc.dab(x, y, pressure)

    @property
    def sample_point(self) -> tuple[float, float] | None:
        """Where the last dab sampled (document coords), for the UI's crosshair."""
        if self._last is None or self._offset is None:
            return None
        return (
            self._last[0] + self._ox + self._offset[0],
            self._last[1] + self._oy + self._offset[1],
        )

    def commit(self, text: str | None = None) -> bool:
        """End the stroke as one undo step; False (no step) when nothing changed."""
        return self.doc.end_stroke(text or self.history_text)

    def abort(self) -> None:
        """End the stroke, restoring the pre-stroke pixels; nothing enters the history."""
        self.doc.abort_stroke()

    # end_stroke/abort_stroke use SavedTiles' diff() and restore()


def begin_clone_stroke(
    doc: Document,
    source: CloneSource,
    settings: CloneSettings | None = None,
    layer_index: int | None = None,
    respect_selection: bool = True,
) -> CloneStroke:
    """Start a clone (``settings.mode="clone"``) or healing (``"heal"``) stroke on a layer
    (default: the active one), sampling at ``source``. It becomes the document's current
    stroke: drive it with ``stroke.to(x, y, pressure)`` (or ``doc.stroke_to``), end it with
    ``stroke.commit()`` (one undo step) or ``stroke.abort()``.

    Raises LayerLockedError for a locked layer, RuntimeError while another stroke runs,
    ValueError for a bad layer index."""
    doc._no_stroke()
    if not isinstance(source, CloneSource):
        raise ValueError(f"expected a CloneSource, got {type(source).__name__}")  # noqa: TRY004
    settings = settings or CloneSettings()
    _i, layer = doc._layer(layer_index)
    if layer.locked:
        raise LayerLockedError(f"layer {layer.name!r} is locked")
    stroke = CloneStroke(doc, layer, source, settings, respect_selection)
    ox, oy = layer.offset
    doc._stroke = stroke  # type: ignore[assignment]
    doc._stroke_info = ("pixels", layer, ox, oy)
    return stroke


# --- spot healing ------------------------------------------------------------------------


class SpotHealStroke:
    """The area a spot-healing stroke painted (document coordinates); touches nothing.

    ``size``/``hardness``/``spacing`` as for the brush. :meth:`stroke_to` adds dabs
    (spacing-interpolated); :attr:`bounds` is the painted box; :meth:`coverage` renders
    the soft coverage (0..1) over a rect, the most of all dabs.
    """

    def __init__(self, size: float = 30.0, hardness: float = 0.8, spacing: float = 0.15) -> None:
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


# --- fills -----------------------------------------------------------------------------


def _down2(img: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve resolution, averaging only the known pixels."""
    h, w = known.shape
    hh, ww = -(-h // 2), -(-w // 2)
    pad_img = np.zeros((hh * 2, ww * 2) + img.shape[2:], np.float32)
    pad_k = np.zeros((hh * 2, ww * 2), np.float32)
    pad_img[:h, :w] = img * known[..., None]
    pad_k[:h, :w] = known
    s_img = pad_img.reshape(hh, 2, ww, 2, -1).sum(axis=(1, 3))
    s_k = pad_k.reshape(hh, 2, ww, 2).sum(axis=(1, 3))
    k2 = s_k > 0
    out = np.where(k2[..., None], s_img / np.maximum(s_k, 1e-6)[..., None], 0.0)
    return out.astype(np.float32), k2


def diffusion_fill(image: np.ndarray, hole: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Fill ``hole`` of ``image`` (float ``(h, w, c)``) by membrane (harmonic) diffusion of
    the surrounding pixels: coarse-to-fine on a 2× pyramid, ``iterations`` Jacobi sweeps
    per level. Pixels outside the hole are returned unchanged. A smooth fill (no
    texture): what the spot-heal's fill callable gets when no inpaint engine is given.

    Returns float32 of ``image``'s shape."""
    img = np.asarray(image, np.float32)
    hole = np.asarray(hole, bool)
    if img.shape[:2] != hole.shape:
        raise ValueError(f"hole {hole.shape} does not match the image {img.shape[:2]}")
    squeeze = img.ndim == 2
    if squeeze:
        img = img[..., None]
    known = ~hole
    if not known.any():
        raise ValueError("nothing around the hole to fill it from")
    if not hole.any():
        return img[..., 0].copy() if squeeze else img.copy()
    # Pyramid of known values, down to a size where the hole is a few pixels wide.
    levels = [(img, known)]
    while min(levels[-1][1].shape) > 4 and (~levels[-1][1]).any():
        levels.append(_down2(*levels[-1]))
    guess = None
    for lvl_img, lvl_known in reversed(levels):
        h, w = lvl_known.shape
        cur = lvl_img.copy()
        if guess is None:
            mean = lvl_img[lvl_known].mean(axis=0) if lvl_known.any() else 0.0
            cur[~lvl_known] = mean
        else:
            up = np.repeat(np.repeat(guess, 2, axis=0), 2, axis=1)[:h, :w]
            cur[~lvl_known] = up[~lvl_known]
        free = ~lvl_known
        for _ in range(iterations):
            p = np.pad(cur, ((1, 1), (1, 1), (0, 0)), mode="edge")
            avg = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) * np.float32(0.25)
            cur[free] = avg[free]
        guess = cur
    out = guess if guess is not None else img
    out = np.where(hole[..., None], out, img).astype(np.float32)
    return out[..., 0] if squeeze else out


def opencv_fill(method: str = "telea", radius: float = 3.0) -> FillFunction:
    """A fill callable running OpenCV's ``cv2.inpaint`` (``"telea"`` or ``"ns"``) on a
    16-bit quantisation of the crop, channel by channel (OpenCV takes 16-bit only as one
    channel). OpenCV is imported when the fill runs."""
    if method not in ("telea", "ns"):
        raise ValueError(f"unknown OpenCV inpaint method {method!r}; expected telea or ns")

    def fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        import cv2

        flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
        img = np.asarray(image, np.float32)
        m = np.asarray(hole, np.uint8) * 255
        planes: Sequence[np.ndarray] = [img[..., c] for c in range(img.shape[2])]
        out = []
        for p in planes:
            q = np.rint(np.clip(p, 0, 1) * 65535).astype(np.uint16)
            out.append(cv2.inpaint(q, m, float(radius), flag).astype(np.float32) / 65535.0)
        res = np.stack(out, axis=2)
        return np.where(np.asarray(hole, bool)[..., None], res, img).astype(np.float32)

    return fill
