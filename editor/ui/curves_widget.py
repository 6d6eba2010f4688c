"""Two painted widgets of the tone dialogs and the Histogram panel: a histogram view and
an editable curve (points dragged with the mouse)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from editor.document.adjust import curve_lut

#: colour per histogram row (R, G, B, luminosity) and the names the widgets take
CHANNEL_COLOURS = {
    "red": QColor(230, 70, 70),
    "green": QColor(80, 200, 80),
    "blue": QColor(80, 130, 240),
    "luminosity": QColor(210, 210, 210),
}
CHANNEL_ROWS = {"red": 0, "green": 1, "blue": 2, "luminosity": 3}


def _scale(counts: np.ndarray) -> float:
    """The count drawn at full height: the tallest bin, ignoring the two end bins (clipped
    shadows and highlights would flatten the rest) unless they are all there is."""
    inner = counts[..., 1:-1] if counts.shape[-1] > 2 else counts
    top = float(inner.max()) if inner.size else 0.0
    return top if top > 0 else max(1.0, float(counts.max()))


class HistogramView(QWidget):
    """Draws ``(4, bins)`` counts (as from :func:`editor.document.adjust.histogram`):
    ``channels`` is "rgb" (the three overlaid, additive), "luminosity" or one channel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = np.zeros((4, 256), np.int64)
        self.channels = "rgb"
        self.setMinimumSize(160, 60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(280, 130)

    def set_counts(self, counts: np.ndarray, channels: str | None = None) -> None:
        self.counts = np.asarray(counts)
        if channels is not None:
            self.channels = channels
        self.update()

    def set_channels(self, channels: str) -> None:
        self.channels = channels
        self.update()

    def rows(self) -> list[str]:
        return ["red", "green", "blue"] if self.channels == "rgb" else [self.channels]

    def paint_into(self, p: QPainter, rect: QRectF) -> None:
        """Paint the histogram into ``rect`` of painter ``p`` (the curve widget's backdrop)."""
        rows = self.rows()
        data = self.counts[[CHANNEL_ROWS[r] for r in rows]].astype(np.float64)
        if not data.size:
            return
        top = _scale(data)
        bins = data.shape[1]
        xs = rect.left() + np.arange(bins + 1) * rect.width() / bins
        p.save()
        if len(rows) > 1:
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Plus)
        p.setPen(Qt.PenStyle.NoPen)
        for name, row in zip(rows, data):
            h = np.minimum(row / top, 1.0) * rect.height()
            # One polygon (a few Qt calls per channel, not two per bin): steps over bins.
            ys = rect.bottom() - np.repeat(h, 2)
            xx = np.repeat(xs, 2)[1:-1]
            pts = [QPointF(rect.left(), rect.bottom())]
            pts += [QPointF(float(x), float(y)) for x, y in zip(xx, ys)]
            pts.append(QPointF(rect.right(), rect.bottom()))
            colour = QColor(CHANNEL_COLOURS[name])
            colour.setAlpha(200 if len(rows) > 1 else 170)
            p.setBrush(colour)
            p.drawPolygon(QPolygonF(pts))
        p.restore()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(28, 28, 28))
        self.paint_into(p, QRectF(self.rect()).adjusted(1, 1, -1, -1))
        p.setPen(QPen(QColor(70, 70, 70)))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        p.end()


class CurvesWidget(QWidget):
    """An editable tone curve: points in 0..1 (x input, y output), drawn through
    :func:`editor.document.adjust.curve_lut` over an optional histogram.

    Click to add a point, drag to move it (between its neighbours), drag it out of the
    square or right-click it to remove it; the two end points stay. Emits
    ``points_changed`` on every change."""

    points_changed = Signal()
    GRAB = 7  # px: how near a click must be to a point to pick it up

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[float, float]] = [(0.0, 0.0), (1.0, 1.0)]
        self.colour = CHANNEL_COLOURS["luminosity"]
        self.histogram: HistogramView | None = None
        self._drag: int | None = None
        self.setMinimumSize(256, 256)
        self.setMouseTracking(False)

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    def heightForWidth(self, w: int) -> int:
        return w

    def set_points(self, points: list[tuple[float, float]], emit: bool = False) -> None:
        self.points = sorted((float(x), float(y)) for x, y in points)
        self.update()
        if emit:
            self.points_changed.emit()

    # --- geometry ----------------------------------------------------------------------

    def _box(self) -> QRectF:
        side = min(self.width(), self.height()) - 12
        return QRectF(6, 6, side, side)

    def to_widget(self, x: float, y: float) -> QPointF:
        b = self._box()
        return QPointF(b.left() + x * b.width(), b.bottom() - y * b.height())

    def to_curve(self, pos: QPointF) -> tuple[float, float]:
        b = self._box()
        return ((pos.x() - b.left()) / b.width(), (b.bottom() - pos.y()) / b.height())

    def _hit(self, pos: QPointF) -> int | None:
        for i, (x, y) in enumerate(self.points):
            q = self.to_widget(x, y)
            if abs(q.x() - pos.x()) <= self.GRAB and abs(q.y() - pos.y()) <= self.GRAB:
                return i
        return None

    # --- input ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        hit = self._hit(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if hit is not None and 0 < hit < len(self.points) - 1:
                del self.points[hit]
                self.update()
                self.points_changed.emit()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if hit is None:
            x, y = (min(1.0, max(0.0, v)) for v in self.to_curve(pos))
            if any(abs(x - px) < 0.01 for px, _ in self.points):
                return
            self.points.append((x, y))
            self.points.sort()
            hit = self.points.index((x, y))
            self.points_changed.emit()
        self._drag = hit
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self._drag
        if i is None:
            return
        x, y = self.to_curve(event.position())
        inner = 0 < i < len(self.points) - 1
        if inner and (y < -0.08 or y > 1.08 or x < -0.08 or x > 1.08):
            del self.points[i]  # dragged out: removed
            self._drag = None
        else:
            lo = self.points[i - 1][0] + 0.01 if i > 0 else 0.0
            hi = self.points[i + 1][0] - 0.01 if i < len(self.points) - 1 else 1.0
            self.points[i] = (min(hi, max(lo, x)), min(1.0, max(0.0, y)))
        self.update()
        self.points_changed.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    # --- painting -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(40, 40, 40))
        b = self._box()
        p.fillRect(b, QColor(28, 28, 28))
        if self.histogram is not None:
            self.histogram.paint_into(p, b)
        p.setPen(QPen(QColor(70, 70, 70), 1))
        for k in range(1, 4):
            p.drawLine(QPointF(b.left() + b.width() * k / 4, b.top()),
                       QPointF(b.left() + b.width() * k / 4, b.bottom()))
            p.drawLine(QPointF(b.left(), b.top() + b.height() * k / 4),
                       QPointF(b.right(), b.top() + b.height() * k / 4))
        p.drawLine(b.bottomLeft(), b.topRight())
        ys = curve_lut(self.points, max(2, int(b.width())))
        line = QPolygonF([self.to_widget(k / (len(ys) - 1), float(y)) for k, y in enumerate(ys)])
        p.setPen(QPen(self.colour, 2))
        p.drawPolyline(line)
        p.setPen(QPen(QColor(20, 20, 20), 1))
        p.setBrush(self.colour)
        for x, y in self.points:
            p.drawRect(QRectF(self.to_widget(x, y) - QPointF(4, 4), QSize(8, 8)))
        p.end()
