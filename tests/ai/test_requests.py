"""The AI requests' worker side runs without any widget: frozen copies in, results out."""

from __future__ import annotations

import numpy as np
import pytest

from editor.ai.requests import (
    SCOPE_IMAGE,
    SCOPE_SELECTION,
    SOURCE_MERGED,
    InpaintRequest,
    Snapshot,
    StyleRequest,
    UpscaleRequest,
    preview_request,
    run_inpaint_request,
    run_style_request,
    run_upscale_request,
    slowed,
)
from ml.types import Cancelled, CancelToken, RunContext


def _photo(h: int, w: int, dtype=np.uint8) -> np.ndarray:
    top = np.iinfo(dtype).max
    y, x = np.mgrid[0:h, 0:w]
    px = np.zeros((h, w, 4), dtype)
    px[..., 0] = (x * top // max(w - 1, 1)).astype(dtype)
    px[..., 1] = (y * top // max(h - 1, 1)).astype(dtype)
    px[..., 2] = top // 3
    px[..., 3] = top
    return px


def _snap(px: np.ndarray, mask: np.ndarray | None = None) -> Snapshot:
    depth = 16 if px.dtype == np.uint16 else 8
    return Snapshot(px.copy(), 0, 0, SOURCE_MERGED, 0, depth, mask=mask,
                    doc_size=(px.shape[1], px.shape[0]))


def test_inpaint_request_fills_only_the_hole_and_keeps_dtype():
    px = _photo(32, 32, np.uint16)
    px[12:20, 12:20, :3] = 0  # a black blemish
    hole = np.zeros((32, 32), bool)
    hole[12:20, 12:20] = True
    req = InpaintRequest(_snap(px), hole, hole.astype(np.float32), "telea", "Telea")
    out = run_inpaint_request(req, RunContext())
    assert out.dtype == np.uint16 and out.shape == px.shape
    np.testing.assert_array_equal(out[~hole], px[~hole])
    assert out[16, 16, 0] > 0 and out[16, 16, 1] > 0  # the blemish got the surroundings


def test_upscale_request_image_scope_returns_one_array_per_layer():
    a = _photo(8, 10)
    empty = np.zeros((8, 10, 4), np.uint8)
    req = UpscaleRequest("lanczos", "Lanczos", 2, SCOPE_IMAGE, layers=(a, empty))
    out = run_upscale_request(req, RunContext())
    assert [o.shape for o in out] == [(16, 20, 4), (16, 20, 4)]
    assert not out[1].any()  # a transparent layer stays transparent


def test_upscale_request_selection_scope_upscales_the_selection_as_alpha():
    mask = np.zeros((8, 8), np.uint8)
    mask[2:6, 2:6] = 255
    req = UpscaleRequest("lanczos", "Lanczos", 2, SCOPE_SELECTION, snap=_snap(_photo(8, 8), mask))
    pixels, alpha = run_upscale_request(req, RunContext())
    assert pixels.shape == (16, 16, 4) and alpha.shape == (16, 16)
    assert alpha[8, 8] == 255 and alpha[0, 0] == 0


def test_style_request_at_strength_zero_is_the_input():
    px = _photo(16, 16)
    style = _photo(16, 16)[::-1].copy()
    req = StyleRequest(_snap(px), style, "color-transfer", "Colour", (("strength", 0.0),))
    np.testing.assert_array_equal(run_style_request(req, RunContext()), px)


def test_preview_request_shrinks_content_and_alpha_to_the_preview_side():
    px = _photo(300, 600)
    alpha = np.ones((300, 600), np.float32)
    req = StyleRequest(_snap(px), _photo(40, 40), "color-transfer", "Colour", alpha=alpha)
    small = preview_request(req, side=100)
    assert small.snap.pixels.shape == (50, 100, 4)
    assert small.alpha is not None and small.alpha.shape == (50, 100)
    assert req.snap.pixels.shape == (300, 600, 4)  # the full request is untouched


def test_slowed_context_still_honours_cancel():
    token = CancelToken()
    ctx = slowed(RunContext(cancel=token), 0.0)
    ctx.report(0.5, "half")
    token.cancel()
    with pytest.raises(Cancelled):
        ctx.report(0.6, "more")
