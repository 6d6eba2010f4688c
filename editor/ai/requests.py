"""Frozen requests of the AI filters and their worker side.

A request is a copy of everything the worker needs (pixels cropped to the region, the
mask, engine id, parameters), safe to hand to the worker thread; ``run_*_request(req,
ctx)`` runs on the worker through :mod:`editor.jobs.engines` and returns the result the
GUI thread applies as one undo step (:mod:`editor.ai.apply`).

This module is worker side: it never imports :mod:`editor.document.document` or
:mod:`editor.document.layer` (an import-linter contract in pyproject.toml), so a run
function cannot reach a live layer even by accident. ``Rect`` comes from
``editor.document.events``, which holds no document state. No Qt here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from editor.document.events import Rect
from editor.jobs import engines
from editor.jobs.engines import RunContext

SOURCE_LAYER = "layer"
SOURCE_MERGED = "merged"
SOURCES = (SOURCE_LAYER, SOURCE_MERGED)
SOURCE_TITLES = {SOURCE_LAYER: "Active layer", SOURCE_MERGED: "Merged image"}

MASK_AI = "ai_mask"
MASK_SELECTION = "selection"
MASK_SOURCES = (MASK_AI, MASK_SELECTION)
MASK_TITLES = {MASK_AI: "AI mask", MASK_SELECTION: "Selection"}

MODE_NEW_LAYER = "new-layer"
MODE_ACTIVE_LAYER = "active-layer"
MODES = (MODE_NEW_LAYER, MODE_ACTIVE_LAYER)


@dataclass(frozen=True)
class Snapshot:
    """Frozen copy of what an AI job works on; safe to hand to the worker thread.

    ``pixels``: ``(h, w, 4)`` straight RGBA of the document dtype (a private copy) at
    document position (``x``, ``y``); ``mask``: ``(h, w)`` uint8 over the same region
    (255 = on) or None; ``source``: :data:`SOURCE_LAYER` or :data:`SOURCE_MERGED`;
    ``layer_index``: the active layer when it was taken; ``bbox``: the mask's bounding
    box in document coordinates (or the region when there is no mask); ``geometry``: the
    document's :attr:`~editor.document.Document.geometry_generation` then (None = not
    recorded): a result is refused once the image was resized or cropped since.
    """

    pixels: np.ndarray
    x: int
    y: int
    source: str
    layer_index: int
    depth: int
    mask: np.ndarray | None = None
    bbox: Rect | None = None
    doc_size: tuple[int, int] = (0, 0)
    geometry: int | None = None

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.width, self.height)

#: soft edge (pixels) of an inpainting result, grown outside the painted mask
DEFAULT_FEATHER = 4

SCOPE_IMAGE = "image"
SCOPE_SELECTION = "selection"

#: long side of the style dialog's live preview (pixels)
PREVIEW_SIDE = 256


def slowed(ctx: RunContext, delay: float) -> RunContext:
    """``ctx`` that sleeps ``delay`` seconds per progress report (tests and demos use it
    to make a job observable while it runs)."""
    inner = ctx.progress

    def slow(p) -> None:
        time.sleep(delay)
        inner(p)

    return RunContext(progress=slow, cancel=ctx.cancel, device=ctx.device)


def paced(ctx: RunContext, delay: float) -> RunContext:
    """A request's ``step_delay`` applied: ``ctx`` itself when 0, else :func:`slowed` with
    two "starting" reports sent (so a test sees the job running before its first step)."""
    if delay <= 0:
        return ctx
    ctx = slowed(ctx, delay)
    ctx.report(0.0, "starting")
    ctx.report(0.01, "starting")
    return ctx


# --- inpainting --------------------------------------------------------------------------


@dataclass(frozen=True)
class InpaintRequest:
    """Everything the worker needs, copied: the region's pixels and mask, the fill area
    (mask grown by the feather), the blend alpha, engine and parameters."""

    task: ClassVar[str] = "inpaint"
    snap: Snapshot
    hole: np.ndarray  # (h, w) bool: what the engine fills
    alpha: np.ndarray  # (h, w) float32 0..1: how the fill is blended in (the soft edge)
    engine_id: str
    engine_name: str
    params: tuple[tuple[str, Any], ...] = ()
    mode: str = MODE_NEW_LAYER
    feather: int = DEFAULT_FEATHER
    step_delay: float = 0.0  # seconds slept per progress report (tests, demos)
    mask_source: str = MASK_AI

    @property
    def title(self) -> str:
        return f"Inpaint ({self.engine_name})"


def run_inpaint_request(req: InpaintRequest, ctx: RunContext) -> np.ndarray:
    """Worker side: the filled region, same size and dtype as the snapshot."""
    ctx = paced(ctx, req.step_delay)
    mask = req.hole.astype(np.uint8) * 255
    return engines.run_task_pixels("inpaint", req.engine_id, ctx, image=req.snap.pixels,
                                   mask=mask, **dict(req.params))


# --- upscaling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UpscaleRequest:
    """Copies of what to upscale: every layer's pixels (image scope) or a snapshot of the
    selection's bounding box with the selection (selection scope)."""

    task: ClassVar[str] = "upscale"
    engine_id: str
    engine_name: str
    scale: int
    scope: str
    layers: tuple[np.ndarray, ...] = ()
    snap: Snapshot | None = None
    params: tuple[tuple[str, Any], ...] = ()
    step_delay: float = 0.0  # seconds slept per progress report (tests, demos)

    @property
    def title(self) -> str:
        return f"Upscale {self.scale}× ({self.engine_name})"


