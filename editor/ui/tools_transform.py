"""The Free Transform tool (Edit ▸ Free Transform, Ctrl+T), as in Photoshop and Krita.

Choosing it puts a box with eight handles around the active layer's visible pixels, or
around the selection's contents when something is selected. Drag inside the box to move
(whole pixels while nothing is scaled or rotated), drag a handle to scale with the
opposite handle fixed (Shift keeps the aspect ratio), drag outside the box to rotate
about its centre (Shift snaps to 15°). The canvas previews the result live: the layer (or
the selected pixels) is left out of the composite through the canvas's display override
and drawn transformed on top. Enter applies it as one undo step
(:func:`editor.document.transform.transform_layer`, resampled there); Esc cancels
(during a drag, Esc only undoes that drag). Either returns to the previous tool; picking
another tool applies the transform (as Krita does). Any change to the document while the
box is up (an undo, say) ends the transform without applying it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF, QTransform

from editor.document import LayerOverride, Rect
from editor.document.transform import split_selection, transform_layer
from editor.ui.canvas_tiles import to_display
from editor.ui.tools import Tool

if TYPE_CHECKING:
    from editor.document import Layer
    from editor.ui.canvas import Canvas

#: half the side of a handle square, and how near (screen px) a press must be to grab it
HANDLE_PX = 5
GRAB_PX = 6
ROTATE_SNAP = 15.0
#: the preview image is at most this many pixels on its long side (drawn scaled up)
PREVIEW_MAX = 2048
HANDLES = tuple((hx, hy) for hy in (-1, 0, 1) for hx in (-1, 0, 1) if (hx, hy) != (0, 0))


@dataclass
class Box:
    """The transform as a user sees it: the content box (x, y, w, h) in document
    coordinates, scaled by (sx, sy) (negative mirrors), rotated by ``angle`` degrees
    (clockwise on screen) about its centre, and its centre moved to (px, py)."""

    x: float
    y: float
    w: float
    h: float
    px: float
    py: float
    sx: float = 1.0
    sy: float = 1.0
    angle: float = 0.0

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def _rot(self) -> np.ndarray:
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        return np.array([[c, -s], [s, c]])

    def linear(self) -> np.ndarray:
        return self._rot() @ np.diag([self.sx, self.sy])

    def matrix(self) -> np.ndarray:
        """2×3 document-space affine: p' = A p + t."""
        a = self.linear()
        t = np.array([self.px, self.py]) - a @ np.array(self.centre)
        return np.column_stack([a, t])

    def is_identity(self) -> bool:
        return bool(np.allclose(self.matrix(), [[1, 0, 0], [0, 1, 0]], atol=1e-9))

    def point(self, ux: float, uy: float) -> tuple[float, float]:
        """The document point of box-unit coordinates (ux, uy) in [-1, 1]² (corners ±1)."""
        v = self.linear() @ np.array([ux * self.w / 2, uy * self.h / 2])
        return self.px + float(v[0]), self.py + float(v[1])

    def to_unit(self, x: float, y: float) -> tuple[float, float]:
        """Inverse of :meth:`point`."""
        v = np.linalg.solve(self.linear(), np.array([x - self.px, y - self.py]))
        return float(v[0] / (self.w / 2)), float(v[1] / (self.h / 2))

    def qtransform(self) -> QTransform:
        m = self.matrix()
        return QTransform(m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2])

    def copy(self) -> Box:
        return Box(**self.__dict__)


