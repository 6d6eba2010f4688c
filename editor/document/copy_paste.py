"""Cut, copy and clear of the selection's pixels (numpy only; the clipboard itself is
the UI's, :mod:`editor.ui.clipboard`).

What is copied is what Photoshop and GIMP copy: the active layer's pixels (or, for Copy
Merged, the visible composite) over the selection's bounding box, their alpha multiplied
by the selection (a feathered edge stays soft); with nothing selected, the whole layer
(or the whole image). Colours are straight alpha in the document's depth, so a 16-bit
copy stays 16-bit for a paste inside Retouch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from editor.document.events import Rect
from editor.document.layer import LayerLockedError

if TYPE_CHECKING:
    from editor.document.document import Document


@dataclass(frozen=True)
class Clip:
    """Copied pixels: ``(h, w, 4)`` straight alpha (uint8 or uint16) and where they were
    in the document they came from (paste puts them back there when it fits)."""

    pixels: np.ndarray
    x: int = 0
    y: int = 0

    @property
    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.pixels.shape[1], self.pixels.shape[0])


def _masked(px: np.ndarray, sel: np.ndarray | None) -> np.ndarray:
    if sel is not None:
        a = px[..., 3].astype(np.float32) * (sel.astype(np.float32) / 255.0)
        px[..., 3] = np.rint(a).astype(px.dtype)
    px[px[..., 3] == 0] = 0  # no colour hides under fully transparent pixels
    return px


def copy_selection(doc: Document, merged: bool = False, index: int | None = None) -> Clip:
    """Edit ▸ Copy (``merged``: Copy Merged, the visible composite) as a :class:`Clip`.

    ValueError when there is nothing to copy (no layer, or a selection outside the layer)."""
    b = doc.selection.bounds()
    if merged:
        r = b if b is not None else doc.rect
        px = doc.composite(tuple(r))
    else:
        if not doc.layers:
            raise ValueError("there is no layer to copy from")
        _i, layer = doc._layer(index)
        r = layer.bounds if b is None else b
        px = layer.region(r)
    sel = None if b is None else doc.selection.to_mask()[r.slices()]
    px = _masked(px, sel)
    if not px[..., 3].any():
        raise ValueError("the selection holds no visible pixels to copy")
    return Clip(np.ascontiguousarray(px), r.x, r.y)


def clear_selection(doc: Document, index: int | None = None, text: str = "Clear") -> bool:
    """Edit ▸ Clear (Delete): the selected pixels of the layer become transparent, in
    proportion to the selection (a soft edge clears partly); with nothing selected the
    whole layer. Colours stay (straight alpha), only alpha drops. One undo step; False
    when nothing changed. LayerLockedError for a locked layer."""
    i, layer = doc._layer(index)
    if layer.locked:
        raise LayerLockedError(f"layer {layer.name!r} is locked")
    b = doc.selection.bounds()
    r = layer.bounds if b is None else b.intersect(layer.bounds)
    if r.empty:
        return False
    px = layer.region(r)
    keep = 1.0 - doc.selection.to_mask()[r.slices()].astype(np.float32) / 255.0 if b else 0.0
    px[..., 3] = np.rint(px[..., 3].astype(np.float32) * keep).astype(px.dtype)
    return doc.apply_patch(i, r.x, r.y, px, text) is not None


def cut_selection(doc: Document, index: int | None = None) -> Clip:
    """Edit ▸ Cut: :func:`copy_selection` then :func:`clear_selection` (one undo step:
    copying changes nothing). The locked check comes first, so a refused cut copies
    nothing either."""
    _i, layer = doc._layer(index)
    if layer.locked:
        raise LayerLockedError(f"layer {layer.name!r} is locked")
    clip = copy_selection(doc, index=index)
    clear_selection(doc, index, "Cut")
    return clip


def paste_position(
    clip_size: tuple[int, int],
    doc_size: tuple[int, int],
    selection: Rect | None = None,
    view_centre: tuple[float, float] | None = None,
    origin: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Where Edit ▸ Paste puts a ``clip_size`` = (w, h) image, as in GIMP/Photoshop:
    centred on the selection when there is one; else back where it was copied from
    (``origin``) when that spot is in view of the document; else centred on the view
    (``view_centre``, document coordinates), else on the image. Whole pixels."""
    w, h = clip_size
    if selection is not None and not selection.empty:
        cx, cy = selection.x + selection.w / 2, selection.y + selection.h / 2
    elif origin is not None and Rect(origin[0], origin[1], w, h).intersect(
        Rect(0, 0, *doc_size)
    ) == Rect(origin[0], origin[1], w, h):
        return int(origin[0]), int(origin[1])
    elif view_centre is not None:
        cx, cy = view_centre
    else:
        cx, cy = doc_size[0] / 2, doc_size[1] / 2
    return int(np.floor(cx - w / 2 + 0.5)), int(np.floor(cy - h / 2 + 0.5))
