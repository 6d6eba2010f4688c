"""Round brush in numpy: dabs with size, hardness, opacity, colour, eraser mode.

A stroke keeps a per-pixel *coverage* buffer: each dab raises coverage to
``max(coverage, dab)``, and the target is recomputed from its pre-stroke values with
that coverage. Overlapping dabs therefore never compound past the stroke opacity
(Krita's "build-up off"), however densely they are spaced.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from editor.document.events import Rect
from editor.document.undo import TileDiff

SNAPSHOT_TILE = 64
STROKE_TARGETS = ("pixels", "mask", "ai_mask", "selection")


def check_dab_settings(what: str, size: float, hardness: float, opacity: float,
                       spacing: float) -> None:
    """ValueError naming ``what`` ("brush", "clone") for a dab setting out of range."""
    if not (size > 0 and math.isfinite(size)):
        raise ValueError(f"{what} size must be a positive number, got {size!r}")
    if not 0.0 <= hardness <= 1.0:
        raise ValueError(f"{what} hardness must be within 0..1, got {hardness!r}")
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"{what} opacity must be within 0..1, got {opacity!r}")
    if not 0.0 < spacing <= 10.0:
        raise ValueError(f"{what} spacing must be within (0, 10], got {spacing!r}")


@dataclass(frozen=True)
class BrushSettings:
    """Brush parameters.

    ``size``: diameter in pixels (> 0). ``hardness``: 0 (soft) .. 1 (hard edge).
    ``opacity``: 0..1, the most a stroke can cover. ``color``: RGB floats in [0, 1]
    (used on layer pixels only). ``erase``: on pixels, erase alpha; on masks, subtract
    (hide / deselect) instead of add. ``spacing``: dab distance as a fraction of size.
    ``pressure_size``: let pressure scale the diameter as well as the opacity.
    """

    size: float = 20.0
    hardness: float = 0.8
    opacity: float = 1.0
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    erase: bool = False
    spacing: float = 0.15
    pressure_size: bool = False

    def __post_init__(self) -> None:
        check_dab_settings("brush", self.size, self.hardness, self.opacity, self.spacing)
        try:
            c = tuple(float(v) for v in self.color)
        except (TypeError, ValueError):
            raise ValueError(
                f"brush colour must be 3 numbers in 0..1, got {self.color!r}"
            ) from None
        if len(c) != 3 or not all(0.0 <= v <= 1.0 for v in c):
            raise ValueError(f"brush colour must be 3 numbers in 0..1, got {self.color!r}")
        object.__setattr__(self, "color", c)


def dab_footprint(
    x: float, y: float, size: float, hardness: float, bounds: tuple[int, int]
) -> tuple[Rect, np.ndarray] | None:
    """Coverage (float32 in [0, 1]) of a round dab centred at (x, y), clipped to
    ``bounds`` = (height, width). None if it lies outside."""
    r = size / 2.0
    rect = Rect(math.floor(x - r - 1), math.floor(y - r - 1), 0, 0)
    rect = Rect(
        rect.x, rect.y, math.ceil(x + r + 1) - rect.x + 1, math.ceil(y + r + 1) - rect.y + 1
    )
    rect = rect.intersect(Rect(0, 0, bounds[1], bounds[0]))
    if rect.empty:
        return None
    yy = (np.arange(rect.y, rect.bottom, dtype=np.float32) + 0.5 - y)[:, None]
    xx = (np.arange(rect.x, rect.right, dtype=np.float32) + 0.5 - x)[None, :]
    dist = np.sqrt(xx * xx + yy * yy)
    # One-pixel anti-aliased rim at the radius; tiny dabs keep proportional strength.
    f = np.clip(r - dist + 0.5, 0.0, 1.0) * min(1.0, size)
    if hardness < 1.0:
        inner = hardness * r
        t = np.clip((dist - inner) / max(r - inner, 1e-6), 0.0, 1.0)
        f *= 1.0 - t * t * (3.0 - 2.0 * t)  # smoothstep falloff
    return rect, f.astype(np.float32)


class SavedTiles:
    """What a stroke that snapshots the tiles it touches gives the undo stack: the
    changed tiles' old and new values, and the restore of an aborted stroke.

    Uses ``array`` (the layer's pixels, written in place), ``snapshot`` (their pre-stroke
    copy, valid where ``_saved`` is set), ``_saved`` (bool grid of SNAPSHOT_TILE² tiles)
    and ``bbox``; the brush and the clone/heal strokes share it."""

    array: np.ndarray
    snapshot: np.ndarray
    _saved: np.ndarray
    bbox: Rect | None

    def _save(self, rect: Rect) -> None:
        """Keep the pre-stroke values of the tiles of ``rect`` (array coords, clipped) that
        are not saved yet."""
        t = SNAPSHOT_TILE
        h, w = self.array.shape[:2]
        rect = rect.intersect(Rect(0, 0, w, h))
        if rect.empty:
            return
        ty0, ty1 = rect.y // t, (rect.bottom - 1) // t + 1
        tx0, tx1 = rect.x // t, (rect.right - 1) // t + 1
        sub = self._saved[ty0:ty1, tx0:tx1]
        if sub.all():
            return
        for ty, tx in zip(*np.nonzero(~sub)):
            ys = slice((ty0 + ty) * t, (ty0 + ty + 1) * t)
            xs = slice((tx0 + tx) * t, (tx0 + tx + 1) * t)
            self.snapshot[ys, xs] = self.array[ys, xs]
        sub[:] = True

    def _saved_tiles(self):
        t = SNAPSHOT_TILE
        h, w = self.array.shape[:2]
        for ty, tx in zip(*np.nonzero(self._saved)):
            y0, x0 = int(ty) * t, int(tx) * t
            yield Rect(x0, y0, min(t, w - x0), min(t, h - y0))

    def diff(self) -> TileDiff:
        """Old and new values of the tiles this stroke actually changed (tiles saved
        only for sampling compare equal and are left out)."""
        tiles = []
        for r in self._saved_tiles():
            ys, xs = r.slices()
            old, new = self.snapshot[ys, xs], self.array[ys, xs]
            if not np.array_equal(old, new):
                tiles.append((r.y, r.x, old.copy(), new.copy()))
        return TileDiff(tiles)

    def restore(self) -> Rect | None:
        """Put back the pre-stroke values (abort); returns the restored rect."""
        for r in self._saved_tiles():
            ys, xs = r.slices()
            self.array[ys, xs] = self.snapshot[ys, xs]
        return self.bbox


class Stroke(SavedTiles):
    """One stroke on one 2-D (mask) or 3-D (RGBA) integer array.

    ``restrict`` (optional, same HxW, uint8) limits where paint lands (the selection).
    ``changed(rect)`` is called with the array-coordinate rect after each dab.
    The pre-stroke values of touched 64×64 tiles are saved lazily (:attr:`snapshot`).
    """

    def __init__(
        self,
        array: np.ndarray,
        settings: BrushSettings,
        changed: Callable[[Rect], None],
        restrict: np.ndarray | None = None,
    ) -> None:
        self.array = array
        self.settings = settings
        self.restrict = restrict
        self._changed = changed
        h, w = array.shape[:2]
        self.snapshot = np.empty_like(array)
        t = SNAPSHOT_TILE
        self._saved = np.zeros((-(-h // t), -(-w // t)), bool)
        # np.zeros is lazily backed by the OS: untouched parts cost no memory.
        self.coverage = np.zeros((h, w), np.float32)
        self.bbox: Rect | None = None
        self._last: tuple[float, float, float] | None = None
        self._carry = 0.0
        self.dabs = 0

    def dab(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Place one dab; returns the changed rect (array coordinates) or None."""
        s = self.settings
        pressure = min(1.0, max(0.0, float(pressure)))
        size = s.size * pressure if s.pressure_size else s.size
        if size <= 0.0 or pressure <= 0.0:
            return None
        fp = dab_footprint(x, y, max(size, 0.5), s.hardness, self.array.shape[:2])
        if fp is None:
            return None
        rect, f = fp
        self._save(rect)
        ys, xs = rect.slices()
        strength = s.opacity if s.pressure_size else s.opacity * pressure
        cov = np.maximum(self.coverage[ys, xs], f * np.float32(strength))
        self.coverage[ys, xs] = cov
        if self.restrict is not None:
            cov = cov * (self.restrict[ys, xs].astype(np.float32) * np.float32(1.0 / 255.0))
        self.array[ys, xs] = self._paint(self.snapshot[ys, xs], cov)
        self.bbox = rect if self.bbox is None else self.bbox.union(rect)
        self.dabs += 1
        self._changed(rect)
        return rect

    def _paint(self, old: np.ndarray, k: np.ndarray) -> np.ndarray:
        s = self.settings
        maxv = np.float32(np.iinfo(old.dtype).max)
        if old.ndim == 2:  # a mask: move towards 255 (add) or 0 (subtract)
            m = old.astype(np.float32)
            target = 0.0 if s.erase else 255.0
            out = m + (np.float32(target) - m) * k
            return np.rint(out).astype(old.dtype)
        k = k[..., None]
        o = old.astype(np.float32) * (np.float32(1.0) / maxv)
        cb, ab = o[..., :3], o[..., 3:4]
        if s.erase:
            ao = ab * (1.0 - k)
            co = cb
        else:
            c = np.asarray(s.color, np.float32)
            ao = k + ab * (1.0 - k)
            with np.errstate(divide="ignore", invalid="ignore"):
                co = np.where(ao > 0, (c * k + cb * ab * (1.0 - k)) / np.where(ao > 0, ao, 1), 0)
        out = np.empty_like(old)
        np.rint(np.clip(co, 0, 1) * maxv, out=out[..., :3], casting="unsafe")
        np.rint(np.clip(ao, 0, 1) * maxv, out=out[..., 3:4], casting="unsafe")
        return out

    def stroke_to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue the stroke to (x, y), placing dabs every ``spacing × size`` pixels."""
        return walk_dabs(self, x, y, pressure, self.dab)



def walk_dabs(stroke, x: float, y: float, pressure: float,
              dab: Callable[[float, float, float], Rect | None]) -> Rect | None:
    """Place ``dab(x, y, pressure)`` every ``spacing × size`` pixels from the stroke's last
    point to (x, y), carrying the remainder to the next call (the first call dabs once).

    ``stroke`` holds ``settings`` (with ``spacing`` and ``size``), ``_last`` and ``_carry``;
    the brush, clone and heal strokes share this. Returns the union of the changed rects."""
    if stroke._last is None:
        stroke._last = (x, y, pressure)
        stroke._carry = 0.0
        return dab(x, y, pressure)
    lx, ly, lp = stroke._last
    dist = math.hypot(x - lx, y - ly)
    step = max(0.5, stroke.settings.spacing * stroke.settings.size)
    changed: Rect | None = None
    pos = step - stroke._carry
    while pos <= dist:
        t = pos / dist
        r = dab(lx + (x - lx) * t, ly + (y - ly) * t, lp + (pressure - lp) * t)
        if r is not None:
            changed = r if changed is None else changed.union(r)
        pos += step
    stroke._carry = dist - (pos - step)
    stroke._last = (x, y, pressure)
    return changed
