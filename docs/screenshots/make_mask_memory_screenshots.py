"""Build docs/screenshots/ai-mask-rule.png and dialog-memory.png from the real editor.

Run under a virtual X server::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python \\
        docs/screenshots/make_mask_memory_screenshots.py

* ai-mask-rule: scikit-image's ``coffee.png`` (public domain), the spoon painted into the
  AI mask with real mouse events, then four moments of the one overlay rule
  (editor.ui.mask_overlay), each a crop of the canvas: the Mask Brush active (red shown);
  the fill landed with the Brush active (hidden); undo (Ctrl+Z, still hidden, the mask is
  kept); View ▸ Show AI Mask (Ctrl+H) over the redone fill (shown with every tool).
* dialog-memory: the Remove / Inpaint dialog as it reopens in a NEW window (a restart,
  the same retouch.ini) after PatchMatch, feather 11 px and "Write into the active layer"
  were confirmed with Inpaint in the first one (editor.ui.dialog_memory).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import shots  # repository on sys.path, throw-away settings (before any editor import)
from make_ai_screenshots import coffee_with_spoon_masked

SPOON = (300, 40, 170, 300)  # x, y, w, h in the image: the crop every panel shows


def crop(canvas, out: Path) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtTest import QTest

    QTest.qWait(150)
    x, y, w, h = SPOON
    canvas.grab(QRect(20 + x, 20 + y, w, h)).save(str(out))


def labelled(panels: list[tuple[Path, str]], out: Path) -> None:
    """The panels side by side, each with its caption under it (ImageMagick montage)."""
    args = ["montage"]
    for path, label in panels:
        args += ["-label", label, str(path)]
    subprocess.run([*args, "-tile", f"{len(panels)}x1", "-geometry", "+6+6", "-pointsize",
                    "13", "-background", "#353535", "-fill", "#dcdcdc", str(out)], check=True)
    print(out)


def main() -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from editor.ui import ai_inpaint
    from editor.ui.app import create_main_window

    window = create_main_window()
    app = QApplication.instance()
    window.move(0, 0)
    window.resize(1100, 800)
    window.show()
    QTest.qWaitForWindowExposed(window)
    _doc, canvas = coffee_with_spoon_masked(window, 1.0)
    tmp = Path(tempfile.mkdtemp(prefix="retouch-mask-"))
    panels = []

    def panel(name: str, label: str) -> None:
        crop(canvas, tmp / f"{name}.png")
        panels.append((tmp / f"{name}.png", label))

    panel("1", "Mask Brush (M): shown")

    # the fill, confirmed in the real dialog: PatchMatch, feather 11, into the layer
    def confirm() -> None:
        d = QApplication.activeModalWidget()
        if not isinstance(d, ai_inpaint.InpaintDialog):
            QTimer.singleShot(50, confirm)
            return
        d.engine.select("patchmatch")
        d.feather.setValue(11)
        d.into_active.setChecked(True)
        QTest.qWait(200)
        QTest.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    window.actions_by_id["tool.brush"].trigger()  # B
    QTimer.singleShot(0, confirm)
    window.filter_menu.aboutToShow.emit()
    next(a for a in window.filter_menu.actions() if a.objectName() == "filter.inpaint").trigger()
    for _ in range(3000):
        app.processEvents()
        if not window.jobs.busy:
            break
        QTest.qWait(20)
    QTest.qWait(200)
    panel("2", "Fill landed, Brush: hidden")
    window.actions_by_id["edit.undo"].trigger()  # Ctrl+Z
    panel("3", "Undo: hidden, mask kept")
    window.actions_by_id["edit.redo"].trigger()  # Ctrl+Shift+Z
    window.actions_by_id["view.ai_mask"].trigger()  # Ctrl+H
    panel("4", "Redo + Show AI Mask: shown")
    window.actions_by_id["view.ai_mask"].trigger()
    labelled(panels, shots.HERE / "ai-mask-rule.png")

    # --- a restart: a new window, the same retouch.ini --------------------------------
    shots.close_window(window)
    QTest.qWait(200)
    again = create_main_window()
    again.move(0, 0)
    again.resize(1100, 800)
    again.show()
    QTest.qWaitForWindowExposed(again)
    coffee_with_spoon_masked(again, 1.0)
    again.actions_by_id["tool.brush"].trigger()
    dialog = ai_inpaint.InpaintDialog(again)
    dialog.show()
    QTest.qWaitForWindowExposed(dialog)
    QTest.qWait(300)
    assert dialog.engine.engine_id() == "patchmatch" and dialog.feather.value() == 11
    dialog.grab().save(str(tmp / "dialog.png"))
    labelled([(tmp / "dialog.png", "After a restart: remembered")],
             shots.HERE / "dialog-memory.png")
    dialog.reject()
    shots.close_window(again)
    return 0


if __name__ == "__main__":
    sys.exit(main())
