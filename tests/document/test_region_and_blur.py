"""Layer.region (a layer's pixels over a document rectangle) and the one box blur."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import Layer, box_blur
from editor.document import selection as selection_module


def _layer(offset=(3, -2), dtype=np.uint8) -> Layer:
    px = np.arange(5 * 4 * 4, dtype=np.int64).reshape(5, 4, 4).astype(dtype) + 1
    return Layer(px, "L", offset=offset)


def test_region_places_the_layer_by_its_offset_and_is_transparent_elsewhere():
    layer = _layer()
    out = layer.region((2, -3, 7, 8))
    assert out.shape == (8, 7, 4) and out.dtype == np.uint8
    # The layer covers doc x 3..6, y -2..2: rect-local x 1..4, y 1..5.
    np.testing.assert_array_equal(out[1:6, 1:5], layer.pixels)
    inside = np.zeros((8, 7), bool)
    inside[1:6, 1:5] = True
    assert not out[~inside].any()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_region_clips_partial_overlaps_and_returns_a_copy(dtype):
    layer = _layer(dtype=dtype)
    out = layer.region((5, 0, 10, 10))  # the layer's right two columns, rows y 0..2
    assert out.dtype == dtype
    np.testing.assert_array_equal(out[0:3, 0:2], layer.pixels[2:5, 2:4])
    assert not out[3:].any() and not out[:, 2:].any()
    out[...] = 0
    assert layer.pixels.min() >= 1  # editing the copy leaves the layer alone


def test_region_outside_the_layer_is_all_transparent_and_empty_rects_are_empty():
    layer = _layer()
    assert not layer.region((100, 100, 4, 3)).any()
    assert layer.region((100, 100, 4, 3)).shape == (3, 4, 4)
    assert layer.region((0, 0, 0, 5)).shape == (5, 0, 4)
    with pytest.raises(ValueError, match="negative size"):
        layer.region((0, 0, -1, 5))
    with pytest.raises(ValueError, match="rectangle"):
        layer.region((0, 0, 5))  # type: ignore[arg-type]


def test_region_ignores_opacity_mask_and_visibility():
    layer = Layer(np.full((2, 2, 4), 80, np.uint8), opacity=0.1, visible=False,
                  mask=np.zeros((2, 2), np.uint8))
    np.testing.assert_array_equal(layer.region((0, 0, 2, 2)), layer.pixels)


def _naive_box(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    a = np.moveaxis(a.astype(np.float64), axis, 0)
    n = a.shape[0]
    out = np.empty_like(a)
    for i in range(n):
        idx = np.clip(np.arange(i - radius, i + radius + 1), 0, n - 1)
        out[i] = a[idx].mean(axis=0)
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("shape", [(9, 13), (7, 5, 4)])
@pytest.mark.parametrize("radius", [1, 3, 20])
def test_box_blur_is_the_edge_replicated_window_mean(shape, radius):
    a = np.random.default_rng(7).random(shape).astype(np.float32) * 255
    for axis in range(2):
        out = box_blur(a, radius, axis)
        assert out.dtype == np.float32 and out.shape == a.shape
        np.testing.assert_allclose(out, _naive_box(a, radius, axis), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(box_blur(a, radius, -len(shape)), box_blur(a, radius, 0))


def test_box_blur_keeps_constants_and_radius_zero_is_a_float_copy():
    a = np.full((4, 6), 17, np.uint8)
    np.testing.assert_allclose(box_blur(a, 2, 1), 17.0)
    z = box_blur(a, 0, 0)
    assert z.dtype == np.float32 and not np.shares_memory(z, a)
    np.testing.assert_array_equal(z, a)


def test_box_blur_refuses_bad_radius_and_axis():
    a = np.zeros((3, 3), np.float32)
    for radius in (-1, 1.5, True):
        with pytest.raises(ValueError, match="radius"):
            box_blur(a, radius, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="axis 2"):
        box_blur(a, 1, 2)


def test_selection_keeps_its_old_private_name_for_the_blur():
    assert selection_module._box_blur is box_blur
