"""The healing brush (J), spot healing brush (Shift+J) and clone stamp (S).

Conventional as in Photoshop and GIMP: Ctrl-click (or Alt-click) sets the source point;
painting then copies (clone) or blends (heal: the source's texture with the colour and
tone around the destination, a Poisson blend per dab) from the source. *Aligned* keeps
the cursor→source offset fixed from the first stroke on, until a new source is set;
non-aligned restarts at the source point with every stroke. The source is the active
layer or the merged image (tool options). The spot healing brush needs no source: what
it paints is filled from its surroundings when the button is released, by default with
the texture of the best-matching patch nearby (:mod:`editor.document.spot_fill`,
Photoshop's "proximity match"), or smoothly (a diffusion fill).

Each stroke is one undo step. The pixels go through the document's clone/heal stroke
(:mod:`editor.document.heal`), which reports only the dab's rect, so the canvas
recomposites only the touched tiles, as for the brush. While a source tool is active the
canvas shows a crosshair where the next dab samples.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QWidget

from editor.document import LayerLockedError
from editor.document.heal import (
    CloneSettings,
    CloneSource,
    CloneStroke,
    SpotHealStroke,
    begin_clone_stroke,
    diffusion_fill,
    spot_heal,
)
from editor.document.spot_fill import proximity_fill
from editor.ui.tools import Tool, ToolState

SOURCE_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
CROSSHAIR = 9  # half-length of the crosshair's arms, screen pixels


class SourceTool(Tool):
    """Clone stamp / healing brush: Ctrl/Alt-click sets the source, dragging paints."""

    cursor_outline = True
    mode = "clone"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.source: CloneSource | None = None
        self.stroke: CloneStroke | None = None
        self._mouse: QPointF | None = None
        self._shown: QRectF | None = None  # where the crosshair was last drawn (screen)

    def settings(self) -> CloneSettings:
        s = self.state
        return CloneSettings(size=s.size, hardness=s.hardness, opacity=s.opacity,
                             mode=self.mode, aligned=s.clone_aligned, sample=s.clone_sample)

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._mouse = p
        if modifiers & SOURCE_MODIFIERS:
            if self.source is None:
                self.source = CloneSource(p.x(), p.y())
            else:
                self.source.set(p.x(), p.y())
            self.canvas.message.emit(f"Source set at {int(p.x())}, {int(p.y())}")
            self._refresh_crosshair()
            return
        if self.source is None:
            self.canvas.message.emit("Ctrl-click (or Alt-click) to set the source first")
            return
        try:
            self.stroke = begin_clone_stroke(self.doc, self.source, self.settings())
        except (LayerLockedError, ValueError, RuntimeError) as exc:
            self.canvas.message.emit(str(exc))
            return
        try:
            self.stroke.to(p.x(), p.y())
        except Exception:
            self.cancel()  # never leave a half-open stroke behind
            raise
        self._refresh_crosshair()

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._mouse = p
        if self.stroke is not None:
            self.stroke.to(p.x(), p.y())
        self._refresh_crosshair()

    def hover(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._mouse = p
        self._refresh_crosshair()

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        stroke, self.stroke = self.stroke, None
        if stroke is None or not self.doc.stroke_active:
            return
        stroke.to(p.x(), p.y())
        stroke.commit()
        self._refresh_crosshair()

    def cancel(self) -> None:
        stroke, self.stroke = self.stroke, None
        if stroke is not None and self.doc.stroke_active:
            stroke.abort()

    # --- the source crosshair ---------------------------------------------------------

    def sample_point(self) -> QPointF | None:
        """Where the next dab samples (document coordinates), None without a source."""
        if self.source is None:
            return None
        if self.stroke is not None and self.stroke.sample_point is not None:
            return QPointF(*self.stroke.sample_point)
        if self._mouse is None:
            return QPointF(*self.source.point)
        x, y = self.source.sample_point(self._mouse.x(), self._mouse.y(),
                                        aligned=self.state.clone_aligned)
        return QPointF(x, y)

    def _crosshair_rect(self) -> QRectF | None:
        q = self.sample_point()
        if q is None:
            return None
        c = self.canvas.to_screen(q)
        r = max(CROSSHAIR, self.state.size * self.canvas.zoom / 2) + 4
        return QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)

    def _refresh_crosshair(self) -> None:
        new = self._crosshair_rect()
        for r in (self._shown, new):
            if r is not None:
                self.canvas.update(r.toAlignedRect())
        self._shown = new

    def paint_overlay(self, painter: QPainter) -> None:
        q = self.sample_point()
        if q is None:
            return
        c = self.canvas.to_screen(q)
        radius = self.state.size * self.canvas.zoom / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((QColor(0, 0, 0, 170), 3), (QColor(255, 255, 255), 1)):
            painter.setPen(QPen(color, width))
            painter.drawLine(QPointF(c.x() - CROSSHAIR, c.y()), QPointF(c.x() + CROSSHAIR, c.y()))
            painter.drawLine(QPointF(c.x(), c.y() - CROSSHAIR), QPointF(c.x(), c.y() + CROSSHAIR))
            if radius > CROSSHAIR:
                painter.drawEllipse(c, radius, radius)
        painter.restore()
        self._shown = self._crosshair_rect()


class CloneTool(SourceTool):
    mode = "clone"


class HealTool(SourceTool):
    mode = "heal"


class SpotHealTool(Tool):
    """Paint over a blemish; on release it is filled from its surroundings (one undo step)."""

    cursor_outline = True

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.stroke: SpotHealStroke | None = None
        self.points: list[QPointF] = []

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.doc.stroke_active:
            return
        self.stroke = SpotHealStroke(size=self.state.size, hardness=self.state.hardness)
        self.points = [p]
        self.stroke.stroke_to(p.x(), p.y())
        self.canvas.update()

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.stroke is not None:
            self.points.append(p)
            self.stroke.stroke_to(p.x(), p.y())
            self.canvas.update()

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        stroke, self.stroke, self.points = self.stroke, None, []
        if stroke is None:
            return
        stroke.stroke_to(p.x(), p.y())
        proximity = self.state.spot_fill == "proximity"
        # Proximity: two brush sizes of context around the stroke, room to find a patch.
        margin = round(2 * stroke.size) + 8 if proximity else None
        try:
            changed = spot_heal(self.doc, stroke, proximity_fill if proximity else diffusion_fill,
                                margin=margin)
        except (LayerLockedError, ValueError, RuntimeError) as exc:
            self.canvas.message.emit(f"Spot healing: {exc}")
            changed = None
        if changed is None:
            self.canvas.update()

    def cancel(self) -> None:
        self.stroke, self.points = None, []

    def paint_overlay(self, painter: QPainter) -> None:
        if not self.points:
            return
        path = QPainterPath(self.canvas.to_screen(self.points[0]))
        for q in self.points[1:]:
            path.lineTo(self.canvas.to_screen(q))
        if len(self.points) == 1:
            path.lineTo(self.canvas.to_screen(self.points[0]) + QPointF(0.01, 0))
        pen = QPen(QColor(255, 80, 80, 110), max(1.0, self.state.size * self.canvas.zoom),
                   Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.drawPath(path)
        painter.restore()


class SourceOptions(QWidget):
    """The clone/heal rows of the tool options: aligned, and what is sampled."""

    def __init__(self, state: ToolState) -> None:
        super().__init__()
        self.state = state
        self.aligned = QCheckBox("Aligned")
        self.aligned.setToolTip("Keep the offset to the source for every stroke "
                                "(off: each stroke starts at the source point)")
        self.sample = QComboBox()
        self.sample.addItem("Current layer", "layer")
        self.sample.addItem("Merged image", "merged")
        hint = QLabel("Ctrl-click or Alt-click sets the source")
        hint.setStyleSheet("color: #999")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("", self.aligned)
        form.addRow("Sample", self.sample)
        form.addRow(hint)
        self.aligned.toggled.connect(lambda on: state.set("clone_aligned", on))
        self.sample.currentIndexChanged.connect(
            lambda i: state.set("clone_sample", self.sample.itemData(i)))
        state.changed.connect(lambda _name: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        for w in (self.aligned, self.sample):
            w.blockSignals(True)
        self.aligned.setChecked(self.state.clone_aligned)
        self.sample.setCurrentIndex(self.sample.findData(self.state.clone_sample))
        for w in (self.aligned, self.sample):
            w.blockSignals(False)


class SpotHealOptions(QWidget):
    """The spot-healing row of the tool options: how the painted area is filled."""

    def __init__(self, state: ToolState) -> None:
        super().__init__()
        self.state = state
        self.fill = QComboBox()
        self.fill.addItem("Proximity match (texture)", "proximity")
        self.fill.addItem("Smooth", "smooth")
        self.fill.setToolTip("Proximity match: texture from the best-matching patch nearby, "
                             "blended to the surroundings; Smooth: a diffusion fill")
        hint = QLabel("Paint over a blemish: it is filled from its surroundings")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #999")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Type", self.fill)
        form.addRow(hint)
        self.fill.currentIndexChanged.connect(
            lambda i: state.set("spot_fill", self.fill.itemData(i)))
        state.changed.connect(lambda _name: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.fill.blockSignals(True)
        self.fill.setCurrentIndex(self.fill.findData(self.state.spot_fill))
        self.fill.blockSignals(False)
