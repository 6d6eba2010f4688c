"""The smooth guide of :mod:`ml.fill.patchmatch`: a frequency-selective (FSR) or Telea fill
of the hole, made at a reduced scale so that it stays cheap (:func:`guide_fill`), and the
flat-region blend toward it (:func:`flat_blend`). numpy and OpenCV only.

PatchMatch copies patches: right where the surroundings have structure (edges, brick,
rims), but on smooth shading (a cheek, a sky gradient) each copied patch carries its own
slightly wrong shade, and a smooth interpolation of the rim is closer to the truth. The
blend therefore keeps PatchMatch where the filled region has texture or edges and fades
toward the guide where it is flat.
"""

from __future__ import annotations

import numpy as np

from ml.fill.features import LUMA
from ml.fill.init import fsr_fill, telea_fill


def guide_fill(image: np.ndarray, hole: np.ndarray, kind: str = "fsr",
               max_hole_pixels: int = 1536, min_depth: float = 3.0) -> np.ndarray:
    """``image`` with ``hole`` filled smoothly by ``kind`` ("fsr" or "telea"), float32.

    FSR's cost grows with the hole's area (about 0.5 s for a 64² hole, 9 s for a 256²
    one on 2 cores), so it runs on a copy halved until the hole has at most
    ``max_hole_pixels`` pixels (any trace of hole in a halved pixel keeps it a hole) --
    but never so far that the hole's mean depth (distance to the nearest known pixel)
    falls under ``min_depth``: a thin stroke would swell into a band -- and its fill is
    upsampled (bicubic). The guide is a low-frequency estimate; that is all
    the blend needs. Pixels outside the hole are exactly ``image``'s.
    """
    import cv2

    fill = fsr_fill if kind == "fsr" else telea_fill
    h, w = hole.shape
    small, small_hole = image, hole
    while int(small_hole.sum()) > max_hole_pixels and min(small_hole.shape) >= 16:
        size = ((small_hole.shape[1] + 1) // 2, (small_hole.shape[0] + 1) // 2)
        half_hole = cv2.resize(small_hole.astype(np.float32), size,
                               interpolation=cv2.INTER_AREA) > 1e-6
        if _mean_depth(half_hole) < min_depth:  # a thin stroke would swell into a band
            break
        small = cv2.resize(small, size, interpolation=cv2.INTER_AREA)
        small_hole = half_hole
    filled = fill(np.ascontiguousarray(small[:, :, :3], dtype=np.float32), small_hole)
    if filled.shape[:2] != (h, w):
        filled = cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC)
    out = np.array(image[:, :, :3], dtype=np.float32)
    out[hole] = np.clip(filled[hole], 0.0, 1.0)
    return out


def _mean_depth(hole: np.ndarray) -> float:
    """Mean distance of a hole pixel to the nearest known pixel (large for a blob, about a
    quarter of the width for a stroke)."""
    import cv2

    if hole.all() or not hole.any():
        return float(max(hole.shape))
    return float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)[hole].mean())


def texture_energy(image: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    """(H, W) local mean of the luma gradient magnitude (Sobel, Gaussian window σ)."""
    import cv2

    lum = np.ascontiguousarray(image[:, :, :3] @ LUMA)
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3) / np.float32(8.0)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3) / np.float32(8.0)
    return cv2.GaussianBlur(np.sqrt(gx * gx + gy * gy), (0, 0), sigma)


def flat_blend(filled: np.ndarray, guide: np.ndarray, hole: np.ndarray,
               energy_scale: float, floor: float = 0.0, agree: float = 0.1,
               sigma: float = 3.0) -> np.ndarray:
    """Inside ``hole``: ``g · guide + (1 - g) · filled`` with ``g = floor + (1 - floor) ·
    exp(-E / energy_scale)`` and ``E`` the texture energy (:func:`texture_energy`) of
    ``filled`` -- the guide where the fill is flat, the fill where it has edges or
    texture (with ``floor`` of the guide everywhere). The weight fades out where the two
    disagree by much more than ``agree`` (largest channel difference, smoothed): the
    guide corrects a drift in shade, it never paints a different colour over what the
    patches found (a smeared blotch over a checkerboard square). Outside: ``filled``."""
    import cv2

    weight = np.exp(-texture_energy(filled, sigma) / np.float32(energy_scale))
    weight = np.float32(floor) + np.float32(1.0 - floor) * weight
    if agree > 0:
        diff = cv2.GaussianBlur(np.abs(guide[:, :, :3] - filled[:, :, :3]).max(axis=2),
                                (0, 0), 2.0)
        weight *= np.exp(-((diff / np.float32(agree)) ** 2))
    out = filled.copy()
    g = weight[hole][:, None]
    out[:, :, :3][hole] = g * guide[:, :, :3][hole] + (1.0 - g) * filled[:, :, :3][hole]
    return out
