"""The Filter menu's registry, and its first entry: a demo blur run as a background job.

AI issues add entries with :func:`register_filter` (from their own module) without
touching window code; the main window builds the Filter menu from :func:`filters` each
time the menu opens, so late registrations appear too.

A filter's callback gets the main window. The usual shape (see :func:`_blur_callback`):
build a frozen request from a *copy* of the pixels, call ``window.submit_job(request,
run, title, apply)`` and apply the result in ``apply`` as one undo command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from editor.jobs.engines import RunContext

if TYPE_CHECKING:
    from editor.ui.main_window import MainWindow


@dataclass(frozen=True)
class FilterAction:
    """One Filter-menu entry. ``icon`` is a key of :data:`editor.ui.icons.ICONS`.

    ``needs_mask``: disabled until the document's AI mask has something painted;
    ``needs_selection``: disabled without a selection. ``group`` separates menu sections.
    """

    id: str
    title: str
    callback: Callable[[MainWindow], None]
    icon: str = "filter"
    needs_mask: bool = False
    needs_selection: bool = False
    shortcut: str = ""
    tooltip: str = ""
    group: str = "basic"


_REGISTRY: dict[str, FilterAction] = {}


def register_filter(action: FilterAction) -> FilterAction:
    """Add (or replace, by id) a Filter-menu entry; returns it."""
    if not action.id or not action.title:
        raise ValueError("a filter needs an id and a title")
    _REGISTRY[action.id] = action
    return action


def unregister_filter(filter_id: str) -> None:
    _REGISTRY.pop(filter_id, None)


def filters() -> list[FilterAction]:
    """Registered filters in registration order."""
    return list(_REGISTRY.values())


def load_filter_modules() -> list[str]:
    """Import every ``editor/ui/ai_*.py`` module so its ``register_filter`` calls run.

    AI issues add a module there (e.g. ``ai_inpaint.py``) and never edit window code.
    A module that fails to import is logged and skipped: one broken filter must not
    stop the editor from starting. Returns the modules imported.
    """
    import importlib
    import logging
    import pkgutil

    import editor.ui as ui_pkg

    loaded = []
    for info in pkgutil.iter_modules(ui_pkg.__path__):
        if info.name.startswith("ai_"):
            name = f"editor.ui.{info.name}"
            try:
                importlib.import_module(name)
                loaded.append(name)
            except Exception:
                logging.getLogger(__name__).exception("filter module %s failed to load", name)
    return loaded


# --- the demo job: a slow, cancellable box blur ------------------------------------------


@dataclass(frozen=True)
class BlurRequest:
    """A snapshot: the region's pixels (copied), where it goes, and how much to blur."""

    pixels: np.ndarray  # (h, w, 4) straight RGBA, document dtype
    x: int  # document position of pixels[0, 0]
    y: int
    layer_index: int
    radius: int
    passes: int = 3  # three box passes ≈ a gaussian
    mask: np.ndarray | None = None  # (h, w) uint8, the selection over the region
    step_delay: float = 0.0  # seconds slept per band; lets tests/demos slow it down


