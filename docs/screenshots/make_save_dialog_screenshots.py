"""Save As / Export Flattened under Xvfb: the suggested name and the selected file type
come from one choice (``editor.ui.files.save_dialog_choice``), so they agree.

Writes ``save-dialogs.png``: Save As of a new document (``Untitled.ora``, OpenRaster
selected), Save As of an opened ``coffee.jpg`` (its own name and JPEG) and Export
Flattened of a new document (``Untitled.png``, PNG selected). Qt's own file dialog is
used (the platform one cannot be grabbed); the editor gets the same start name and
filter from the same function.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/make_save_dialog_screenshots.py
"""

from __future__ import annotations

import shots
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QFileDialog

from editor.ui.files import SAVE_FILTER, save_dialog_choice

CASES = (
    ("Save As: new document", "Save As", None, "Untitled", False),
    ("Save As: coffee.jpg", "Save As", "/tmp/shotsrc/coffee.jpg", "coffee.jpg", False),
    ("Export Flattened: new document", "Export Flattened", None, "Untitled", True),
)


def grab(title: str, path: str | None, name: str, export: bool) -> QImage:
    start, selected = save_dialog_choice(path, name, "/tmp/shotsrc", export=export)
    dlg = QFileDialog(None, title, start, SAVE_FILTER)
    dlg.setOption(QFileDialog.Option.DontUseNativeDialog)
    dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dlg.selectNameFilter(selected)
    dlg.selectFile(start)
    dlg.resize(620, 380)
    dlg.show()
    for _ in range(20):
        QApplication.processEvents()
    image = dlg.grab().toImage()
    dlg.close()
    return image


def main() -> None:
    app = QApplication.instance() or QApplication([])
    shots_ = [(label, grab(t, p, n, e)) for label, t, p, n, e in CASES]
    w = max(i.width() for _, i in shots_)
    h = sum(i.height() + 28 for _, i in shots_)
    sheet = QImage(w, h, QImage.Format.Format_RGB32)
    sheet.fill(QColor(40, 40, 40))
    p = QPainter(sheet)
    p.setPen(QColor(230, 230, 230))
    y = 0
    for label, image in shots_:
        p.drawText(8, y + 19, label)
        p.drawImage(0, y + 28, image)
        y += image.height() + 28
    p.end()
    shots.save_png(sheet, shots.HERE / "save-dialogs.png")
    del app


if __name__ == "__main__":
    main()
