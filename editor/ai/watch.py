"""The one way to notice that a document changed under a running AI job (or since an AI
result landed): a :class:`DocumentWatch` captured on the GUI thread, fed by the
document's events, asked by the apply step (and by the before/after compare).

What counts as a change depends on the question, so the watch records the kinds of
change it saw and each check asks about the one it cares for:

* the *frame* (resize, crop, canvas size, or the undo/redo of one): every result placed
  by document coordinates is refused (:meth:`DocumentWatch.check_frame`);
* the *source layer* deleted or moved (:meth:`DocumentWatch.layer_index`,
  :meth:`DocumentWatch.check_layer_in_place`): a patch into it is refused;
* the *layers* edited (pixels, added, removed, reordered): a whole-image result computed
  from the old layers is refused (:meth:`DocumentWatch.check_layers_intact`);
* anything the layers *show* (:attr:`DocumentWatch.display_changed`; editing the AI
  mask, the selection, the active layer or metadata does not count): the compare ends.
"""

from __future__ import annotations

import weakref

from editor.document import Document, Event, Layer

#: document events that leave what the layers show unchanged (a before/after survives)
DISPLAY_NEUTRAL = ("active-changed", "metadata-changed", "history-changed",
                   "ai-mask-changed", "selection-changed")
_LAYER_EDITS = ("layer-added", "layer-removed", "layer-moved", "size-changed")


def keeps_display(ev: Event) -> bool:
    """Whether a document event leaves what the layers show unchanged (the active layer,
    metadata, the AI mask or the selection changed)."""
    return ev.kind in DISPLAY_NEUTRAL or (
        ev.kind == "pixels-changed" and ev.target in ("ai_mask", "selection"))


def frame_changed_message(what: str) -> str:
    return f"the image was resized or cropped while {what} ran; result dropped"


class DocumentListener:
    """Holds a document weakly (a listener never keeps a closed document alive) and feeds
    its events to ``_event`` from :meth:`_listen` until :meth:`close`."""

    def _listen(self, doc: Document) -> None:
        self._doc = weakref.ref(doc)
        self._open = True
        doc.events.connect(self._event)

    def _event(self, ev: Event) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop listening; what was seen so far still counts."""
        if self._open:
            self._open = False
            doc = self._doc()
            if doc is not None:
                doc.events.disconnect(self._event)


class DocumentWatch(DocumentListener):
    """Captured when a job is submitted; listens to the document until :meth:`close`.

    ``layer`` (default: the active layer) is the layer the job reads or writes;
    ``geometry`` is the frame the job's coordinates refer to (default: the document's
    :attr:`~editor.document.Document.geometry_generation` now; pass the snapshot's when
    the request was built earlier).
    """

    def __init__(self, doc: Document, layer: Layer | None = None, *,
                 geometry: int | None = None) -> None:
        self.layer = layer if layer is not None else doc.active_layer
        self.offset = self.layer.offset if self.layer is not None else None
        self.geometry = doc.geometry_generation if geometry is None else geometry
        self.size = doc.size
        self.layers = doc.layers
        self.layers_edited = False
        self.display_changed = False
        self._listen(doc)

    @classmethod
    def capture(cls, doc: Document, geometry: int | None = None) -> DocumentWatch:
        """A watch of ``doc`` with its active layer as the job's layer."""
        return cls(doc, geometry=geometry)

    @property
    def doc(self) -> Document:
        doc = self._doc()
        if doc is None:
            raise ValueError("the document was closed while the job ran")
        return doc

    @property
    def alive(self) -> bool:
        return self._doc() is not None

    def _event(self, ev: Event) -> None:
        if ev.kind in _LAYER_EDITS or (ev.kind == "pixels-changed" and ev.target == "pixels"):
            self.layers_edited = True
        if not keeps_display(ev):
            self.display_changed = True

    # --- the checks the apply step makes ---------------------------------------------

    @property
    def frame_changed(self) -> bool:
        doc = self._doc()
        return doc is None or doc.geometry_generation != self.geometry

    def check_frame(self, what: str, since: int | None = None) -> None:
        """ValueError (the message for the user) when the image was resized, cropped or
        canvas-resized (or such a step undone/redone) since the watch's frame (or since
        the generation ``since``, a snapshot's): a result placed by the old coordinates
        would land in the wrong place."""
        doc = self._doc()
        if self.frame_changed or (since is not None and doc.geometry_generation != since):
            raise ValueError(frame_changed_message(what))

    def layer_index(self) -> int:
        """Where the job's layer is now (it may have moved); ValueError if it was deleted."""
        if self.layer is None:
            raise ValueError("there is no layer to write into")
        doc = self.doc
        if not any(x is self.layer for x in doc.layers):
            raise ValueError(f"the layer {self.layer.name!r} was deleted while the job ran")
        return doc.index_of(self.layer)

    def check_layer_in_place(self, what: str) -> None:
        """ValueError when the job's layer was moved (its offset changed): a patch computed
        for the content under it then does not fit what is there now."""
        if self.layer is not None and self.offset is not None and self.layer.offset != self.offset:
            raise ValueError(f"the layer {self.layer.name!r} was moved while {what} ran; "
                             "result dropped")

    @property
    def layers_intact(self) -> bool:
        doc = self._doc()
        return (doc is not None and not self.layers_edited and doc.size == self.size
                and len(doc.layers) == len(self.layers)
                and all(a is b for a, b in zip(doc.layers, self.layers)))

    def check_layers_intact(self, what: str) -> None:
        """ValueError when any layer's pixels or the layer list changed since capture."""
        if not self.layers_intact:
            raise ValueError(f"the layers were edited while {what} ran; nothing was changed "
                             "(run it again)")
