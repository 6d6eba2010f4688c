"""Selection masks: shapes, combine modes, feathering, grow/shrink (numpy only).

A selection is an ``(H, W)`` uint8 mask, 255 = fully selected. The pure functions here
build masks; :class:`Selection` is the document's selection, whose every change is one
undo step and emits "selection-changed".

The shape selections take the tool options of GIMP/Photoshop: ``mode`` (replace, add,
subtract, intersect: how the new shape combines with the current selection),
``antialias`` (a soft one-pixel rim instead of a stair-stepped edge; a rectangle on whole
pixels has none) and ``feather`` (a radius in pixels: the new shape is blurred before it
is combined, so only its own edge goes soft).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from editor.document.events import Rect
from editor.document.filters import box_blur

if TYPE_CHECKING:
    from editor.document.document import Document

COMBINE_MODES = ("replace", "add", "subtract", "intersect")


def rect_mask(shape: tuple[int, int], x: int, y: int, w: int, h: int) -> np.ndarray:
    """A uint8 mask with the rectangle ``(x, y, w, h)`` (clipped) set to 255."""
    m = np.zeros(shape, np.uint8)
    r = Rect(int(x), int(y), int(w), int(h)).intersect(Rect(0, 0, shape[1], shape[0]))
    if not r.empty:
        m[r.slices()] = 255
    return m


def ellipse_mask(
    shape: tuple[int, int], x: float, y: float, w: float, h: float, antialias: bool = True
) -> np.ndarray:
    """The ellipse inscribed in ``(x, y, w, h)``, anti-aliased over about one pixel
    (``antialias=False``: a pixel is in when its centre is)."""
    m = np.zeros(shape, np.uint8)
    if w <= 0 or h <= 0:
        return m
    r = Rect(int(np.floor(x)), int(np.floor(y)), int(np.ceil(w)) + 2, int(np.ceil(h)) + 2)
    r = r.intersect(Rect(0, 0, shape[1], shape[0]))
    if r.empty:
        return m
    cx, cy, rx, ry = x + w / 2.0, y + h / 2.0, w / 2.0, h / 2.0
    yy = (np.arange(r.y, r.bottom, dtype=np.float32) + 0.5 - cy)[:, None]
    xx = (np.arange(r.x, r.right, dtype=np.float32) + 0.5 - cx)[None, :]
    d = np.sqrt((xx / rx) ** 2 + (yy / ry) ** 2)
    # Signed distance to the edge in pixels, approximated with the smaller radius.
    if not antialias:
        m[r.slices()] = np.where(d <= 1.0, 255, 0).astype(np.uint8)
        return m
    cov = np.clip((1.0 - d) * min(rx, ry) + 0.5, 0.0, 1.0)
    m[r.slices()] = np.rint(cov * 255.0).astype(np.uint8)
    return m


#: sub-pixel samples per side for an anti-aliased lasso (16 coverage levels per pixel)
_LASSO_AA = 4


def polygon_mask(
    shape: tuple[int, int], points: Sequence[tuple[float, float]], antialias: bool = False
) -> np.ndarray:
    """Even-odd fill of a closed polygon (lasso); a pixel is in when its centre is
    (``antialias=True``: coverage from 4 × 4 samples per pixel, a soft edge)."""
    if antialias:
        return _polygon_mask_aa(shape, points)
    m = np.zeros(shape, np.uint8)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3:
        return m
    y0 = pts[:, 1].min()
    y1 = pts[:, 1].max()
    ya = max(0, int(np.floor(y0)))
    yb = min(shape[0], int(np.ceil(y1)) + 1)
    ax, ay = pts[:, 0], pts[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    horiz = ay == by
    for row in range(ya, yb):
        yc = row + 0.5
        # Half-open crossing rule so a vertex shared by two edges counts once.
        hit = ~horiz & ((ay <= yc) != (by <= yc))
        if not hit.any():
            continue
        t = (yc - ay[hit]) / (by[hit] - ay[hit])
        xs = np.sort(ax[hit] + t * (bx[hit] - ax[hit]))
        for xa, xb in zip(xs[0::2], xs[1::2]):
            # Pixels whose centre c + 0.5 lies in [xa, xb).
            ca = max(0, int(np.ceil(xa - 0.5)))
            cb = min(shape[1], int(np.ceil(xb - 0.5)))
            if cb > ca:
                m[row, ca:cb] = 255
    return m


def _polygon_mask_aa(shape: tuple[int, int], points: Sequence[tuple[float, float]]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3:
        return m
    # Supersample only the polygon's bounding box.
    r = Rect(
        int(np.floor(pts[:, 0].min())),
        int(np.floor(pts[:, 1].min())),
        0,
        0,
    )
    r = Rect(
        r.x, r.y, int(np.ceil(pts[:, 0].max())) + 1 - r.x, int(np.ceil(pts[:, 1].max())) + 1 - r.y
    )
    r = r.intersect(Rect(0, 0, shape[1], shape[0]))
    if r.empty:
        return m
    k = _LASSO_AA
    local = (pts - (r.x, r.y)) * k
    fine = polygon_mask((r.h * k, r.w * k), [tuple(p) for p in local])
    cov = fine.reshape(r.h, k, r.w, k).astype(np.uint32).sum(axis=(1, 3))
    m[r.slices()] = ((cov + k * k // 2) // (k * k)).astype(np.uint8)
    return m


def grow_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """Select ▸ Grow: every pixel within ``radius`` px of the selection joins it (a
    grey-level dilation with a disc, so a soft edge stays soft)."""
    return _morph(mask, radius, grow=True)


def shrink_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """Select ▸ Shrink: pixels within ``radius`` px of the unselected area leave the
    selection (grey-level erosion with a disc; the image border counts as selected, as
    in GIMP's default)."""
    return _morph(mask, radius, grow=False)


def _morph(mask: np.ndarray, radius: int, grow: bool) -> np.ndarray:
    radius = int(radius)
    if radius < 0:
        raise ValueError(f"grow/shrink radius must be >= 0, got {radius}")
    if radius == 0 or not mask.any():
        return mask.copy()
    import cv2  # morphology with a disc; numpy alone would loop over the disc's offsets

    d = 2 * radius + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d, d))
    if grow:
        return cv2.dilate(mask, disc, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.erode(mask, disc, borderType=cv2.BORDER_REPLICATE)


#: The old private name, kept for callers that imported it from here.
_box_blur = box_blur


def feather_mask(mask: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian-like blur of a uint8 mask (three box passes; sigma ≈ radius / 2)."""
    if radius <= 0:
        return mask.copy()
    sigma = radius / 2.0
    # Box width for three passes approximating a gaussian of this sigma.
    box = max(0, round(float(np.sqrt(12.0 * sigma * sigma / 3.0 + 1.0) - 1.0) / 2.0))
    if box == 0:
        return mask.copy()
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return mask.copy()
    # Only the selection's bounding box plus the blur reach can change.
    reach = 3 * box + 1
    r = Rect(xs.min() - reach, ys.min() - reach, 0, 0)
    r = Rect(r.x, r.y, xs.max() + reach + 1 - r.x, ys.max() + reach + 1 - r.y)
    r = r.intersect(Rect(0, 0, mask.shape[1], mask.shape[0]))
    a = mask[r.slices()].astype(np.float32)
    for _ in range(3):
        a = box_blur(a, box, 0)
        a = box_blur(a, box, 1)
    out = mask.copy()
    out[r.slices()] = np.rint(np.clip(a, 0, 255)).astype(np.uint8)
    return out


def combine(old: np.ndarray, new: np.ndarray, mode: str) -> np.ndarray:
    """Combine two uint8 masks: replace, add (max), subtract, intersect (min)."""
    if mode == "replace":
        return new.copy()
    if mode == "add":
        return np.maximum(old, new)
    if mode == "intersect":
        return np.minimum(old, new)
    if mode == "subtract":
        keep = 255 - new.astype(np.uint16)
        return ((old.astype(np.uint16) * keep + 127) // 255).astype(np.uint8)
    raise ValueError(f"unknown selection mode {mode!r}; expected one of {COMBINE_MODES}")


class Selection:
    """The document's selection. ``mask`` is None when nothing is selected.

    Every method is one undo step (text like "Select rectangle") and emits
    "selection-changed". ``mode`` is one of :data:`COMBINE_MODES`.
    """

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    @property
    def _array(self) -> np.ndarray:
        return self._doc._selection

    @property
    def mask(self) -> np.ndarray | None:
        """The selection as ``(H, W)`` uint8 (a read-only view), or None if empty."""
        if not self._doc._selection_active:
            return None
        v = self._array.view()
        v.flags.writeable = False
        return v

    @property
    def active(self) -> bool:
        return self._doc._selection_active

    def __bool__(self) -> bool:
        return self.active

    def to_mask(self) -> np.ndarray:
        """A copy of the selection as uint8 (all zeros when nothing is selected)."""
        return self._array.copy()

    def bounds(self) -> Rect | None:
        """Bounding rectangle of the selected pixels, or None."""
        if not self.active:
            return None
        rows = np.flatnonzero(self._array.any(axis=1))
        cols = np.flatnonzero(self._array.any(axis=0))
        return Rect(
            int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)
        )

    def _shape(self) -> tuple[int, int]:
        return self._array.shape  # type: ignore[return-value]

    def _set(self, new: np.ndarray, mode: str, text: str, feather: float = 0.0) -> None:
        if mode not in COMBINE_MODES:
            raise ValueError(f"unknown selection mode {mode!r}; expected one of {COMBINE_MODES}")
        if feather < 0:
            raise ValueError(f"feather radius must be >= 0, got {feather}")
        if feather > 0:
            new = feather_mask(new, feather)
        self._doc._change_mask("selection", combine(self._array, new, mode), text)

    def select_rect(
        self, x: int, y: int, w: int, h: int, mode: str = "replace", feather: float = 0.0
    ) -> None:
        """Rectangle on whole pixels (no anti-aliasing needed); ``feather`` softens it."""
        self._set(rect_mask(self._shape(), x, y, w, h), mode, "Select rectangle", feather)

    def select_ellipse(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        mode: str = "replace",
        antialias: bool = True,
        feather: float = 0.0,
    ) -> None:
        m = ellipse_mask(self._shape(), x, y, w, h, antialias)
        self._set(m, mode, "Select ellipse", feather)

    def select_lasso(
        self,
        points: Sequence[tuple[float, float]],
        mode: str = "replace",
        antialias: bool = False,
        feather: float = 0.0,
    ) -> None:
        m = polygon_mask(self._shape(), points, antialias)
        self._set(m, mode, "Lasso select", feather)

    def select_all(self) -> None:
        self._doc._change_mask("selection", np.full(self._shape(), 255, np.uint8), "Select all")

    def select_none(self) -> None:
        self._doc._change_mask("selection", np.zeros(self._shape(), np.uint8), "Select none")

    def invert(self) -> None:
        self._doc._change_mask("selection", 255 - self._array, "Invert selection")

    def feather(self, radius: float) -> None:
        if radius < 0:
            raise ValueError(f"feather radius must be >= 0, got {radius}")
        self._doc._change_mask("selection", feather_mask(self._array, radius), "Feather selection")

    def grow(self, radius: int) -> None:
        """Select ▸ Grow by ``radius`` px (one undo step; see :func:`grow_mask`)."""
        self._doc._change_mask("selection", grow_mask(self._array, radius), "Grow selection")

    def shrink(self, radius: int) -> None:
        """Select ▸ Shrink by ``radius`` px (one undo step; see :func:`shrink_mask`)."""
        self._doc._change_mask("selection", shrink_mask(self._array, radius), "Shrink selection")

    def from_alpha(self, index: int | None = None) -> None:
        """Alpha to Selection: the layer's alpha (default the active layer, in document
        coordinates) becomes the selection. One undo step."""
        _i, layer = self._doc._layer(index)
        alpha = layer.region(self._doc.rect)[..., 3]
        self.set_mask(alpha, text="Alpha to selection")

    def set_mask(
        self, mask: np.ndarray, mode: str = "replace", text: str = "Mask to selection"
    ) -> None:
        """Painted mask (uint8, bool or float [0, 1], ``(H, W)``) → selection."""
        from editor.document.layer import coerce_mask

        self._set(coerce_mask(mask, self._shape(), "selection mask"), mode, text)
