"""The PatchMatch content-aware fill (ml.fill.patchmatch), alone and through fill_patch."""

from __future__ import annotations

import numpy as np
import pytest

from ml.engines.inpaint import fill_patch
from ml.fill.patchmatch import (
    PatchMatchSettings,
    dct_basis,
    make_patchmatch_fill,
    patch_descriptors,
    patchmatch_fill,
    telea_fill,
    texture_features,
)
from ml.types import Cancelled, CancelToken, Progress, RunContext


def _box(h: int, w: int, y0: int, x0: int, y1: int, x1: int) -> np.ndarray:
    hole = np.zeros((h, w), bool)
    hole[y0:y1, x0:x1] = True
    return hole


def _noise(h: int, w: int, amount: float = 0.03, seed: int = 0) -> np.ndarray:
    # a little grain so that patches are distinguishable, as in a photo
    return np.random.default_rng(seed).normal(0, amount, (h, w, 1)).astype(np.float32)


def _psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    mse = float(np.mean((a[where] - b[where]) ** 2))
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def _stripes(h: int = 64, w: int = 80, period: int = 8) -> np.ndarray:
    xx = np.arange(w)[None, :].repeat(h, 0)
    band = ((xx // (period // 2)) % 2).astype(np.float32)
    img = np.stack([0.2 + 0.6 * band, 0.3 + 0.4 * band, 0.7 - 0.5 * band], axis=2)
    return np.clip(img + _noise(h, w, 0.02), 0, 1).astype(np.float32)


def test_fill_keeps_every_known_pixel_and_returns_float32():
    image = _stripes()
    hole = _box(64, 80, 20, 30, 40, 50)
    damaged = image.copy()
    damaged[hole] = [1.0, 0.0, 1.0]
    out = patchmatch_fill(damaged, hole, RunContext())
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[~hole], damaged[~hole])
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    # nothing of the magenta damage survives in the fill
    assert np.abs(out[hole] - np.float32([1.0, 0.0, 1.0])).max(axis=1).min() > 0.2


def test_texture_is_continued_across_the_hole_far_better_than_telea():
    image = _stripes()
    hole = _box(64, 80, 18, 28, 42, 52)
    damaged = image.copy()
    damaged[hole] = 0.0
    pm = patchmatch_fill(damaged, hole, RunContext())
    telea = telea_fill(damaged, hole)
    assert _psnr(pm, image, hole) > 24.0
    assert _psnr(pm, image, hole) > _psnr(telea, image, hole) + 6.0


def test_a_straight_edge_stays_straight_and_sharp():
    h, w = 64, 64
    image = np.where(np.arange(w)[None, :, None] < 31, 0.2, 0.8).repeat(h, 0)
    image = np.clip(image.repeat(3, 2) + _noise(h, w), 0, 1).astype(np.float32)
    hole = _box(h, w, 22, 21, 42, 41)  # centred on the edge
    pm = patchmatch_fill(image, hole, RunContext())
    telea = telea_fill(image, hole)
    # the edge lands in the same column in every row of the hole
    cols = (pm[22:42, 21:41, 0] > 0.5).argmax(axis=1) + 21
    assert np.all(np.abs(cols - 31) <= 1)
    err_pm = np.abs(pm - image)[hole].mean()
    assert err_pm < 0.04
    assert err_pm < 0.7 * np.abs(telea - image)[hole].mean()


def test_a_diagonal_line_is_continued():
    h, w = 72, 72
    image = np.full((h, w, 3), 0.3, np.float32) + _noise(h, w, 0.02)
    yy, xx = np.mgrid[0:h, 0:w]
    line = np.abs(yy - xx) <= 1
    image[line] = [0.9, 0.9, 0.2]
    image = np.clip(image, 0, 1).astype(np.float32)
    hole = _box(h, w, 28, 28, 44, 44)
    pm = patchmatch_fill(image, hole, RunContext())
    inside_line = line & hole
    # the line pixels in the hole are yellow again, the rest stays background
    assert pm[inside_line][:, 0].mean() > 0.7
    assert pm[hole & ~line & (np.abs(yy - xx) > 3)][:, 0].mean() < 0.4


def test_colours_are_kept_no_blended_blotches():
    h, w = 64, 64
    yy, xx = np.mgrid[0:h, 0:w]
    checker = ((yy // 8 + xx // 8) % 2).astype(bool)
    red, blue = np.float32([0.85, 0.1, 0.1]), np.float32([0.1, 0.2, 0.85])
    image = np.where(checker[..., None], red, blue).astype(np.float32)
    hole = _box(h, w, 20, 20, 40, 40)
    pm = patchmatch_fill(image, hole, RunContext())
    fill = pm[hole]
    near = np.minimum(np.abs(fill - red).max(axis=1), np.abs(fill - blue).max(axis=1))
    assert np.mean(near < 0.15) > 0.9
    telea = telea_fill(image, hole)[hole]
    near_t = np.minimum(np.abs(telea - red).max(axis=1), np.abs(telea - blue).max(axis=1))
    assert np.mean(near_t < 0.15) < np.mean(near < 0.15)  # the diffusion fill blends


def test_sixteen_bit_values_keep_their_precision():
    h, w = 64, 64
    rng = np.random.default_rng(3)
    levels = rng.integers(0, 65536, 2 * h * w * 3)
    levels = levels[levels % 257 != 0][: h * w * 3]  # none on the 8-bit grid
    image = (levels.reshape(h, w, 3) / 65535.0).astype(np.float32)
    hole = _box(h, w, 24, 24, 40, 40)
    out = patchmatch_fill(image, hole, RunContext())
    np.testing.assert_array_equal(out[~hole], image[~hole])
    steps = out[hole] * 255.0
    off_grid = np.abs(steps - np.round(steps)) > 1e-3
    assert off_grid.mean() > 0.9  # an 8-bit step inside would put every value on the grid


def test_progress_rises_to_one_and_cancel_stops_it():
    image, hole = _stripes(), _box(64, 80, 20, 30, 40, 50)
    seen: list[Progress] = []
    patchmatch_fill(image, hole, RunContext(progress=seen.append))
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert any("scale" in p.stage for p in seen)
    assert sum("pass" in p.stage for p in seen) >= 3

    token = CancelToken()
    calls = []

    def cancel_on_first(p: Progress) -> None:
        calls.append(p)
        token.cancel()

    with pytest.raises(Cancelled):
        patchmatch_fill(image, hole, RunContext(progress=cancel_on_first, cancel=token))
    assert len(calls) == 1


def test_through_fill_patch_only_the_mask_changes():
    h, w = 96, 128
    image = np.clip(np.tile(_stripes(96, 32), (1, 4, 1)) + _noise(h, w, 0.01, 5), 0, 1)
    image = image.astype(np.float32)
    mask = np.zeros((h, w), np.float32)
    mask[40:60, 50:74] = 1.0
    damaged = image.copy()
    damaged[mask > 0] = [1.0, 0.0, 1.0]
    x, y, patch = fill_patch(damaged, mask, patchmatch_fill, RunContext(), max_side=768)
    region = damaged[y : y + patch.shape[0], x : x + patch.shape[1]]
    inside = mask[y : y + patch.shape[0], x : x + patch.shape[1]] > 0
    np.testing.assert_array_equal(patch[~inside], region[~inside])
    truth = image[y : y + patch.shape[0], x : x + patch.shape[1]]
    assert _psnr(patch, truth, inside) > 22.0


def test_a_hole_on_the_crop_corner_and_a_hole_with_no_patch_to_copy():
    image = _stripes(48, 48)
    corner = _box(48, 48, 0, 0, 14, 14)
    out = patchmatch_fill(image, corner, RunContext())
    np.testing.assert_array_equal(out[~corner], image[~corner])
    assert _psnr(out, image, corner) > 18.0
    # a 2-pixel frame of known pixels: no 7x7 patch is entirely known -> Telea fallback
    almost = _box(48, 48, 2, 2, 46, 46)
    stages: list[str] = []
    out = patchmatch_fill(image, almost, RunContext(progress=lambda p: stages.append(p.stage)))
    np.testing.assert_array_equal(out[~almost], image[~almost])
    assert np.isfinite(out).all() and any("Telea" in s for s in stages)
    empty = np.zeros((48, 48), bool)
    np.testing.assert_array_equal(patchmatch_fill(image, empty, RunContext()), image)


def test_same_seed_same_fill_and_settings_are_validated():
    image, hole = _stripes(), _box(64, 80, 20, 30, 40, 50)
    a = patchmatch_fill(image, hole, RunContext())
    b = patchmatch_fill(image, hole, RunContext())
    np.testing.assert_array_equal(a, b)
    for bad in ({"patch_size": 4}, {"components": 0}, {"init": "blur"}, {"max_levels": 0}):
        with pytest.raises(ValueError):
            PatchMatchSettings(**bad)
    with pytest.raises(TypeError):
        make_patchmatch_fill(no_such_knob=1)
    for init in ("telea", "fsr"):  # the diffusion / FSR starting guesses also fill well
        out = make_patchmatch_fill(init=init)(image, hole, RunContext())
        assert _psnr(out, image, hole) > 20.0


def test_descriptor_distance_is_the_patch_ssd_with_the_full_basis():
    rng = np.random.default_rng(1)
    image = rng.random((20, 20, 3)).astype(np.float32)
    p = 7
    desc = patch_descriptors(image, dct_basis(p, 3 * p * p)).reshape(20, 20, -1)
    pa, pb = image[3:10, 4:11], image[9:16, 10:17]  # patches centred on (6, 7), (12, 13)
    ssd = float(((pa - pb) ** 2).sum())
    np.testing.assert_allclose(((desc[6, 7] - desc[12, 13]) ** 2).sum(), ssd, rtol=1e-4)
    # the default 16 coefficients give a lower bound of it
    small = patch_descriptors(image, dct_basis(p, 16)).reshape(20, 20, -1)
    assert ((small[6, 7] - small[12, 13]) ** 2).sum() <= ssd * (1 + 1e-5)


def _grain(seed: int, size: int = 96) -> np.ndarray:
    import cv2

    noise = np.random.default_rng(seed).random((size, size)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 1.0)
    noise = (noise - noise.mean()) / noise.std() * 0.15 + 0.5
    return np.repeat(noise[..., None], 3, axis=2).astype(np.float32)


def _high_pass_std(img: np.ndarray, where: np.ndarray) -> float:
    import cv2

    g = img[:, :, 0]
    return float((g - cv2.GaussianBlur(g, (0, 0), 2.0))[where].std())


def test_fine_grain_is_not_washed_out():
    image = _grain(0)
    hole = _box(96, 96, 28, 28, 68, 68)
    ref = _high_pass_std(image, ~hole)
    from ml.engines import get

    engine = get("patchmatch", "inpaint")
    mask = hole.astype(np.uint8) * 255
    grain = engine.inpaint(image, mask, RunContext(), keep_grain=True)
    detail = _high_pass_std(grain, hole) / ref
    mean_fill = make_patchmatch_fill(final_vote="mean", vote_percentile=75.0)
    mean = _high_pass_std(mean_fill(image, hole, RunContext()), hole) / ref
    default = _high_pass_std(engine.inpaint(image, mask, RunContext()), hole) / ref
    telea = _high_pass_std(telea_fill(image, hole), hole) / ref
    # the "Keep fine grain" option (the detail vote) keeps most of the grain ...
    assert detail > 0.5
    # ... which plain averaging of the votes, and so the smoother default, loses
    assert detail > mean + 0.1 and detail > default + 0.1
    assert min(default, mean) > telea  # still no smoother than a diffusion smear


def test_texture_features_see_only_known_pixels():
    image = _grain(1, 48)
    hole = _box(48, 48, 16, 16, 32, 32)
    a, b = image.copy(), image.copy()
    a[hole], b[hole] = 1.0, 0.0  # different garbage under the hole
    fa, fb = texture_features(a, hole, 4), texture_features(b, hole, 4)
    np.testing.assert_array_equal(fa, fb)
    assert fa.shape == (48, 48, 2) and fa[~hole].mean() > 0.01


def test_seamless_correction_pulls_the_fill_towards_the_rim_brightness():
    # a bright spot under the hole: every patch outside is darker than what belongs there
    h, w = 64, 64
    yy, xx = np.mgrid[0:h, 0:w]
    glow = 0.3 + 0.5 * np.exp(-2 * ((yy - 32) ** 2 + (xx - 32) ** 2) / 32**2)
    image = glow[..., None] * np.float32([1.0, 0.8, 0.6]) + _noise(h, w)
    image = np.clip(image, 0, 1).astype(np.float32)
    hole = _box(h, w, 22, 22, 42, 42)
    seamless = patchmatch_fill(image, hole, RunContext())
    plain = make_patchmatch_fill(seamless=False)(image, hole, RunContext())
    err = np.abs(seamless - image)[hole].mean()
    assert err < 0.9 * np.abs(plain - image)[hole].mean()
    np.testing.assert_array_equal(seamless[~hole], image[~hole])


def test_patchmatch_is_a_registered_inpaint_engine_that_fills_only_the_hole():
    from ml.engines import get
    from ml.runtime import run_task
    from ml.types import RunContext

    engine = get("patchmatch", "inpaint")
    assert engine.available() is None
    _, xx = np.mgrid[0:96, 0:96]
    stripes = np.where((xx // 6) % 2 == 0, 40, 210).astype(np.uint8)
    pixels = np.dstack([stripes, stripes, stripes, np.full_like(stripes, 255)])
    damaged = pixels.copy()
    damaged[40:56, 40:56, :3] = (255, 0, 255)
    mask = np.zeros((96, 96), np.uint8)
    mask[40:56, 40:56] = 255
    out = run_task("inpaint", engine, RunContext(), image=damaged, mask=mask)
    keep = mask == 0
    assert np.array_equal(out[keep], damaged[keep])
    hole = out[40:56, 40:56, :3].astype(int)
    assert not np.any((hole[..., 0] > 200) & (hole[..., 1] < 60))  # no magenta left
    assert np.abs(hole - pixels[40:56, 40:56, :3].astype(int)).mean() < 40
