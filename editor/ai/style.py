"""Style transfer, the document side: the style image, the frozen request, whether an
engine is quick enough for a live preview, and landing the result (ONE undo step: a new
layer above the source, clipped to the mask when one is used)."""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.ai import regions
from editor.ai.apply import apply_result
from editor.ai.requests import MASK_TITLES, MODE_NEW_LAYER, SOURCE_LAYER, StyleRequest
from editor.ai.watch import DocumentWatch
from editor.document import Document, Layer, Rect
from editor.jobs import engines

TASK = "style"
#: id prefix of the fast-preset engines (one per installed preset)
FAST_PREFIX = "fast-"

STYLE_FILE = "file"
STYLE_DOCUMENT = "document"
STYLE_LAYER = "layer"


def live_preview(engine_id: str) -> bool:
    """Whether an engine is quick enough for the dialog's live preview (the engine's own
    ``Engine.live_preview``)."""
    return engines.live_preview(engine_id, TASK)


def style_pixels(doc: Document, kind: str, ref: Any) -> np.ndarray:
    """A private RGBA copy of the chosen style image: a file path, an open document's
    merged image (``ref`` = the Document) or a layer of ``doc`` (``ref`` = its index)."""
    if kind == STYLE_FILE:
        from editor.io.images import load_image

        return load_image(str(ref)).pixels
    if kind == STYLE_DOCUMENT:
        other = ref if isinstance(ref, Document) else None
        if other is None:
            raise ValueError("the style document is no longer open")
        return other.composite()
    if kind == STYLE_LAYER:
        index = int(ref)
        if not 0 <= index < len(doc.layers):
            raise ValueError("the style layer no longer exists")
        return np.array(doc.layers[index].pixels, copy=True)
    raise ValueError(f"unknown style source {kind!r}")


def build_style(
    doc: Document,
    engine_id: str,
    style: np.ndarray | None,
    params: dict | None = None,
    *,
    source: str = SOURCE_LAYER,
    mask_source: str | None = None,
    step_delay: float = 0.0,
) -> StyleRequest:
    """A frozen request for the document's current state; ValueError (a message for the
    user) when the engine cannot run, the style image is missing or the mask is empty.

    The whole image is processed (the style scale is relative to it); with
    ``mask_source`` the new layer is clipped to that mask."""
    engine = engines.get_engine(engine_id, TASK)
    reason = engine.available()
    if reason is not None:
        raise ValueError(f"{engine.name}: {reason}")
    if engine.needs_style_image and style is None:
        raise ValueError(f"{engine.name} needs a style image: choose a file, document or layer")
    alpha = None
    mask = None
    if mask_source is not None:
        mask = regions.mask_array(doc, mask_source)
        if mask is None:
            raise ValueError(f"the {MASK_TITLES[mask_source]} is empty")
    snap = regions.take_snapshot(doc, source, None, mask)
    if snap.mask is not None:
        alpha = snap.mask.astype(np.float32) / 255.0
    resolved = engine.resolve_params(params or {})
    style_copy = None
    if engine.needs_style_image and style is not None:
        style_copy = np.ascontiguousarray(style).copy()
    return StyleRequest(snap, style_copy, engine.id, engine.name,
                        tuple(sorted(resolved.items())), alpha, step_delay)


def apply_style(watch: DocumentWatch, req: StyleRequest, result: np.ndarray) -> Layer | Rect | None:
    """ONE undo step: the result as a new layer above the source, clipped to the mask."""
    return apply_result(watch, req.snap, result, f"Style: {req.engine_name}",
                        MODE_NEW_LAYER, req.alpha, req.title)
