"""Masks, regions and snapshots: what part of the document an AI job reads, copied.

Every function works in document coordinates on a live :class:`~editor.document.Document`
on the GUI thread and returns copies, so what it hands on (a :class:`Snapshot`) is safe
for the worker. :func:`mask_bounds` is the one mask bounding box and :func:`layer_region`
the one way to cut a layer into a document rectangle (:meth:`Layer.region`).
"""

from __future__ import annotations

import numpy as np

from editor.ai.requests import (
    MASK_AI,
    MASK_SELECTION,
    MASK_SOURCES,
    SOURCE_LAYER,
    SOURCE_MERGED,
    SOURCES,
    Snapshot,
)
from editor.document import Document, Layer, Rect
from editor.jobs import engines

#: the active layer is sampled by default only when at least this share of the context
#: around the mask is at least half opaque on it
COVERED = 0.9


def mask_array(doc: Document, which: str | None) -> np.ndarray | None:
    """A copy of the document's AI mask or selection (``(H, W)`` uint8, 255 = on), or None
    when ``which`` is None or that mask is empty."""
    if which is None:
        return None
    if which == MASK_AI:
        m = np.array(doc.ai_mask)
    elif which == MASK_SELECTION:
        if not doc.selection.active:
            return None
        m = doc.selection.to_mask()
    else:
        raise ValueError(f"unknown mask source {which!r}; expected one of {MASK_SOURCES}")
    return m if m.any() else None


def default_mask_source(doc: Document) -> str | None:
    """The AI mask when something is painted on it, else the selection when there is one."""
    if mask_bounds(doc.ai_mask) is not None:
        return MASK_AI
    if doc.selection.active:
        return MASK_SELECTION
    return None


def find_mask(doc: Document, which: str | None = None
              ) -> tuple[str, np.ndarray, Rect] | None:
    """``(source, mask, bounds)`` of the mask a filter uses: ``which``, or (None) the AI
    mask when something is painted on it, else the selection; None when that is empty.

    ``mask`` is the live document-sized array, read-only (the AI mask is not copied: cut
    what a job needs with :func:`take_snapshot`), and the one scan of it gives
    ``bounds``, so a filter on a 24 MP document reads its mask once."""
    sources = (which,) if which is not None else (MASK_AI, MASK_SELECTION)
    for source in sources:
        if source == MASK_AI:
            mask = doc.ai_mask
        elif source == MASK_SELECTION:
            if not doc.selection.active:
                continue
            mask = doc.selection.to_mask()
            mask.flags.writeable = False
        else:
            raise ValueError(f"unknown mask source {source!r}; expected one of {MASK_SOURCES}")
        bounds = mask_bounds(mask)
        if bounds is not None:
            return source, mask, bounds
    return None


def mask_bounds(mask: np.ndarray | None) -> Rect | None:
    """Bounding box of the non-zero pixels of a mask (in the mask's coordinates), or None
    (the engines' one ``mask_bbox``, as a Rect)."""
    if mask is None:
        return None
    box = engines.mask_bbox(mask)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return Rect(x0, y0, x1 - x0, y1 - y0)


def context_region(doc: Document, bbox: Rect | None, margin: int) -> Rect:
    """``bbox`` grown by ``margin`` on every side and clipped to the document (the whole
    document when ``bbox`` is None)."""
    if bbox is None:
        return doc.rect
    m = max(0, int(margin))
    grown = Rect(bbox.x - m, bbox.y - m, bbox.w + 2 * m, bbox.h + 2 * m)
    return grown.intersect(doc.rect)


