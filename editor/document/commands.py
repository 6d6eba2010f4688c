"""The document's undo commands. Created by :class:`editor.document.Document` methods."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.document.layer import Layer
from editor.document.undo import Command, TileDiff

if TYPE_CHECKING:
    from editor.document.document import Document

_PROP_TEXT = {
    "name": "Rename layer",
    "visible": "Toggle visibility",
    "opacity": "Change opacity",
    "blend_mode": "Change blend mode",
    "locked": "Toggle lock",
    "offset": "Move layer",
    "mask": "Change layer mask",
    "metadata": "Change layer metadata",
}


class PixelCommand(Command):
    """Changed tiles of one pixel target: a layer's pixels or mask, the AI mask, the selection."""

    def __init__(
        self, doc: Document, target: str, layer: Layer | None, diff: TileDiff, text: str
    ) -> None:
        self.doc = doc
        self.target = target
        self.layer = layer
        self.diff = diff
        self.text = text

    def _apply(self, new: bool) -> None:
        array = self.doc._target_array(self.target, self.layer)
        rect = self.diff.apply(array, new)
        self.doc._target_changed(self.target, self.layer, rect)

    def redo(self) -> None:
        self._apply(True)

    def undo(self) -> None:
        self._apply(False)

    @property
    def nbytes(self) -> int:
        return self.diff.nbytes


class PropertyCommand(Command):
    """One layer property change; consecutive changes of the same one merge."""

    def __init__(
        self,
        doc: Document,
        layer: Layer,
        prop: str,
        old: Any,
        new: Any,
        mergeable: bool,
        text: str | None = None,
    ) -> None:
        self.doc = doc
        self.layer = layer
        self.prop = prop
        self.old = old
        self.new = new
        self.mergeable = mergeable
        self.text = text or _PROP_TEXT.get(prop, f"Change {prop}")

    def redo(self) -> None:
        self.layer.set(self.prop, self.new)

    def undo(self) -> None:
        self.layer.set(self.prop, self.old)

    def merge_with(self, other: Command) -> bool:
        if (
            isinstance(other, PropertyCommand)
            and self.mergeable
            and other.mergeable
            and other.layer is self.layer
            and other.prop == self.prop
        ):
            self.new = other.new
            return True
        return False

    @property
    def nbytes(self) -> int:
        if self.prop == "metadata":
            # JSON text length: close enough to what the two dicts keep alive.
            return sum(len(json.dumps(v)) for v in (self.old, self.new))
        return sum(v.nbytes for v in (self.old, self.new) if isinstance(v, np.ndarray))


class LayersCommand(Command):
    """Replace the layer list (add, delete, duplicate, move, merge, flatten...)."""

    def __init__(
        self,
        doc: Document,
        text: str,
        before: list[Layer],
        after: list[Layer],
        active_before: int,
        active_after: int,
        moved: tuple[int, int] | None = None,
    ) -> None:
        self.doc = doc
        self.text = text
        self.before = list(before)
        self.after = list(after)
        self.active_before = active_before
        self.active_after = active_after
        self.moved = moved

    def redo(self) -> None:
        self.doc._set_layers(self.after, self.active_after, self.moved)

    def undo(self) -> None:
        back = None if self.moved is None else (self.moved[1], self.moved[0])
        self.doc._set_layers(self.before, self.active_before, back)

    @property
    def nbytes(self) -> int:
        # Only layers that exist on one side only are kept alive by this command.
        ids_b = {id(x) for x in self.before}
        ids_a = {id(x) for x in self.after}
        only = [x for x in self.before if id(x) not in ids_a]
        only += [x for x in self.after if id(x) not in ids_b]
        return sum(x.nbytes for x in only)


class GeometryCommand(Command):
    """Crop / canvas resize / image resize: swaps every layer's arrays and the doc size."""

    def __init__(self, doc: Document, text: str, before: dict, after: dict) -> None:
        self.doc = doc
        self.text = text
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.doc._set_geometry(self.after)

    def undo(self) -> None:
        self.doc._set_geometry(self.before)

    @property
    def nbytes(self) -> int:
        total = 0
        for state in (self.before, self.after):
            for pixels, mask, _offset in state["layers"]:
                total += pixels.nbytes + (0 if mask is None else mask.nbytes)
            total += state["ai_mask"].nbytes + state["selection"].nbytes
        return total


def resize_with_pixels(
    doc: Document,
    width: int,
    height: int,
    pixels: Sequence[np.ndarray],
    text: str,
    resample: str = "lanczos",
) -> GeometryCommand:
    """A :class:`GeometryCommand` resizing ``doc`` to width × height where every layer gets
    the given pixels (e.g. AI-upscaled, one array per layer, bottom → top) instead of a
    resampled copy. Layer masks, offsets, the AI mask and the selection are scaled as
    ``Document.resize_image`` scales them. Push it with ``doc.undo.push(cmd)`` (one step).

    Each array must be ``(round(h·sy), round(w·sx), 4)`` of the document dtype for its
    layer of size w × h (sx, sy = the size ratios); ValueError otherwise.
    """
    from editor.document.resample import resize_mask

    doc._no_stroke()
    w, h = int(width), int(height)
    layers = doc.layers
    if len(pixels) != len(layers):
        raise ValueError(f"{len(pixels)} pixel arrays for {len(layers)} layers")
    sx, sy = w / doc.width, h / doc.height
    state = []
    for layer, px in zip(layers, pixels):
        lw, lh = max(1, round(layer.width * sx)), max(1, round(layer.height * sy))
        px = np.asarray(px)
        if px.shape != (lh, lw, 4) or px.dtype != doc.dtype:
            raise ValueError(
                f"layer {layer.name!r}: expected {lw}x{lh} RGBA {doc.dtype}, "
                f"got {px.dtype} {px.shape}"
            )
        mask = None if layer.mask is None else resize_mask(layer.mask, lw, lh, resample)
        offset = (round(layer.offset[0] * sx), round(layer.offset[1] * sy))
        state.append((np.ascontiguousarray(px), mask, offset))
    after = {
        "size": (w, h),
        "layers": state,
        "ai_mask": resize_mask(np.asarray(doc.ai_mask), w, h, resample),
        "selection": resize_mask(doc.selection.to_mask(), w, h, resample),
    }
    return GeometryCommand(doc, text, doc._geometry_state(), after)
