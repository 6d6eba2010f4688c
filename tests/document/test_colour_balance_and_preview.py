"""Colour Balance against hand-computed values, and the preview/apply pair every
adjustment dialog uses: the preview is exactly what OK writes, outside the selection
nothing changes, 16-bit stays 16-bit."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from editor.document import Document
from editor.document.adjust import (
    Levels,
    adjustment_preview,
    apply_adjustment,
    brightness_contrast,
    colour_balance,
    colour_balance_weights,
    curves,
    denoise,
    exposure,
    filter_margin,
    gaussian_blur,
    hue_saturation,
    levels,
    unsharp_mask,
    white_balance,
)

from .conftest import assert_same_state, snapshot


def _px(rgb, dtype=np.uint8) -> np.ndarray:
    a = np.zeros((1, len(rgb), 4), dtype)
    a[0, :, :3] = np.asarray(rgb)
    a[0, :, 3] = np.iinfo(dtype).max
    return a


def test_colour_balance_midtones_hand_computed_8_and_16_bit() -> None:
    # Grey 128: lightness 0.50196, midtones weight 0.7 (both ramps saturate at 1), the
    # others 0. Red +0.5 adds 0.35: 0.85196 · 255 = 217.25.
    out = colour_balance(_px([(128, 128, 128)]), midtones=(0.5, 0, 0), preserve_luminosity=False)
    assert out[0, 0].tolist() == [217, 128, 128, 255]
    out16 = colour_balance(_px([(32896, 32896, 32896)], np.uint16), midtones=(0.5, 0, 0),
                           preserve_luminosity=False)
    assert out16.dtype == np.uint16
    assert out16[0, 0].tolist() == [55833, 32896, 32896, 65535]  # 0.851961 · 65535
    # Preserving luminosity: hue and saturation of (0.852, 0.502, 0.502), whose HSL
    # lightness is 0.677 and saturation 0.5417, at the old lightness 0.50196:
    # chroma (1 − |2·0.50196 − 1|)·0.5417 = 0.5396 → r = 0.7718, g = b = 0.2322.
    out = colour_balance(_px([(128, 128, 128)]), midtones=(0.5, 0, 0))
    assert out[0, 0, :3].tolist() == [197, 59, 59]


def test_colour_balance_ranges_hit_their_tones_only() -> None:
    dark, bright = (26, 26, 26), (240, 240, 240)
    # Shadows yellow-blue +0.5 on lightness 0.102: shadows weight 0.7 → +0.35 = 89.25.
    out = colour_balance(_px([dark, bright]), shadows=(0, 0, 0.5), preserve_luminosity=False)
    assert out[0, 0, :3].tolist() == [26, 26, 115]
    assert out[0, 1, :3].tolist() == [240, 240, 240]  # highlights untouched
    # Highlights magenta-green −0.5 on lightness 0.941: weight 0.7 → −89.25.
    out = colour_balance(_px([dark, bright]), highlights=(0, -0.5, 0), preserve_luminosity=False)
    assert out[0, 0, :3].tolist() == [26, 26, 26] and out[0, 1, :3].tolist() == [240, 151, 240]
    # The three masks sum to 0.7 everywhere: one shift in every range moves every tone
    # by 0.7 of it.
    lum = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(sum(colour_balance_weights(lum)), 0.7, atol=1e-6)
    ramp = np.zeros((1, 256, 4), np.uint8)
    ramp[0, :, :3] = np.arange(256)[:, None] // 2 + 20
    s = (0.2, 0.0, 0.0)
    out = colour_balance(ramp, s, s, s, preserve_luminosity=False)
    expect = np.clip(np.rint((ramp[0, :, 0] / 255 + 0.14) * 255), 0, 255)
    np.testing.assert_array_equal(out[0, :, 0], expect)
    np.testing.assert_array_equal(out[0, :, 1:], ramp[0, :, 1:])


def test_colour_balance_preserve_luminosity_keeps_hsl_lightness_and_refuses_bad_input() -> None:
    rng = np.random.default_rng(5)
    px = rng.integers(0, 65536, (16, 16, 4)).astype(np.uint16)
    out = colour_balance(px, (0.3, -0.2, 0.1), (-0.4, 0.5, 0.0), (0.0, 0.2, -0.6))
    light = lambda a: (a[..., :3].max(-1).astype(np.int64) + a[..., :3].min(-1)) / 2
    assert np.abs(light(out) - light(px)).max() <= 1.0
    assert (out[..., 3] == px[..., 3]).all() and not np.array_equal(out, px)
    np.testing.assert_array_equal(colour_balance(px), px)
    with pytest.raises(ValueError):
        colour_balance(px, shadows=(2, 0, 0))
    with pytest.raises(ValueError):
        colour_balance(px, shadows=(0, 0))


ADJUSTMENTS = {
    "levels": (partial(levels, master=Levels(0.1, 0.8, 1.4, 0.05, 0.95)), 0),
    "curves": (partial(curves, master=[(0, 0), (0.4, 0.6), (1, 1)], red=[(0, 0.1), (1, 1)]), 0),
    "brightness_contrast": (partial(brightness_contrast, brightness=0.1, contrast=0.3), 0),
    "hue_saturation": (partial(hue_saturation, hue=40, saturation=0.3, lightness=-0.1), 0),
    "colour_balance": (partial(colour_balance, midtones=(0.3, -0.1, 0.2)), 0),
    "white_balance": (partial(white_balance, picked=(0.6, 0.5, 0.4)), 0),
    "exposure": (partial(exposure, stops=0.7, offset=0.01, gamma=1.1), 0),
    "gaussian_blur": (partial(gaussian_blur, radius=2.0), filter_margin(2.0)),
    "unsharp_mask": (partial(unsharp_mask, amount=1.5, radius=1.0), filter_margin(1.0)),
    "denoise": (partial(denoise, strength=0.1, radius=2), 2 * 2 + 2),
}


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("name", list(ADJUSTMENTS))
def test_preview_is_what_apply_writes_within_the_selection(name: str, depth: int) -> None:
    func, margin = ADJUSTMENTS[name]
    dtype = np.uint16 if depth == 16 else np.uint8
    rng = np.random.default_rng(6)
    px = rng.integers(0, np.iinfo(dtype).max + 1, (30, 40, 4)).astype(dtype)
    px[..., 3] = np.iinfo(dtype).max
    doc = Document.from_pixels(px)
    doc.selection.select_ellipse(5, 4, 24, 20)
    doc.selection.feather(2)
    doc.undo.clear()
    before = snapshot(doc)
    preview = adjustment_preview(doc, func, margin=margin)
    assert preview is not None and preview.pixels.dtype == dtype
    assert_same_state(snapshot(doc), before)  # a preview never touches the document
    shown = doc.composite(override=preview)
    apply_adjustment(doc, func, text=name, margin=margin)
    assert len(doc.undo) == 1 and doc.undo.undo_text == name
    got = doc.layers[0].pixels
    assert got.dtype == dtype
    np.testing.assert_array_equal(shown, doc.composite())
    outside = doc.selection.to_mask() == 0
    np.testing.assert_array_equal(got[outside], px[outside])
    assert not np.array_equal(got, px)
    doc.undo.undo()
    assert_same_state(snapshot(doc), before)


def test_sharpen_raises_edge_contrast_and_denoise_lowers_flat_noise_in_8_bit() -> None:
    edge = np.full((8, 16, 4), 65535, np.uint16)
    edge[..., :3] = np.where(np.arange(16) < 8, 20000, 40000)[None, :, None]
    sharp = unsharp_mask(edge, amount=1.0, radius=1.5)
    assert sharp.dtype == np.uint16
    contrast = lambda a: int(a[4, 8, 0]) - int(a[4, 7, 0])
    assert contrast(sharp) > contrast(edge)
    rng = np.random.default_rng(7)
    noisy = np.full((48, 48, 4), 255, np.uint8)
    noisy[..., :3] = np.clip(120 + rng.normal(0, 8, (48, 48, 3)), 0, 255).astype(np.uint8)
    out = denoise(noisy, strength=0.1, radius=3)
    assert out.dtype == np.uint8
    assert out[..., :3].astype(float).var() < 0.3 * noisy[..., :3].astype(float).var()
    assert abs(out[..., :3].mean() - noisy[..., :3].mean()) < 1.0


def test_pointwise_bands_give_the_same_pixels_as_one_pass() -> None:
    from editor.document.adjust_apply import BAND_ROWS, adjustment_result

    rng = np.random.default_rng(8)
    px = rng.integers(0, 65536, (3 * BAND_ROWS + 7, 50, 4)).astype(np.uint16)
    doc = Document.from_pixels(px)
    doc.selection.select_ellipse(3, 10, 40, 3 * BAND_ROWS)
    f = partial(hue_saturation, hue=25, saturation=0.4)
    whole = adjustment_result(doc, f)
    banded = adjustment_result(doc, f, pointwise=True)
    assert whole.rect == banded.rect
    np.testing.assert_array_equal(whole.pixels, banded.pixels)
