"""Initial guesses for a hole, used by :mod:`ml.fill.patchmatch`: OpenCV's Telea and FSR
fills in float, and the onion peel (:func:`onion_peel_fill`) that carries edges into the
coarsest level's hole. numpy and OpenCV only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def telea_fill(image: np.ndarray, hole: np.ndarray, radius: int = 3) -> np.ndarray:
    """OpenCV Telea fill in float, any number of channels (one at a time, so 16-bit
    precision survives)."""
    import cv2

    m8 = hole.astype(np.uint8) * 255
    out = np.empty_like(image, dtype=np.float32)
    for c in range(image.shape[2]):
        # Telea's float path assumes the 0..255 range
        plane = np.ascontiguousarray(image[:, :, c] * np.float32(255.0))
        out[:, :, c] = cv2.inpaint(plane, m8, radius, cv2.INPAINT_TELEA) / np.float32(255.0)
    return out


def fsr_fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    import cv2

    src = (np.clip(image[:, :, :3], 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    known = np.where(hole, 0, 255).astype(np.uint8)  # xphoto: non-zero = known
    dst = np.zeros_like(src)
    cv2.xphoto.inpaint(src, known, dst, cv2.xphoto.INPAINT_FSR_FAST)
    out = telea_fill(image, hole) if image.shape[2] > 3 else image.astype(np.float32)
    out[:, :, :3][hole] = dst[hole].astype(np.float32) / 255.0
    return out


def onion_peel_fill(image: np.ndarray, hole: np.ndarray, valid: np.ndarray, patch_size: int,
                    rng: np.random.Generator, check: Callable[[], None] = lambda: None,
                    max_sources: int = 2000) -> np.ndarray:
    """Fill ``hole`` from its rim inwards, one pixel-thick ring at a time: every ring
    pixel takes the centre of the source patch (centre in ``valid``) closest to the
    already-known part of its own patch (exact SSD over the known pixels only).

    Brute force with two matrix products per ring, so meant for a coarse pyramid level
    (a few thousand sources). It continues edges into the hole, which a diffusion fill
    (Telea) blurs away; PatchMatch EM then cleans up its seams.
    """
    import cv2

    h, w = hole.shape
    r = patch_size // 2
    out = np.ascontiguousarray(image, dtype=np.float32).copy()
    vy, vx = np.nonzero(valid)
    if vy.size == 0:
        return telea_fill(image, hole)
    if vy.size > max_sources:
        sel = rng.choice(vy.size, max_sources, replace=False)
        vy, vx = vy[sel], vx[sel]
    offs = np.arange(-r, r + 1)
    # match on the colours only; further channels (texture features) follow the colours
    src = out[vy[:, None, None] + offs[None, :, None], vx[:, None, None] + offs[None, None, :]]
    src = src[..., :3].reshape(vy.size, -1)  # (Ns, P*P*3)
    src_sq = src * src
    centre = out[vy, vx]
    filled = ~hole
    ring_kernel = np.ones((3, 3), np.uint8)
    while not filled.all():
        check()
        grown = cv2.dilate(filled.astype(np.uint8), ring_kernel) > 0
        ly, lx = np.nonzero(grown & ~filled)
        if ly.size == 0:  # unreachable in a connected crop, but never loop forever
            break
        yy = ly[:, None, None] + offs[None, :, None]
        xx = lx[:, None, None] + offs[None, None, :]
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        yc, xc = np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)
        known = (filled[yc, xc] & inside).astype(np.float32)
        known = np.repeat(known[..., None], 3, axis=3).reshape(ly.size, -1)
        tgt = out[yc, xc][..., :3].reshape(ly.size, -1) * known
        # sum over known pixels of (s - t)^2, dropping the t^2 term (constant per target)
        cost = known @ src_sq.T - 2.0 * (tgt @ src.T)
        best = np.argmin(cost, axis=1)
        out[ly, lx] = centre[best]
        filled[ly, lx] = True
    return out
