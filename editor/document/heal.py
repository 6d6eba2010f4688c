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
Modules: the clone/heal stroke is here; the Poisson solver and the fills are in
:mod:`editor.document.heal_solve`, spot healing in :mod:`editor.document.spot_heal`; all
are re-exported from this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from editor.document.brush import (
    SNAPSHOT_TILE,
    SavedTiles,
    check_dab_settings,
    dab_footprint,
    walk_dabs,
)
from editor.document.compositor import LayerOverride
from editor.document.events import Rect
from editor.document.heal_solve import (
    FillFunction,
    diffusion_fill,
    harmonic_membrane,
    opencv_fill,
    poisson_heal,
)
from editor.document.layer import Layer, LayerLockedError

if TYPE_CHECKING:
    from editor.document.document import Document

__all__ = [
    "CLONE_MODES",
    "SAMPLE_MODES",
    "TILE",
    "CloneSettings",
    "CloneSource",
    "CloneStroke",
    "FillFunction",
    "SpotHealRequest",
    "SpotHealStroke",
    "apply_spot_heal",
    "begin_clone_stroke",
    "diffusion_fill",
    "harmonic_membrane",
    "opencv_fill",
    "poisson_heal",
    "spot_heal",
    "spot_heal_request",
]

CLONE_MODES = ("clone", "heal")
SAMPLE_MODES = ("layer", "merged")
#: snapshot tile side: the one SavedTiles (brush.py) assumes
TILE = SNAPSHOT_TILE



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
        check_dab_settings("clone", self.size, self.hardness, self.opacity, self.spacing)
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


# Spot healing (editor.document.spot_heal) re-exported here; imported last because it
# uses CloneSettings from this module.
from editor.document.spot_heal import (
    SpotHealRequest,
    SpotHealStroke,
    apply_spot_heal,
    spot_heal,
    spot_heal_request,
)
