"""Canvas display conversion: document pixels to 8-bit premultiplied display tiles
(:func:`to_display`), ICC → sRGB display transforms (:func:`display_transform`,
:func:`to_srgb`), the transparency checkerboard and the tile buffer that tracks the stale box of each
256² display tile. Used by :mod:`editor.ui.canvas`."""

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
    """A premultiplied RGBA8888 buffer the size of the document, filled lazily per tile.

    Each 256² tile keeps the bounding box of its stale pixels (document coordinates), so
    a brush dab reconverts the few hundred pixels it touched, not its whole tiles; a
    tile made stale twice is reconverted over the union of both boxes."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.array = np.zeros((height, width, 4), np.uint8)
        self.image = QImage(self.array.data, width, height, width * 4,
                            QImage.Format.Format_RGBA8888_Premultiplied)
        # per tile: x0, y0, x1, y1 of its stale pixels; empty (x0 >= x1) when up to date
        self._stale = np.zeros((-(-height // TILE), -(-width // TILE), 4), np.int64)
        self.invalidate(None)

    @property
    def valid(self) -> np.ndarray:
        """Per tile: True when nothing in it is stale."""
        s = self._stale
        return (s[..., 0] >= s[..., 2]) | (s[..., 1] >= s[..., 3])

    def _tiles(self, r: Rect) -> tuple[slice, slice, np.ndarray, np.ndarray]:
        """The tile rows/columns ``r`` covers and ``r`` cut to each of them: x0, x1 per
        column and y0, y1 per row (arrays of shape (n, 1) and (n,) for broadcasting)."""
        ty0, ty1 = r.y // TILE, (r.bottom - 1) // TILE + 1
        tx0, tx1 = r.x // TILE, (r.right - 1) // TILE + 1
        xs = np.arange(tx0, tx1) * TILE
        ys = np.arange(ty0, ty1)[:, None] * TILE
        cols = np.stack([np.maximum(xs, r.x), np.minimum(xs + TILE, r.right)])
        rows = np.stack([np.maximum(ys, r.y), np.minimum(ys + TILE, r.bottom)])
        return slice(ty0, ty1), slice(tx0, tx1), cols, rows

    def invalidate(self, rect: Rect | None) -> None:
        full = Rect(0, 0, self.width, self.height)
        r = full if rect is None else rect.intersect(full)
        if r.empty:
            return
        ys, xs, cols, rows = self._tiles(r)
        block = self._stale[ys, xs]
        clean = self.valid[ys, xs]
        shape = block.shape[:2]
        for i, (new, keep) in enumerate(((cols[0], np.minimum), (rows[0], np.minimum),
                                         (cols[1], np.maximum), (rows[1], np.maximum))):
            new = np.broadcast_to(new, shape)
            block[..., i] = np.where(clean, new, keep(block[..., i], new))

    def stale_tiles(self, rect: Rect) -> list[Rect]:
        """The stale boxes of the tiles ``rect`` touches (each whole, also where it reaches
        outside ``rect``), one per tile."""
        r = rect.intersect(Rect(0, 0, self.width, self.height))
        if r.empty:
            return []
        ys, xs, _, _ = self._tiles(r)
        block = self._stale[ys, xs]
        out = []
        for ty, tx in zip(*np.nonzero(~self.valid[ys, xs])):
            x0, y0, x1, y1 = (int(v) for v in block[ty, tx])
            out.append(Rect(x0, y0, x1 - x0, y1 - y0))
        return out

    def merge_rows(self, tiles: list[Rect]) -> list[Rect]:
        """Join horizontally adjacent stale boxes of the same rows: fewer composite calls."""
        tiles = sorted(tiles, key=lambda r: (r.y, r.x))
        out: list[Rect] = []
        for t in tiles:
            if out and out[-1].y == t.y and out[-1].right == t.x and out[-1].h == t.h:
                out[-1] = Rect(out[-1].x, t.y, out[-1].w + t.w, t.h)
            else:
                out.append(t)
        return out

    def mark_valid(self, r: Rect) -> None:
        """``r`` was converted: the tiles whose stale box lies inside it are up to date."""
        if r.empty:
            return
        ys, xs, _, _ = self._tiles(r)
        block = self._stale[ys, xs]
        inside = ((block[..., 0] >= r.x) & (block[..., 1] >= r.y)
                  & (block[..., 2] <= r.right) & (block[..., 3] <= r.bottom))
        block[inside] = 0


def refresh_display(buffer: _TileBuffer, doc, visible: Rect, override=None,
                    transform: QColorTransform | None = None) -> int:
    """Convert the stale boxes of ``buffer``'s tiles that ``visible`` touches from the
    composite of ``doc`` (with the display ``override``, through the colour
    ``transform``); returns the number of pixels converted."""
    done = 0
    for r in buffer.merge_rows(buffer.stale_tiles(visible)):
        ys, xs = r.slices()
        px = doc.composite(tuple(r), override=override)
        if transform is not None:
            px = to_srgb(px, transform)
        buffer.array[ys, xs] = to_display(px, doc.max_value)
        buffer.mark_valid(r)
        done += r.w * r.h
    return done
