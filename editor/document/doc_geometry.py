"""Document geometry: size limits, resize anchors, crop / resize canvas / resize image
(a mixin of :class:`Document`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.document.commands import GeometryCommand
from editor.document.events import Rect
from editor.document.layer import _cut

MAX_SIDE = 1 << 15

ANCHORS: dict[str, tuple[float, float]] = {
    "top-left": (0.0, 0.0),
    "top": (0.5, 0.0),
    "top-right": (1.0, 0.0),
    "left": (0.0, 0.5),
    "center": (0.5, 0.5),
    "right": (1.0, 0.5),
    "bottom-left": (0.0, 1.0),
    "bottom": (0.5, 1.0),
    "bottom-right": (1.0, 1.0),
}


def _check_size(width: Any, height: Any) -> tuple[int, int]:
    try:
        w, h = int(width), int(height)
    except (TypeError, ValueError):
        raise ValueError(f"document size must be integers, got {width!r}×{height!r}") from None
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
        raise ValueError(f"document size {w}×{h} is out of range 1..{MAX_SIDE} per side")
    return w, h


class GeometryMixin:
    """Crop and resize operations of :class:`~editor.document.document.Document`."""

    def _geometry_state(self) -> dict:
        return {
            "size": (self._width, self._height),
            "layers": [(x._pixels, x._mask, x._offset) for x in self._layers],
            "ai_mask": self._ai_mask,
            "selection": self._selection,
        }

    def _set_geometry(self, state: dict) -> None:
        self._geometry_generation += 1
        self._width, self._height = state["size"]
        for layer, (px, mask, offset) in zip(self._layers, state["layers"]):
            layer._replace_pixels(px, mask)
            layer._offset = offset
        self._ai_mask = state["ai_mask"]
        self._selection = state["selection"]
        self._selection_active = bool(self._selection.any())
        self.events.emit("size-changed", rect=self.rect)
        self.events.emit("selection-changed")
        self.events.emit("ai-mask-changed")

    def _reframe(self, x: int, y: int, w: int, h: int) -> dict:
        """State where the canvas becomes rect (x, y, w, h) of the old one; layers become
        canvas-sized at offset (0, 0), content outside cut off."""
        new = Rect(x, y, w, h)
        layers = []
        for layer in self._layers:
            px = layer.region(new)
            mask = None if layer.mask is None else _cut(layer.mask, layer.bounds, new, 255)
            layers.append((px, mask, (0, 0)))

        def cut(a: np.ndarray) -> np.ndarray:
            out = np.zeros((h, w), a.dtype)
            src = self.rect.intersect(new)
            if not src.empty:
                out[src.translated(-x, -y).slices()] = a[src.slices()]
            return out

        return {
            "size": (w, h),
            "layers": layers,
            "ai_mask": cut(self._ai_mask),
            "selection": cut(self._selection),
        }

    def crop(self, x: int, y: int, w: int, h: int) -> None:
        """Crop the canvas to (x, y, w, h) (clipped to the document). One undo step."""
        self._no_stroke()
        r = Rect(int(x), int(y), int(w), int(h)).intersect(self.rect)
        if r.empty:
            raise ValueError(f"crop rectangle {(x, y, w, h)} does not overlap the image")
        if r == self.rect:
            return
        before, after = self._geometry_state(), self._reframe(*r)
        self.undo.push(GeometryCommand(self, "Crop", before, after))

    def resize_canvas(
        self, width: int, height: int, anchor: str | tuple[float, float] = "center"
    ) -> None:
        """Change the canvas size; ``anchor`` says where the old image sits (a name from
        :data:`ANCHORS` or fractions (ax, ay) in 0..1). One undo step."""
        self._no_stroke()
        w, h = _check_size(width, height)
        if isinstance(anchor, str):
            if anchor not in ANCHORS:
                raise ValueError(f"unknown anchor {anchor!r}; expected one of {', '.join(ANCHORS)}")
            ax, ay = ANCHORS[anchor]
        else:
            ax, ay = (float(v) for v in anchor)
        dx = round((w - self._width) * ax)
        dy = round((h - self._height) * ay)
        if (w, h) == self.size:
            return
        before, after = self._geometry_state(), self._reframe(-dx, -dy, w, h)
        self.undo.push(GeometryCommand(self, "Resize canvas", before, after))

    def resize_image(self, width: int, height: int, resample: str = "lanczos") -> None:
        """Scale every layer, mask, the selection and the AI mask to width × height.

        ``resample``: "nearest", "bilinear", "bicubic" or "lanczos". Colour is resampled
        premultiplied so transparent pixels do not bleed. One undo step.
        """
        from editor.document.resample import resize_mask, resize_rgba

        self._no_stroke()
        w, h = _check_size(width, height)
        if (w, h) == self.size:
            return
        sx, sy = w / self._width, h / self._height
        layers = []
        for layer in self._layers:
            lw = max(1, round(layer.width * sx))
            lh = max(1, round(layer.height * sy))
            px = resize_rgba(layer.pixels, lw, lh, resample)
            mask = None if layer.mask is None else resize_mask(layer.mask, lw, lh, resample)
            layers.append((px, mask, (round(layer.offset[0] * sx), round(layer.offset[1] * sy))))
        after = {
            "size": (w, h),
            "layers": layers,
            "ai_mask": resize_mask(self._ai_mask, w, h, resample),
            "selection": resize_mask(self._selection, w, h, resample),
        }
        self.undo.push(GeometryCommand(self, "Resize image", self._geometry_state(), after))

    # --- brush strokes -------------------------------------------------------------------
