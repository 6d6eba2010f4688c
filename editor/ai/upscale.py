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

#: sr-small activations per input pixel are about ``4 * (120 + 2 * n²)`` bytes for its ×n
#: net, and one tile's never above this (its tiles are sized against the CPU budget with a
#: larger per-pixel figure); measured with ru_maxrss on 900×600 and 2000×1500 images
SR_SMALL_CAP_BYTES = 500 * 2**20


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


def native_scale(engine: Any, scale: int) -> int:
    """The scale the engine's net really runs at for an asked ``scale``."""
    if engine.id == "sr-small":
        return 4 if scale == 3 else scale  # 3× runs the 4× net and resamples down
    return int(getattr(engine, "native_scale", scale) or scale)


def working_bytes(engine: Any, out_pixels: int, in_pixels: int, scale: int,
                  opaque: bool = True) -> int:
    """Memory of upscaling one layer besides its result: the float input, the net's float
    output, one tile's activations (and the alpha plane when the layer has transparency).

    Engine knowledge held here until upscale engines answer ``working_bytes`` themselves.
    Calibrated on this CPU (peak RSS above the idle editor, request + run + apply, one
    opaque layer): sr-small 900×600 2× 266 MB measured / 311 estimated, 4× 429 / 472,
    3× 429 / 506; 2000×1500 2× 708 / 763, 4× 920 / 1381; Lanczos 900×600 4× 277 / 290."""
    alpha = 0 if opaque else out_pixels * 4
    if engine is None or engine.id == "lanczos":
        # float32 RGB + alpha of the output and the int conversion, one layer at a time
        return int(out_pixels * (3 + 1 + 3) * 4 + in_pixels * 4 * 4)
    native = native_scale(engine, scale)
    net_out = in_pixels * native * native
    work = in_pixels * 4 * 4 + net_out * 3 * 4 + alpha  # float RGB(+A) in, float RGB out
    if native != scale:
        work += out_pixels * 3 * 4  # resampled to the asked scale
    if engine.id == "sr-small":
        work += min(SR_SMALL_CAP_BYTES, in_pixels * 4 * (120 + 2 * native * native))
    else:
        # the bytes per pixel the store engines size their tiles with (ml.engines.upscale)
        per_px = 4 * (16 * 64 + 2 * 64 * native * native)
        work += min(engines.CPU_BUDGET_BYTES, in_pixels * per_px)
    return int(work)


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
        return Estimate(w, h, w * h * 4 * item, working_bytes(engine, w * h, bbox.w * bbox.h,
                                                              scale, opaque=False))
    s2 = scale * scale
    result = 0
    biggest = 0
    opaque = True
    for layer in doc.layers:
        n = layer.width * layer.height
        result += n * s2 * 4 * item + (0 if layer.mask is None else n * s2)
        biggest = max(biggest, n)
        opaque = opaque and _opaque(layer.pixels)
    result += 2 * doc.width * doc.height * s2  # AI mask + selection
    copies = sum(x.pixels.nbytes for x in doc.layers)  # the frozen request
    work = copies + working_bytes(engine, biggest * s2, biggest, scale, opaque)
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
