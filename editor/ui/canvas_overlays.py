"""Canvas overlays painted over the image: the active layer's bounds (move tool), the
selection's marching ants, the tool's shape overlay, the tool's own overlay
(``Tool.paint_overlay``: the clone/heal source crosshair, the crop frame with its handles
and thirds) and the brush cursor outline. A mixin of :class:`editor.ui.canvas.Canvas`."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from editor.ui.tools import TOOL_CLASSES


class CanvasOverlaysMixin:
    """Overlay painting of :class:`~editor.ui.canvas.Canvas` (screen coordinates)."""

    def _paint_layer_bounds(self, p: QPainter) -> None:
        layer = self.document.active_layer
        if layer is None or self.tool_state.tool != "move":
            return
        b = layer.bounds
        r = QRectF(self.to_screen(QPointF(b.x, b.y)), self.to_screen(QPointF(b.right, b.bottom)))
        p.setPen(QPen(QColor(80, 160, 255), 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)

    def _ant_pens(self) -> tuple[QPen, QPen]:
        white = QPen(QColor(255, 255, 255), 1)
        white.setCosmetic(True)
        black = QPen(QColor(0, 0, 0), 1, Qt.PenStyle.CustomDashLine)
        black.setDashPattern([4, 4])
        black.setDashOffset(self._ants_phase)
        black.setCosmetic(True)
        return white, black

    def _paint_selection(self, p: QPainter) -> None:
        if not self._sel_polys:
            return
        p.save()
        p.setTransform(self.transform())
        p.setBrush(Qt.BrushStyle.NoBrush)
        for pen in self._ant_pens():
            p.setPen(pen)
            for poly in self._sel_polys:
                p.drawPolygon(poly)
        p.restore()

    def _paint_tool_overlay(self, p: QPainter) -> None:
        tool = self._tools.get(self.tool_state.tool)
        if tool is not None:
            # the tool's own feedback: the clone source crosshair, the crop frame
            tool.paint_overlay(p)
        shape = tool.overlay_shape() if tool else None
        if shape is None:
            return
        kind, pts = shape
        p.save()
        p.setTransform(self.transform())
        p.setBrush(Qt.BrushStyle.NoBrush)
        for pen in self._ant_pens():
            p.setPen(pen)
            if kind == "polyline":
                p.drawPolyline(QPolygonF(pts))
            else:
                r = QRectF(pts[0], pts[1]).normalized()
                if kind == "rect":
                    p.drawRect(r)
                else:
                    p.drawEllipse(r)
        p.restore()

    def _paint_brush_cursor(self, p: QPainter) -> None:
        cls = TOOL_CLASSES.get(self.tool_state.tool)
        if self._mouse is None or cls is None or not cls.cursor_outline or self._panning:
            return
        radius = self.tool_state.size * self.zoom / 2
        c = self.to_screen(self._mouse)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255), 1)):
            p.setPen(QPen(color, width))
            p.drawEllipse(c, max(radius, 1.5), max(radius, 1.5))
        p.restore()
