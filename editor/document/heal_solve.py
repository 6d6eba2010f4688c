"""Healing solvers and hole fills (numpy only; OpenCV optional, imported lazily):
the exact Poisson/harmonic-membrane blend of a heal dab (:func:`harmonic_membrane`,
:func:`poisson_heal`, type-I DST as cached sine-matrix products) and the spot-heal fills
(:func:`diffusion_fill`, :func:`opencv_fill`). See :mod:`editor.document.heal`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

#: ``fill(image, hole) -> filled``: image float32 (h, w, 3) in 0..1, hole bool (h, w).
FillFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


@lru_cache(maxsize=64)
def _sine_matrix(n: int) -> np.ndarray:
    """The (symmetric) type-I discrete sine transform matrix of size n."""
    k = np.arange(1, n + 1, dtype=np.float64)
    return np.sin(np.pi * np.outer(k, k) / (n + 1))


def harmonic_membrane(border: np.ndarray) -> np.ndarray:
    """The discrete harmonic function (``Δh = 0`` inside) over a box whose one-pixel
    border holds ``border``'s border values; ``border`` is ``(h, w)`` or ``(h, w, c)``
    float, its inside is ignored. Solved exactly with a discrete sine transform.

    Returns float32 of ``border``'s shape (the border values kept)."""
    b = np.asarray(border, np.float64)
    out = b.copy()
    h, w = b.shape[:2]
    if h < 3 or w < 3:
        return out.astype(np.float32)
    m, n = h - 2, w - 2
    # Five-point Laplacian: the known border neighbours move to the right-hand side.
    rhs = np.zeros((m, n) + b.shape[2:], np.float64)
    rhs[0] += b[0, 1:-1]
    rhs[-1] += b[-1, 1:-1]
    rhs[:, 0] += b[1:-1, 0]
    rhs[:, -1] += b[1:-1, -1]
    lam_y = 2.0 - 2.0 * np.cos(np.pi * np.arange(1, m + 1) / (m + 1))
    lam_x = 2.0 - 2.0 * np.cos(np.pi * np.arange(1, n + 1) / (n + 1))
    # DST-I along both axes as matrix products (dab boxes are small: a matmul beats an
    # FFT here); DST-I is its own inverse up to 2 / (N + 1) per axis.
    sm, sn = _sine_matrix(m), _sine_matrix(n)
    r = np.moveaxis(rhs, -1, 0) if rhs.ndim == 3 else rhs
    lam_c = lam_y[:, None] + lam_x[None, :]
    coef = (sm @ r @ sn) / lam_c
    inside = (sm @ coef @ sn) * (4.0 / ((m + 1) * (n + 1)))
    if rhs.ndim == 3:
        inside = np.moveaxis(inside, 0, -1)
    out[1:-1, 1:-1] = inside
    return out.astype(np.float32)


def poisson_heal(source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """Gradient-domain blend of one box: ``source``'s texture with ``destination``'s
    values on the box border (float arrays ``(h, w)`` or ``(h, w, c)`` of equal shape).

    Returns float32 ``V = source + h`` where ``h`` is harmonic with ``h = destination −
    source`` on the border: ``ΔV = Δsource`` inside, ``V = destination`` on the border."""
    s = np.asarray(source, np.float32)
    d = np.asarray(destination, np.float32)
    if s.shape != d.shape:
        raise ValueError(f"source {s.shape} and destination {d.shape} differ in shape")
    return s + harmonic_membrane(d - s)


def _down2(img: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve resolution, averaging only the known pixels."""
    h, w = known.shape
    hh, ww = -(-h // 2), -(-w // 2)
    pad_img = np.zeros((hh * 2, ww * 2) + img.shape[2:], np.float32)
    pad_k = np.zeros((hh * 2, ww * 2), np.float32)
    pad_img[:h, :w] = img * known[..., None]
    pad_k[:h, :w] = known
    s_img = pad_img.reshape(hh, 2, ww, 2, -1).sum(axis=(1, 3))
    s_k = pad_k.reshape(hh, 2, ww, 2).sum(axis=(1, 3))
    k2 = s_k > 0
    out = np.where(k2[..., None], s_img / np.maximum(s_k, 1e-6)[..., None], 0.0)
    return out.astype(np.float32), k2


def diffusion_fill(image: np.ndarray, hole: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Fill ``hole`` of ``image`` (float ``(h, w, c)``) by membrane (harmonic) diffusion of
    the surrounding pixels: coarse-to-fine on a 2× pyramid, ``iterations`` Jacobi sweeps
    per level. Pixels outside the hole are returned unchanged. A smooth fill (no
    texture): what the spot-heal's fill callable gets when no inpaint engine is given.

    Returns float32 of ``image``'s shape."""
    img = np.asarray(image, np.float32)
    hole = np.asarray(hole, bool)
    if img.shape[:2] != hole.shape:
        raise ValueError(f"hole {hole.shape} does not match the image {img.shape[:2]}")
    squeeze = img.ndim == 2
    if squeeze:
        img = img[..., None]
    known = ~hole
    if not known.any():
        raise ValueError("nothing around the hole to fill it from")
    if not hole.any():
        return img[..., 0].copy() if squeeze else img.copy()
    # Pyramid of known values, down to a size where the hole is a few pixels wide.
    levels = [(img, known)]
    while min(levels[-1][1].shape) > 4 and (~levels[-1][1]).any():
        levels.append(_down2(*levels[-1]))
    guess = None
    for lvl_img, lvl_known in reversed(levels):
        h, w = lvl_known.shape
        cur = lvl_img.copy()
        if guess is None:
            mean = lvl_img[lvl_known].mean(axis=0) if lvl_known.any() else 0.0
            cur[~lvl_known] = mean
        else:
            up = np.repeat(np.repeat(guess, 2, axis=0), 2, axis=1)[:h, :w]
            cur[~lvl_known] = up[~lvl_known]
        free = ~lvl_known
        for _ in range(iterations):
            p = np.pad(cur, ((1, 1), (1, 1), (0, 0)), mode="edge")
            avg = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) * np.float32(0.25)
            cur[free] = avg[free]
        guess = cur
    out = guess if guess is not None else img
    out = np.where(hole[..., None], out, img).astype(np.float32)
    return out[..., 0] if squeeze else out


def opencv_fill(method: str = "telea", radius: float = 3.0) -> FillFunction:
    """A fill callable running OpenCV's ``cv2.inpaint`` (``"telea"`` or ``"ns"``) on a
    16-bit quantisation of the crop, channel by channel (OpenCV takes 16-bit only as one
    channel). OpenCV is imported when the fill runs."""
    if method not in ("telea", "ns"):
        raise ValueError(f"unknown OpenCV inpaint method {method!r}; expected telea or ns")

    def fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        import cv2

        flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
        img = np.asarray(image, np.float32)
        m = np.asarray(hole, np.uint8) * 255
        planes: Sequence[np.ndarray] = [img[..., c] for c in range(img.shape[2])]
        out = []
        for p in planes:
            q = np.rint(np.clip(p, 0, 1) * 65535).astype(np.uint16)
            out.append(cv2.inpaint(q, m, float(radius), flag).astype(np.float32) / 65535.0)
        res = np.stack(out, axis=2)
        return np.where(np.asarray(hole, bool)[..., None], res, img).astype(np.float32)

    return fill
