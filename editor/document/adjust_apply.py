"""Applying an adjustment or filter to a layer: the pixels it gives (for a preview on the
canvas) and the one undo step that writes them (numpy only).

Both go through :func:`adjustment_result`, so the preview a dialog shows is bit for bit
what OK writes: the function's output over the layer (or the selection's box of it, with
context pixels for neighbourhood filters), mixed with the old pixels by the selection
exactly as :meth:`Document.apply_patch` mixes a masked patch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.document.adjust import filter_margin
from editor.document.compositor import LayerOverride
from editor.document.events import Rect
from editor.document.layer import Layer, LayerLockedError
from editor.document.selection import feather_mask

if TYPE_CHECKING:
    from editor.document.document import Document


@dataclass(frozen=True)
class AdjustmentResult:
    """What an adjustment makes of a layer: ``pixels`` (``(h, w, 4)`` of the layer dtype)
    replace the layer's pixels over document ``rect``; outside it nothing changes."""

    index: int
    layer: Layer
    rect: Rect
    pixels: np.ndarray


def _area(doc: Document, layer: Layer, feather: float, respect_selection: bool,
          ) -> tuple[Rect, np.ndarray | None] | None:
    """The document rect an adjustment may change and the selection over it (None: all),
    or None when nothing is selected there."""
    area = layer.bounds
    if not (respect_selection and doc.selection.active):
        return (None if area.empty else (area, None))
    reach = filter_margin(feather / 2.0) + 1 if feather > 0 else 0
    b = doc.selection.bounds()
    assert b is not None
    grown = Rect(b.x - reach, b.y - reach, b.w + 2 * reach, b.h + 2 * reach)
    cut = grown.intersect(doc.rect)
    sel = doc.selection.mask[cut.slices()]
    if feather > 0:
        sel = feather_mask(sel, feather)
    # Shrink to what is selected after feathering, within the layer.
    area = area.intersect(cut)
    if area.empty:
        return None
    sel = sel[area.translated(-cut.x, -cut.y).slices()]
    if not sel.any():
        return None
    return area, sel


#: rows per band of a pointwise adjustment (a 6000-px row band is ~6 MB of float32 RGB)
BAND_ROWS = 64


@dataclass(frozen=True)
class AdjustmentInput:
    """A frozen copy of what an adjustment reads (safe to hand to a worker thread):
    ``src`` is the layer over ``ctx`` (``rect`` plus context), ``sel`` the selection over
    ``rect`` (None: all of it). :meth:`run` makes the result."""

    index: int
    layer: Layer
    rect: Rect
    ctx: Rect
    src: np.ndarray
    sel: np.ndarray | None

    def run(self, func: Callable[[np.ndarray], np.ndarray],
            pointwise: bool = False) -> AdjustmentResult:
        """``func`` over ``src``, mixed by the selection. ``pointwise``: ``func`` maps each
        pixel on its own (a tone or colour adjustment, not a filter), so it runs on bands
        of :data:`BAND_ROWS` rows: the same pixels, far smaller temporaries."""
        src = self.src
        if pointwise and len(src) > BAND_ROWS:
            out = np.concatenate([np.asarray(func(src[y:y + BAND_ROWS]))
                                  for y in range(0, len(src), BAND_ROWS)])
        else:
            out = np.asarray(func(src))
        if out.shape != src.shape or out.dtype != src.dtype:
            raise ValueError(
                f"the adjustment returned {out.dtype} {out.shape}, expected {src.dtype} "
                f"{src.shape}"
            )
        inner = self.rect.translated(-self.ctx.x, -self.ctx.y).slices()
        new = out[inner]
        if self.sel is not None:
            old = src[inner]
            k = self.sel[..., None].astype(np.float32) / 255.0
            mixed = old.astype(np.float32) + (new.astype(np.float32) - old) * k
            new = np.rint(mixed).astype(src.dtype)
        else:
            new = new.copy()
        return AdjustmentResult(self.index, self.layer, self.rect, new)


