"""Small numpy image filters shared by the document (feathering) and the UI's filters."""

from __future__ import annotations

import numpy as np


def box_blur(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Mean over a window of ``2·radius + 1`` samples along ``axis`` of ``a``.

    Works on arrays of any number of dimensions (a ``(h, w)`` mask, ``(h, w, 4)``
    pixels: blur rows with ``axis=1``, columns with ``axis=0``). Edges are replicated,
    so a constant array stays constant. Cost is O(n) per sample whatever the radius
    (running sums in float64). Returns a new float32 array of ``a``'s shape; radius 0
    gives ``a`` as float32 (a copy). A negative or non-integer radius, or an axis
    ``a`` does not have, is a ValueError. Three passes per axis approximate a gaussian
    of sigma ≈ radius (see :func:`editor.document.selection.feather_mask`).
    """
    a = np.asarray(a)
    if isinstance(radius, bool) or int(radius) != radius or radius < 0:
        raise ValueError(f"box blur radius must be an integer >= 0, got {radius!r}")
    radius = int(radius)
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"box blur axis {axis} does not exist in a {a.ndim}-d array")
    axis %= a.ndim
    if radius == 0 or a.shape[axis] == 0:
        return a.astype(np.float32, copy=True)
    pad = [(0, 0)] * a.ndim
    # One extra leading sample so that c[i + 2r + 1] - c[i] is the window sum at i.
    pad[axis] = (radius + 1, radius)
    c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis, dtype=np.float64)
    n = a.shape[axis]
    hi = np.take(c, np.arange(2 * radius + 1, 2 * radius + 1 + n), axis=axis)
    lo = np.take(c, np.arange(0, n), axis=axis)
    return ((hi - lo) / (2 * radius + 1)).astype(np.float32)
