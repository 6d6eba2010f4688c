"""Conversion between document pixels (8/16-bit ints, RGB/RGBA) and the engine convention.

Engines see float32 RGB HWC in [0, 1] and masks as float32 HW with 1 = change (see
:mod:`ml.types`); alpha is split off here and handled by :mod:`ml.runtime`.
"""

from __future__ import annotations

import numpy as np

from ml.types import EngineError

_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def max_value(dtype: np.dtype | type) -> float:
    """255 for uint8, 65535 for uint16; EngineError for anything else."""
    dt = np.dtype(dtype)
    if dt not in _MAX:
        raise EngineError(f"unsupported pixel type {dt} (expected uint8 or uint16)")
    return _MAX[dt]


def to_engine(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Split int pixels into (rgb float32 HWC in [0,1], alpha float32 HW in [0,1] or None).

    Accepts ``uint8``/``uint16`` arrays shaped HW (gray), HW1, HW2 (gray+alpha), HW3 or HW4.
    Alpha is None when the input has none. Colour values are straight (not premultiplied).
    """
    arr = np.asarray(pixels)
    scale = max_value(arr.dtype)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4) or 0 in arr.shape[:2]:
        raise EngineError(f"unsupported image shape {arr.shape} (expected HxW, HxWx3 or HxWx4)")
    channels = arr.shape[2]
    colour = arr[:, :, : 3 if channels >= 3 else 1]
    rgb = colour.astype(np.float32) / np.float32(scale)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    alpha = None
    if channels in (2, 4):
        alpha = arr[:, :, -1].astype(np.float32) / np.float32(scale)
    return np.ascontiguousarray(rgb), alpha


def from_engine(
    rgb: np.ndarray, alpha: np.ndarray | None, dtype: np.dtype | type, channels: int = 4
) -> np.ndarray:
    """Engine float RGB (+ optional alpha) back to ints of ``dtype`` with 3 or 4 channels.

    Values are clipped to [0, 1] and NaNs become 0, then rounded (not truncated) so a
    round trip through :func:`to_engine` is exact. A missing alpha becomes fully opaque.
    """
    scale = max_value(dtype)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise EngineError(f"engine returned shape {rgb.shape}, expected HxWx3")
    h, w = rgb.shape[:2]
    out = np.empty((h, w, channels), dtype=np.dtype(dtype))
    out[:, :, :3] = _quantise(rgb, scale, dtype)
    if channels == 4:
        if alpha is None:
            out[:, :, 3] = int(scale)
        else:
            if alpha.shape != (h, w):
                raise EngineError(f"alpha shape {alpha.shape} does not match image {(h, w)}")
            out[:, :, 3] = _quantise(alpha, scale, dtype)
    elif channels != 3:
        raise ValueError("channels must be 3 or 4")
    return out


def _quantise(values: np.ndarray, scale: float, dtype) -> np.ndarray:
    v = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.rint(np.clip(v, 0.0, 1.0) * np.float32(scale)).astype(dtype)


def mask_to_engine(mask: np.ndarray) -> np.ndarray:
    """A mask (bool, uint8 0..255, uint16, or float 0..1; HW or HWC) as float32 HW, 1 = fill.

    Multi-channel masks use their first channel, or alpha when they have one and the
    colour is uniform (a transparent-hole PNG); in practice white/non-zero = fill.
    """
    m = np.asarray(mask)
    if m.ndim == 3:
        if m.shape[2] in (2, 4) and np.all(m[:, :, 0] == m[:, :, 0].flat[0]):
            # uniform colour: the painted information is in the alpha channel
            m = m[:, :, -1]
        else:
            m = m[:, :, 0]
    if m.ndim != 2:
        raise EngineError(f"unsupported mask shape {np.asarray(mask).shape}")
    if m.dtype == np.bool_:
        return m.astype(np.float32)
    if np.issubdtype(m.dtype, np.integer):
        top = 65535.0 if m.dtype == np.uint16 else 255.0
        return np.clip(m.astype(np.float32) / np.float32(top), 0.0, 1.0)
    return np.clip(np.nan_to_num(m.astype(np.float32)), 0.0, 1.0)


def resize_plane(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize one float32 HW plane with Lanczos (PIL 'F' mode keeps full precision)."""
    from PIL import Image

    if plane.shape == (height, width):
        return plane.astype(np.float32, copy=False)
    img = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32))
    out = np.asarray(img.resize((width, height), Image.Resampling.LANCZOS), dtype=np.float32)
    return np.clip(out, 0.0, 1.0)


def _rows_set(m: np.ndarray) -> np.ndarray:
    """Bool per row: does the row hold a value > 0. Unsigned and bool masks are read 8
    bytes at a time (a byte is > 0 exactly when it is non-zero), about 4× fewer steps
    than a per-pixel reduction; other dtypes compare per pixel."""
    if m.dtype.kind in "bu" and m.strides[1] == m.itemsize and m.shape[1] * m.itemsize >= 8:
        if m.dtype == np.bool_:
            m = m.view(np.uint8)
        per_word = 8 // m.itemsize
        cut = m.shape[1] - m.shape[1] % per_word
        words = (m if cut == m.shape[1] else m[:, :cut]).view(np.uint64)
        rows = np.bitwise_or.reduce(words, axis=1) != 0
        if cut < m.shape[1]:
            rows |= m[:, cut:].max(axis=1) > 0
        return rows
    return m.max(axis=1) > 0


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` of the mask pixels > 0 (exclusive end), or None when empty.

    Works on any HW array (bool, uint8, uint16, float). One reduction pass over the full
    mask (8 bytes per step for bool/unsigned masks) and no full-size temporary; the
    columns are looked for only in the rows that hold the mask.
    """
    m = np.asarray(mask)
    if m.ndim != 2 or m.size == 0:
        return None
    rows = np.flatnonzero(_rows_set(m))
    if rows.size == 0:
        return None
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(m[y0:y1].max(axis=0) > 0)
    return int(cols[0]), y0, int(cols[-1]) + 1, y1