def _alpha_bounds(pixels: np.ndarray) -> tuple[int, int, int, int] | None:
    alpha = pixels[..., 3]
    rows = np.flatnonzero(alpha.any(axis=1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero(alpha.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


class Session:
    """One transform in progress: what moves, where it came from, the box, the preview."""

    def __init__(self, layer: Layer, index: int, selection_only: bool, pixels: np.ndarray,
                 origin: tuple[int, int], override: LayerOverride, max_value: int) -> None:
        self.layer = layer
        self.index = index
        self.selection_only = selection_only
        self.override = override
        bx, by, bw, bh = _alpha_bounds(pixels) or (0, 0, pixels.shape[1], pixels.shape[0])
        ox, oy = origin
        self.box = Box(ox + bx, oy + by, bw, bh, ox + bx + bw / 2, oy + by + bh / 2)
        # The preview: the moving pixels as a display image, shrunk if huge.
        crop = pixels[by:by + bh, bx:bx + bw]
        step = max(1, math.ceil(max(bw, bh) / PREVIEW_MAX))
        small = np.ascontiguousarray(to_display(crop[::step, ::step], max_value))
        h, w = small.shape[:2]
        self.preview = QImage(small.data, w, h, w * 4,
                              QImage.Format.Format_RGBA8888_Premultiplied).copy()


class TransformTool(Tool):
    """Free transform of the active layer or of the selection's contents."""

    def __init__(self, canvas: Canvas) -> None:
        super().__init__(canvas)
        self.session: Session | None = None
        self._drag: tuple | None = None  # (kind, handle, start point, box at press, anchor)
        canvas.display_override_changed.connect(self._override_changed)

    # --- session --------------------------------------------------------------------

    def activate(self) -> None:
        if self.session is not None:
            return
        doc, layer = self.doc, self.doc.active_layer
        problem = None
        if layer is None:
            problem = "Free transform: there is no layer"
        elif layer.locked:
            problem = f"Free transform: layer {layer.name!r} is locked"
        if problem is None:
            assert layer is not None
            if doc.selection.active:
                floating, remaining, (fx, fy) = split_selection(doc)
                h, w = remaining.shape[:2]
                override = LayerOverride(layer, Rect(fx, fy, w, h), remaining)
                pixels, origin, sel_only = floating, (fx, fy), True
            else:
                override = LayerOverride(layer)
                pixels, origin, sel_only = layer.pixels, layer.offset, False
            if _alpha_bounds(pixels) is None:
                problem = "Free transform: nothing visible to transform"
        if problem is not None:
            self.canvas.message.emit(problem)
            self._leave()
            return
        self.session = Session(layer, doc.active_index, sel_only, pixels, origin, override,
                               doc.max_value)
        self.canvas.set_display_override(override)
        self.canvas.message.emit("Free transform: drag to move, handles to scale (Shift keeps "
                                 "aspect), outside to rotate; Enter applies, Esc cancels")
        self.canvas.update()

    def _override_changed(self) -> None:
        s = self.session
        if s is not None and self.canvas.display_override is not s.override:
            # The document changed under the box (undo, a job result): its preview lies.
            self.session = None
            self._drag = None
            self.canvas.message.emit("Free transform ended: the image changed")
            self.canvas.update()

    def apply(self) -> None:
        """Enter: the transform as one undo step, then back to the previous tool."""
        s = self.session
        if s is None:
            return
        self.session = self._drag = None
        self.canvas.set_display_override(None)
        if not s.box.is_identity():
            try:
                transform_layer(self.doc, s.box.matrix(), s.index, s.selection_only)
            except (ValueError, RuntimeError) as exc:
                self.canvas.message.emit(f"Free transform: {exc}")
        self._leave()

    def abort(self) -> None:
        """Esc: drop the transform; the document never changed."""
        if self.session is None:
            return
        self.session = self._drag = None
        self.canvas.set_display_override(None)
        self.canvas.update()
        self._leave()

    def _leave(self) -> None:
        self.canvas.setCursor(Qt.CursorShape.CrossCursor)  # hover set a handle cursor
        # After the signal that chose this tool has reached everyone.
        prev = self.state.previous_tool
        back = prev if prev and prev != "transform" else "move"
        QTimer.singleShot(0, lambda: self.state.tool == "transform"
                          and self.state.set("tool", back))

    def cancel(self) -> None:
        """Another tool was chosen: apply, as Krita does (a drag in progress ends first)."""
        if self._drag is not None and self.session is not None:
            self.session.box = self._drag[3]
            self._drag = None
        if self.session is not None:
            self.apply()

    def key_press(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if self.session is None:
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
            return True
        if key == Qt.Key.Key_Escape:
            if self._drag is not None:  # Esc during a drag undoes only the drag
                self.session.box = self._drag[3]
                self._drag = None
                self.canvas._tool_down = False
                self.canvas.update()
            else:
                self.abort()
            return True
        return False

    # --- mouse ----------------------------------------------------------------------

    def _hit(self, p: QPointF) -> tuple[str, tuple[int, int] | None]:
        assert self.session is not None
        box = self.session.box
        c = self.canvas
        sp = c.to_screen(p)
        for hx, hy in HANDLES:
            q = c.to_screen(QPointF(*box.point(hx, hy)))
            if abs(q.x() - sp.x()) <= GRAB_PX and abs(q.y() - sp.y()) <= GRAB_PX:
                return "scale", (hx, hy)
        ux, uy = box.to_unit(p.x(), p.y())
        return ("move" if abs(ux) <= 1 and abs(uy) <= 1 else "rotate"), None

    def press(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.session is None:
            self.activate()
            if self.session is None:
                return
        kind, handle = self._hit(p)
        box = self.session.box
        anchor = box.point(-handle[0], -handle[1]) if handle else None
        self._drag = (kind, handle, (p.x(), p.y()), box.copy(), anchor)

    def move(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.session is None or self._drag is None:
            return
        kind, handle, (x0, y0), b0, anchor = self._drag
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        box = b0.copy()
        if kind == "move":
            box.px, box.py = b0.px + p.x() - x0, b0.py + p.y() - y0
            if np.allclose(box.linear(), np.eye(2)):
                # Nothing scaled or rotated: whole pixels, so a move stays lossless.
                cx, cy = box.centre
                box.px, box.py = cx + round(box.px - cx), cy + round(box.py - cy)
        elif kind == "rotate":
            a0 = math.atan2(y0 - b0.py, x0 - b0.px)
            a1 = math.atan2(p.y() - b0.py, p.x() - b0.px)
            angle = b0.angle + math.degrees(a1 - a0)
            if shift:
                angle = round(angle / ROTATE_SNAP) * ROTATE_SNAP
            box.angle = (angle + 180.0) % 360.0 - 180.0
        else:
            self._scale(box, b0, handle, anchor, p, shift)
        self.session.box = box
        self.canvas.update()

    @staticmethod
    def _scale(box: Box, b0: Box, handle, anchor, p: QPointF, keep_aspect: bool) -> None:
        hx, hy = handle
        a = math.radians(b0.angle)
        c, s = math.cos(a), math.sin(a)
        dx, dy = p.x() - anchor[0], p.y() - anchor[1]
        vx, vy = c * dx + s * dy, -s * dx + c * dy  # the drag in the box's own frame
        sx = vx / (hx * b0.w) if hx else b0.sx
        sy = vy / (hy * b0.h) if hy else b0.sy
        if keep_aspect:
            kx, ky = sx / b0.sx, sy / b0.sy
            if hx and hy:
                k = max(abs(kx), abs(ky))
                sx = b0.sx * k * (1 if kx >= 0 else -1)
                sy = b0.sy * k * (1 if ky >= 0 else -1)
            elif hx:
                sy = b0.sy * abs(kx)
            else:
                sx = b0.sx * abs(ky)
        least = 1.0 / max(b0.w, b0.h)
        box.sx = math.copysign(max(abs(sx), least), sx if sx else 1.0)
        box.sy = math.copysign(max(abs(sy), least), sy if sy else 1.0)
        v = box.linear() @ np.array([hx * b0.w / 2, hy * b0.h / 2])
        box.px, box.py = anchor[0] + float(v[0]), anchor[1] + float(v[1])

    def release(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self._drag is not None:
            self.move(p, modifiers)
        self._drag = None

    def hover(self, p: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.session is None or self._drag is not None:
            return
        kind, handle = self._hit(p)
        shapes = {"move": Qt.CursorShape.SizeAllCursor,
                  "rotate": Qt.CursorShape.PointingHandCursor}
        if kind == "scale":
            # The handle's direction on screen, after the box's rotation.
            ang = (math.degrees(math.atan2(handle[1], handle[0])) + self.session.box.angle) % 180
            cursor = (Qt.CursorShape.SizeHorCursor, Qt.CursorShape.SizeFDiagCursor,
                      Qt.CursorShape.SizeVerCursor, Qt.CursorShape.SizeBDiagCursor)[
                round(ang / 45) % 4]
        else:
            cursor = shapes[kind]
        self.canvas.setCursor(cursor)

    # --- painting -------------------------------------------------------------------

    def paint_overlay(self, p: QPainter) -> None:
        s = self.session
        if s is None:
            return
        c, box = self.canvas, s.box
        p.save()
        p.setTransform(box.qtransform() * c.transform())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setOpacity(s.layer.opacity if s.layer.visible else 0.0)
        p.drawImage(QRectF(box.x, box.y, box.w, box.h), s.preview)
        p.restore()
        corners = [c.to_screen(QPointF(*box.point(ux, uy)))
                   for ux, uy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((QColor(0, 0, 0, 170), 3), (QColor(80, 160, 255), 1)):
            p.setPen(QPen(color, width))
            p.drawPolygon(QPolygonF(corners))
        p.setPen(QPen(QColor(30, 30, 30), 1))
        p.setBrush(QColor(255, 255, 255))
        for hx, hy in HANDLES:
            q = c.to_screen(QPointF(*box.point(hx, hy)))
            p.drawRect(QRectF(q.x() - HANDLE_PX, q.y() - HANDLE_PX, 2 * HANDLE_PX,
                              2 * HANDLE_PX))
        centre = c.to_screen(QPointF(box.px, box.py))
        p.setPen(QPen(QColor(80, 160, 255), 1))
        p.drawLine(QPointF(centre.x() - 5, centre.y()), QPointF(centre.x() + 5, centre.y()))
        p.drawLine(QPointF(centre.x(), centre.y() - 5), QPointF(centre.x(), centre.y() + 5))
        p.restore()
