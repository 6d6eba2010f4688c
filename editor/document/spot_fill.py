"""Proximity-match fill for spot healing (numpy only): the healing brush with a source
chosen automatically, as Photoshop's spot healing "Proximity Match" does.

:func:`proximity_fill` is a spot-heal fill callable (``fill(image, hole) -> image``, see
:mod:`editor.document.heal`). Around the hole it looks for the nearby patch that best
matches what should be there: over the hole and a ring of pixels around it, the patch
is compared with the image outside the hole and a smooth (diffusion) fill inside it,
after removing the mean difference (tone is the blend's job), on the mean squared error
plus its 98th percentile (no stray eyelash or highlight), with a small penalty for
distance. It takes that patch's
texture and blends it into the colour and tone at the hole's border in the gradient
domain, as the healing brush does (the source plus the harmonic membrane of the
difference on the hole's border, solved on the hole's own shape).
So the repair carries skin pores, grain or noise instead of the smooth smear of a
diffusion fill. When no patch fits inside the crop (a hole filling most of it) it falls
back to :func:`editor.document.heal_solve.diffusion_fill`.
"""

from __future__ import annotations

import numpy as np

from editor.document.heal_solve import diffusion_fill

RING = 3  # width of the ring around the hole that candidates are compared on
DISTANCE_PENALTY = 0.15  # cost grows by this fraction per hole-size of distance
OUTLIER_WEIGHT = 0.5  # weight of the 98th-percentile pixel error against the mean
#: the best patch is used only when its mean error is at most this many times the
#: squared difference of neighbouring pixels around the hole (the texture's own roughness)
ACCEPT = 4.0


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Square dilation by ``r`` pixels (separable: rows, then columns)."""
    out = mask.copy()
    for d in range(1, r + 1):
        out[d:] |= mask[:-d]
        out[:-d] |= mask[d:]
    rows = out.copy()
    for d in range(1, r + 1):
        out[:, d:] |= rows[:, :-d]
        out[:, :-d] |= rows[:, d:]
    return out


def _candidates(shape: tuple[int, int], box: tuple[int, int, int, int],
                step: int) -> list[tuple[int, int]]:
    h, w = shape
    y0, y1, x0, x1 = box
    out = []
    for dy in range(-y0, h - y1 + 1, step):
        for dx in range(-x0, w - x1 + 1, step):
            if dx or dy:
                out.append((dy, dx))
    return out


def proximity_fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Fill ``hole`` (bool ``(h, w)``) of ``image`` (float ``(h, w, c)`` in 0..1) with the
    texture of the best-matching nearby patch, Poisson-blended to the hole's border.
    Pixels outside the hole are returned unchanged. Returns float32 of ``image``'s shape."""
    img = np.asarray(image, np.float32)
    hole = np.asarray(hole, bool)
    if img.shape[:2] != hole.shape:
        raise ValueError(f"hole {hole.shape} does not match the image {img.shape[:2]}")
    if not hole.any():
        return img.copy()
    h, w = hole.shape
    rows, cols = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    # The hole's box plus one pixel.
    y0, y1 = max(0, rows[0] - 1), min(h, rows[-1] + 2)
    x0, x1 = max(0, cols[0] - 1), min(w, cols[-1] + 2)
    # The smooth fill (what candidates are compared with inside the hole, and the
    # fallback): harmonic, so it needs only the pixels next to the hole; solved on the
    # hole's box plus a margin rather than the whole crop.
    m = 2 * RING
    sy0, sy1, sx0, sx1 = max(0, y0 - m), min(h, y1 + m), max(0, x0 - m), min(w, x1 + m)
    base = img.copy()
    base[sy0:sy1, sx0:sx1] = diffusion_fill(img[sy0:sy1, sx0:sx1], hole[sy0:sy1, sx0:sx1])
    grown = _dilate(hole, RING)
    guard = _dilate(hole, 1)
    size = max(y1 - y0, x1 - x0)
    step = max(1, size // 6)
    # Candidates are compared over the hole and a ring around it, against the smooth fill
    # inside the hole and the image outside it: the ring makes the patch continue its
    # surroundings, the inside keeps it from bringing in structure (an eye, an edge).
    wy0, wy1 = max(0, y0 - RING), min(h, y1 + RING)
    wx0, wx1 = max(0, x0 - RING), min(w, x1 + RING)
    grown_w = grown[wy0:wy1, wx0:wx1]
    ref = base[wy0:wy1, wx0:wx1][grown_w]
    best, best_cost, best_err = None, np.inf, np.inf
    for dy, dx in _candidates((h, w), (wy0, wy1, wx0, wx1), step):
        # The source must not take pixels of the hole (or just next to it).
        if guard[wy0 + dy:wy1 + dy, wx0 + dx:wx1 + dx][grown_w].any():
            continue
        diff = img[wy0 + dy:wy1 + dy, wx0 + dx:wx1 + dx][grown_w] - ref
        # A uniform tone shift costs nothing (the Poisson blend removes it); a few pixels
        # far off (an eyelash, a highlight) cost a lot, through the high percentile.
        diff -= diff.mean(axis=0)
        err = (diff * diff).sum(axis=1)
        cost = float(err.mean() + OUTLIER_WEIGHT * np.percentile(err, 98))
        cost *= 1.0 + DISTANCE_PENALTY * np.hypot(dy, dx) / size
        if cost < best_cost:
            best, best_cost, best_err = (dy, dx), cost, float(err.mean())
    # A patch that differs from the surroundings far more than neighbouring pixels
    # differ from each other would bring in foreign structure: keep the smooth fill.
    ring = grown & ~hole
    right = np.zeros_like(ring)
    right[:, :-1] = ring[:, :-1] & ring[:, 1:]
    rough = float(((img[:, 1:][right[:, :-1]] - img[:, :-1][right[:, :-1]]) ** 2).sum(axis=1)
                  .mean()) if right.any() else 0.0
    if best is None or best_err > ACCEPT * rough + 1e-4:
        return base
    dy, dx = best
    # The blend: V = source + h, with h the membrane that takes the image − source
    # difference on the hole's own border inwards (ΔV = Δsource inside the hole). A
    # rectangle's exact solve would take its border from the box corners, far from an
    # oblong stroke; the pyramid diffusion solves it on the hole's shape.
    src = img[wy0 + dy:wy1 + dy, wx0 + dx:wx1 + dx]
    hole_w = hole[wy0:wy1, wx0:wx1]
    membrane = diffusion_fill(img[wy0:wy1, wx0:wx1] - src, hole_w)
    out = base.copy()
    out[wy0:wy1, wx0:wx1][hole_w] = np.clip(src[hole_w] + membrane[hole_w], 0.0, 1.0)
    return out
