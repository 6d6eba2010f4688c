from __future__ import annotations

import numpy as np
import pytest

from ml.imageconv import from_engine, mask_to_engine, resize_plane, to_engine
from ml.types import EngineError


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_rgba_round_trip_is_exact(dtype):
    rng = np.random.default_rng(0)
    top = np.iinfo(dtype).max
    px = rng.integers(0, top + 1, size=(7, 5, 4), dtype=np.int64).astype(dtype)
    rgb, alpha = to_engine(px)
    assert rgb.dtype == np.float32 and rgb.shape == (7, 5, 3)
    assert 0.0 <= rgb.min() and rgb.max() <= 1.0
    assert alpha is not None and alpha.shape == (7, 5)
    back = from_engine(rgb, alpha, dtype)
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, px)


def test_sixteen_bit_keeps_precision_below_eight_bit_steps():
    px = np.zeros((1, 2, 3), dtype=np.uint16)
    px[0, 1] = 1  # one 16-bit step: lost if anything went through 8 bits
    rgb, alpha = to_engine(px)
    assert alpha is None
    back = from_engine(rgb, None, np.uint16, channels=3)
    np.testing.assert_array_equal(back, px)


def test_gray_becomes_rgb_and_missing_alpha_becomes_opaque():
    px = np.array([[0, 255]], dtype=np.uint8)
    rgb, alpha = to_engine(px)
    assert rgb.shape == (1, 2, 3) and alpha is None
    out = from_engine(rgb, None, np.uint8)
    assert out.shape == (1, 2, 4) and (out[..., 3] == 255).all()
    assert out[0, 1, :3].tolist() == [255, 255, 255]


def test_out_of_range_and_nan_values_are_clipped():
    rgb = np.array([[[-0.5, 2.0, np.nan]]], dtype=np.float32)
    out = from_engine(rgb, None, np.uint8, channels=3)
    assert out.tolist() == [[[0, 255, 0]]]


def test_float_pixels_are_refused():
    with pytest.raises(EngineError, match="unsupported pixel type"):
        to_engine(np.zeros((2, 2, 3), dtype=np.float64))


def test_masks_of_every_kind_become_float_with_one_meaning_fill():
    assert mask_to_engine(np.array([[True, False]])).tolist() == [[1.0, 0.0]]
    np.testing.assert_allclose(mask_to_engine(np.array([[255, 0, 51]], np.uint8)),
                               [[1.0, 0.0, 0.2]], atol=1e-6)
    rgb_mask = np.zeros((1, 2, 3), np.uint8)
    rgb_mask[0, 0] = 255
    assert mask_to_engine(rgb_mask).tolist() == [[1.0, 0.0]]


def test_resize_plane_keeps_a_constant_plane_constant():
    plane = np.full((4, 6), 0.25, dtype=np.float32)
    out = resize_plane(plane, 12, 8)
    assert out.shape == (8, 12)
    np.testing.assert_allclose(out, 0.25, atol=1e-5)
