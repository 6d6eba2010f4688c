"""Shared style helpers: colour statistics, luminance-only transfer, strength and masks."""

from __future__ import annotations

import numpy as np
import pytest

from ml import style_ops
from ml.types import EngineError


def _photo(h=40, w=56, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.3 + 0.4 * xx / w, 0.5 + 0.2 * np.sin(yy / 5), 0.6 - 0.3 * yy / h], -1)
    return np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1).astype(np.float32)


def _warm_style(h=30, w=30, seed=1):
    rng = np.random.default_rng(seed)
    base = np.array([0.8, 0.35, 0.1], np.float32)
    return np.clip(base + rng.normal(0, 0.12, (h, w, 3)), 0, 1).astype(np.float32)


def test_ycbcr_round_trip_is_exact():
    img = _photo()
    assert np.allclose(style_ops.ycbcr_to_rgb(style_ops.rgb_to_ycbcr(img)), img, atol=1e-5)


def test_luminance_only_keeps_original_chroma_and_takes_result_luma():
    original = _photo()
    result = np.clip(original[..., ::-1] * 0.8 + 0.1, 0, 1)  # different colours and tones
    out = style_ops.luminance_only(original, result)
    o, r, y = (style_ops.rgb_to_ycbcr(a) for a in (original, result, out))
    assert np.allclose(y[..., 1:], o[..., 1:], atol=2e-3)
    assert np.allclose(y[..., 0], r[..., 0], atol=2e-3)


def test_finish_strength_zero_returns_input_exactly():
    original, result = _photo(), _warm_style(40, 56)
    out = style_ops.finish(original, result, strength=0.0, keep_colors=True)
    assert out.dtype == np.float32 and np.array_equal(out, original)


def test_finish_strength_blends_linearly():
    original, result = _photo(), _warm_style(40, 56)
    out = style_ops.finish(original, result, strength=0.25)
    assert np.allclose(out, original + 0.25 * (result - original), atol=1e-6)


def test_finish_mask_restricts_the_change():
    original, result = _photo(), _warm_style(40, 56)
    mask = np.zeros(original.shape[:2], np.float32)
    mask[10:20, 5:30] = 1.0
    out = style_ops.finish(original, result, mask=mask)
    assert np.array_equal(out[mask == 0], original[mask == 0])
    assert np.allclose(out[mask == 1], result[mask == 1])


def test_finish_rejects_mismatched_sizes_with_a_message():
    with pytest.raises(EngineError, match="result is"):
        style_ops.finish(_photo(), _warm_style())


def test_check_mask_scales_uint8_and_checks_size():
    m = style_ops.check_mask(np.full((4, 5), 255, np.uint8), (4, 5))
    assert m.dtype == np.float32 and np.all(m == 1.0)
    with pytest.raises(EngineError, match="mask is 5x4"):
        style_ops.check_mask(np.ones((4, 5), np.float32), (6, 6))


def test_scale_style_sets_long_side_relative_to_content():
    style = _warm_style(30, 60)
    out = style_ops.scale_style(style, (100, 80), style_scale=2.0)
    assert max(out.shape[:2]) == 200 and out.shape[1] == 2 * out.shape[0]
    capped = style_ops.scale_style(style, (100, 80), style_scale=4.0, max_side=150)
    assert max(capped.shape[:2]) == 150


def test_detail_upsample_restores_full_resolution_detail():
    content = _photo(64, 64)
    low = style_ops.resize(content, 16, 16)
    plain = style_ops.detail_upsample(low, content, low, detail_keep=0.0)
    full = style_ops.detail_upsample(low, content, low, detail_keep=1.0)
    assert full.shape == content.shape
    err_plain, err_full = np.abs(plain - content).mean(), np.abs(full - content).mean()
    assert err_full < 0.25 * err_plain
