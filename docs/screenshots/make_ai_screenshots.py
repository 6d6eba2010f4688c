"""Build docs/screenshots/{inpaint,upscale}-{before,after}.png from the real editor window.

Run under a virtual X server (real windows, so the dialogs can be captured with them)::

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/screenshots/make_ai_screenshots.py

* inpaint-before: scikit-image's ``coffee.png`` (public domain) with the spoon painted
  over in the AI mask (mask brush, real mouse events) and the Remove / Inpaint dialog open;
* inpaint-after: the fill (the default built-in content-aware fill, PatchMatch) as a new layer, with the Brush tool
  picked (B) before it ran: the red AI-mask overlay shows only with the Mask Brush, while
  a dialog uses the mask, or with View ▸ Show AI Mask (editor.ui.mask_overlay);
* upscale-before: ``chelsea.png`` (public domain) at 400 % with the Upscale dialog open
  (output size and memory estimate);
* upscale-after: the same spot after Upscale 4× with the built-in sr-res CNN, at 100 %
  (the same screen size per image pixel of the original).
"""

from __future__ import annotations

import sys

import numpy as np
import shots  # repository on sys.path, throw-away settings (before any editor import)


def rgba(img: np.ndarray) -> np.ndarray:
    return np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])


def save(image, name: str) -> None:
    shots.save_png(image, shots.HERE / name)


def grab_with_dialog(window, dialog):
    """The window plus the dialog floating over it (a screen grab of the window's area)."""
    from PySide6.QtWidgets import QApplication

    g = window.frameGeometry()
    screen = QApplication.primaryScreen()
    return screen.grabWindow(0, g.x(), g.y(), g.width(), g.height()).toImage()


def wait_job(job, app) -> None:
    """Until ``job`` ends. Sleeps with time.sleep between event rounds: QTest.qWait keeps
    the GIL while it waits, which starves the worker thread (a 1.5 s fill took 21 s)."""
    import time

    from PySide6.QtTest import QTest

    for _ in range(3000):
        app.processEvents()
        if job.finished:
            break
        time.sleep(0.02)
    QTest.qWait(200)


def coffee_with_spoon_masked(window, zoom: float):
    """scikit-image's coffee.png in a new tab at ``zoom`` (image at (20, 20) on the
    canvas), the spoon painted into the AI mask with the mask brush (real mouse events);
    returns (document, canvas)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest
    from skimage import data

    from editor.document import Document

    doc = Document.from_pixels(rgba(data.coffee()), "Photo")  # 600×400
    doc.undo.clear()
    view = window.add_document(doc, None, "coffee.png")
    QTest.qWait(200)
    canvas = view.canvas
    canvas.set_view(zoom, QPointF(20, 20))
    window.actions_by_id["tool.mask-brush"].trigger()  # M
    window.tool_state.set("hardness", 0.9)

    def screen(x: float, y: float) -> QPoint:
        return canvas.to_screen(QPointF(x, y)).toPoint()

    def stroke(points, size) -> None:
        window.tool_state.set("size", size)
        QTest.mouseMove(canvas, screen(*points[0]))
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         screen(*points[0]))
        for x, y in points[1:]:
            QTest.mouseMove(canvas, screen(x, y))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           screen(*points[-1]))

    # the spoon: handle from the top right down behind the cup, bowl at the bottom
    handle = [(412, 68), (408, 95), (398, 130), (388, 170), (380, 205), (372, 235)]
    stroke(handle, 26)
    bowl = [(364, 250), (356, 270), (352, 290), (360, 308), (372, 296), (384, 272), (368, 262)]
    stroke(bowl, 60)
    QTest.mouseMove(canvas, screen(580, 390))  # the brush outline off the spoon
    QTest.qWait(100)
    return doc, canvas


def main() -> int:
    from PySide6.QtCore import QPointF
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from skimage import data

    from editor.document import Document
    from editor.ui import ai_inpaint, ai_upscale
    from editor.ui.app import create_main_window

    window = create_main_window()
    window.move(0, 0)
    window.resize(1400, 900)
    window.show()
    app = QApplication.instance()
    QTest.qWaitForWindowExposed(window)
    window.detect_device()

    # --- inpainting: remove the spoon -------------------------------------------------
    doc, canvas = coffee_with_spoon_masked(window, 1.75)

    dialog = ai_inpaint.InpaintDialog(window)
    dialog.engine.select("patchmatch")  # what a fresh dialog picks
    dialog.feather.setValue(6)
    dialog.show()
    dialog.move(window.x() + 60, window.y() + 520)  # over the table, clear of the spoon
    QTest.qWaitForWindowExposed(dialog)
    QTest.qWait(300)
    save(grab_with_dialog(window, dialog), "inpaint-before.png")
    req = dialog.request()
    dialog.close()
    window.actions_by_id["tool.brush"].trigger()  # B: the red overlay is for mask tools
    job = ai_inpaint.start_inpaint(window, req)
    wait_job(job, app)
    assert not canvas.ai_mask_visible and doc.ai_mask.any()  # the mask is kept
    QTest.qWait(300)
    save(window.grab().toImage(), "inpaint-after.png")

    # --- upscaling: the cat's face, 4× ------------------------------------------------
    cat = Document.from_pixels(rgba(data.chelsea()), "Photo")  # 451×300
    cat.undo.clear()
    view = window.add_document(cat, None, "chelsea.png")
    QTest.qWait(200)
    canvas = view.canvas
    spot = QPointF(150, 70)  # image point shown at the canvas' top-left (the eyes)
    canvas.set_view(4.0, QPointF(-spot.x() * 4.0, -spot.y() * 4.0))
    dialog = ai_upscale.UpscaleDialog(window)
    dialog.engine.select("sr-res")
    dialog.scale.setCurrentIndex(dialog.scale.findData(4))
    dialog.show()
    dialog.move(window.x() + 760, window.y() + 120)
    QTest.qWaitForWindowExposed(dialog)
    QTest.qWait(300)
    save(grab_with_dialog(window, dialog), "upscale-before.png")
    req = dialog.request()
    dialog.close()
    job = ai_upscale.start_upscale(window, req)
    wait_job(job, app)
    canvas.set_view(1.0, QPointF(-spot.x() * 4.0, -spot.y() * 4.0))
    QTest.qWait(300)
    save(window.grab().toImage(), "upscale-after.png")

    shots.close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
