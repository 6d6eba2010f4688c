"""Render resources/icons/retouch.svg to the PNG sizes, .ico and .icns the bundle uses.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

Run it after editing the SVG and commit the outputs; the build only reads them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs it
    renderer = QSvgRenderer(str(ICONS / "retouch.svg"))
    if not renderer.isValid():
        print(f"{ICONS / 'retouch.svg'}: not a valid SVG", file=sys.stderr)
        return 1
    pngs = {}
    for size in PNG_SIZES:
        path = ICONS / f"retouch-{size}.png"
        render(renderer, size).save(str(path))
        pngs[size] = Image.open(path).convert("RGBA")
    big = pngs[256]
    big.save(ICONS / "retouch.png")  # the window icon's fallback (editor/ui/app.py)
    big.save(ICONS / "retouch.ico", sizes=[(s, s) for s in ICO_SIZES])
    pngs[512].save(ICONS / "retouch.icns", sizes=[(s, s) for s in ICNS_SIZES])
    return 0


if __name__ == "__main__":
    sys.exit(main())
