"""Before/after compare state: the last AI result of each document and what to show
instead of it, until the layers change.

Display only: the widgets show the document with the result layer left out, or with the
patched pixels' "before" substituted (a read-only
:class:`~editor.document.LayerOverride`); the document, its history and what Save
writes never see it. Editing the AI mask or the selection (clearing the mask to look at
the result, say) keeps the compare; any layer edit, undo or redo of one ends it
(:func:`editor.ai.watch.keeps_display`). The key and action that show it live in
:mod:`editor.ui.compare`.
"""

from __future__ import annotations

import weakref

import numpy as np

from editor.ai.watch import DocumentWatch
from editor.document import Document, Layer, LayerOverride, Rect


class CompareState:
    """One AI result: ``layer`` (a new layer, left out in the before view) or, with
    ``rect`` and ``before``, a patch of ``layer`` over ``rect`` whose old pixels are
    ``before``."""

    def __init__(self, doc: Document, layer: Layer, rect: Rect | None = None,
                 before: np.ndarray | None = None) -> None:
        self.layer = layer
        self.rect = rect
        self.before = before
        self.watch = DocumentWatch(doc, layer, until_display_change=True)

    def close(self) -> None:
        self.watch.close()

    @property
    def valid(self) -> bool:
        w = self.watch
        return (w.alive and not w.display_changed
                and any(x is self.layer for x in w.doc.layers))

    def override(self) -> LayerOverride:
        if self.before is None:
            return LayerOverride(self.layer)  # the new result layer, left out
        return LayerOverride(self.layer, self.rect, self.before)


_STATES: weakref.WeakKeyDictionary[Document, CompareState] = weakref.WeakKeyDictionary()


def remember(doc: Document, state: CompareState) -> CompareState:
    """Make ``state`` the document's last AI result (the previous one is forgotten)."""
    old = _STATES.get(doc)
    if old is not None:
        old.close()
    _STATES[doc] = state
    return state


def remember_result(doc: Document, out: object, layer: Layer | None = None,
                    rect: Rect | None = None, before: np.ndarray | None = None) -> None:
    """Remember what an apply step returned: a new :class:`Layer`, or (``out`` a Rect)
    a patch of ``layer`` over ``rect`` whose old pixels are ``before``."""
    if isinstance(out, Layer):
        remember(doc, CompareState(doc, out))
    elif out is not None and layer is not None and before is not None:
        remember(doc, CompareState(doc, layer, rect, before))


def compare_state(doc: Document | None) -> CompareState | None:
    """The document's last AI result still comparable (None when it changed since)."""
    state = _STATES.get(doc) if doc is not None else None
    return state if state is not None and state.valid else None