def run_upscale_request(req: UpscaleRequest, ctx: RunContext) -> Any:
    """Worker side. Image scope: one upscaled array per layer; selection scope:
    ``(pixels, alpha)`` with alpha the upscaled selection (uint8)."""
    ctx = paced(ctx, req.step_delay)
    params = dict(req.params)
    s = req.scale
    if req.scope == SCOPE_SELECTION:
        from editor.document.resample import resize_mask

        assert req.snap is not None
        out = engines.run_task_pixels("upscale", req.engine_id, ctx.sub(0.0, 0.97),
                                      image=req.snap.pixels, scale=s, **params)
        mask = req.snap.mask
        assert mask is not None
        alpha = resize_mask(mask, out.shape[1], out.shape[0], "bilinear")
        ctx.report(1.0, "done")
        return out, alpha
    results = []
    n = len(req.layers)
    for i, px in enumerate(req.layers):
        sub = ctx.sub(i / n, (i + 1) / n)
        h, w = px.shape[:2]
        if not px[..., 3].any():  # a transparent layer upscales to a transparent layer
            results.append(np.zeros((h * s, w * s, 4), px.dtype))
            sub.report(1.0, f"layer {i + 1}/{n}")
            continue
        results.append(engines.run_task_pixels("upscale", req.engine_id, sub, image=px,
                                               scale=s, **params))
    ctx.report(1.0, "done")
    return results


# --- style transfer ----------------------------------------------------------------------


@dataclass(frozen=True)
class StyleRequest:
    """Everything the worker needs, copied: the content snapshot (whole image), the style
    pixels (RGBA ints of any depth, or None for presets), the engine and its parameters,
    and the blend alpha of the mask (None = the whole image)."""

    task: ClassVar[str] = "style"
    snap: Snapshot
    style: np.ndarray | None
    engine_id: str
    engine_name: str
    params: tuple[tuple[str, Any], ...] = ()
    alpha: np.ndarray | None = None  # (h, w) float32 0..1 over the snapshot
    step_delay: float = 0.0  # seconds slept per progress report (tests, demos)

    @property
    def title(self) -> str:
        return f"Style transfer ({self.engine_name})"


def run_style_request(req: StyleRequest, ctx: RunContext) -> np.ndarray:
    """Worker side: the stylised image, same size and dtype as the snapshot, its alpha."""
    ctx = paced(ctx, req.step_delay)
    return engines.run_task_pixels("style", req.engine_id, ctx, image=req.snap.pixels,
                                   style=req.style, **dict(req.params))


def preview_request(req: StyleRequest, side: int = PREVIEW_SIDE) -> StyleRequest:
    """The same request on a copy shrunk to ``side`` pixels (long side) for the dialog."""
    import cv2

    snap = req.snap
    h, w = snap.height, snap.width
    f = min(1.0, side / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(snap.pixels, size, interpolation=cv2.INTER_AREA) if f < 1 else snap.pixels
    alpha = req.alpha
    if alpha is not None and f < 1:
        alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    style = req.style
    if style is not None and max(style.shape[:2]) > 2 * side:
        g = 2 * side / max(style.shape[:2])
        style = cv2.resize(style, (max(1, round(style.shape[1] * g)),
                                   max(1, round(style.shape[0] * g))),
                           interpolation=cv2.INTER_AREA)
    small_snap = Snapshot(np.ascontiguousarray(small), 0, 0, snap.source, snap.layer_index,
                             snap.depth, doc_size=(size[0], size[1]))
    return StyleRequest(small_snap, style, req.engine_id, req.engine_name, req.params, alpha)


def run_preview(req: StyleRequest, ctx: RunContext) -> np.ndarray:
    """Worker side of the live preview: stylise the small copy and show it over the
    original where the mask is off (float RGB for display)."""
    out = run_style_request(req, ctx)
    top = float(np.iinfo(out.dtype).max)
    res = out[..., :3].astype(np.float32) / top
    if req.alpha is not None:
        orig = req.snap.pixels[..., :3].astype(np.float32) / top
        a = req.alpha[..., None]
        res = orig + (res - orig) * a
    return res
