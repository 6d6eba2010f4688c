"""Before/after compare state: the last AI result of each document and what to show
instead of it, while the document shows what it showed right after the result landed.

Display only: the widgets show the document with the result layer left out, or with the
patched pixels' "before" substituted (a read-only
:class:`~editor.document.LayerOverride`); the document, its history and what Save
writes never see it.

The state follows the undo history, not the first change: it holds while the result's
own undo step is applied and every step applied after it leaves what the layers show
unchanged (editing the AI mask or the selection, say:
:func:`editor.ai.watch.keeps_display`). So undoing the result ends the compare, and
redoing it (or undoing a later brush stroke) makes it comparable again. The key and
action that show it live in :mod:`editor.ui.compare`.
"""

from __future__ import annotations

import weakref

import numpy as np

from editor.ai.watch import DocumentListener, keeps_display
from editor.document import Command, Document, Event, Layer, LayerOverride, Rect


class CompareState(DocumentListener):
    """One AI result: ``layer`` (a new layer, left out in the before view) or, with
    ``rect`` and ``before``, a patch of ``layer`` over ``rect`` whose old pixels are
    ``before``. Made right after the result's undo step was pushed (the top one)."""

    def __init__(self, doc: Document, layer: Layer, rect: Rect | None = None,
                 before: np.ndarray | None = None) -> None:
        self.layer = layer
        self.rect = rect
        self.before = before
        self.command: Command | None = (doc.undo.command(doc.undo.index - 1)
                                        if doc.undo.index else None)
        # the steps done or undone since: those that changed what the layers show, and
        # those seen not to (a jump over several steps is told apart by the latter)
        self._changers: weakref.WeakSet[Command] = weakref.WeakSet()
        self._neutral: weakref.WeakSet[Command] = weakref.WeakSet()
        self._applied = self._applied_now(doc)
        self._pending = False  # such a change seen, not yet matched to a step
        self._broken = self.command is None  # a change no step can take back
        self._listen(doc)

    @staticmethod
    def _applied_now(doc: Document) -> list[Command]:
        return [doc.undo.command(i) for i in range(doc.undo.index)]

    def _event(self, ev: Event) -> None:
        if ev.kind == "history-changed":
            self._history_changed()
        elif not keeps_display(ev):
            self._pending = True

    def _history_changed(self) -> None:
        doc = self._doc()
        if doc is None:
            return
        applied = self._applied_now(doc)
        old = {id(c) for c in self._applied}
        new = {id(c) for c in applied}
        # the steps done or undone since the last history change (several at once after a
        # jump in the history panel)
        moved = [c for c in (*self._applied, *applied) if (id(c) in old) != (id(c) in new)]
        others = [c for c in moved if c is not self.command]
        if not self._pending:
            self._neutral.update(others)  # seen applied or undone without a visible change
        elif not moved:
            if applied and applied[-1] is not self.command:
                self._changers.add(applied[-1])  # merged into the top step (a slider drag)
            else:
                self._broken = True  # a change outside the history, or of the result's step
        else:
            unknown = [c for c in others if c not in self._neutral]
            if unknown or len(others) == len(moved):
                self._changers.update(unknown or others)
        self._pending = False
        self._applied = applied

    @property
    def valid(self) -> bool:
        doc = self._doc()
        if doc is None or self._broken or self._pending:
            return False
        applied = self._applied_now(doc)
        at = next((i for i, c in enumerate(applied) if c is self.command), None)
        return (at is not None and not any(c in self._changers for c in applied[at + 1:])
                and any(x is self.layer for x in doc.layers))

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
