"""Split a hole into groups that are filled one at a time, each from its own surroundings
(:func:`hole_groups`), for :mod:`ml.fill.patchmatch`. numpy and OpenCV only.

Scattered spots (a few blemishes, several strokes far apart) share one crop when they come
through :func:`ml.engines.inpaint.fill_patch`, so a spot on a face could copy patches
from a spacesuit at the other end of the crop. Filling each group on its own context box
keeps every copied patch near its hole, as a person retouching would pick it, and costs
less: the search space of each group is its own neighbourhood.
"""

from __future__ import annotations

import numpy as np

Box = tuple[int, int, int, int]  # y0, x0, y1, x1 (end exclusive)


def _grow(box: Box, h: int, w: int, margin: float, min_margin: int) -> Box:
    y0, x0, y1, x1 = box
    pad = max(min_margin, round(margin * max(y1 - y0, x1 - x0)))
    return max(0, y0 - pad), max(0, x0 - pad), min(h, y1 + pad), min(w, x1 + pad)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def hole_groups(hole: np.ndarray, margin: float = 1.0, min_margin: int = 24) -> list[Box]:
    """Disjoint context boxes ``(y0, x0, y1, x1)`` that together hold every hole pixel.

    Each connected part of ``hole`` (8-connected) gets its bounding box grown by ``margin``
    × its larger side (at least ``min_margin`` px, clipped to the image); parts whose grown
    boxes overlap are merged (their union box, grown again) until no two boxes overlap. A
    box therefore contains the hole pixels of its own group only, so the groups can be
    filled independently and in any order. One box covering everything comes back when
    the parts are close together.
    """
    import cv2

    h, w = hole.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    parts = [(int(s[1]), int(s[0]), int(s[1] + s[3]), int(s[0] + s[2])) for s in stats[1:count]]
    # (tight box of the hole pixels, grown context box)
    groups = [(b, _grow(b, h, w, margin, min_margin)) for b in parts]
    merged = True
    while merged and len(groups) > 1:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _overlap(groups[i][1], groups[j][1]):
                    tight = _union(groups[i][0], groups[j][0])
                    groups[i] = (tight, _union(_union(groups[i][1], groups[j][1]),
                                               _grow(tight, h, w, margin, min_margin)))
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(g[1] for g in groups)
