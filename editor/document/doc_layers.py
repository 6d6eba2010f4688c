"""Document layer-list operations (add, delete, duplicate, move, properties, metadata,
masks, merge, flatten, layer from selection): a mixin of :class:`Document`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from editor.document.commands import LayersCommand, PropertyCommand
from editor.document.compositor import composite_float, composite_layers, quantize
from editor.document.layer import (
    ForeignAttribute,
    Layer,
    LayerLockedError,
    coerce_mask,
    coerce_pixels,
)


def _foreign_of(layer: Layer, *props: str) -> dict[str, ForeignAttribute]:
    """``layer``'s foreign attribute records for ``props`` (a derived layer that copies
    those properties keeps them)."""
    return {p: rec for p, rec in layer.foreign.items() if p in props}


class LayerOpsMixin:
    """Layer-stack operations of :class:`~editor.document.document.Document`; each one undo step."""

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
