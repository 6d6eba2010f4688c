"""The crop tool (C): a crop frame with handles, aspect presets, a rule-of-thirds
overlay and straighten.

Drag on the image to draw the frame (a click without a drag frames the whole image);
drag its edges or corners to resize it and inside it to move it. An aspect preset
(free, original, 1:1, 4:3, 3:2, 16:9; *Portrait* swaps width and height, as does X)
constrains it. Straighten: Ctrl-drag (or the *Straighten* option) along a horizon or a
vertical: the frame turns to follow the line and shrinks to the largest frame of the
aspect inside the image, so applying it levels the line with no empty corners. Enter
(or Apply) crops, Esc cancels. The crop is one undo step
(:func:`editor.document.transform.crop_rotated`), and every layer, its mask, the
selection and the AI mask follow it.

The frame is a centre, a size and an angle (degrees clockwise, the angle of the frame
on the image). Unrotated frames stay inside the image and are cropped exactly to whole
pixels.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from editor.document.transform import crop_rotated, inscribed_size, straighten_angle
from editor.ui.tools import Tool, ToolState

#: aspect presets: (width, height), None = free, "original" = the image's own
ASPECTS: dict[str, tuple[int, int] | str | None] = {
    "free": None,
    "original": "original",
    "1:1": (1, 1),
    "4:3": (4, 3),
    "3:2": (3, 2),
    "16:9": (16, 9),
}
ASPECT_TITLES = {"free": "Free", "original": "Original ratio", "1:1": "1 : 1 (square)",
                 "4:3": "4 : 3", "3:2": "3 : 2", "16:9": "16 : 9"}
HANDLE = 5  # half-size of a handle square, screen pixels
GRAB = 9  # how near (screen pixels) a press must be to grab a handle
# Handles as (sx, sy): which side of the frame, in its own axes (-1 left/top, +1 right/bottom).
HANDLES: dict[str, tuple[int, int]] = {
    "tl": (-1, -1), "t": (0, -1), "tr": (1, -1), "r": (1, 0),
    "br": (1, 1), "b": (0, 1), "bl": (-1, 1), "l": (-1, 0),
}


def aspect_ratio(state: ToolState, image_size: tuple[int, int]) -> float | None:
    """Width / height the tool options ask for, or None (free)."""
    preset = ASPECTS.get(state.crop_aspect)
    if preset is None:
        return None
    w, h = image_size if preset == "original" else preset
    ratio = w / h
    return 1.0 / ratio if state.crop_portrait else ratio


class CropFrame:
    """A crop rectangle: centre (cx, cy), size (w, h), angle (degrees clockwise)."""

    def __init__(self, cx: float, cy: float, w: float, h: float, angle: float = 0.0) -> None:
        self.cx, self.cy, self.w, self.h, self.angle = cx, cy, w, h, angle

    def copy(self) -> CropFrame:
        return CropFrame(self.cx, self.cy, self.w, self.h, self.angle)

    def _rot(self) -> tuple[float, float]:
        a = math.radians(self.angle)
        return math.cos(a), math.sin(a)

    def to_doc(self, u: float, v: float) -> QPointF:
        """Frame-local (u, v) (origin at the centre) to document coordinates."""
        c, s = self._rot()
        return QPointF(self.cx + c * u - s * v, self.cy + s * u + c * v)

    def to_local(self, p: QPointF) -> tuple[float, float]:
        c, s = self._rot()
        dx, dy = p.x() - self.cx, p.y() - self.cy
        return c * dx + s * dy, -s * dx + c * dy

    def point(self, sx: float, sy: float) -> QPointF:
        return self.to_doc(sx * self.w / 2, sy * self.h / 2)

    def corners(self) -> list[QPointF]:
        return [self.point(-1, -1), self.point(1, -1), self.point(1, 1), self.point(-1, 1)]

    def integral(self) -> tuple[int, int, int, int]:
        """(x, y, w, h) of the unrotated frame, in whole pixels."""
        x0, y0 = round(self.cx - self.w / 2), round(self.cy - self.h / 2)
        x1, y1 = round(self.cx + self.w / 2), round(self.cy + self.h / 2)
        return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


class CropTool(Tool):
    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.frame: CropFrame | None = None
        self._drag: str | None = None  # "new" | "move" | a HANDLES key | "straighten"
        self._start: QPointF | None = None
        self._start_frame: CropFrame | None = None
        self._line_end: QPointF | None = None

    # --- geometry helpers --------------------------------------------------------------

    @property
    def _image(self) -> tuple[int, int]:
        return self.doc.width, self.doc.height

    def _clamp(self, p: QPointF) -> QPointF:
        w, h = self._image
        return QPointF(min(max(p.x(), 0.0), w), min(max(p.y(), 0.0), h))

    def _ratio(self) -> float | None:
        return aspect_ratio(self.state, self._image)

    def _hit(self, p: QPointF) -> str | None:
        """The handle, "move" (inside) or None under document point ``p``."""
        f = self.frame
        if f is None:
            return None
        sp = self.canvas.to_screen(p)
        for name, (sx, sy) in HANDLES.items():
            q = self.canvas.to_screen(f.point(sx, sy))
            if abs(q.x() - sp.x()) <= GRAB and abs(q.y() - sp.y()) <= GRAB:
                return name
        u, v = f.to_local(p)
        return "move" if abs(u) < f.w / 2 and abs(v) < f.h / 2 else None

    def _fit_ratio(self, w: float, h: float, ratio: float | None,
                   prefer_w: bool | None = None) -> tuple[float, float]:
        if ratio is None:
            return w, h
        if prefer_w is None:
            prefer_w = w / ratio >= h
        return (w, w / ratio) if prefer_w else (h * ratio, h)

    # --- mouse ----------------------------------------------------------------------

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._start = p
        self._start_frame = None if self.frame is None else self.frame.copy()
        if self.state.crop_straighten or modifiers & Qt.KeyboardModifier.ControlModifier:
            self._drag, self._line_end = "straighten", p
        else:
            self._drag = self._hit(p) or "new"
        self.canvas.update()

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self._drag is None or self._start is None:
            return
        if self._drag == "straighten":
            self._line_end = p
        elif self._drag == "new":
            self._drag_new(p)
        elif self._drag == "move":
            self._drag_move(p)
        else:
            self._drag_handle(self._drag, p)
        self.canvas.update()

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        drag, start = self._drag, self._start
        if drag is None or start is None:
            return
        self.move(p, modifiers)
        self._drag = self._start = None
        if drag == "straighten":
            self._line_end = None
            self._straighten(start, p)
            self.state.set("crop_straighten", False)  # one line, as Photoshop's tool
        elif drag == "new" and self._moved_less_than_a_pixel(start, p):
            self.frame = self._whole_image()
        self.canvas.update()

    def _moved_less_than_a_pixel(self, a: QPointF, b: QPointF) -> bool:
        return abs(a.x() - b.x()) * self.canvas.zoom < 2 and abs(a.y() - b.y()) * self.canvas.zoom < 2

    def _whole_image(self) -> CropFrame:
        w, h = self._image
        fw, fh = float(w), float(h)
        ratio = self._ratio()
        if ratio is not None:
            fw, fh = (fw, fw / ratio) if fw / ratio <= fh else (fh * ratio, fh)
            fw, fh = round(fw), round(fh)
        return CropFrame(w / 2, h / 2, fw, fh)

    def _drag_new(self, p: QPointF) -> None:
        a, b = self._clamp(self._start), self._clamp(p)
        sx = 1.0 if b.x() >= a.x() else -1.0
        sy = 1.0 if b.y() >= a.y() else -1.0
        w, h = abs(b.x() - a.x()), abs(b.y() - a.y())
        ratio = self._ratio()
        if ratio is not None:
            w, h = self._fit_ratio(w, h, ratio)
            room_w = self._image[0] - a.x() if sx > 0 else a.x()
            room_h = self._image[1] - a.y() if sy > 0 else a.y()
            k = min(1.0, room_w / w if w else 1.0, room_h / h if h else 1.0)
            w, h = w * k, h * k
        self.frame = CropFrame(a.x() + sx * w / 2, a.y() + sy * h / 2, max(w, 1.0), max(h, 1.0))

    def _drag_move(self, p: QPointF) -> None:
        f0 = self._start_frame
        if f0 is None:
            return
        f = f0.copy()
        f.cx += p.x() - self._start.x()
        f.cy += p.y() - self._start.y()
        if f.angle == 0.0:
            w, h = self._image
            f.cx = min(max(f.cx, f.w / 2), max(f.w / 2, w - f.w / 2))
            f.cy = min(max(f.cy, f.h / 2), max(f.h / 2, h - f.h / 2))
        self.frame = f

    def _drag_handle(self, name: str, p: QPointF) -> None:
        f0 = self._start_frame
        if f0 is None:
            return
        sx, sy = HANDLES[name]
        if f0.angle == 0.0:
            p = self._clamp(p)
        u, v = f0.to_local(p)
        # The opposite side (or corner) stays where it is.
        ax, ay = -sx * f0.w / 2, -sy * f0.h / 2
        w = max(1.0, sx * (u - ax)) if sx else f0.w
        h = max(1.0, sy * (v - ay)) if sy else f0.h
        ratio = self._ratio()
        if ratio is not None:
            w, h = self._fit_ratio(w, h, ratio, prefer_w=None if sx and sy else bool(sx))
            if f0.angle == 0.0:
                w, h = self._fit_inside(f0, sx, sy, ax, ay, w, h)
        cu = ax + sx * w / 2 if sx else 0.0
        cv = ay + sy * h / 2 if sy else 0.0
        c = f0.to_doc(cu, cv)
        self.frame = CropFrame(c.x(), c.y(), w, h, f0.angle)

    def _fit_inside(self, f0: CropFrame, sx: int, sy: int, ax: float, ay: float,
                    w: float, h: float) -> tuple[float, float]:
        """Shrink (w, h), keeping its ratio, so an unrotated frame stays in the image."""
        iw, ih = self._image
        x_anchor, y_anchor = f0.cx + ax, f0.cy + ay
        room_w = (iw - x_anchor if sx > 0 else x_anchor) if sx else 2 * min(f0.cx, iw - f0.cx)
        room_h = (ih - y_anchor if sy > 0 else y_anchor) if sy else 2 * min(f0.cy, ih - f0.cy)
        k = min(1.0, room_w / w, room_h / h)
        return w * k, h * k

    def _straighten(self, a: QPointF, b: QPointF) -> None:
        if self._moved_less_than_a_pixel(a, b):
            return
        try:
            angle = -straighten_angle(a.x(), a.y(), b.x(), b.y())
        except ValueError:
            return
        iw, ih = self._image
        ratio = self._ratio()
        if ratio is None:
            w, h = inscribed_size(iw, ih, angle)
        else:
            c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
            w = min(iw / (c + s / ratio), ih / (s + c / ratio))
            h = w / ratio
        self.frame = CropFrame(iw / 2, ih / 2, math.floor(w), math.floor(h), angle)
        self.canvas.message.emit(f"Straighten: {angle:+.2f}° — Enter crops, Esc cancels")

    # --- keys, commands ---------------------------------------------------------------

    def key_press(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self.apply()
        if key == Qt.Key.Key_Escape and self.frame is not None:
            self.cancel()
            return True
        if key == Qt.Key.Key_X and not modifiers:
            self.state.set("crop_portrait", not self.state.crop_portrait)
            return True
        return False

    def command(self, name: str) -> None:
        if name == "crop.apply":
            self.apply()
        elif name == "crop.cancel":
            self.cancel()

    def apply(self) -> bool:
        """Crop to the frame (one undo step); False when there is no frame."""
        f = self.frame
        if f is None:
            return False
        doc = self.doc
        try:
            if abs(f.angle) < 1e-9:
                x, y, w, h = f.integral()
                doc.crop(x, y, w, h)
            else:
                w, h = max(1, round(f.w)), max(1, round(f.h))
                crop_rotated(doc, f.cx - w / 2, f.cy - h / 2, w, h, f.angle)
        except (ValueError, RuntimeError) as exc:
            self.canvas.message.emit(f"Crop: {exc}")
            return True
        self.frame = None
        self.canvas.update()
        return True

    def cancel(self) -> None:
        self.frame = None
        self._drag = self._start = self._line_end = None
        self.canvas.update()

    def option_changed(self, name: str) -> None:
        if name not in ("crop_aspect", "crop_portrait") or self.frame is None:
            return
        ratio = self._ratio()
        if ratio is None:
            return
        f = self.frame
        w, h = self._fit_ratio(f.w, f.h, ratio, prefer_w=ratio >= 1)
        if f.angle == 0.0:
            iw, ih = self._image
            k = min(1.0, iw / w, ih / h)
            w, h = w * k, h * k
            f.cx = min(max(f.cx, w / 2), iw - w / 2)
            f.cy = min(max(f.cy, h / 2), ih - h / 2)
        f.w, f.h = w, h
        self.canvas.update()

    # --- overlay ----------------------------------------------------------------------

    def paint_overlay(self, painter: QPainter) -> None:
        c = self.canvas
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        f = self.frame
        if f is not None:
            poly = QPolygonF([c.to_screen(q) for q in f.corners()])
            shade = QPainterPath()
            shade.addRect(QRectF(c.rect()))
            inner = QPainterPath()
            inner.addPolygon(poly)
            inner.closeSubpath()
            painter.fillPath(shade.subtracted(inner), QColor(0, 0, 0, 130))
            if self.state.crop_thirds:
                painter.setPen(QPen(QColor(255, 255, 255, 150), 1))
                for t in (-1 / 3, 1 / 3):
                    painter.drawLine(c.to_screen(f.point(t, -1)), c.to_screen(f.point(t, 1)))
                    painter.drawLine(c.to_screen(f.point(-1, t)), c.to_screen(f.point(1, t)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for color, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255), 1)):
                painter.setPen(QPen(color, width))
                painter.drawPolygon(poly)
            painter.setPen(QPen(QColor(0, 0, 0), 1))
            painter.setBrush(QColor(255, 255, 255))
            for sx, sy in HANDLES.values():
                q = c.to_screen(f.point(sx, sy))
                painter.drawRect(QRectF(q.x() - HANDLE, q.y() - HANDLE, 2 * HANDLE, 2 * HANDLE))
            if f.angle:
                size = f"{max(1, round(f.w))} × {max(1, round(f.h))}  {f.angle:+.1f}°"
            else:
                _x, _y, w, h = f.integral()
                size = f"{w} × {h}"
            top = c.to_screen(f.point(0, -1))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(QRectF(top.x() - 80, top.y() - 22, 160, 18),
                             Qt.AlignmentFlag.AlignCenter, size)
        if self._drag == "straighten" and self._start is not None and self._line_end is not None:
            a, b = c.to_screen(self._start), c.to_screen(self._line_end)
            for color, width in ((QColor(0, 0, 0, 170), 3), (QColor(255, 220, 0), 1)):
                painter.setPen(QPen(color, width))
                painter.drawLine(a, b)
        painter.restore()


class CropOptions(QWidget):
    """The crop rows of the tool options: aspect, portrait, thirds, straighten, apply."""

    def __init__(self, state: ToolState) -> None:
        super().__init__()
        self.state = state
        self.aspect = QComboBox()
        for key in ASPECTS:
            self.aspect.addItem(ASPECT_TITLES[key], key)
        self.portrait = QCheckBox("Portrait (X)")
        self.portrait.setToolTip("Swap the preset's width and height")
        self.thirds = QCheckBox("Rule of thirds")
        self.straighten = QPushButton("Straighten")
        self.straighten.setCheckable(True)
        self.straighten.setToolTip("Draw along the horizon (or Ctrl-drag with the crop tool)")
        self.apply = QPushButton("Apply (Enter)")
        self.cancel = QPushButton("Cancel (Esc)")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Aspect", self.aspect)
        form.addRow("", self.portrait)
        form.addRow("", self.thirds)
        row = QHBoxLayout()
        for b in (self.straighten, self.apply, self.cancel):
            row.addWidget(b)
        form.addRow(row)
        self.aspect.currentIndexChanged.connect(
            lambda i: state.set("crop_aspect", self.aspect.itemData(i)))
        self.portrait.toggled.connect(lambda on: state.set("crop_portrait", on))
        self.thirds.toggled.connect(lambda on: state.set("crop_thirds", on))
        self.straighten.toggled.connect(lambda on: state.set("crop_straighten", on))
        self.apply.clicked.connect(lambda: state.request.emit("crop.apply"))
        self.cancel.clicked.connect(lambda: state.request.emit("crop.cancel"))
        state.changed.connect(lambda _name: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        s = self.state
        widgets = (self.aspect, self.portrait, self.thirds, self.straighten)
        for w in widgets:
            w.blockSignals(True)
        self.aspect.setCurrentIndex(self.aspect.findData(s.crop_aspect))
        self.portrait.setChecked(s.crop_portrait)
        self.thirds.setChecked(s.crop_thirds)
        self.straighten.setChecked(s.crop_straighten)
        for w in widgets:
            w.blockSignals(False)
