"""Document: size, depth, layer stack, selection, AI mask, undo, events, composite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from editor.document.brush import STROKE_TARGETS, BrushSettings, Stroke
from editor.document.commands import GeometryCommand, LayersCommand, PixelCommand, PropertyCommand
from editor.document.compositor import (
    Compositor,
    LayerOverride,
    composite_float,
    composite_layers,
    quantize,
)
from editor.document.events import EventHub, Rect, as_rect
from editor.document.layer import (
    ForeignAttribute,
    Layer,
    LayerLockedError,
    _cut,
    coerce_mask,
    coerce_pixels,
)
from editor.document.selection import Selection
from editor.document.undo import TileDiff

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


def _foreign_of(layer: Layer, *props: str) -> dict[str, ForeignAttribute]:
    """``layer``'s foreign attribute records for ``props`` (a derived layer that copies
    those properties keeps them)."""
    return {p: rec for p, rec in layer.foreign.items() if p in props}


def _check_size(width: Any, height: Any) -> tuple[int, int]:
    try:
        w, h = int(width), int(height)
    except (TypeError, ValueError):
        raise ValueError(f"document size must be integers, got {width!r}×{height!r}") from None
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
        raise ValueError(f"document size {w}×{h} is out of range 1..{MAX_SIDE} per side")
    return w, h


class Document:
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

    # --- layer list operations ------------------------------------------------------------

    def _set_layers(
        self, layers: list[Layer], active: int, moved: tuple[int, int] | None = None
    ) -> None:
        old = self._layers
        new_ids = {id(x) for x in layers}
        old_ids = {id(x) for x in old}
        self._layers = list(layers)
        for layer in layers:
            self._adopt(layer)
        # The active index is valid before any event goes out: listeners read it.
        active = min(max(active, 0), len(layers) - 1) if layers else -1
        active_changed = active != self._active or moved is not None
        self._active = active
        if moved is not None:
            src, dst = moved
            self.events.emit("layer-moved", index=dst, value=src, rect=layers[dst].bounds)
        for i in range(len(old) - 1, -1, -1):
            if id(old[i]) not in new_ids:
                old[i]._owner = None
                self.events.emit("layer-removed", index=i, rect=old[i].bounds)
        for i, layer in enumerate(layers):
            if id(layer) not in old_ids:
                self.events.emit("layer-added", index=i, rect=layer.bounds)
        if active_changed:
            self.events.emit("active-changed", index=active)

    def _push_layers(
        self, text: str, after: list[Layer], active: int, moved: tuple[int, int] | None = None
    ) -> None:
        self._no_stroke()
        self.undo.push(LayersCommand(self, text, self._layers, after, self._active, active, moved))

    def new_layer_pixels(self, fill: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """A document-sized RGBA array, transparent or filled with RGBA floats in [0, 1]."""
        px = np.zeros((self._height, self._width, 4), self.dtype)
        if fill is not None:
            px[...] = np.rint(np.clip(np.asarray(fill, np.float32), 0, 1) * self.max_value)
        return px

    def add_layer(
        self,
        name: str | None = None,
        pixels: np.ndarray | None = None,
        index: int | None = None,
        offset: tuple[int, int] = (0, 0),
        text: str | None = None,
        **props: Any,
    ) -> Layer:
        """Insert a layer (default: transparent, document-sized, above the active one).

        ``pixels`` are converted to the document depth. ``props`` are Layer keywords
        (opacity, visible, blend_mode, locked, mask). One undo step; the new layer
        becomes active.
        """
        px = self.new_layer_pixels() if pixels is None else coerce_pixels(pixels, self.dtype)
        if name is None:
            name = f"Layer {len(self._layers) + 1}"
        layer = Layer(px, name, offset=offset, **props)
        if index is None:
            index = self._active + 1
        if not 0 <= index <= len(self._layers):
            raise ValueError(f"insert index {index} out of range 0..{len(self._layers)}")
        after = list(self._layers)
        after.insert(index, layer)
        self._push_layers(text or "Add layer", after, index)
        return layer

    def delete_layer(self, index: int | None = None) -> None:
        i, _layer = self._layer(index)
        after = self._layers[:i] + self._layers[i + 1 :]
        self._push_layers("Delete layer", after, min(i, len(after) - 1) if i > 0 else 0)

    def duplicate_layer(self, index: int | None = None) -> Layer:
        i, layer = self._layer(index)
        copy = layer.copy(name=f"{layer.name} copy")
        copy._locked = False
        after = list(self._layers)
        after.insert(i + 1, copy)
        self._push_layers("Duplicate layer", after, i + 1)
        return copy

    def rename_layer(self, index: int | None, name: str) -> None:
        self.set_layer_property(index, "name", name, merge=False)

    def move_layer(self, index: int, new_index: int) -> None:
        """Move layer ``index`` to ``new_index`` (both in the current list)."""
        i, layer = self._layer(index)
        if not 0 <= new_index < len(self._layers):
            raise ValueError(f"target index {new_index} out of range 0..{len(self._layers) - 1}")
        if i == new_index:
            return
        after = self._layers[:i] + self._layers[i + 1 :]
        after.insert(new_index, layer)
        active = self._active
        if active == i:
            active = new_index
        else:
            a = self._layers[active]
            active = after.index(a)
        self._push_layers("Move layer", after, active, moved=(i, new_index))

    def set_layer_property(
        self, index: int | None, prop: str, value: Any, merge: bool = True, text: str | None = None
    ) -> None:
        """Set a layer property as an undo step; with ``merge`` consecutive changes of the
        same property of the same layer become one step (slider drags; ``undo.seal()``
        ends a drag). Mask and metadata changes never merge. ``text`` names the step
        (default e.g. "Change opacity"); nothing is pushed when the value is unchanged."""
        self._no_stroke()
        _i, layer = self._layer(index)
        new = layer._check(prop, value)
        old = layer.get(prop)
        if Layer.same_value(prop, old, new):
            return
        if prop == "mask" and old is not None:
            old = old.copy()
        mergeable = merge and prop not in ("mask", "metadata")
        self.undo.push(PropertyCommand(self, layer, prop, old, new, mergeable, text))

    def set_layer_metadata(
        self, index: int | None, key: str, value: Any, text: str | None = None
    ) -> None:
        """Set one entry of a layer's metadata (the other entries kept) as one undo step.

        ``value`` must be JSON data (see :func:`editor.document.layer.coerce_metadata`);
        ValueError otherwise, naming the entry. Nothing is pushed when it is unchanged.
        ``text`` names the history step (default "Change layer metadata").
        """
        if not isinstance(key, str):
            raise ValueError(f"layer metadata keys are str, got {key!r}")  # noqa: TRY004
        _i, layer = self._layer(index)
        meta = layer.get("metadata")
        meta[key] = value
        self.set_layer_property(index, "metadata", meta, merge=False, text=text)

    def remove_layer_metadata(self, index: int | None, key: str, text: str | None = None) -> bool:
        """Remove one entry of a layer's metadata as one undo step; False (and no step)
        when the layer has no such entry."""
        _i, layer = self._layer(index)
        meta = layer.get("metadata")
        if key not in meta:
            return False
        del meta[key]
        self.set_layer_property(index, "metadata", meta, merge=False, text=text)
        return True

    def add_layer_mask(self, index: int | None = None, from_selection: bool = False) -> None:
        """Give a layer a mask: all visible (255), or the selection (in layer coordinates)."""
        _i, layer = self._layer(index)
        if from_selection:
            mask = self._doc_to_layer(self._selection, layer)
        else:
            mask = np.full((layer.height, layer.width), 255, np.uint8)
        self.set_layer_property(index, "mask", mask, merge=False)

    def remove_layer_mask(self, index: int | None = None) -> None:
        self.set_layer_property(index, "mask", None, merge=False)

    def _doc_to_layer(self, doc_array: np.ndarray, layer: Layer) -> np.ndarray:
        """A doc-sized 2-D array re-cut to the layer's frame (zeros outside the document)."""
        out = np.zeros((layer.height, layer.width), doc_array.dtype)
        r = layer.bounds.intersect(self.rect)
        if not r.empty:
            out[r.translated(-layer.offset[0], -layer.offset[1]).slices()] = doc_array[r.slices()]
        return out

    def _layer_in_doc_frame(self, layer: Layer) -> np.ndarray:
        """Layer pixels (opacity and mask baked into alpha) re-cut to the document frame."""
        flat = Layer(
            layer.pixels, layer.name, opacity=layer.opacity, offset=layer.offset, mask=layer.mask
        )
        return composite_layers([flat], self.rect, self.dtype)

    def merge_down(self, index: int | None = None) -> Layer:
        """Merge a layer into the one below, as an isolated group: the lower layer's opacity
        and mask are baked in, the result keeps its name, blend mode and visibility.

        The merged layer has no metadata: its pixels are new, so what either layer's
        metadata said about its pixels (e.g. the latent a latent edit decoded) no longer
        holds. It keeps the lower layer's foreign blend mode record (it keeps its blend
        mode), not its opacity one (the opacity is baked in)."""
        i, upper = self._layer(index)
        if i == 0:
            raise ValueError("the bottom layer has nothing below it to merge into")
        lower = self._layers[i - 1]
        if lower.locked:
            raise LayerLockedError(f"layer {lower.name!r} is locked")
        r = lower.bounds.union(upper.bounds) if upper.visible else lower.bounds
        base = Layer(
            lower.pixels,
            lower.name,
            opacity=lower.opacity,
            offset=lower.offset,
            mask=lower.mask,
            visible=True,
        )
        px = quantize(*composite_float([base, upper], r), self.dtype)
        merged = Layer(
            px,
            lower.name,
            blend_mode=lower.blend_mode,
            visible=lower.visible,
            offset=(r.x, r.y),
            foreign=_foreign_of(lower, "blend_mode"),
        )
        after = self._layers[: i - 1] + [merged] + self._layers[i + 1 :]
        self._push_layers("Merge down", after, i - 1)
        return merged

    def flatten(self) -> Layer:
        """Replace all layers by one document-sized layer of the visible composite.

        The result has no metadata and no foreign attribute records (nothing of any one
        layer describes the composite); undo brings the layers back with theirs."""
        px = composite_layers(self._layers, self.rect, self.dtype)
        flat = Layer(px, "Background")
        self._push_layers("Flatten image", [flat], 0)
        return flat

    def layer_from_selection(
        self, index: int | None = None, mask: np.ndarray | None = None, name: str | None = None
    ) -> Layer:
        """New layer above ``index`` holding that layer's pixels where ``mask`` (default:
        the selection, ``(H, W)`` in document coordinates) is set. One undo step.

        The new layer copies the blend mode (and its foreign record), not the metadata:
        it holds only part of the source's pixels."""
        i, layer = self._layer(index)
        if mask is None:
            if not self._selection_active:
                raise ValueError("nothing is selected")
            m = self._selection
        else:
            m = coerce_mask(mask, (self._height, self._width), "mask")
        px = layer.region(self.rect)
        a = px[..., 3].astype(np.float32) * (m.astype(np.float32) / 255.0)
        px[..., 3] = np.rint(a).astype(self.dtype)
        px[px[..., 3] == 0] = 0
        new = Layer(
            px,
            name or f"{layer.name} (selection)",
            blend_mode=layer.blend_mode,
            foreign=_foreign_of(layer, "blend_mode"),
        )
        after = list(self._layers)
        after.insert(i + 1, new)
        self._push_layers("Layer from selection", after, i + 1)
        return new

    def add_layer_with_pixels(
        self,
        pixels: np.ndarray,
        name: str,
        text: str | None = None,
        x: int = 0,
        y: int = 0,
        mask: np.ndarray | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Layer:
        """AI results as a new layer above the active one: ``pixels`` placed at (x, y),
        optionally restricted by ``mask`` (``(h, w)``, multiplies alpha), carrying
        ``metadata`` (JSON data, e.g. ``{"retouch.latent": {...}}``). One undo step."""
        px = coerce_pixels(pixels, self.dtype)
        if mask is not None:
            m = coerce_mask(mask, px.shape[:2], "mask").astype(np.float32) / 255.0
            px = px.copy()
            px[..., 3] = np.rint(px[..., 3] * m).astype(self.dtype)
        return self.add_layer(
            name, px, offset=(x, y), text=text or f"Add {name}", metadata=metadata
        )

    # --- geometry ---------------------------------------------------------------------------

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

    @property
    def stroke_active(self) -> bool:
        return self._stroke is not None

    def _no_stroke(self) -> None:
        if self._stroke is not None:
            raise RuntimeError("finish or abort the brush stroke first")

    def begin_stroke(
        self,
        target: str = "pixels",
        settings: BrushSettings | None = None,
        layer_index: int | None = None,
        respect_selection: bool = True,
    ) -> None:
        """Start a stroke on ``target``: "pixels" or "mask" of a layer (default active),
        "ai_mask" or "selection". Painting on a layer is limited to the selection when
        one exists. Raises LayerLockedError for locked layers, ValueError for a "mask"
        target on a layer without mask."""
        self._no_stroke()
        if target not in STROKE_TARGETS:
            raise ValueError(f"unknown stroke target {target!r}; expected one of {STROKE_TARGETS}")
        settings = settings or BrushSettings()
        layer = None
        ox = oy = 0
        restrict = None
        if target in ("pixels", "mask"):
            _i, layer = self._layer(layer_index)
            if layer.locked:
                raise LayerLockedError(f"layer {layer.name!r} is locked")
            ox, oy = layer.offset
            if respect_selection and self._selection_active:
                restrict = self._doc_to_layer(self._selection, layer)
        array = self._target_array(target, layer)

        def changed(rect: Rect) -> None:
            self._target_changed(target, layer, rect)

        self._stroke = Stroke(array, settings, changed, restrict)
        self._stroke_info = (target, layer, ox, oy)

    def stroke_to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue the stroke to document point (x, y); returns the changed doc rect."""
        if self._stroke is None or self._stroke_info is None:
            raise RuntimeError("no brush stroke in progress; call begin_stroke first")
        _t, _l, ox, oy = self._stroke_info
        r = self._stroke.stroke_to(x - ox, y - oy, pressure)
        return None if r is None else r.translated(ox, oy)

    def dab(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """A single dab at document point (x, y) within the current stroke."""
        if self._stroke is None or self._stroke_info is None:
            raise RuntimeError("no brush stroke in progress; call begin_stroke first")
        _t, _l, ox, oy = self._stroke_info
        r = self._stroke.dab(x - ox, y - oy, pressure)
        return None if r is None else r.translated(ox, oy)

    def end_stroke(self, text: str | None = None) -> bool:
        """Commit the stroke as one undo step (only changed tiles kept). Returns whether
        anything changed."""
        if self._stroke is None or self._stroke_info is None:
            return False
        stroke, (target, layer, _ox, _oy) = self._stroke, self._stroke_info
        self._stroke = self._stroke_info = None
        diff = stroke.diff()
        if diff.empty:
            return False
        if text is None:
            # Strokes other than the brush's (clone/heal, editor.document.heal) name themselves.
            text = getattr(stroke, "history_text", None) or {
                "pixels": "Eraser" if stroke.settings.erase else "Brush stroke",
                "mask": "Paint layer mask",
                "ai_mask": "Paint AI mask",
                "selection": "Paint selection",
            }[target]
        self.undo.push(PixelCommand(self, target, layer, diff, text), apply=False)
        return True

    commit_stroke = end_stroke

    def abort_stroke(self) -> None:
        """Drop the stroke and restore the pre-stroke pixels; nothing enters the history."""
        if self._stroke is None or self._stroke_info is None:
            return
        stroke, (target, layer, _ox, _oy) = self._stroke, self._stroke_info
        self._stroke = self._stroke_info = None
        rect = stroke.restore()
        self._target_changed(target, layer, rect)

    def __repr__(self) -> str:
        return (
            f"Document({self._width}x{self._height}, {self._depth}-bit, {len(self._layers)} layers)"
        )
