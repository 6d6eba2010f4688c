"""Build docs/screenshots/heal-{before,after}.png and crop.png from the real editor window.

Run under a virtual X server::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python \
        docs/screenshots/make_retouch_screenshots.py

* heal-before: scikit-image's astronaut (NASA, public domain) with a synthetic blemish
  painted on her cheek (a dark spot and a scratch), at 400 %, the healing brush chosen,
  its source Ctrl-clicked on clean skin of the other cheek, the crosshair showing where it samples;
* heal-after: the same view after healing-brush strokes over the blemish (real mouse
  events on the canvas);
* crop: scikit-image's coffee (Rachel Michetti, CC0) with the crop tool's frame at 3:2,
  its handles, the rule-of-thirds lines and the shaded outside.
"""

from __future__ import annotations

import sys

import numpy as np
import shots  # repository on sys.path, throw-away settings (before any editor import)


def rgba(img: np.ndarray) -> np.ndarray:
    return np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])


def blemish(img: np.ndarray) -> np.ndarray:
    """A dark mole and a reddish scratch on the left cheek (soft edged)."""
    import cv2

    out = img.astype(np.float32)
    paint = np.zeros(img.shape[:2], np.float32)
    cv2.circle(paint, (192, 125), 3, 1.0, -1, cv2.LINE_AA)
    cv2.line(paint, (184, 114), (200, 132), 0.8, 2, cv2.LINE_AA)
    paint = cv2.GaussianBlur(paint, (0, 0), 0.8)
    color = np.array([95, 45, 40], np.float32)
    out[..., :3] = out[..., :3] * (1 - paint[..., None]) + color * paint[..., None]
    return np.rint(out).astype(np.uint8)


def main() -> int:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest
    from skimage import data

    from editor.document import Document
    from editor.ui.app import create_main_window

    window = create_main_window()
    window.move(0, 0)
    window.resize(1400, 900)
    window.show()
    QTest.qWaitForWindowExposed(window)

    # --- healing brush on the astronaut's cheek ------------------------------------------
    doc = Document.from_pixels(blemish(rgba(data.astronaut())), "Photo")
    doc.undo.clear()
    view = window.add_document(doc, None, "astronaut.png")
    QTest.qWait(300)
    canvas = view.canvas
    zoom, centre = 4.0, (222, 124)
    canvas.set_view(zoom, QPointF(canvas.width() / 2 - centre[0] * zoom,
                                  canvas.height() / 2 - centre[1] * zoom))
    s = window.tool_state
    s.set("tool", "heal")
    s.set("size", 13)
    s.set("hardness", 0.6)

    def screen(x: float, y: float) -> QPoint:
        q = canvas.to_screen(QPointF(x, y))
        return QPoint(round(q.x()), round(q.y()))

    # The source: clean skin on the other cheek, 64 px to the right of the first dab.
    first, dx = (182, 112), 64
    src = screen(first[0] + dx, first[1])
    QTest.mouseMove(canvas, src)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, src)
    QTest.mouseMove(canvas, screen(192, 125))  # hovering over the mole: crosshair on the source
    QTest.qWait(200)
    shots.save_png(window.grab().toImage(), shots.HERE / "heal-before.png")

    def stroke(points) -> None:
        QTest.mouseMove(canvas, screen(*points[0]))
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         screen(*points[0]))
        for p in points[1:]:
            QTest.mouseMove(canvas, screen(*p))
            QTest.qWait(5)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           screen(*points[-1]))

    n = 24
    stroke([(first[0] + 20 * i / n, first[1] + 22 * i / n) for i in range(n + 1)])  # scratch
    stroke([(189, 125), (192, 122), (195, 125), (192, 128), (189, 125)])  # over the mole
    QTest.mouseMove(canvas, screen(215, 160))
    QTest.qWait(200)
    shots.save_png(window.grab().toImage(), shots.HERE / "heal-after.png")

    # --- crop tool on the coffee photo ---------------------------------------------------
    doc = Document.from_pixels(rgba(data.coffee()), "Photo")  # 600×400
    doc.undo.clear()
    view = window.add_document(doc, None, "coffee.png")
    QTest.qWait(200)
    canvas = view.canvas
    canvas.fit()
    s.set("tool", "crop")
    s.set("crop_aspect", "3:2")
    QTest.mouseMove(canvas, screen(70, 50))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     screen(70, 50))
    for x, y in ((200, 150), (400, 300), (520, 330)):
        QTest.mouseMove(canvas, screen(x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       screen(520, 330))
    QTest.mouseMove(canvas, screen(300, 200))
    QTest.qWait(200)
    shots.save_png(window.grab().toImage(), shots.HERE / "crop.png")
    shots.close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
