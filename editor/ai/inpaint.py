"""Inpainting, the document side: what a fill reads, why it cannot run, the frozen
request, and landing the result (ONE undo step, remembered for the before/after compare).

The dialog (:mod:`editor.ui.ai_inpaint`) only gathers the choices; everything here runs
without Qt.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.ai import regions
from editor.ai.apply import apply_result
from editor.ai.compare import remember_result
from editor.ai.requests import (
    DEFAULT_FEATHER,
    MODE_ACTIVE_LAYER,
    MODE_NEW_LAYER,
    SOURCE_LAYER,
    InpaintRequest,
)
from editor.ai.watch import DocumentWatch
from editor.document import Document, Rect
from editor.jobs import engines


def context_margin(bbox: Rect, feather: int, engine: Any = None) -> int:
    """Margin around the mask's bbox that covers the feather plus the context ``engine``
    (an inpaint Engine or id; None: the first registered one) reads — the engine's own
    rule (``InpaintEngine.context_margin``)."""
    if engine is None:
        engine = engines.engines_for("inpaint")[0]
    return engines.inpaint_context_margin(engine, bbox.w, bbox.h, max(0, int(feather)))


def inpaint_region(doc: Document, mask: np.ndarray, feather: int, engine: Any = None,
                   bbox: Rect | None = None) -> Rect:
    """The document area a fill of ``mask`` with ``engine`` reads: its bbox (``bbox`` when
    the caller has it) plus the engine's context margin."""
    bbox = bbox if bbox is not None else regions.mask_bounds(mask)
    if bbox is None:
        raise ValueError("the mask is empty")
    return regions.context_region(doc, bbox, context_margin(bbox, feather, engine))


def inpaint_problem(doc: Document, mask: np.ndarray, region: Rect, source: str,
                    mode: str, bbox: Rect | None = None) -> str | None:
    """Why this fill cannot give a result (a message for the user), or None.

    Sampling an active layer that is empty around the mask would make an invisible
    layer; writing into a layer the mask does not touch would change nothing. ``bbox``:
    the mask's bounds when known (only the layer's part of them is looked at)."""
    layer = doc.active_layer
    if source == SOURCE_LAYER and regions.layer_is_empty(doc, layer, region):
        name = layer.name if layer is not None else "?"
        return (f"the active layer {name!r} is empty around the mask, so the fill would be "
                "empty: sample the merged image, or pick the layer that holds the pixels")
    if mode == MODE_ACTIVE_LAYER:
        if layer is None:
            return "there is no active layer to write into"
        if layer.locked:
            return f"the layer {layer.name!r} is locked"
        bbox = bbox if bbox is not None else regions.mask_bounds(mask)
        shared = layer.bounds.intersect(doc.rect)
        if bbox is not None:
            shared = shared.intersect(bbox)
        if shared.empty or not np.asarray(mask)[shared.slices()].any():
            b = layer.bounds
            return (f"the mask lies outside the layer {layer.name!r} ({b.w}×{b.h} px at "
                    f"{b.x}, {b.y}), so nothing would change: choose \"New layer\" or "
                    "make the layer under the mask active")
    return None


def build_inpaint(
    doc: Document,
    engine_id: str,
    params: dict | None = None,
    *,
    source: str | None = None,
    mask_source: str | None = None,
    feather: int = DEFAULT_FEATHER,
    mode: str = MODE_NEW_LAYER,
    step_delay: float = 0.0,
) -> InpaintRequest:
    """A frozen request for the document's current state; ValueError (a message for the
    user) when there is nothing to fill, the engine cannot run or the fill could not
    change anything (see :func:`inpaint_problem`). ``source`` None:
    :func:`editor.ai.regions.default_source` around the mask."""
    engine = engines.get_engine(engine_id, "inpaint")
    reason = engine.available()
    if reason is not None:
        raise ValueError(f"{engine.name}: {reason}")
    found = regions.find_mask(doc, mask_source)
    if found is None:
        raise ValueError("paint the AI mask (mask brush) or make a selection over what to remove")
    # the one scan of the document-sized mask; everything after works on its region
    which, mask, bbox = found
    feather = max(0, int(feather))
    region = inpaint_region(doc, mask, feather, engine, bbox)
    if source is None:
        source = regions.default_source(doc, region, mask)
    problem = inpaint_problem(doc, mask, region, source, mode, bbox)
    if problem is not None:
        raise ValueError(problem)
    snap = regions.take_snapshot(doc, source, region, mask, bbox)
    hole, alpha = regions.feather_alpha(snap.mask, feather)
    resolved = engine.resolve_params(params or {})
    return InpaintRequest(
        snap, hole, alpha, engine.id, engine.name, tuple(sorted(resolved.items())), mode,
        feather, step_delay, which,
    )


def apply_inpaint(watch: DocumentWatch, req: InpaintRequest, result: np.ndarray) -> Any:
    """Land the result as ONE undo step and remember it for the before/after compare."""
    snap = req.snap
    doc = watch.doc
    before = layer = None
    if req.mode == MODE_ACTIVE_LAYER:
        layer = doc.layers[watch.layer_index()]  # raises if it was deleted
        before = regions.layer_region(doc, layer, snap.rect)
    out = apply_result(watch, snap, result, req.engine_name, req.mode, req.alpha, req.title)
    if out is None:  # checked before running; a backstop so "done" never means nothing
        raise ValueError("the fill did not change the layer (nothing to undo)")
    remember_result(doc, out, layer, snap.rect, before)
    return out
