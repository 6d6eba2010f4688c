"""Canvas display conversion: document pixels to 8-bit premultiplied display tiles
(:func:`to_display`), ICC → sRGB display transforms (:func:`display_transform`,
:func:`to_srgb`), the transparency checkerboard and the tile buffer that tracks which
256² display tiles are stale. Used by :mod:`editor.ui.canvas`."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor, QColorSpace, QColorTransform, QImage, QPainter, QPixmap

from editor.document import Rect

TILE = 256
AI_MASK_RGB = (230, 30, 30)
AI_MASK_ALPHA = 0.45


def to_display(rgba: np.ndarray, max_value: int) -> np.ndarray:
    """Straight-alpha uint8/uint16 RGBA -> premultiplied uint8 RGBA (for Qt)."""
    if max_value != 255:
        rgba = ((rgba.astype(np.uint32) + 128) // 257).astype(np.uint16)
    else:
        rgba = rgba.astype(np.uint16)
    out = np.empty(rgba.shape, np.uint8)
    a = rgba[..., 3:4]
    out[..., :3] = (rgba[..., :3] * a + 127) // 255
    out[..., 3:4] = a
    return out


@lru_cache(maxsize=8)
def display_transform(icc_profile: bytes | None) -> QColorTransform | None:
    """The transform from a document's ICC profile to sRGB for display, or None when the
    pixels are shown as they are: no profile, an sRGB one, or one Qt cannot use (broken,
    grey or CMYK; the loader already converts CMYK pixels to sRGB)."""
    if not icc_profile:
        return None
    space = QColorSpace.fromIccProfile(QByteArray(icc_profile))
    if not space.isValid() or space.colorModel() != QColorSpace.ColorModel.Rgb:
        return None
    srgb = QColorSpace(QColorSpace.NamedColorSpace.SRgb)
    if space == srgb:
        return None
    transform = space.transformationToColorSpace(srgb)
    if transform.isIdentity():
        return None
    # Many sRGB profiles in the wild store their curves as tables, which Qt does not
    # recognise as sRGB: treat any profile that moves no 8-bit value by more than 1 as sRGB.
    levels = np.linspace(0, 255, 9).astype(np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(1, -1, 3)
    probe = np.concatenate([grid, np.full(grid.shape[:2] + (1,), 255, np.uint8)], -1)
    shown = to_srgb(probe, transform)
    if int(np.abs(shown.astype(np.int16) - probe).max()) <= 1:
        return None
    return transform


def to_srgb(rgba: np.ndarray, transform: QColorTransform) -> np.ndarray:
    """Straight-alpha uint8/uint16 RGBA through ``transform`` (a new array; alpha kept)."""
    h, w = rgba.shape[:2]
    wide = rgba.dtype == np.uint16
    # A private copy: Qt may convert in place, and a composite can share layer memory.
    src = np.array(rgba, dtype=np.uint16 if wide else np.uint8, order="C", copy=True)
    fmt = QImage.Format.Format_RGBA64 if wide else QImage.Format.Format_RGBA8888
    image = QImage(src.data, w, h, src.strides[0], fmt)
    image.applyColorTransform(transform)
    out = np.frombuffer(image.constBits(), src.dtype)
    return out.reshape(h, image.bytesPerLine() // src.strides[1], 4)[:, :w].copy()


def checker_pixmap(cell: int = 8) -> QPixmap:
    pm = QPixmap(cell * 2, cell * 2)
    pm.fill(QColor(204, 204, 204))
    p = QPainter(pm)
    dark = QColor(153, 153, 153)
    p.fillRect(0, 0, cell, cell, dark)
    p.fillRect(cell, cell, cell, cell, dark)
    p.end()
    return pm


class _TileBuffer:
    """A premultiplied RGBA8888 buffer the size of the document, filled lazily per tile."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.array = np.zeros((height, width, 4), np.uint8)
        self.image = QImage(self.array.data, width, height, width * 4,
                            QImage.Format.Format_RGBA8888_Premultiplied)
        self.valid = np.zeros((-(-height // TILE), -(-width // TILE)), bool)

    def invalidate(self, rect: Rect | None) -> None:
        if rect is None:
            self.valid[:] = False
            return
        r = rect.intersect(Rect(0, 0, self.width, self.height))
        if r.empty:
            return
        self.valid[r.y // TILE:(r.bottom - 1) // TILE + 1,
                   r.x // TILE:(r.right - 1) // TILE + 1] = False

    def stale_tiles(self, rect: Rect) -> list[Rect]:
        r = rect.intersect(Rect(0, 0, self.width, self.height))
        if r.empty:
            return []
        ty0, ty1 = r.y // TILE, (r.bottom - 1) // TILE + 1
        tx0, tx1 = r.x // TILE, (r.right - 1) // TILE + 1
        out = []
        for ty, tx in zip(*np.nonzero(~self.valid[ty0:ty1, tx0:tx1])):
            x, y = (tx0 + int(tx)) * TILE, (ty0 + int(ty)) * TILE
            out.append(Rect(x, y, min(TILE, self.width - x), min(TILE, self.height - y)))
        return out

    def merge_rows(self, tiles: list[Rect]) -> list[Rect]:
        """Join horizontally adjacent stale tiles of a row: fewer composite calls."""
        tiles = sorted(tiles, key=lambda r: (r.y, r.x))
        out: list[Rect] = []
        for t in tiles:
            if out and out[-1].y == t.y and out[-1].right == t.x and out[-1].h == t.h:
                out[-1] = Rect(out[-1].x, t.y, out[-1].w + t.w, t.h)
            else:
                out.append(t)
        return out

    def mark_valid(self, r: Rect) -> None:
        self.valid[r.y // TILE:(r.bottom - 1) // TILE + 1,
                   r.x // TILE:(r.right - 1) // TILE + 1] = True
