"""The document's undo commands. Created by :class:`editor.document.Document` methods."""

from __future__ import annotations

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
        self, doc: Document, layer: Layer, prop: str, old: Any, new: Any, mergeable: bool
    ) -> None:
        self.doc = doc
        self.layer = layer
        self.prop = prop
        self.old = old
        self.new = new
        self.mergeable = mergeable
        self.text = _PROP_TEXT.get(prop, f"Change {prop}")

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
