"""View ▸ Compare Before/After and the hold-``\\`` key: the widget side of
:mod:`editor.ai.compare` (which holds the state: the last AI result of each document).

Display only: the canvas shows the document without its last AI result
(:meth:`Canvas.set_display_override`); nothing in the document changes. A layer edit,
undo or a tab switch ends it, and the toggle unchecks itself; what can be compared again
follows the history (:mod:`editor.ai.compare`): after undoing the result there is
nothing to compare, after redoing it (or undoing a later edit) there is again.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from editor.ai.compare import compare_state

if TYPE_CHECKING:
    from editor.ui.canvas import Canvas
    from editor.ui.main_window import MainWindow

COMPARE_KEY = Qt.Key.Key_Backslash
ACTION_ID = "view.compare"


def _end_compare(window: MainWindow) -> None:
    """Show every tab of the window as its document is (no document is touched)."""
    for view in window.views():
        view.canvas.set_display_override(None)


def show_before(window: MainWindow, before: bool) -> bool:
    """Show the current document without its last AI result (``before=True``) or as it
    is; display only. Returns whether there was a result to compare (``before=True``) or
    a before state shown (``before=False``)."""
    view = window.view
    if not before:
        shown = view is not None and view.canvas.display_override is not None
        _end_compare(window)
        if shown:
            window.show_message("After", 1500)
        return shown
    state = compare_state(window.document)
    if view is None or state is None:
        window.show_message("Nothing to compare: no AI result since the last edit")
        return False
    _hook_canvas(window, view.canvas)
    view.canvas.set_display_override(state.override())
    window.show_message("Before (release \\ for after)", 1500)
    return True


_HOOKED: weakref.WeakKeyDictionary[Any, weakref.WeakSet] = weakref.WeakKeyDictionary()


def _hook_canvas(window: MainWindow, canvas: Canvas) -> None:
    """Uncheck the toggle when the canvas drops its before view (the document changed)."""
    hooked = _HOOKED.setdefault(window, weakref.WeakSet())
    if canvas in hooked:
        return
    hooked.add(canvas)

    def changed() -> None:
        if canvas.display_override is None:
            reset_compare_action(window)

    canvas.display_override_changed.connect(changed)


def _set_checked_quietly(window: MainWindow, on: bool) -> None:
    act = window.actions_by_id.get(ACTION_ID)
    if act is not None and act.isChecked() != on:
        act.blockSignals(True)
        act.setChecked(on)
        act.blockSignals(False)


def toggle(window: MainWindow, on: bool) -> None:
    """The action's slot: a toggle that finds nothing to compare stays unchecked."""
    if not show_before(window, on) and on:
        _set_checked_quietly(window, False)


def reset_compare_action(window: MainWindow) -> None:
    """End the compare (display only) and uncheck the toggle; the document is untouched."""
    _end_compare(window)
    _set_checked_quietly(window, False)


class _CompareKey(QObject):
    """Application event filter: holding ``\\`` in the window shows the before state."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        if t in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent):
            if event.key() != COMPARE_KEY or event.isAutoRepeat():
                return False
            w = obj.window() if isinstance(obj, QWidget) else None
            if w is not self.window_:
                return False
            show_before(self.window_, t == QEvent.Type.KeyPress)
            return True
        return False


def bind_compare_key(window: MainWindow) -> None:
    """Install the hold-``\\`` key and end the compare on a tab switch (the before view of
    one tab must not linger over another). The main window calls it once."""
    window.tabs.currentChanged.connect(lambda _i: reset_compare_action(window))
    key_filter = _CompareKey(window)
    key_filter.setObjectName("ai.compare-key")
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(key_filter)
        window.destroyed.connect(lambda *_: app.removeEventFilter(key_filter))