def box_blur_axis(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Box blur along one axis with edge clamping (running sum: O(n) per radius)."""
    if radius <= 0:
        return a
    pad = [(0, 0)] * a.ndim
    pad[axis] = (radius + 1, radius)
    p = np.pad(a, pad, mode="edge")
    c = np.cumsum(p, axis=axis, dtype=np.float64)
    n = a.shape[axis]
    hi = np.take(c, np.arange(2 * radius + 1, 2 * radius + 1 + n), axis=axis)
    lo = np.take(c, np.arange(0, n), axis=axis)
    return ((hi - lo) / (2 * radius + 1)).astype(np.float32)


def run_blur(req: BlurRequest, ctx: RunContext) -> np.ndarray:
    """Blur in premultiplied space (so transparent edges do not bleed black), band by
    band, reporting progress and checking cancel between bands."""
    import time

    maxv = float(np.iinfo(req.pixels.dtype).max)
    f = req.pixels.astype(np.float32) / maxv
    f[..., :3] *= f[..., 3:4]
    h = f.shape[0]
    total = req.passes * 2
    done = 0
    for _ in range(req.passes):
        # Horizontal pass in bands of rows, so cancel is checked often even on big images.
        band = max(1, 65536 // max(1, f.shape[1]))
        out = np.empty_like(f)
        for y0 in range(0, h, band):
            out[y0:y0 + band] = box_blur_axis(f[y0:y0 + band], req.radius, axis=1)
            if req.step_delay:
                time.sleep(req.step_delay)
            ctx.report((done + (y0 + band) / h) / total, "Blurring")
        f = out
        done += 1
        f = box_blur_axis(f, req.radius, axis=0)
        done += 1
        ctx.report(done / total, "Blurring")
    a = f[..., 3:4]
    with np.errstate(divide="ignore", invalid="ignore"):
        f[..., :3] = np.where(a > 0, f[..., :3] / np.where(a > 0, a, 1), 0)
    return np.rint(np.clip(f, 0, 1) * maxv).astype(req.pixels.dtype)


def blur_request(window: MainWindow, radius: int = 8, step_delay: float = 0.0) -> BlurRequest | None:
    """Snapshot the active layer (cropped to the selection's bounds if any)."""
    doc = window.document
    if doc is None or doc.active_layer is None:
        return None
    layer = doc.active_layer
    ox, oy = layer.offset
    x0, y0, x1, y1 = 0, 0, layer.width, layer.height
    mask = None
    sel = doc.selection.bounds() if doc.selection.active else None
    if sel is not None:
        # Margin of 3 radii so the blur near the selection edge sees real neighbours.
        m = radius * 3
        x0, y0 = max(0, sel.x - ox - m), max(0, sel.y - oy - m)
        x1, y1 = min(layer.width, sel.right - ox + m), min(layer.height, sel.bottom - oy + m)
        if x1 <= x0 or y1 <= y0:
            return None
        full = doc.selection.to_mask()
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        dx0, dy0 = max(0, x0 + ox), max(0, y0 + oy)
        dx1, dy1 = min(doc.width, x1 + ox), min(doc.height, y1 + oy)
        if dx1 > dx0 and dy1 > dy0:
            mask[dy0 - oy - y0:dy1 - oy - y0, dx0 - ox - x0:dx1 - ox - x0] = full[dy0:dy1, dx0:dx1]
    pixels = layer.pixels[y0:y1, x0:x1].copy()
    return BlurRequest(pixels, x0 + ox, y0 + oy, doc.active_index, radius, mask=mask,
                       step_delay=step_delay)


def apply_blur(doc, req: BlurRequest, result: np.ndarray, layer=None) -> None:
    """Write the blurred pixels back as one undo step (only inside the selection).

    ``layer`` (the layer object the request was cut from) follows the layer if it was
    moved in the stack meanwhile; a deleted layer drops the result."""
    index = req.layer_index
    if layer is not None:
        if layer not in doc.layers:
            raise ValueError("Blur: the layer was deleted while the job ran")
        index = doc.index_of(layer)
    doc.apply_patch(index, req.x, req.y, result, "Blur", mask=req.mask)


def _blur_callback(window: MainWindow) -> None:
    req = blur_request(window, radius=8, step_delay=0.01)
    if req is None:
        window.show_message("Blur: nothing to blur (no layer, or the selection is off the layer)")
        return
    doc = window.document
    layer = doc.active_layer
    window.submit_job(req, run_blur, "Blur (demo)",
                      lambda result: apply_blur(doc, req, result, layer))


register_filter(FilterAction("blur-demo", "Blur (demo)", _blur_callback, icon="blur",
                             tooltip="A slow box blur that runs as a background job"))
