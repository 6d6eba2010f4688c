"""Adjustments against hand-computed values in 8 and 16 bit, the filters' defining
properties, and the undoable apply-to-layer command."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from editor.document import Document, LayerLockedError
from editor.document.adjust import (
    Levels,
    apply_adjustment,
    brightness_contrast,
    curve,
    curves,
    denoise,
    exposure,
    filter_margin,
    gaussian_blur,
    histogram,
    hue_saturation,
    levels,
    unsharp_mask,
    white_balance,
)

from .conftest import assert_same_state, snapshot


def _px(rgb: list[tuple[int, int, int]], dtype=np.uint8, alpha: int | None = None) -> np.ndarray:
    maxv = np.iinfo(dtype).max
    a = np.zeros((1, len(rgb), 4), dtype)
    a[0, :, :3] = np.asarray(rgb)
    a[0, :, 3] = maxv if alpha is None else alpha
    return a


def test_levels_hand_computed_8_and_16_bit() -> None:
    lv = Levels(in_black=50 / 255, in_white=200 / 255, gamma=2.0)
    out = levels(_px([(100, 20, 230)]), master=lv)
    # (100-50)/150 = 1/3, ** 0.5 = 0.57735 -> 147.22; 20 -> 0; 230 -> 255
    assert out[0, 0, :3].tolist() == [147, 0, 255] and out[0, 0, 3] == 255
    out16 = levels(_px([(25700, 5140, 59110)], np.uint16), master=lv)
    assert out16.dtype == np.uint16
    assert out16[0, 0, :3].tolist() == [37837, 0, 65535]  # 0.5773503 * 65535 = 37836.6
    # Output range, and per channel before the master.
    out = levels(_px([(255, 0, 128)]), master=Levels(out_black=0.2, out_white=0.6))
    assert out[0, 0, :3].tolist() == [153, 51, 102]  # 0.6·255, 0.2·255, (0.2+0.4·128/255)·255
    out = levels(_px([(100, 100, 100)]), red=Levels(in_white=0.5), master=Levels(gamma=0.5))
    # red: 100/127.5 = 0.7843 -> ** 2 = 0.6151 -> 156.9; others (100/255)**2 -> 39.2
    assert out[0, 0, :3].tolist() == [157, 39, 39]
    with pytest.raises(ValueError):
        Levels(in_black=0.6, in_white=0.5)


def test_16_bit_levels_do_not_band() -> None:
    ramp = np.zeros((1, 65536, 4), np.uint16)
    ramp[0, :, 0] = np.arange(65536)
    out = levels(ramp, master=Levels(gamma=1.7))
    # An 8-bit pipeline would leave at most 256 levels.
    assert len(np.unique(out[0, :, 0])) > 20000
    assert (np.diff(out[0, :, 0].astype(np.int64)) >= 0).all()


def test_curves_pass_through_points_and_stay_monotone() -> None:
    pts = [(0.0, 0.0), (0.2, 0.4), (1.0, 1.0)]
    out = curves(_px([(51, 0, 255)]), master=pts)
    assert out[0, 0, :3].tolist() == [102, 0, 255]  # 51/255 = 0.2 exactly -> 0.4
    out16 = curves(_px([(13107, 0, 65535)], np.uint16), master=pts)
    assert out16[0, 0, :3].tolist() == [26214, 0, 65535]
    assert curves(_px([(10, 128, 250)]), master=[(0, 0), (1, 1)])[0, 0, :3].tolist() == [
        10,
        128,
        250,
    ]
    # Steep monotone data: Fritsch–Carlson never overshoots or dips.
    steep = [(0.0, 0.0), (0.3, 0.05), (0.35, 0.9), (1.0, 1.0)]
    y = curve(steep, np.linspace(0, 1, 2001))
    assert (np.diff(y) >= -1e-12).all() and y.max() <= 1.0
    # Flat beyond the end points; per channel then master.
    assert curve([(0.2, 0.3), (0.8, 0.7)], np.array([0.0, 1.0])).tolist() == [0.3, 0.7]
    out = curves(_px([(51, 51, 51)]), red=pts, master=[(0, 1), (1, 0)])  # master inverts
    assert out[0, 0, :3].tolist() == [153, 204, 204]
    with pytest.raises(ValueError):
        curves(_px([(1, 2, 3)]), master=[(0.5, 0.5), (0.5, 0.7)])


def test_brightness_contrast_hand_computed() -> None:
    assert brightness_contrast(_px([(100, 0, 250)]), brightness=0.2)[0, 0, :3].tolist() == [
        151,
        51,
        255,
    ]
    # tan(3π/8) = 2.414214: (150/255 - 0.5)·k + 0.5 = 0.713018 -> 181.82
    out = brightness_contrast(_px([(150, 128, 0)]), contrast=0.5)
    assert out[0, 0, :3].tolist() == [182, 129, 0]  # 128: 0.50473 -> 128.7
    out16 = brightness_contrast(_px([(150 * 257, 0, 0)], np.uint16), contrast=0.5)
    assert out16[0, 0, 0] == round(0.7130178 * 65535)


def _srgb_lin(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _lin_srgb(v: float) -> float:
    return v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def test_exposure_is_in_linear_light() -> None:
    # One stop doubles the linear light: 137 decodes to 0.2502, doubled 0.5004,
    # encoded 0.7357 -> 187.6.
    v = 137 / 255
    expect = round(_lin_srgb(2 * _srgb_lin(v)) * 255)
    assert expect == 188
    out = exposure(_px([(137, 0, 255)]), stops=1.0)
    assert out[0, 0, :3].tolist() == [188, 0, 255]
    out16 = exposure(_px([(137 * 257, 0, 0)], np.uint16), stops=-1.0, offset=0.01, gamma=1.2)
    e = _lin_srgb(0.5 * _srgb_lin(v) + 0.01) ** (1 / 1.2)
    assert abs(int(out16[0, 0, 0]) - e * 65535) <= 0.5
    assert exposure(_px([(10, 100, 200)]))[0, 0, :3].tolist() == [10, 100, 200]


def test_hue_saturation_lightness() -> None:
    out = hue_saturation(_px([(255, 0, 0), (0, 0, 255)]), hue=120)
    assert out[0, 0, :3].tolist() == [0, 255, 0] and out[0, 1, :3].tolist() == [255, 0, 0]
    # Saturation -1: HSL grey at L = (200 + 50) / 2 = 125.
    assert hue_saturation(_px([(200, 100, 50)]), saturation=-1)[0, 0, :3].tolist() == [125] * 3
    assert hue_saturation(_px([(200, 100, 50)]), lightness=-0.5)[0, 0, :3].tolist() == [100, 50, 25]
    assert hue_saturation(_px([(200, 100, 50)]), lightness=0.2)[0, 0, :3].tolist() == [211, 131, 91]
    # Saturation +0.5 on S = 0.6 (L = 0.5): S = 0.9 -> (242.25, 12.75, 127.5) for hue 0..
    out = hue_saturation(_px([(204, 51, 127)]), saturation=0.5)
    assert np.abs(out[0, 0, :3].astype(int) - [242, 13, 127]).max() <= 1
    out16 = hue_saturation(_px([(65535, 0, 0)], np.uint16, alpha=1000), hue=-120)
    assert out16[0, 0].tolist() == [0, 0, 65535, 1000]
    # Round trip: no change keeps every value.
    rng = np.random.default_rng(0)
    px = rng.integers(0, 65536, (8, 8, 4)).astype(np.uint16)
    np.testing.assert_array_equal(hue_saturation(px, hue=360.0), px)


def test_white_balance_makes_the_picked_colour_grey() -> None:
    out = white_balance(_px([(200, 100, 50), (100, 100, 100)]), picked=(200, 100, 50))
    assert out[0, 0, :3].tolist() == [117, 117, 117]  # mean 116.67
    assert out[0, 1, :3].tolist() == [58, 117, 233]  # gains 0.583, 1.167, 2.333
    out16 = white_balance(_px([(40000, 20000, 10000)], np.uint16), picked=(0.6, 0.3, 0.15))
    assert np.abs(out16[0, 0, :3].astype(int) - 23333).max() <= 1
    with pytest.raises(ValueError):
        white_balance(_px([(1, 1, 1)]), picked=(0.5, 0.0, 0.5))


def test_gaussian_blur_is_separable_and_normalised() -> None:
    px = np.zeros((31, 31, 4), np.uint16)
    px[..., 3] = 65535
    px[15, 15, :3] = 65535
    out = gaussian_blur(px, 2.0)
    x = np.arange(-6, 7)
    k = np.exp(-0.5 * (x / 2.0) ** 2)
    k /= k.sum()
    expect = np.outer(k, k) * 65535
    np.testing.assert_allclose(out[9:22, 9:22, 0], expect, atol=0.6)
    assert abs(int(out[..., 0].astype(np.int64).sum()) - 65535) < 200
    assert (out[..., 3] == 65535).all()
    flat = np.full((10, 12, 4), 77, np.uint8)
    np.testing.assert_array_equal(gaussian_blur(flat, 3.0), flat)
    # Transparent pixels do not bleed their colour.
    px8 = np.zeros((1, 9, 4), np.uint8)
    px8[..., :3] = (200, 10, 10)
    px8[0, 4:, :3] = (0, 0, 255)
    px8[0, 4:, 3] = 0
    px8[0, :4, 3] = 255
    out = gaussian_blur(px8, 1.5)
    assert out[0, 3, :3].tolist() == [200, 10, 10] and (out[..., 3] == px8[..., 3]).all()


def test_unsharp_mask_overshoots_edges_and_respects_the_threshold() -> None:
    px = np.zeros((5, 20, 4), np.uint8)
    px[..., 3] = 255
    px[:, 10:, :3] = 200
    px[:, :10, :3] = 50
    out = unsharp_mask(px, amount=1.0, radius=1.0)
    assert out[2, 9, 0] < 50 and out[2, 10, 0] > 200  # halos on both sides
    assert out[2, 0, 0] == 50 and out[2, 19, 0] == 200  # flat far from the edge
    rng = np.random.default_rng(1)
    noisy = np.full((20, 20, 4), 128, np.uint8)
    noisy[..., :3] += rng.integers(0, 3, (20, 20, 3)).astype(np.uint8)
    np.testing.assert_array_equal(unsharp_mask(noisy, 2.0, 1.0, threshold=4 / 255), noisy)
    assert not np.array_equal(unsharp_mask(noisy, 2.0, 1.0), noisy)


def test_denoise_flattens_noise_and_keeps_edges() -> None:
    rng = np.random.default_rng(2)
    clean = np.zeros((40, 40, 4), np.float64)
    clean[..., :3] = 0.3
    clean[:, 20:, :3] = 0.8
    clean[..., 3] = 1
    noisy = np.clip(clean + rng.normal(0, 0.02, clean.shape) * (np.arange(4) < 3), 0, 1)
    px = np.rint(noisy * 65535).astype(np.uint16)
    out = denoise(px, strength=0.1, radius=3).astype(np.float64) / 65535
    assert out[5:35, 4:16, 0].std() < 0.4 * noisy[5:35, 4:16, 0].std()
    assert out[:, 23:, 0].mean() - out[:, :17, 0].mean() > 0.45  # the 0.5 step survives
    assert (out[..., 3] == 1).all()
    flat = np.full((10, 10, 4), 99, np.uint8)
    np.testing.assert_array_equal(denoise(flat), flat)


def test_histogram_8_and_16_bit() -> None:
    px = _px([(0, 255, 10), (0, 128, 10), (5, 5, 5)], alpha=255)
    px[0, 2, 3] = 0  # transparent: not counted
    h = histogram(px)
    assert h.shape == (4, 256) and h[0, 0] == 2 and h[1, 255] == 1 and h[1, 128] == 1
    assert h[2, 10] == 2 and h[:3].sum() == 6
    assert h[3, round(0.7152 * 255 + 0.0722 * 10)] == 1
    px16 = _px([(65535, 256, 255)], np.uint16)
    h16 = histogram(px16)
    assert h16[0, 255] == 1 and h16[1, 1] == 1 and h16[2, 0] == 1
    assert histogram(px16, bins=65536)[1, 256] == 1
    mask = np.array([[0, 255, 0]], np.uint8)
    assert histogram(px, mask=mask)[1].tolist().index(1) == 128


def test_apply_adjustment_selection_feather_offset_undo_and_lock() -> None:
    rng = np.random.default_rng(3)
    doc = Document(40, 30, 16)
    px = rng.integers(0, 65536, (20, 25, 4)).astype(np.uint16)
    doc.add_layer("L", px.copy(), offset=(10, 5))
    doc.undo.clear()
    before = snapshot(doc)
    invert = partial(curves, master=[(0, 1), (1, 0)])
    # No selection: the whole layer.
    rect = apply_adjustment(doc, invert, text="Curves")
    assert rect == (10, 5, 25, 20) and doc.undo.undo_text == "Curves"
    np.testing.assert_array_equal(doc.layers[0].pixels[..., :3], 65535 - px[..., :3])
    np.testing.assert_array_equal(doc.layers[0].pixels[..., 3], px[..., 3])
    doc.undo.undo()
    assert_same_state(snapshot(doc), before)
    # A hard selection (doc rect 0..19 x 0..29): layer columns 0..9 only.
    doc.selection.select_rect(0, 0, 20, 30)
    before = snapshot(doc)
    apply_adjustment(doc, invert)
    got = doc.layers[0].pixels
    np.testing.assert_array_equal(got[:, :10, :3], 65535 - px[:, :10, :3])
    np.testing.assert_array_equal(got[:, 10:], px[:, 10:])
    doc.undo.undo()
    assert_same_state(snapshot(doc), before)
    # Feathered: a soft transition around the edge, fully applied well inside.
    apply_adjustment(doc, invert, feather=4)
    got = doc.layers[0].pixels.astype(np.int64)
    np.testing.assert_array_equal(got[:, :3, :3], 65535 - px[:, :3, :3])
    np.testing.assert_array_equal(got[:, 17:], px[:, 17:])
    mid = got[:, 9, 0]
    assert not np.array_equal(mid, px[:, 9, 0]) and not np.array_equal(mid, 65535 - px[:, 9, 0])
    doc.undo.undo()
    doc.set_layer_property(0, "locked", True)
    with pytest.raises(LayerLockedError):
        apply_adjustment(doc, invert)


def test_apply_adjustment_gives_filters_their_context() -> None:
    rng = np.random.default_rng(4)
    px = rng.integers(0, 256, (40, 40, 4)).astype(np.uint8)
    px[..., 3] = 255
    doc = Document.from_pixels(px)
    doc.selection.select_rect(10, 10, 10, 10)
    blur = partial(gaussian_blur, radius=1.5)
    apply_adjustment(doc, blur, margin=filter_margin(1.5))
    # Inside the selection it equals blurring the whole image there.
    np.testing.assert_array_equal(doc.layers[0].pixels[10:20, 10:20], blur(px)[10:20, 10:20])
    with pytest.raises(ValueError, match="returned"):
        apply_adjustment(doc, lambda a: a[..., :3].copy())


def test_functions_refuse_bad_input() -> None:
    with pytest.raises(ValueError):
        levels(np.zeros((2, 2, 4), np.float32))
    with pytest.raises(ValueError):
        brightness_contrast(_px([(1, 1, 1)]), brightness=2)
    with pytest.raises(ValueError):
        gaussian_blur(_px([(1, 1, 1)]), -1)
    assert math.isfinite(filter_margin(2.5)) and filter_margin(2.5) == 9
