"""Build docs/screenshots/transform.png (Free Transform handles on a pasted layer over a
photo) and layers-menu.png (the Layers panel's context menu), from the real window.

Run under a virtual X server (the context menu is its own window, so the second shot is
taken from the screen)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python \\
        docs/screenshots/make_transform_screenshots.py

A region of scikit-image's astronaut photo goes on the clipboard, Ctrl+V pastes it into
the coffee photo as a new layer, Ctrl+T puts up the transform box, and a corner handle and
a drag outside the box scale and rotate it, all by real key and mouse events.
"""

from __future__ import annotations

import sys

import numpy as np
import shots  # repository on sys.path, throw-away settings (before any editor import)


def rgba(rgb: np.ndarray) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


def main() -> int:
    from PySide6.QtCore import QPoint, QPointF, QRect, Qt
    from PySide6.QtGui import QContextMenuEvent, QGuiApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from skimage import data

    from editor.document import Document
    from editor.document.copy_paste import Clip
    from editor.ui.app import create_main_window
    from editor.ui.clipboard import put_clip

    window = create_main_window()
    window.resize(1400, 900)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()  # shortcuts need the active window (no window manager here)
    QTest.qWaitForWindowActive(window)
    doc = Document.from_pixels(rgba(data.coffee()), "Photo")  # 600×400, public domain
    doc.undo.clear()
    doc.undo.set_clean()
    view = window.add_document(doc, None, "coffee.png")
    QTest.qWait(200)
    canvas = view.canvas
    canvas.fit()
    QTest.qWait(50)

    def screen(x: float, y: float) -> QPoint:
        return canvas.to_screen(QPointF(x, y)).toPoint()

    def drag(points, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        QTest.mouseMove(canvas, screen(*points[0]))
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, modifiers, screen(*points[0]))
        for p in points[1:]:
            QTest.mouseMove(canvas, screen(*p))
            QTest.qWait(5)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, modifiers, screen(*points[-1]))

    # "Copied" in another image: the astronaut's head (public domain, scikit-image).
    put_clip(Clip(np.ascontiguousarray(rgba(data.astronaut())[30:230, 140:320])))
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.layers) == 2, "Ctrl+V did not paste"
    layer = doc.layers[-1]
    x, y = layer.offset
    w, h = layer.width, layer.height
    QTest.keyClick(canvas, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    QTest.qWait(50)
    # Shrink from the bottom-right corner with Shift (aspect kept), move it to the right,
    # then turn it by dragging outside the box.
    drag([(x + w, y + h), (x + w * 0.85, y + h * 0.85), (x + w * 0.75, y + h * 0.75)],
         Qt.KeyboardModifier.ShiftModifier)
    drag([(x + w * 0.35, y + h * 0.35), (x + w * 0.35 + 130, y + h * 0.35 - 40)])
    tool = canvas.current_tool()
    box = tool.session.box
    cx, cy = box.px, box.py
    r = max(box.w * box.sx, box.h * box.sy) * 0.9
    drag([(cx + r, cy), (cx + r * np.cos(0.15), cy + r * np.sin(0.15)),
          (cx + r * np.cos(0.3), cy + r * np.sin(0.3))])
    QTest.mouseMove(canvas, screen(*tool.session.box.point(1, 1)))
    QTest.qWait(100)
    shots.save_png(window.grab().toImage(), shots.HERE / "transform.png")

    QTest.keyClick(canvas, Qt.Key.Key_Return)
    QTest.qWait(100)
    panel = window.layers_panel
    # Lock the photo with its row's lock (a closed lock then shows on that row).
    photo_row = panel.list.visualItemRect(panel.list.item(1))
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier,
                     QPoint(photo_row.right() - 12, photo_row.center().y()))
    assert doc.layers[0].locked
    rect = panel.list.visualItemRect(panel.list.item(0))
    at = QPoint(rect.left() + 40, rect.center().y())  # left of the locks
    vp = panel.list.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at)
    QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at,
                                                 vp.mapToGlobal(at)))
    QTest.qWait(300)
    menu = panel.context_menu
    # The menu is a window of its own: take the screen, then the part with the dock and it.
    full = QGuiApplication.primaryScreen().grabWindow(0).toImage()
    dock = panel.window().docks["layers"]
    area = QRect(dock.mapToGlobal(QPoint(0, 0)), dock.size()).united(menu.geometry())
    area = area.adjusted(-8, -8, 8, 16).intersected(full.rect())
    shots.save_png(full.copy(area), shots.HERE / "layers-menu.png")
    menu.hide()
    shots.close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