def adjustment_input(
    doc: Document,
    layer_index: int | None = None,
    feather: float = 0.0,
    respect_selection: bool = True,
    margin: int = 0,
    within: Rect | None = None,
) -> AdjustmentInput | None:
    """Copy what an adjustment of a layer (default: the active one) reads: with a
    selection (and ``respect_selection``) the selection's box of the layer plus ``margin``
    context pixels, and the selection feathered by ``feather`` px. ``within`` (a preview
    of what is on screen) shrinks the area further. None when there is nothing to change
    (empty layer, nothing selected on it or within)."""
    index, layer = doc._layer(layer_index)
    if feather < 0 or margin < 0:
        raise ValueError(f"feather and margin must be >= 0, got {feather}, {margin}")
    found = _area(doc, layer, feather, respect_selection)
    if found is None:
        return None
    area, sel = found
    if within is not None:
        part = area.intersect(Rect(*within))
        if part.empty:
            return None
        if sel is not None:
            sel = sel[part.translated(-area.x, -area.y).slices()]
        area = part
    ctx = Rect(area.x - margin, area.y - margin, area.w + 2 * margin, area.h + 2 * margin)
    ctx = ctx.intersect(layer.bounds)
    return AdjustmentInput(index, layer, area, ctx, layer.region(ctx),
                           None if sel is None else np.array(sel))


def adjustment_result(
    doc: Document,
    func: Callable[[np.ndarray], np.ndarray],
    layer_index: int | None = None,
    **options: Any,
) -> AdjustmentResult | None:
    """Run ``func`` on a layer without changing the document: its output over the area
    of :func:`adjustment_input` (``options``: feather, respect_selection, margin,
    within; and ``pointwise`` for :meth:`AdjustmentInput.run`), mixed with the old pixels
    by the selection (rounded as ``apply_patch`` rounds). None when nothing changes."""
    pointwise = bool(options.pop("pointwise", False))
    inp = adjustment_input(doc, layer_index, **options)
    return None if inp is None else inp.run(func, pointwise)


def adjustment_preview(
    doc: Document, func: Callable[[np.ndarray], np.ndarray], layer_index: int | None = None,
    **options: Any,
) -> LayerOverride | None:
    """The adjustment as a display override (``Canvas.set_display_override``): the
    document shown as :func:`apply_adjustment` would leave it, the document untouched.
    ``options``: ``feather``, ``respect_selection``, ``margin`` as for
    :func:`adjustment_result`."""
    r = adjustment_result(doc, func, layer_index, **options)
    return None if r is None else LayerOverride(r.layer, r.rect, r.pixels)


def apply_adjustment(
    doc: Document,
    func: Callable[[np.ndarray], np.ndarray],
    layer_index: int | None = None,
    text: str = "Adjust",
    feather: float = 0.0,
    respect_selection: bool = True,
    margin: int = 0,
    pointwise: bool = False,
) -> Rect | None:
    """Apply ``func`` (pixels → pixels of the same shape and dtype, e.g.
    ``functools.partial(curves, master=[(0, 0), (0.5, 0.6), (1, 1)])``) to a layer as one
    undo step. With a selection (and ``respect_selection``) only the selected part
    changes, blended by the selection feathered by ``feather`` px; ``func`` then sees the
    selection's box of the layer plus ``margin`` context pixels (neighbourhood filters:
    ``filter_margin(radius)``). ``pointwise`` (tone and colour adjustments): computed in
    bands of rows, the same result with less memory. Only the changed 64² tiles are
    stored.

    Returns the changed document rect, or None when nothing changed (no step).
    Raises LayerLockedError for a locked layer, RuntimeError during a stroke."""
    doc._no_stroke()
    _index, layer = doc._layer(layer_index)
    if layer.locked:
        raise LayerLockedError(f"layer {layer.name!r} is locked")
    r = adjustment_result(doc, func, layer_index, feather=feather,
                          respect_selection=respect_selection, margin=margin,
                          pointwise=pointwise)
    if r is None:
        return None
    return doc.apply_patch(r.index, r.rect.x, r.rect.y, r.pixels, text)
