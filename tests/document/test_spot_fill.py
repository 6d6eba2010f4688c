"""Proximity-match fill of spot healing: texture from a nearby patch, tone from the border."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document.heal_solve import diffusion_fill
from editor.document.spot_fill import proximity_fill


def textured(h=80, w=80, seed=0):
    """A smooth tone ramp plus a fixed noise texture (σ 0.05), float 0..1."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    img = 0.45 + 0.2 * xs + rng.normal(0, 0.05, (h, w, 3)).astype(np.float32)
    return np.clip(img, 0, 1).astype(np.float32)


def disc(h, w, cy, cx, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def test_fills_a_hole_with_texture_in_the_surrounding_tone():
    img = textured()
    hole = disc(80, 80, 40, 40, 7)
    spot = img.copy()
    spot[hole] = 0.05  # a dark blemish
    out = proximity_fill(spot, hole)
    smooth = diffusion_fill(spot, hole)
    assert np.array_equal(out[~hole], spot[~hole])  # outside the hole: untouched
    # Tone: the surroundings' (the ramp's value there), not the blemish's.
    assert abs(out[hole].mean() - img[hole].mean()) < 0.02
    # Texture: the noise's spread is back; the smooth fill has almost none.
    assert out[hole].std() > 0.035 and smooth[hole].std() < 0.02
    assert out.dtype == np.float32 and out.shape == img.shape


def test_falls_back_to_the_smooth_fill_when_nothing_nearby_matches():
    # Concentric rings centred on the hole: every shifted patch breaks the pattern far
    # more than neighbouring pixels differ, so a patch would bring in foreign structure.
    yy, xx = np.mgrid[0:80, 0:80]
    r = np.hypot(yy - 40, xx - 40)
    img = np.repeat((0.5 + 0.4 * np.sin(r / 2.0))[..., None], 3, axis=2).astype(np.float32)
    hole = r <= 6
    out = proximity_fill(img, hole)
    assert np.array_equal(out[~hole], img[~hole])
    # The smooth fill (solved near the hole only, so not bit-identical to the whole crop's)
    assert np.allclose(out, diffusion_fill(img, hole), atol=0.03)


def test_falls_back_to_the_smooth_fill_when_no_patch_fits_in_the_crop():
    rng = np.random.default_rng(2)
    img = rng.random((40, 40, 3)).astype(np.float32)
    hole = disc(40, 40, 20, 20, 9)
    out = proximity_fill(img, hole)
    assert np.allclose(out, diffusion_fill(img, hole))


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="does not match"):
        proximity_fill(np.zeros((10, 10, 3), np.float32), np.zeros((9, 10), bool))
