"""Upscaling, the document side: output size and memory estimate, the frozen request,
and landing the result (ONE undo step: the resized document, or a new layer).

* Whole image: every layer is upscaled on its own, then the document, its layer masks,
  offsets, AI mask and selection are resized in one step
  (:func:`editor.ai.apply.apply_whole_image`); edits made while the job ran make the
  result be dropped rather than overwriting them.
* Selection: the selection's bounding box (active layer or merged image) becomes a new
  layer named after the engine, clipped to the upscaled selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from editor.ai import regions
from editor.ai.apply import apply_as_layer, apply_whole_image
from editor.ai.requests import (
    MASK_SELECTION,
    SCOPE_IMAGE,
    SCOPE_SELECTION,
    SOURCE_LAYER,
    UpscaleRequest,
)
from editor.ai.watch import DocumentWatch
from editor.document import Document
from editor.document.document import MAX_SIDE
from editor.jobs import engines

SCALES = (2, 3, 4)



def human_bytes(n: float) -> str:
    """``1536`` → ``"1.5 KB"`` (powers of 1024, one decimal)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} GB"


def engine_label(engine: Any) -> str:
    """The human name of an engine. Catalog engines registered under their id (the store's
    upscalers) get the name their description starts with ("Real-ESRGAN x4plus: ...")."""
    name = engine.name or ""
    if name and name != engine.id:
        return name
    head, sep, _rest = (engine.description or "").partition(":")
    if sep and 0 < len(head.strip()) <= 60:
        return head.strip()
    return name or engine.id


@dataclass(frozen=True)
class Estimate:
    width: int  # output size: the document (image) or the new layer (selection)
    height: int
    result_bytes: int
    working_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.result_bytes + self.working_bytes

    def text(self, depth: int) -> str:
        mp = self.width * self.height / 1e6
        return (
            f"Output: {self.width}×{self.height} px ({mp:.1f} MP, {depth}-bit RGBA). "
            f"Estimated memory ≈ {human_bytes(self.total_bytes)} "
            f"(result {human_bytes(self.result_bytes)} + working "
            f"{human_bytes(self.working_bytes)})."
        )


def working_bytes(engine: Any, in_w: int, in_h: int, scale: int, opaque: bool = True) -> int:
    """Memory of upscaling one ``in_w``×``in_h`` layer besides its result — the engine's
    own estimate (``UpscaleEngine.working_bytes``; None: Lanczos)."""
    return engines.upscale_working_bytes(engine if engine is not None else "lanczos",
                                         in_w, in_h, scale, alpha=not opaque)


def _opaque(pixels: np.ndarray) -> bool:
    top = np.iinfo(pixels.dtype).max
    return bool(pixels[..., 3].min() >= top)


def estimate(doc: Document, scope: str, scale: int, engine: Any = None) -> Estimate:
    """Output size and memory of an upscale, before running it."""
    item = doc.dtype.itemsize
    if scope == SCOPE_SELECTION:
        bbox = doc.selection.bounds() if doc.selection.active else None
        if bbox is None:
            return Estimate(0, 0, 0, 0)
        w, h = bbox.w * scale, bbox.h * scale
        return Estimate(w, h, w * h * 4 * item,
                        working_bytes(engine, bbox.w, bbox.h, scale, opaque=False))
    s2 = scale * scale
    result = 0
    biggest = (0, 0)
    opaque = True
    for layer in doc.layers:
        n = layer.width * layer.height
        result += n * s2 * 4 * item + (0 if layer.mask is None else n * s2)
        if n > biggest[0] * biggest[1]:
            biggest = (layer.width, layer.height)
        opaque = opaque and _opaque(layer.pixels)
    result += 2 * doc.width * doc.height * s2  # AI mask + selection
    copies = sum(x.pixels.nbytes for x in doc.layers)  # the frozen request
    work = copies + working_bytes(engine, biggest[0], biggest[1], scale, opaque)
    return Estimate(doc.width * scale, doc.height * scale, result, work)


def too_large(doc: Document, scale: int) -> str | None:
    """Why a whole-image upscale by ``scale`` cannot be made (a message), or None."""
    if max(doc.width, doc.height) * scale > MAX_SIDE:
        return (f"{doc.width * scale}×{doc.height * scale} is larger than the "
                f"{MAX_SIDE} px a document may have per side")
    return None


def build_upscale(
    doc: Document,
    engine_id: str,
    scale: int,
    params: dict | None = None,
    *,
    scope: str = SCOPE_IMAGE,
    source: str = SOURCE_LAYER,
    step_delay: float = 0.0,
) -> UpscaleRequest:
    """A frozen request; ValueError (a message for the user) when it cannot run."""
    engine = engines.get_engine(engine_id, "upscale")
    reason = engine.available()
    if reason is not None:
        raise ValueError(f"{engine_label(engine)}: {reason}")
    if scale not in getattr(engine, "scales", ()):
        raise ValueError(f"{engine_label(engine)} cannot upscale {scale}×")
    resolved = tuple(sorted(engine.resolve_params(params or {}).items()))
    if scope == SCOPE_IMAGE:
        if not doc.layers:
            raise ValueError("the image has no layers")
        problem = too_large(doc, scale)
        if problem is not None:
            raise ValueError(problem)
        layers = tuple(x.pixels.copy() for x in doc.layers)
        return UpscaleRequest(engine.id, engine_label(engine), scale, scope, layers=layers,
                              params=resolved, step_delay=step_delay)
    if scope != SCOPE_SELECTION:
        raise ValueError(f"unknown scope {scope!r}")
    mask = regions.mask_array(doc, MASK_SELECTION)
    if mask is None:
        raise ValueError("select the part to upscale first (or upscale the whole image)")
    snap = regions.take_snapshot(doc, source, regions.mask_bounds(mask), mask)
    return UpscaleRequest(engine.id, engine_label(engine), scale, scope, snap=snap,
                          params=resolved, step_delay=step_delay)


def apply_upscale(watch: DocumentWatch, req: UpscaleRequest, result: Any) -> Any:
    """ONE undo step: the resized document (image) or a new layer (selection)."""
    if req.scope == SCOPE_SELECTION:
        assert req.snap is not None
        pixels, alpha = result
        return apply_as_layer(watch, req.snap.x, req.snap.y, pixels,
                              f"{req.engine_name} {req.scale}×", alpha, req.title)
    return apply_whole_image(watch, req.scale, result, req.title)
