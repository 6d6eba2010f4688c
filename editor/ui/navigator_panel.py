"""The Navigator panel: a thumbnail of the composite with the canvas's viewport drawn on
it; click or drag on it to pan the canvas, the slider zooms (about the view centre).

The thumbnail is the composite sampled to 512 px on its long side
(:mod:`editor.document.overview`), redrawn a quarter second after the last edit and never
during a stroke; moving the view only repaints the rectangle."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from editor.document.overview import sampled_composite
from editor.ui.canvas import MAX_ZOOM, MIN_ZOOM
from editor.ui.canvas_tiles import checker_pixmap, display_transform, to_display, to_srgb
from editor.ui.panel_follow import FollowingPanel

THUMB_SIDE = 512
#: the zoom slider is 100 · log2(zoom)
ZOOM_STEPS = 100


class NavigatorView(QWidget):
    """Paints the thumbnail and the viewport; emits ``pan_to(x, y)`` in document
    coordinates where the viewport's centre should go."""

    pan_to = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.doc_size = (1, 1)
        self.viewport: QRectF | None = None  # document coordinates
        self._grab: QPointF | None = None  # where in the viewport the drag holds it
        self._checker = QBrush(checker_pixmap())
        self.setMinimumSize(120, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(260, 180)

    def image_rect(self) -> QRectF:
        """Where the whole document is drawn in the widget."""
        w, h = self.doc_size
        s = min((self.width() - 8) / w, (self.height() - 8) / h)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def to_doc(self, p: QPointF) -> QPointF:
        r = self.image_rect()
        s = r.width() / self.doc_size[0]
        return QPointF((p.x() - r.left()) / s, (p.y() - r.top()) / s)

    def to_widget_rect(self, rect: QRectF) -> QRectF:
        r = self.image_rect()
        s = r.width() / self.doc_size[0]
        return QRectF(r.left() + rect.left() * s, r.top() + rect.top() * s,
                      rect.width() * s, rect.height() * s)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.viewport is None:
            return
        p = self.to_doc(event.position())
        c = self.viewport.center()
        if self.viewport.contains(p):
            self._grab = p - c  # drag the rectangle by where it was taken
        else:
            self._grab = QPointF(0, 0)  # jump there, then drag
            self.pan_to.emit(p.x(), p.y())
        self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab is None:
            return
        p = self.to_doc(event.position()) - self._grab
        self.pan_to.emit(p.x(), p.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._grab = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(40, 40, 40))
        if self.image is not None:
            r = self.image_rect()
            p.setBrushOrigin(r.topLeft())
            p.fillRect(r, self._checker)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(r, self.image)
            if self.viewport is not None:
                v = self.to_widget_rect(self.viewport).intersected(r.adjusted(-1, -1, 1, 1))
                p.setPen(QPen(QColor(255, 60, 60), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(v)
        p.end()


class NavigatorPanel(FollowingPanel):
    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(host, parent)
        self.view = NavigatorView()
        self.view.pan_to.connect(self._pan_to)
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(round(ZOOM_STEPS * math.log2(MIN_ZOOM)),
                           round(ZOOM_STEPS * math.log2(MAX_ZOOM)))
        self.zoom.setToolTip("Zoom (Ctrl+wheel on the canvas; Ctrl+0 fit, Ctrl+1 100 %)")
        self.zoom.valueChanged.connect(self._zoom_moved)
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(52)
        row = QHBoxLayout()
        row.addWidget(self.zoom, 1)
        row.addWidget(self.zoom_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.view, 1)
        lay.addLayout(row)
        self.bind()

    def canvas_bound(self, old: Any, new: Any) -> None:
        if old is not None:
            for sig in (old.view_changed, old.extent_changed):
                try:
                    sig.disconnect(self.sync_view)
                except (RuntimeError, TypeError):
                    pass  # the canvas is gone already
        if new is not None:
            new.view_changed.connect(self.sync_view)
            new.extent_changed.connect(self.sync_view)
        self.sync_view()

    def refresh(self) -> None:
        doc = self.document
        if doc is None:
            self.view.image = None
            self.view.update()
            return
        px, _step = sampled_composite(doc, THUMB_SIDE)
        transform = display_transform(doc.metadata.get("icc_profile"))
        if transform is not None:
            px = to_srgb(px, transform)
        rgba = np.ascontiguousarray(to_display(px, doc.max_value))
        h, w = rgba.shape[:2]
        self.view.image = QImage(rgba.data, w, h, 4 * w,
                                 QImage.Format.Format_RGBA8888_Premultiplied).copy()
        self.view.doc_size = (doc.width, doc.height)
        self.sync_view()

    def sync_view(self) -> None:
        """The viewport rectangle and the zoom slider from the canvas."""
        c = self.canvas
        if c is None or self.document is None:
            self.view.viewport = None
            self.zoom_label.setText("")
        else:
            self.view.doc_size = (self.document.width, self.document.height)
            self.view.viewport = c.visible_doc_rect()
            self.zoom.blockSignals(True)
            self.zoom.setValue(round(ZOOM_STEPS * math.log2(c.zoom)))
            self.zoom.blockSignals(False)
            self.zoom_label.setText(f"{c.zoom * 100:.0f}%")
        self.zoom.setEnabled(c is not None)
        self.view.update()

    def _pan_to(self, x: float, y: float) -> None:
        if self.canvas is not None:
            self.canvas.center_on(x, y)

    def _zoom_moved(self, v: int) -> None:
        if self.canvas is not None:
            self.canvas.set_zoom(2 ** (v / ZOOM_STEPS))
