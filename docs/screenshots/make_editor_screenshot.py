"""Build docs/screenshots/editor.png: the real editor window with a three-layer document.

Run under a virtual X server (the shot is of the real window, not an offscreen render)::

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/screenshots/make_editor_screenshot.py

The document: a photo (scikit-image's ``coffee.png``, Lanczos-scaled 2x), a colour layer
in Soft Light blend mode, and a title layer (text on a rounded box). An AI mask is
painted with the mask brush through real mouse events on the canvas, and the demo blur
runs as a background job so the status bar shows its progress and Cancel button.
"""

from __future__ import annotations

import sys

import numpy as np
import shots  # repository on sys.path, throw-away settings (before any editor import)

OUT = shots.HERE / "editor.png"


def photo() -> np.ndarray:
    from PIL import Image
    from skimage import data

    img = Image.fromarray(data.coffee())  # 600×400 RGB, public domain (scikit-image)
    img = img.resize((img.width * 2, img.height * 2), Image.Resampling.LANCZOS)
    rgb = np.asarray(img)
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


def tint_layer(w: int, h: int) -> np.ndarray:
    """A warm-to-cool diagonal gradient (shown in Soft Light)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx / w + yy / h) / 2
    warm, cool = np.array([255, 150, 40], np.float32), np.array([40, 110, 255], np.float32)
    rgb = warm * (1 - t[..., None]) + cool * t[..., None]
    return np.dstack([rgb, np.full((h, w), 255, np.float32)]).astype(np.uint8)


def title_layer(w: int, h: int) -> np.ndarray:
    """Text on a translucent rounded box, drawn with QPainter into a transparent image."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    img = QImage(w, h, QImage.Format.Format_RGBA8888)
    img.fill(QColor(0, 0, 0, 0))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = QRectF(w * 0.06, h * 0.06, w * 0.42, h * 0.15)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(20, 20, 20, 150))
    p.drawRoundedRect(box, 18, 18)
    font = QFont("DejaVu Sans", 44)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor(255, 255, 255))
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, "Morning coffee")
    p.end()
    # QImage RGBA8888 is straight alpha, like the document's layers.
    return np.frombuffer(img.constBits(), np.uint8).reshape(h, w, 4).copy()


def build_document():
    from editor.document import Document

    base = photo()
    h, w = base.shape[:2]
    doc = Document(w, h)
    doc.add_layer("Photo", pixels=base)
    doc.add_layer("Warm/cool tint", pixels=tint_layer(w, h), blend_mode="svg:soft-light",
                  opacity=0.6)
    doc.add_layer("Title", pixels=title_layer(w, h))
    doc.active_index = 0  # the photo: the mask and the blur are about it
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


def main() -> int:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from editor.ui.app import create_main_window
    from editor.ui.filters import apply_blur, blur_request, run_blur

    window = create_main_window()
    window.show()
    app = QApplication.instance()
    QTest.qWaitForWindowExposed(window)
    view = window.add_document(build_document(), None, "coffee.ora")
    window.detect_device()
    QTest.qWait(200)
    canvas = view.canvas
    canvas.fit()

    # Paint the AI mask over the spoon (what one would inpaint away) with the mask
    # brush, by real mouse events on the canvas.
    window.tool_state.set("tool", "mask-brush")
    window.tool_state.set("size", 56)
    window.tool_state.set("hardness", 0.7)

    def screen(x: float, y: float) -> QPoint:
        return canvas.to_screen(QPointF(x, y)).toPoint()

    path = [(835 - 100 * t, 135 + 400 * t) for t in np.linspace(0, 1, 30)]
    path += [(735 + 35 * np.cos(a), 560 + 40 * np.sin(a)) for a in np.linspace(-1.6, 4.8, 30)]
    QTest.mouseMove(canvas, screen(*path[0]))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     screen(*path[0]))
    for x, y in path[1:]:
        QTest.mouseMove(canvas, screen(x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       screen(*path[-1]))
    # Leave the pointer on the canvas so the brush outline and the cursor readout show.
    QTest.mouseMove(canvas, screen(880, 300))

    # A slow demo blur in the background: the status bar shows progress and Cancel.
    req = blur_request(window, radius=6, step_delay=0.2)
    doc = window.document
    layer = doc.active_layer

    def slow(r, ctx):
        return run_blur(r, ctx)

    job = window.submit_job(req, slow, "Blur (demo)", lambda res: apply_blur(doc, req, res, layer))
    for _ in range(200):
        app.processEvents()
        if job.state == "running" and job.last_progress is not None \
                and job.last_progress.fraction > 0.1:
            break
        QTest.qWait(20)
    QTest.qWait(100)
    shot = window.grab().toImage()
    job.cancel()

    shots.save_png(shot, OUT)
    shots.close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
