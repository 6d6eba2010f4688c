"""A base for the cheap overview panels (Histogram, Navigator): follow the current tab's
document and canvas, and refresh a while after the last edit, never during a stroke."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from editor.document import Document, Event

#: events after which what the composite shows may have changed
REFRESH_EVENTS = ("pixels-changed", "layer-added", "layer-removed", "layer-moved",
                  "layer-changed", "size-changed", "depth-changed", "active-changed")


class FollowingPanel(QWidget):
    """Subclasses implement :meth:`refresh` (recompute from ``self.document``) and may
    override :meth:`canvas_bound`. ``delay_ms`` is the debounce after the last change."""

    delay_ms = 250

    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.document: Document | None = None
        self.canvas: Any = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(self.delay_ms)
        self.timer.timeout.connect(self._due)
        self.refreshes = 0  # how many refreshes ran (tests: debouncing works)
        tabs = getattr(host, "tabs", None)
        if tabs is not None:
            tabs.currentChanged.connect(lambda _i: self.bind())

    def bind(self) -> None:
        """Follow the host's current document and canvas."""
        doc = self.host.document
        canvas = getattr(self.host, "canvas", None)
        if doc is not self.document:
            if self.document is not None:
                self.document.events.disconnect(self._on_event)
            self.document = doc
            if doc is not None:
                doc.events.connect(self._on_event)
        if canvas is not self.canvas:
            old, self.canvas = self.canvas, canvas
            self.canvas_bound(old, canvas)
        self.refresh_now()

    def canvas_bound(self, old: Any, new: Any) -> None:
        """The current canvas changed from ``old`` to ``new`` (either may be None)."""

    def _on_event(self, ev: Event) -> None:
        if ev.kind in REFRESH_EVENTS and not (ev.kind == "pixels-changed" and ev.target
                                              in ("ai_mask", "selection")):
            self.schedule()

    def schedule(self) -> None:
        self.timer.start()

    def _due(self) -> None:
        doc = self.document
        if doc is not None and doc.stroke_active:
            self.timer.start()  # painting: look again when the stroke is over
            return
        if not self.isVisible():
            self._stale = True
            return
        self.refresh_now()

    def refresh_now(self) -> None:
        self.timer.stop()
        self._stale = False
        self.refreshes += 1
        self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self.refresh_now()
