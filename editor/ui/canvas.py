"""The canvas: shows one document, zooms and pans, and feeds mouse input to the tools.

Display path: the document composite is converted to 8-bit premultiplied RGBA in numpy,
tile by tile, into one buffer wrapped by a ``QImage.Format_RGBA8888_Premultiplied``.
Only tiles that are both visible and dirty are converted on a repaint, and of each only
the box of its stale pixels, so a brush dab on a 4K image converts what the dab touched.
The AI mask has its own buffer (a translucent red overlay, shown by the one rule of
:mod:`editor.ui.mask_overlay`); the selection is outlined with marching ants.

Colour management: a document tagged with an ICC profile other than sRGB (Display P3,
Adobe RGB, ...) is converted to sRGB for display, tile by tile, with a cached Qt colour
transform (about 1 ms per 256² tile here; Pillow's LittleCMS took twice as long). Only the
display buffer is converted: the document, the status-bar readout and the colour picker
keep the document's own values. Monitor profiles are not applied (the display is assumed
to be sRGB, as Qt does).

View transform: ``screen = doc * zoom + offset``. Ctrl+wheel zooms around the cursor
(the image point under it stays fixed), the wheel alone scrolls, Shift+wheel scrolls
sideways; Space-drag or the middle button pans. :class:`ScrolledCanvas` puts scrollbars
around a canvas and keeps them in step with this transform both ways.

Display override: :meth:`Canvas.set_display_override` shows the composite with one layer
left out or some of its pixels substituted (a :class:`LayerOverride`, e.g. the before of
an AI result) without touching the document: its pixels, history, saves and autosaves
never see it. Any change of the document drops the override, so the view is never stale.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGridLayout, QScrollBar, QWidget

from editor.ai.watch import keeps_display
from editor.document import Document, Event, LayerOverride, Rect
from editor.ui.canvas_overlays import CanvasOverlaysMixin
from editor.ui.canvas_tiles import (
    AI_MASK_ALPHA,
    AI_MASK_RGB,
    TILE,
    _TileBuffer,
    checker_pixmap,
    display_transform,
    refresh_display,
    to_display,
    to_srgb,
)
from editor.ui.mask_overlay import AIMaskOverlayMixin
from editor.ui.tools import TOOL_CLASSES, Tool, ToolState

__all__ = [
    "AI_MASK_ALPHA",
    "AI_MASK_RGB",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "TILE",
    "Canvas",
    "ScrolledCanvas",
    "_TileBuffer",
    "checker_pixmap",
    "display_transform",
    "keeps_display_override",
    "to_display",
    "to_srgb",
]

#: whether a document event leaves what the layers show unchanged (a display override
#: survives it): the AI-edit layer's rule, so the canvas and the compare state agree
keeps_display_override = keeps_display


MIN_ZOOM, MAX_ZOOM = 1 / 64, 64.0


class Canvas(CanvasOverlaysMixin, AIMaskOverlayMixin, QWidget):
    """Shows a :class:`Document` and routes input to the current tool."""

    view_changed = Signal()  # zoom or pan changed
    extent_changed = Signal()  # the widget or the image changed size (scroll ranges move)
    cursor_moved = Signal(object)  # QPointF in document coordinates, or None
    message = Signal(str)
    display_override_changed = Signal()  # set or dropped (read display_override)
    ai_mask_visibility_changed = Signal(bool)  # the red AI-mask overlay shown or hidden

    def __init__(self, document: Document, tool_state: ToolState,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.tool_state = tool_state
        self.zoom = 1.0
        self.offset = QPointF(0, 0)
        self._auto_fit = True  # keep fitting on resize until the user zooms or pans
        # A newly opened image is shown whole but never enlarged (a 256² icon opens at
        # 100 %, not 300 %), as in Photoshop and GIMP; Ctrl+0 fills the view.
        self._fit_enlarges = False
        self._space = False
        self._panning: QPointF | None = None
        self._tool_down = False
        self._mouse: QPointF | None = None
        self._tools: dict[str, Tool] = {}
        self._checker = QBrush(checker_pixmap())
        self._ants_phase = 0
        self._ants = QTimer(self)
        self._ants.setInterval(180)
        self._ants.timeout.connect(self._march)
        self._sel_polys: list[QPolygonF] | None = None
        self._ai_any = False
        self._override: LayerOverride | None = None
        self._override_rect: Rect | None = None
        self._color_transform = display_transform(document.metadata.get("icc_profile"))
        #: set by a dialog that samples the image (White Balance): a left click calls it
        #: with the document point instead of the current tool
        self.pick_handler: Callable[[QPointF], None] | None = None
        self._new_buffers()
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(64, 64)
        self.setCursor(Qt.CursorShape.CrossCursor)
        document.events.connect(self._on_event)
        tool_state.changed.connect(self._on_tool_option)
        tool_state.request.connect(self._on_tool_request)
        self._init_ai_mask_overlay()  # when the red overlay shows: editor.ui.mask_overlay
        self._refresh_selection()
        self._refresh_ai_any()

    # --- lifetime -------------------------------------------------------------------

    def detach(self) -> None:
        """Stop observing the document (the tab is closing)."""
        self.document.events.disconnect(self._on_event)
        self._ants.stop()
        self.set_display_override(None)

    # --- display override (view only, never the document) ----------------------------

    @property
    def display_override(self) -> LayerOverride | None:
        return self._override

    def set_display_override(self, override: LayerOverride | None) -> None:
        """Show the document with ``override`` applied (None: as it is). Display only: the
        document is not changed; any document change drops the override again."""
        if override is self._override:
            return
        old, self._override = self._override_rect, override
        self._override_rect = None if override is None else override.bounds
        for r in (old, self._override_rect):
            if r is not None:
                self._image.invalidate(r)
        self.update()
        self.display_override_changed.emit()

    def display_composite(self, rect: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """What the canvas shows of ``rect`` (None = all): the document's composite with
        the display override, straight alpha in the document dtype."""
        return self.document.composite(rect, override=self._override)

    def _new_buffers(self) -> None:
        d = self.document
        self._image = _TileBuffer(d.width, d.height)
        self._overlay = _TileBuffer(d.width, d.height)

    # --- document events ------------------------------------------------------------

    def _on_event(self, ev: Event) -> None:
        kind = ev.kind
        if self._override is not None and not keeps_display_override(ev):
            # The override showed the document as it was; after any change it would lie.
            self._override = self._override_rect = None
            self._image.invalidate(None)
            self.update()
            self.display_override_changed.emit()
        if kind == "size-changed":
            self._new_buffers()
            self._refresh_selection()
            self._refresh_ai_any()
            self.extent_changed.emit()
        elif kind == "pixels-changed" and ev.target == "ai_mask" or kind == "ai-mask-changed":
            self._overlay.invalidate(ev.rect)
            self._refresh_ai_any()
        elif kind == "pixels-changed" and ev.target == "selection" or kind == "selection-changed":
            self._refresh_selection()
        elif kind == "metadata-changed":
            if ev.prop != "icc_profile":
                return
            self._color_transform = display_transform(self.document.metadata.get("icc_profile"))
            self._image.invalidate(None)
        elif kind == "layer-changed" and ev.prop in ("name", "locked"):
            return
        elif kind in ("pixels-changed", "layer-added", "layer-removed", "layer-moved",
                      "layer-changed", "depth-changed"):
            self._image.invalidate(ev.rect if kind != "layer-moved" else None)
        else:
            return
        self.update()

    def _refresh_ai_any(self) -> None:
        self._ai_any = bool(self.document.ai_mask.any())

    def _refresh_selection(self) -> None:
        mask = self.document.selection.mask
        if mask is None:
            self._sel_polys = None
            self._ants.stop()
            return
        import cv2  # contours of the selection for the outline; cheap even at 4K

        binary = (mask >= 128).astype(np.uint8)
        contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        polys = []
        for c in contours:
            pts = c[:, 0, :].astype(np.float64)
            # Contours run through pixel centres; the outline belongs on pixel edges.
            polys.append(QPolygonF([QPointF(x + 0.5, y + 0.5) for x, y in pts]))
        self._sel_polys = polys
        if polys and not self._ants.isActive():
            self._ants.start()

    def _march(self) -> None:
        self._ants_phase = (self._ants_phase + 1) % 8
        self.update()

    def _on_tool_option(self, name: str) -> None:
        if name in ("tool", "size"):
            self.update()
        if name == "tool":
            for t in self._tools.values():
                t.cancel()
            if self.isVisible():  # only the canvas of the current tab
                self.current_tool().activate()
        elif self.tool_state.tool in self._tools:
            self._tools[self.tool_state.tool].option_changed(name)

    def _on_tool_request(self, name: str) -> None:
        if self.isVisible():  # the current tab's canvas only
            self.current_tool().command(name)

    # --- view transform -------------------------------------------------------------

    def to_doc(self, p: QPointF) -> QPointF:
        return QPointF((p.x() - self.offset.x()) / self.zoom, (p.y() - self.offset.y()) / self.zoom)

    def to_screen(self, p: QPointF) -> QPointF:
        return QPointF(p.x() * self.zoom + self.offset.x(), p.y() * self.zoom + self.offset.y())

    def transform(self) -> QTransform:
        return QTransform(self.zoom, 0, 0, self.zoom, self.offset.x(), self.offset.y())

    def set_view(self, zoom: float, offset: QPointF, auto_fit: bool = False) -> None:
        self.zoom = float(min(MAX_ZOOM, max(MIN_ZOOM, zoom)))
        self.offset = QPointF(offset)
        self._auto_fit = auto_fit
        self.update()
        self.view_changed.emit()

    def zoom_at(self, factor: float, screen_pos: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the document point under ``screen_pos`` fixed."""
        if screen_pos is None:
            screen_pos = QPointF(self.width() / 2, self.height() / 2)
        anchor = self.to_doc(screen_pos)
        zoom = float(min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor)))
        self.set_view(zoom, QPointF(screen_pos.x() - anchor.x() * zoom,
                                    screen_pos.y() - anchor.y() * zoom))

    def set_zoom(self, zoom: float, screen_pos: QPointF | None = None) -> None:
        self.zoom_at(zoom / self.zoom, screen_pos)

    def zoom_in(self) -> None:
        self.zoom_at(math.sqrt(2))

    def zoom_out(self) -> None:
        self.zoom_at(1 / math.sqrt(2))

    def fit(self, enlarge: bool = True) -> None:
        """Whole image in view with a small margin, centred (Ctrl+0). ``enlarge=False``
        stops at 100 % for images smaller than the view."""
        d = self.document
        w, h = max(1, self.width()), max(1, self.height())
        zoom = min((w - 24) / d.width, (h - 24) / d.height)
        self._fit_enlarges = enlarge
        if not enlarge:
            zoom = min(zoom, 1.0)
        zoom = float(min(MAX_ZOOM, max(MIN_ZOOM, zoom)))
        self.set_view(zoom, QPointF((w - d.width * zoom) / 2, (h - d.height * zoom) / 2),
                      auto_fit=True)

    def actual_size(self) -> None:
        """100 %, centred on the view centre's image point (Ctrl+1)."""
        self.set_zoom(1.0)

    def pan(self, dx: float, dy: float) -> None:
        self.set_view(self.zoom, QPointF(self.offset.x() + dx, self.offset.y() + dy))

    def visible_doc_rect(self) -> QRectF:
        """The document area the widget shows (may reach past the image)."""
        return QRectF(self.to_doc(QPointF(0, 0)), self.to_doc(QPointF(self.width(), self.height())))

    def center_on(self, x: float, y: float) -> None:
        """Pan so that document point (x, y) is at the widget's centre (the Navigator)."""
        self.set_view(self.zoom, QPointF(self.width() / 2 - x * self.zoom,
                                         self.height() / 2 - y * self.zoom))

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit and self.width() > 100 and self.height() > 100:
            self.fit(self._fit_enlarges)
        self.extent_changed.emit()

    # --- painting -------------------------------------------------------------------

    def _visible_doc_rect(self, area: QRect) -> Rect:
        tl = self.to_doc(QPointF(area.left(), area.top()))
        br = self.to_doc(QPointF(area.right() + 1, area.bottom() + 1))
        x0, y0 = math.floor(tl.x()) - 1, math.floor(tl.y()) - 1
        x1, y1 = math.ceil(br.x()) + 1, math.ceil(br.y()) + 1
        return Rect(x0, y0, x1 - x0, y1 - y0).intersect(self.document.rect)

    def _update_tiles(self, visible: Rect) -> None:
        d = self.document
        refresh_display(self._image, d, visible, self._override, self._color_transform)
        if self._ai_any:
            a = AI_MASK_ALPHA
            for r in self._overlay.merge_rows(self._overlay.stale_tiles(visible)):
                ys, xs = r.slices()
                m = d.ai_mask[ys, xs].astype(np.uint16)
                alpha = (m * int(a * 256)) >> 8  # premultiplied: colour = rgb * alpha
                block = self._overlay.array[ys, xs]
                block[..., 3] = alpha
                for c, v in enumerate(AI_MASK_RGB):
                    block[..., c] = (alpha * v + 127) // 255
                self._overlay.mark_valid(r)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(event.rect(), QColor(58, 58, 58))
        d = self.document
        img_rect = QRectF(self.offset.x(), self.offset.y(), d.width * self.zoom,
                          d.height * self.zoom)
        visible = self._visible_doc_rect(event.rect())
        if not visible.empty:
            self._update_tiles(visible)
            target = QRectF(self.to_screen(QPointF(visible.x, visible.y)),
                            self.to_screen(QPointF(visible.right, visible.bottom)))
            p.save()
            p.setClipRect(img_rect.intersected(QRectF(event.rect())))
            p.setBrushOrigin(img_rect.topLeft())
            p.fillRect(img_rect, self._checker)
            # Smooth when shrinking, crisp pixels when magnifying (as Krita/GIMP do).
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1.0)
            source = QRectF(visible.x, visible.y, visible.w, visible.h)
            p.drawImage(target, self._image.image, source)
            if self._ai_any and self._show_ai:
                p.drawImage(target, self._overlay.image, source)
            p.restore()
        p.setPen(QPen(QColor(20, 20, 20), 1))
        p.drawRect(img_rect.adjusted(-1, -1, 0, 0))
        self._paint_layer_bounds(p)
        self._paint_selection(p)
        self._paint_tool_overlay(p)
        self._paint_brush_cursor(p)
        p.end()


    # --- input ----------------------------------------------------------------------

    def current_tool(self) -> Tool:
        tid = self.tool_state.tool
        if tid not in self._tools:
            self._tools[tid] = TOOL_CLASSES[tid](self)
        return self._tools[tid]

    def _doc_pos(self, event: QMouseEvent) -> QPointF:
        return self.to_doc(event.position())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        if event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton
        ):
            self._panning = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() == Qt.MouseButton.LeftButton and self.pick_handler is not None:
            self.pick_handler(self._doc_pos(event))
            return
        if event.button() == Qt.MouseButton.LeftButton and not self._tool_down:
            self._tool_down = True
            self.current_tool().press(self._doc_pos(event), event.modifiers())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = self._doc_pos(event)
        old_mouse, self._mouse = self._mouse, pos
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.pan(delta.x(), delta.y())
            return
        if self._tool_down:
            self.current_tool().move(pos, event.modifiers())
        else:
            self.current_tool().hover(pos, event.modifiers())
        self.cursor_moved.emit(pos)
        self._update_cursor_area(old_mouse, pos)

    def _update_cursor_area(self, old: QPointF | None, new: QPointF) -> None:
        cls = TOOL_CLASSES.get(self.tool_state.tool)
        if cls is None or not cls.cursor_outline:
            return
        r = self.tool_state.size * self.zoom / 2 + 4
        for pt in (old, new):
            if pt is not None:
                c = self.to_screen(pt)
                self.update(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None and event.button() in (
            Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton
        ):
            self._panning = None
            self.setCursor(Qt.CursorShape.OpenHandCursor if self._space
                           else Qt.CursorShape.CrossCursor)
            return
        if event.button() == Qt.MouseButton.LeftButton and self._tool_down:
            self._tool_down = False
            self.current_tool().release(self._doc_pos(event), event.modifiers())
            self.update()

    def leaveEvent(self, event) -> None:
        old, self._mouse = self._mouse, None
        if old is not None:
            self._update_cursor_area(old, old)
        self.cursor_moved.emit(None)

    def enterEvent(self, event) -> None:
        # Krita takes keyboard focus on hover so Space and [ ] work without a click.
        if self.window().isActiveWindow():
            self.setFocus()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = delta.y() / 120.0
            if steps:
                self.zoom_at(2 ** (steps / 4), event.position())
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.pan(delta.y() / 2 or delta.x() / 2, 0)
        else:
            self.pan(delta.x() / 2, delta.y() / 2)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.current_tool().key_press(event.key(), event.modifiers()):
            self.update()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if not self._tool_down and self.current_tool().key_press(event.key(), event.modifiers()):
            self.update()
            return
        if event.key() == Qt.Key.Key_Escape:
            if self._tool_down:
                self._tool_down = False
                self.current_tool().cancel()
                self.update()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            if self._panning is None:
                self.setCursor(Qt.CursorShape.CrossCursor)
            return
        super().keyReleaseEvent(event)


class ScrolledCanvas(QWidget):
    """A :class:`Canvas` with a horizontal and a vertical scrollbar around it.

    A scrollbar's value is the zoomed-image pixel at the viewport's left (top) edge, i.e.
    ``-offset``; its page step is the viewport size. The range is the zoomed image plus
    half a viewport on each side, so the image can be scrolled partly out of view as in
    Krita; a view panned further than that (Space-drag is unbounded) widens the range to
    include it, so the bar always tells where the view is. The bars stay shown even when
    the whole image fits, as in Krita, GIMP and Photoshop: bars that come and go would
    resize the canvas under the user and re-trigger fit-on-resize.
    """

    SINGLE_STEP = 20  # 3 wheel lines on a bar = 60 px, the canvas's own wheel step

    def __init__(self, canvas: Canvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.hbar = QScrollBar(Qt.Orientation.Horizontal)
        self.vbar = QScrollBar(Qt.Orientation.Vertical)
        for bar in (self.hbar, self.vbar):
            bar.setSingleStep(self.SINGLE_STEP)
            # Space, [ and ] must keep reaching the canvas after a click on a bar.
            bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            # Fusion draws the handle in the Button colour, which on the dark theme is
            # nearly the groove's: lighten it so where the view is reads at a glance.
            pal = bar.palette()
            button = QPalette.ColorRole.Button
            pal.setColor(button, pal.color(button).lighter(150))
            bar.setPalette(pal)
        self.hbar.setObjectName("canvas-hscroll")
        self.vbar.setObjectName("canvas-vscroll")
        self.corner = QWidget()
        self.corner.setAutoFillBackground(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        grid.addWidget(canvas, 0, 0)
        grid.addWidget(self.vbar, 0, 1)
        grid.addWidget(self.hbar, 1, 0)
        grid.addWidget(self.corner, 1, 1)
        canvas.view_changed.connect(self.sync)
        canvas.extent_changed.connect(self.sync)
        self.hbar.valueChanged.connect(lambda v: self._scrolled(v, horizontal=True))
        self.vbar.valueChanged.connect(lambda v: self._scrolled(v, horizontal=False))
        self.sync()

    @staticmethod
    def _bar_value(offset: float) -> int:
        # floor(x + 0.5), not round(): shifting the view by n px must shift the bar by n.
        return math.floor(-offset + 0.5)

    def sync(self) -> None:
        """Set both bars from the canvas's zoom, offset, size and image size."""
        c, d = self.canvas, self.canvas.document
        for bar, image, viewport, offset in (
            (self.hbar, d.width * c.zoom, c.width(), c.offset.x()),
            (self.vbar, d.height * c.zoom, c.height(), c.offset.y()),
        ):
            value = self._bar_value(offset)
            margin = viewport / 2
            lo = min(math.floor(-margin), value)
            hi = max(math.ceil(image + margin - viewport), value)
            was = bar.blockSignals(True)
            bar.setRange(lo, hi)
            bar.setPageStep(max(1, viewport))
            bar.setValue(value)
            bar.blockSignals(was)

    def _scrolled(self, value: int, horizontal: bool) -> None:
        c = self.canvas
        # Pan by the bar's change rather than setting offset = -value: a fractional
        # offset (after a zoom around the cursor) is kept, only moved.
        if horizontal:
            c.pan(-(value - self._bar_value(c.offset.x())), 0)
        else:
            c.pan(0, -(value - self._bar_value(c.offset.y())))
