"""Build docs/screenshots/levels.png and panels.png: the real editor window under Xvfb.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/make_adjust_screenshots.py

levels.png: scikit-image's ``coffee.png`` (public domain) with Image ▸ Adjustments ▸
Levels open (input black 30, gamma 1.25, input white 225): the dialog's histogram is the
photo's, and the canvas behind it shows the live preview. The dialog (a separate
top-level window) is painted onto the window grab where it sits on the screen.

panels.png: the same photo at 200 % with the Navigator (viewport rectangle) and the
Histogram docks; the Histogram, tabbed with the Navigator by default, is split below it
(as dragging its tab does) so both show.
"""

from __future__ import annotations

import sys

import numpy as np
import shots  # repository on sys.path, throw-away settings (before any editor import)


def photo_document():
    from skimage import data

    from editor.document import Document

    rgb = data.coffee()  # 600×400 RGB
    doc = Document.from_pixels(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]),
                               name="Coffee")
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


def settle(app, ms: int = 600) -> None:
    from PySide6.QtTest import QTest

    for _ in range(ms // 20):
        app.processEvents()
        QTest.qWait(20)


def levels_shot(window, app) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter

    from editor.ui.adjust_dialogs import open_adjustment

    dlg = open_adjustment(window, "levels")
    dlg.set_channel_values("master", in_black=30, gamma=1.25, in_white=225)
    dlg.resize(460, dlg.sizeHint().height())
    dlg.move(window.geometry().topLeft() + QPoint(80, 120))
    settle(app)
    shot = window.grab().toImage()
    p = QPainter(shot)
    at = dlg.frameGeometry().topLeft() - window.geometry().topLeft()
    p.drawImage(at + (dlg.geometry().topLeft() - dlg.frameGeometry().topLeft()),
                dlg.grab().toImage())
    p.end()
    shots.save_png(shot, shots.HERE / "levels.png")
    dlg.reject()
    settle(app, 200)


def panels_shot(window, app) -> None:
    from PySide6.QtCore import Qt

    nav, hist = window.docks["navigator"], window.docks["histogram"]
    # Out of the tab group (a tabbed dock would be split into a new tab), then below.
    window.removeDockWidget(hist)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, hist)
    hist.show()
    window.splitDockWidget(nav, hist, Qt.Orientation.Vertical)
    window.docks["latent"].hide()  # room for the two in the right-hand column
    window.resizeDocks([nav, hist], [260, 220], Qt.Orientation.Vertical)
    canvas = window.canvas
    canvas.set_zoom(2.0)
    canvas.center_on(360, 170)
    settle(app, 800)
    shots.save_png(window.grab().toImage(), shots.HERE / "panels.png")


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from editor.ui.app import create_main_window

    window = create_main_window()
    window.resize(1500, 940)
    window.show()
    app = QApplication.instance()
    window.add_document(photo_document(), None, "coffee.png")
    settle(app)
    levels_shot(window, app)
    panels_shot(window, app)
    shots.close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
