"""Document: size, depth, layer stack, selection, AI mask, undo, events, composite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from editor.document.brush import STROKE_TARGETS, Stroke
from editor.document.commands import PixelCommand
from editor.document.compositor import Compositor, LayerOverride
from editor.document.doc_geometry import ANCHORS, MAX_SIDE, GeometryMixin, _check_size
from editor.document.doc_layers import LayerOpsMixin
from editor.document.doc_strokes import StrokeMixin
from editor.document.events import EventHub, Rect, as_rect
from editor.document.layer import Layer, LayerLockedError, coerce_mask, coerce_pixels
from editor.document.selection import Selection
from editor.document.undo import TileDiff

__all__ = ["ANCHORS", "MAX_SIDE", "Document", "_check_size"]


class Document(LayerOpsMixin, GeometryMixin, StrokeMixin):
    """A layered image. See the package docstring for the full API."""

    def __init__(
        self,
        width: int,
        height: int,
        depth: int = 8,
        layers: Sequence[Layer] | None = None,
        undo_limit: int = 200,
        undo_max_bytes: int = 1 << 30,
    ) -> None:
        from editor.document.undo import UndoStack

        self._width, self._height = _check_size(width, height)
        if depth not in (8, 16):
            raise ValueError(f"bit depth must be 8 or 16, got {depth!r}")
        self._depth = int(depth)
        self.events = EventHub()
        self._layers: list[Layer] = []
        self._active = -1
        self._selection = np.zeros((self._height, self._width), np.uint8)
        self._selection_active = False
        self._ai_mask = np.zeros((self._height, self._width), np.uint8)
        self.selection = Selection(self)
        self.metadata: dict[str, Any] = {"icc_profile": None, "exif": None}
        self._stroke: Stroke | None = None
        self._stroke_info: tuple[str, Layer | None, int, int] | None = None
        self._geometry_generation = 0
        self.compositor = Compositor(lambda: self._layers, lambda: self.size, lambda: self.dtype)
        # The compositor must see every event before widgets do, so it can invalidate.
        self.events.connect(self.compositor.on_event)
        self.undo = UndoStack(undo_limit, undo_max_bytes, self._history_changed)
        for layer in layers or ():
            self._adopt(layer)
            self._layers.append(layer)
        self._active = len(self._layers) - 1

    @classmethod
    def from_pixels(cls, pixels: np.ndarray, name: str = "Background") -> Document:
        """A one-layer document from an image array (depth from its dtype, float → 8 bit).

        The document owns its pixels: the caller's array is copied, never edited."""
        a = np.asarray(pixels)
        depth = 16 if a.dtype == np.uint16 else 8
        px = coerce_pixels(a, np.uint16 if depth == 16 else np.uint8)
        if np.may_share_memory(px, a):
            px = px.copy()
        return cls(px.shape[1], px.shape[0], depth, [Layer(px, name)])

    # --- basic properties --------------------------------------------------------------

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self._width, self._height

    @property
    def rect(self) -> Rect:
        return Rect(0, 0, self._width, self._height)

    @property
    def geometry_generation(self) -> int:
        """Bumped by every change of the document's size or coordinate frame (crop,
        canvas resize, image resize, and their undo/redo): positions recorded under
        another generation no longer mean the same pixels (AI jobs check it)."""
        return self._geometry_generation

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint16 if self._depth == 16 else np.uint8)

    @property
    def max_value(self) -> int:
        return 65535 if self._depth == 16 else 255

    @property
    def layers(self) -> tuple[Layer, ...]:
        """Layers bottom → top (index 0 = bottom). Change them through document methods."""
        return tuple(self._layers)

    @property
    def active_index(self) -> int:
        """Index of the active layer, -1 when there are no layers."""
        return self._active

    @active_index.setter
    def active_index(self, index: int) -> None:
        index = int(index)
        if not (0 <= index < len(self._layers)) and not (index == -1 and not self._layers):
            raise ValueError(f"layer index {index} out of range 0..{len(self._layers) - 1}")
        if index != self._active:
            self._active = index
            self.events.emit("active-changed", index=index)

    @property
    def active_layer(self) -> Layer | None:
        return self._layers[self._active] if self._layers else None

    @property
    def ai_mask(self) -> np.ndarray:
        """The AI mask, ``(H, W)`` uint8, 0 = off (read-only view)."""
        v = self._ai_mask.view()
        v.flags.writeable = False
        return v

    def index_of(self, layer: Layer) -> int:
        for i, x in enumerate(self._layers):
            if x is layer:
                return i
        raise ValueError(f"layer {layer.name!r} is not in this document")

    def _layer(self, index: int | None) -> tuple[int, Layer]:
        if index is None:
            index = self._active
        if not isinstance(index, (int, np.integer)) or not 0 <= index < len(self._layers):
            raise ValueError(f"layer index {index!r} out of range 0..{len(self._layers) - 1}")
        return int(index), self._layers[int(index)]

    def set_metadata(self, key: str, value: Any) -> None:
        """Set a metadata entry ("icc_profile", "exif" or a free key); not undoable."""
        self.metadata[key] = value
        self.events.emit("metadata-changed", prop=key)

    # --- events plumbing -----------------------------------------------------------------

    def _adopt(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"expected a Layer, got {type(layer).__name__}")  # noqa: TRY004
        if layer.dtype != self.dtype:
            raise ValueError(
                f"layer {layer.name!r} is {layer.dtype}, the document is {self._depth}-bit"
            )
        layer._owner = self._layer_property_changed

    def _layer_property_changed(self, layer: Layer, prop: str, old: Any) -> None:
        try:
            index = self.index_of(layer)
        except ValueError:
            return  # a removed layer kept alive by the history
        rect = layer.bounds
        if prop == "offset":
            rect = rect.union(Rect(old[0], old[1], layer.width, layer.height))
        self.events.emit("layer-changed", index=index, prop=prop, rect=rect)

    def _history_changed(self) -> None:
        self.events.emit("history-changed")

    def notify_pixels_changed(self, index: int | None = None, rect: Rect | None = None) -> None:
        """Tell the document a layer's pixels were written in place (not undoable)."""
        i, layer = self._layer(index)
        r = layer.bounds if rect is None else Rect(*rect)
        self.events.emit("pixels-changed", index=i, rect=r, target="pixels")

    # --- composite ---------------------------------------------------------------------

    def composite(
        self,
        rect: tuple[int, int, int, int] | None = None,
        override: LayerOverride | None = None,
    ) -> np.ndarray:
        """``(h, w, 4)`` straight-alpha composite of ``rect`` (None = all) in the doc dtype.

        The composite is cached in 32² cells; only cells dirtied by events since the last
        call are recomposited. Returns a copy. ``override`` (read-only, for display) leaves one
        layer out or substitutes some of its pixels; the document is never changed.
        """
        return self.compositor.composite(as_rect(rect), override)

    # --- pixel targets (used by commands and strokes) ----------------------------------

    def _target_array(self, target: str, layer: Layer | None) -> np.ndarray:
        if target == "pixels":
            assert layer is not None
            return layer._pixels
        if target == "mask":
            assert layer is not None
            if layer._mask is None:
                raise ValueError(f"layer {layer.name!r} has no mask")
            return layer._mask
        if target == "ai_mask":
            return self._ai_mask
        if target == "selection":
            return self._selection
        raise ValueError(f"unknown target {target!r}; expected one of {STROKE_TARGETS}")

    def _target_changed(self, target: str, layer: Layer | None, rect: Rect | None) -> None:
        if rect is None:
            return
        if target in ("pixels", "mask"):
            assert layer is not None
            try:
                index = self.index_of(layer)
            except ValueError:
                return
            ox, oy = layer.offset
            self.events.emit(
                "pixels-changed", index=index, rect=rect.translated(ox, oy), target=target
            )
        elif target == "ai_mask":
            self.events.emit("pixels-changed", rect=rect, target=target)
            self.events.emit("ai-mask-changed", rect=rect)
        else:
            self._selection_active = bool(self._selection.any())
            self.events.emit("pixels-changed", rect=rect, target=target)
            self.events.emit("selection-changed", rect=rect)

    def _change_mask(self, target: str, new: np.ndarray, text: str) -> bool:
        """Replace a whole document mask (selection or ai_mask) as one undo step."""
        self._no_stroke()
        array = self._target_array(target, None)
        old = array.copy()
        array[...] = new
        diff = TileDiff.from_region(old, array, self.rect)
        if diff.empty:
            return False
        self._target_changed(target, None, diff.bounds)
        self.undo.push(PixelCommand(self, target, None, diff, text), apply=False)
        return True

    def set_ai_mask(self, mask: np.ndarray, text: str = "Set AI mask") -> None:
        """Replace the AI mask (uint8/bool/float ``(H, W)``) as one undo step."""
        self._change_mask(
            "ai_mask", coerce_mask(mask, (self._height, self._width), "AI mask"), text
        )

    def clear_ai_mask(self) -> None:
        self._change_mask("ai_mask", np.zeros_like(self._ai_mask), "Clear AI mask")

    # --- AI results ----------------------------------------------------------------------

    def apply_patch(
        self,
        layer_index: int,
        x: int,
        y: int,
        pixels: np.ndarray,
        text: str,
        mask: np.ndarray | None = None,
    ) -> Rect | None:
        """Write ``pixels`` at document position (x, y) into a layer as one undo step.

        ``pixels``: ``(h, w, 3|4)`` uint8/uint16/float (converted to the document depth;
        RGB keeps the layer's alpha). ``mask`` (``(h, w)``, uint8/bool/float, 1 = take
        the patch) blends patch and old pixels. Only changed 64² tiles are stored.
        Returns the changed document rect, or None if nothing changed (no step pushed).
        """
        self._no_stroke()
        _index, layer = self._layer(layer_index)
        if layer.locked:
            raise LayerLockedError(f"layer {layer.name!r} is locked")
        src = np.asarray(pixels)
        rgb_only = src.ndim == 3 and src.shape[2] == 3
        patch = coerce_pixels(src, self.dtype, "patch")
        ph, pw = patch.shape[:2]
        m = None if mask is None else coerce_mask(mask, (ph, pw), "patch mask")
        ox, oy = layer.offset
        dest = Rect(int(x) - ox, int(y) - oy, pw, ph).intersect(
            Rect(0, 0, layer.width, layer.height)
        )
        if dest.empty:
            return None
        sy, sx = dest.y - (int(y) - oy), dest.x - (int(x) - ox)
        patch = patch[sy : sy + dest.h, sx : sx + dest.w]
        ys, xs = dest.slices()
        old = layer._pixels[ys, xs].copy()
        new = patch.copy()
        if rgb_only:
            new[..., 3] = old[..., 3]
        if m is not None:
            k = m[sy : sy + dest.h, sx : sx + dest.w, None].astype(np.float32) / 255.0
            mixed = old.astype(np.float32) + (new.astype(np.float32) - old) * k
            new = np.rint(mixed).astype(self.dtype)
        layer._pixels[ys, xs] = new
        diff = TileDiff.from_region(old, layer._pixels, dest)
        if diff.empty:
            return None
        self._target_changed("pixels", layer, diff.bounds)
        self.undo.push(PixelCommand(self, "pixels", layer, diff, text), apply=False)
        return diff.bounds.translated(ox, oy)  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return (
            f"Document({self._width}x{self._height}, {self._depth}-bit, {len(self._layers)} layers)"
        )
