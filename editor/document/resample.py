"""Image resampling for ``Document.resize_image``.

Pillow's 32-bit float mode ("F") does the filtering per channel, so 8- and 16-bit
images go through the same path without losing precision; Pillow is imported lazily
(it is neither Qt nor torch, and keeps this module small).
"""

from __future__ import annotations

import numpy as np

RESAMPLE_METHODS = ("nearest", "bilinear", "bicubic", "lanczos")


def _filter(method: str) -> int:
    from PIL import Image

    table = {
        "nearest": Image.Resampling.NEAREST,
        "bilinear": Image.Resampling.BILINEAR,
        "bicubic": Image.Resampling.BICUBIC,
        "lanczos": Image.Resampling.LANCZOS,
    }
    if method not in table:
        raise ValueError(f"unknown resample method {method!r}; expected one of {RESAMPLE_METHODS}")
    return table[method]


def _resize_plane(plane: np.ndarray, width: int, height: int, method: str) -> np.ndarray:
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
    return np.asarray(img.resize((width, height), _filter(method)), dtype=np.float32)


def resize_rgba(pixels: np.ndarray, width: int, height: int, method: str = "lanczos") -> np.ndarray:
    """Resize straight-alpha ``(h, w, 4)`` uint8/uint16 pixels, filtering premultiplied."""
    _filter(method)
    dtype = pixels.dtype
    maxv = float(np.iinfo(dtype).max)
    f = pixels.astype(np.float32) / maxv
    a = f[..., 3]
    planes = [_resize_plane(f[..., c] * a, width, height, method) for c in range(3)]
    a2 = np.clip(_resize_plane(a, width, height, method), 0.0, 1.0)
    out = np.zeros((height, width, 4), dtype)
    safe = np.where(a2 > 0, a2, 1.0)
    for c in range(3):
        col = np.where(a2 > 0, planes[c] / safe, 0.0)
        out[..., c] = np.rint(np.clip(col, 0.0, 1.0) * maxv).astype(dtype)
    out[..., 3] = np.rint(a2 * maxv).astype(dtype)
    return out


def resize_mask(mask: np.ndarray, width: int, height: int, method: str = "lanczos") -> np.ndarray:
    """Resize a 2-D uint8 mask."""
    r = _resize_plane(mask.astype(np.float32), width, height, method)
    return np.rint(np.clip(r, 0, 255)).astype(np.uint8)
