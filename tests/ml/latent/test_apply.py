"""Putting a latent edit back into a region: delta mode, replace mode, feathered masks."""

from __future__ import annotations

import numpy as np
import pytest

from ml.latent.apply import apply_delta, apply_replace, edit_delta, feather_mask
from ml.types import EngineError


def _photo(h=90, w=120):
    rng = np.random.default_rng(0)
    return rng.random((h, w, 3)).astype(np.float32)


def test_no_edit_is_no_change(tiny_vae):
    photo = _photo()
    z = tiny_vae.encode(photo)
    np.testing.assert_allclose(apply_delta(photo, tiny_vae, z, z.copy()), photo, atol=1e-6)


def test_delta_is_added_inside_the_mask_and_nothing_outside(tiny_vae):
    photo = 0.4 + 0.2 * _photo()  # no clipping at 0 or 1
    z = tiny_vae.sample(1, seed=0)
    z_edit = z + 3.0
    mask = np.zeros(photo.shape[:2], np.float32)
    mask[20:70, 30:100] = 1
    out = apply_delta(photo, tiny_vae, z, z_edit, mask, feather=6)
    outside = mask == 0
    assert np.array_equal(out[outside], photo[outside])  # bit-identical
    delta = edit_delta(tiny_vae, z, z_edit, photo.shape[:2])
    centre = (slice(40, 50), slice(55, 75))
    np.testing.assert_allclose(out[centre], np.clip(photo[centre] + delta[centre], 0, 1), atol=1e-5)
    # the photo's own detail survives: the high-frequency part is the photo's
    assert np.corrcoef((out - photo)[centre].ravel(), delta[centre].ravel())[0, 1] > 0.99


def test_lowpass_smooths_the_delta(tiny_vae):
    z = tiny_vae.sample(1, seed=0)
    sharp = edit_delta(tiny_vae, z, z + 3.0, (128, 128))
    soft = edit_delta(tiny_vae, z, z + 3.0, (128, 128), lowpass_sigma=4)
    rough = lambda d: float(np.abs(np.diff(d, axis=0)).mean())
    assert rough(soft) < 0.7 * rough(sharp)


def test_replace_puts_the_decoded_image_in_the_mask(tiny_vae):
    photo = np.zeros((128, 128, 3), np.float32)
    z = tiny_vae.sample(1, seed=2)
    out = apply_replace(photo, tiny_vae, z)
    decoded = tiny_vae.decode(z)[0]
    shrunk = out.reshape(64, 2, 64, 2, 3).mean(axis=(1, 3))  # undo the 2× enlargement
    assert float(np.abs(shrunk - decoded).mean()) < 0.03  # the photo was all 0
    mask = np.zeros((128, 128), np.float32)
    mask[:, :64] = 1
    half = apply_replace(photo, tiny_vae, z, mask)
    assert np.array_equal(half[:, 64:], photo[:, 64:]) and half[:, :64].max() > 0


def test_feather_stays_inside_and_is_soft():
    mask = np.zeros((50, 50), np.float32)
    mask[10:40, 10:40] = 1
    soft = feather_mask(mask, 6)
    assert soft[mask == 0].max() == 0
    assert soft[25, 25] > 0.99
    assert 0 < soft[25, 11] < 0.5


def test_shape_errors(tiny_vae):
    z = tiny_vae.sample(1)
    with pytest.raises(EngineError, match="RGB region"):
        apply_delta(np.zeros((10, 10)), tiny_vae, z, z)
    with pytest.raises(EngineError, match="the mask is"):
        apply_replace(np.zeros((10, 10, 3)), tiny_vae, z, np.ones((5, 5)))
