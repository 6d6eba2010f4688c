"""The content-aware fill's structure/smoothness split (ml.fill.guide), its per-group crops
(ml.fill.regions) and the fill they give: stripes continued, smooth shading kept smooth."""

from __future__ import annotations

import cv2
import numpy as np

from ml.fill.guide import flat_blend, guide_fill, texture_energy
from ml.fill.patchmatch import make_patchmatch_fill, patchmatch_fill, telea_fill
from ml.fill.regions import hole_groups
from ml.types import Progress, RunContext


def _disk(h: int, w: int, cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def _grain(h: int, w: int, amount: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, amount, (h, w, 1)).astype(np.float32)


def test_horizontal_stripes_are_continued_row_by_row():
    h, w = 72, 96
    band = ((np.arange(h) // 6) % 2).astype(np.float32)[:, None, None].repeat(w, 1)
    image = np.concatenate([0.25 + 0.5 * band, 0.6 - 0.3 * band, 0.4 + 0.2 * band], axis=2)
    image = np.clip(image + _grain(h, w, 0.02), 0, 1).astype(np.float32)
    hole = np.zeros((h, w), bool)
    hole[18:54, 30:66] = True
    damaged = image.copy()
    damaged[hole] = [1.0, 0.0, 1.0]
    out = patchmatch_fill(damaged, hole, RunContext())
    # every row of the hole has its stripe's colour: per-row mean error well under the
    # stripes' contrast (0.5), where a smear across the bands would be ~0.25
    err = np.abs(out - image)[18:54, 30:66].mean(axis=(1, 2))
    assert err.max() < 0.06, err.round(3)
    telea = telea_fill(damaged, hole)
    assert err.mean() < 0.6 * np.abs(telea - image)[18:54, 30:66].mean()


def test_a_smooth_gradient_is_filled_smoothly():
    h, w = 96, 96
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.stack([0.2 + 0.5 * xx / w, 0.3 + 0.4 * yy / h, 0.6 - 0.3 * (xx + yy) / (2 * w)],
                     axis=2)
    image = np.clip(image + _grain(h, w, 0.004), 0, 1).astype(np.float32)
    hole = _disk(h, w, 48, 48, 22)
    damaged = image.copy()
    damaged[hole] = [1.0, 0.0, 1.0]
    out = patchmatch_fill(damaged, hole, RunContext())
    plain = make_patchmatch_fill(guide="none", flat_energy=0.0, init="onion")(
        damaged, hole, RunContext())

    def laplacian(img):
        return np.abs(cv2.Laplacian(img[:, :, 1], cv2.CV_32F))[hole].mean()

    lap_known = np.abs(cv2.Laplacian(image[:, :, 1], cv2.CV_32F))[~hole].mean()
    # no patchwork of shades: as smooth as the surroundings (patches alone are not) ...
    assert laplacian(out) < 1.5 * lap_known and laplacian(out) < 0.5 * laplacian(plain)
    # ... and the right shade: closer than the patches alone
    err = np.abs(out - image)[hole].mean()
    assert err < 0.02 and err < 0.8 * np.abs(plain - image)[hole].mean()


def test_hole_groups_keep_far_spots_apart_and_merge_close_ones():
    hole = np.zeros((300, 300), bool)
    hole |= _disk(300, 300, 40, 40, 8)
    hole |= _disk(300, 300, 250, 250, 8)
    hole |= _disk(300, 300, 250, 272, 5)  # next to the second spot
    boxes = hole_groups(hole, margin=1.0, min_margin=16)
    assert len(boxes) == 2
    covered = np.zeros_like(hole)
    for i, (y0, x0, y1, x1) in enumerate(boxes):
        covered[y0:y1, x0:x1] = True
        for other in boxes[i + 1:]:  # disjoint: groups can be filled independently
            oy0, ox0, oy1, ox1 = other
            assert not (y0 < oy1 and oy0 < y1 and x0 < ox1 and ox0 < x1)
    assert covered[hole].all()
    close = np.zeros((300, 300), bool)
    close |= _disk(300, 300, 100, 100, 10) | _disk(300, 300, 100, 140, 10)
    assert len(hole_groups(close)) == 1


def test_separate_spots_are_filled_each_from_its_own_surroundings():
    # left half red, right half blue; one spot in each: each must stay its side's colour
    h, w = 80, 240
    image = np.zeros((h, w, 3), np.float32)
    image[:, : w // 2] = [0.8, 0.2, 0.2]
    image[:, w // 2 :] = [0.2, 0.2, 0.8]
    image = np.clip(image + _grain(h, w, 0.02), 0, 1).astype(np.float32)
    hole = _disk(h, w, 40, 40, 10) | _disk(h, w, 40, 200, 10)
    seen: list[Progress] = []
    out = patchmatch_fill(image, hole, RunContext(progress=seen.append))
    assert np.abs(out - image)[hole].mean() < 0.05
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_guide_is_made_small_for_a_big_hole_and_keeps_known_pixels():
    h, w = 256, 256
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.stack([xx / w, yy / h, np.full_like(xx, 0.5)], axis=2).astype(np.float32)
    hole = np.zeros((h, w), bool)
    hole[64:192, 64:192] = True
    damaged = image.copy()
    damaged[hole] = 0.0
    for kind in ("fsr", "telea"):
        g = guide_fill(damaged, hole, kind, max_hole_pixels=1024)
        np.testing.assert_array_equal(g[~hole], damaged[~hole])
        assert np.abs(g - image)[hole].mean() < 0.06  # a smooth ramp is easy


def test_flat_blend_follows_the_guide_only_where_the_fill_is_flat():
    h, w = 64, 128
    fill = np.full((h, w, 3), 0.5, np.float32)
    fill[:, 64:] = np.clip(0.5 + _grain(h, 64, 0.2)[:, :, :1], 0, 1)  # busy right half
    guide = np.full((h, w, 3), 0.46, np.float32)  # a slightly different shade
    hole = np.ones((h, w), bool)
    out = flat_blend(fill, guide, hole, energy_scale=0.04)
    assert np.abs(out[:, :40] - 0.46).max() < 0.01  # flat: the guide
    right = out[:, 90:] - fill[:, 90:]
    assert np.abs(right).mean() < 0.02  # textured: the fill
    # a guide of another colour altogether (a smeared blotch) is not painted over it
    other = flat_blend(fill, np.zeros_like(guide), hole, energy_scale=0.04)
    assert np.abs(other[:, :40] - 0.5).max() < 0.01
    assert texture_energy(fill)[:, 90:].mean() > 10 * texture_energy(fill)[:, :40].mean()