def feather_alpha(mask: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """``(hole, alpha)`` for a mask and a feather radius in pixels.

    ``hole`` (bool) is the mask (any non-zero value) grown by ``radius``: what the engine
    fills. ``alpha`` (float32 0..1) is 1 on the mask and falls smoothly to 0 at ``radius``
    pixels outside it: how the fill is blended over the original. Pixels further than
    ``radius`` from the mask get alpha 0, so they never change.
    """
    core = np.asarray(mask) > 0
    r = float(radius)
    if r <= 0 or not core.any():
        return core.copy(), core.astype(np.float32)
    import cv2

    # distance (px) of every pixel to the nearest mask pixel; 0 on the mask
    dist = cv2.distanceTransform((~core).astype(np.uint8), cv2.DIST_L2, 5)
    t = np.clip(1.0 - dist / np.float32(r + 1.0), 0.0, 1.0)
    alpha = (t * t * (3.0 - 2.0 * t)).astype(np.float32)  # smoothstep: no visible ramp edge
    alpha[core] = 1.0
    return alpha > 0, alpha


def context_pixels(mask: np.ndarray | None, region: Rect) -> np.ndarray:
    """``(h, w)`` bool over ``region``: the pixels a fill samples from (the region minus
    the mask; the whole region when the mask covers all of it or there is none)."""
    if mask is None:
        return np.ones((region.h, region.w), bool)
    ring = np.asarray(mask)[region.slices()] == 0
    return ring if ring.any() else np.ones_like(ring)


def layer_region(doc: Document, layer: Layer, rect: Rect) -> np.ndarray:
    """A copy of ``layer``'s pixels over document ``rect`` (transparent where the layer
    does not reach), ``(rect.h, rect.w, 4)`` of the document dtype (the document's own
    cut, :meth:`Layer.region`, so there is one)."""
    return layer.region(tuple(rect)).astype(doc.dtype, copy=False)


def layer_alpha(doc: Document, layer: Layer, region: Rect) -> np.ndarray:
    """``layer``'s alpha over document ``region`` (0 where the layer does not reach)."""
    return layer_region(doc, layer, region)[..., 3]


def layer_coverage(doc: Document, layer: Layer | None, region: Rect,
                   mask: np.ndarray | None = None) -> float:
    """Share (0..1) of the context pixels around ``mask`` in ``region`` where ``layer`` is
    at least half opaque (0 for no layer or a hidden one)."""
    if layer is None or not layer.visible or region.empty:
        return 0.0
    ring = context_pixels(mask, region)
    a = layer_alpha(doc, layer, region)[ring]
    return float((a >= (doc.max_value + 1) // 2).mean()) if a.size else 0.0


def layer_is_empty(doc: Document, layer: Layer | None, region: Rect) -> bool:
    """True when ``layer`` has no visible pixel (alpha > 0) anywhere in ``region``."""
    return layer is None or not layer_alpha(doc, layer, region).any()


def default_source(doc: Document, region: Rect | None = None,
                   mask: np.ndarray | None = None) -> str:
    """What a filter samples unless the user says otherwise (Photoshop's "Sample All
    Layers" rule): the active layer when it has opaque content over the context around
    the mask (:data:`COVERED`), else the merged image, so a fill started on an empty or
    small layer (the previous AI result, a new "repair" layer) is never empty."""
    r = doc.rect if region is None else region
    if len(doc.layers) <= 1 and doc.active_layer is not None and doc.active_layer.visible:
        return SOURCE_LAYER  # one layer: the same pixels either way, keep its exact alpha
    return SOURCE_LAYER if layer_coverage(doc, doc.active_layer, r, mask) >= COVERED \
        else SOURCE_MERGED


def take_snapshot(
    doc: Document,
    source: str = SOURCE_LAYER,
    region: Rect | None = None,
    mask: np.ndarray | None = None,
    bounds: Rect | None = None,
) -> Snapshot:
    """Copy the pixels of ``region`` (document coordinates; default the whole document)
    from the active layer or the merged image, with ``mask`` (document-sized uint8, e.g.
    from :func:`mask_array` or :func:`find_mask`) cut to the same region. ``bounds``: the
    mask's bounds when the caller has them (else the mask is scanned once more). Costs
    only the region, not the image.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    r = (region or doc.rect).intersect(doc.rect)
    if r.empty:
        raise ValueError("the region lies outside the image")
    if source == SOURCE_MERGED:
        pixels = doc.composite(tuple(r))
    else:
        layer = doc.active_layer
        if layer is None:
            raise ValueError("there is no layer to work on")
        pixels = layer_region(doc, layer, r)
    cut = None if mask is None else np.ascontiguousarray(mask[r.slices()]).copy()
    return Snapshot(
        pixels=pixels,
        x=r.x,
        y=r.y,
        source=source,
        layer_index=doc.active_index,
        depth=doc.depth,
        mask=cut,
        bbox=(bounds if bounds is not None and mask is not None else mask_bounds(mask)) or r,
        doc_size=doc.size,
        geometry=doc.geometry_generation,
    )
