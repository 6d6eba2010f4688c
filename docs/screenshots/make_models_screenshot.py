"""Build docs/screenshots/models.png: Edit ▸ Models… open over the editor, real catalog.

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/screenshots/make_models_screenshot.py

The model folder is an empty temporary one (nothing installed, nothing downloaded); the
shot is of the X screen, so the dialog and the window behind it are both real.
"""

from __future__ import annotations

import os
import sys
import tempfile

import shots  # repository on sys.path, throw-away settings (before any editor import)

os.environ["RETOUCH_MODELS_DIR"] = tempfile.mkdtemp(prefix="retouch-shots-models-")
OUT = shots.HERE / "models.png"
LIMIT = 300_000


def main() -> int:
    from make_editor_screenshot import build_document
    from PIL import Image
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from editor.ui.app import create_main_window

    window = create_main_window()
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.add_document(build_document(), None, "coffee.ora")
    window.detect_device()
    QTest.qWait(200)
    window.canvas.fit()
    window.actions_by_id["edit.models"].trigger()
    from editor.ui.models_dialog import ModelsDialog

    dlg = window.findChild(ModelsDialog)
    QTest.qWaitForWindowExposed(dlg)
    dlg.select("big-lama")
    QTest.qWait(300)
    screen = QGuiApplication.primaryScreen().grabWindow(0)
    g = window.frameGeometry()
    shot = screen.copy(g).toImage()
    shots.save_png(shot, OUT)
    if OUT.stat().st_size > LIMIT:
        Image.open(OUT).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(
            OUT, optimize=True)
        print(f"{OUT} quantised: {OUT.stat().st_size // 1024} KB")
    dlg.close()
    shots.close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
