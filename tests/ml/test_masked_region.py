"""Inpainting converts only the mask's box plus the engine's context margin to floats,
and gives the same pixels as converting and filling the whole image."""

from __future__ import annotations

import numpy as np
import pytest

from ml.engines import get
from ml.imageconv import from_engine, mask_bbox, mask_to_engine, to_engine
from ml.runtime import as_channels, run_masked_region, run_task, run_task_patch
from ml.types import RunContext


def _photo(h: int, w: int, dtype, alpha: bool = True, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([0.5 + 0.4 * np.sin(xx / 7), 0.5 + 0.4 * np.cos(yy / 5),
                    (xx + yy) / (h + w)], axis=2) + rng.normal(0, 0.03, (h, w, 3))
    top = np.iinfo(dtype).max
    px = np.empty((h, w, 4 if alpha else 3), dtype)
    px[..., :3] = np.clip(np.rint(np.clip(rgb, 0, 1) * top), 0, top)
    if alpha:
        px[..., 3] = rng.integers(top // 3, top, (h, w))
    return px


def _soft_hole(h: int, w: int, y: int, x: int, size: int) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    mask[y - 1 : y + size + 1, x - 1 : x + size + 1] = 96  # a soft rim blends
    mask[y : y + size, x : x + size] = 255
    return mask


def _whole_image_method(engine, px: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The previous runner: the whole image to floats, the engine on all of it, blended
    and converted back, unmasked pixels restored."""
    rgb, alpha = to_engine(px)
    m = mask_to_engine(mask)
    out = engine.inpaint(rgb, m, RunContext(), **engine.resolve_params())
    blended = rgb + (out - rgb) * m[:, :, None]
    channels = 4 if px.shape[2] == 4 else 3
    result = from_engine(blended, alpha if channels == 4 else None, px.dtype, channels)
    keep = m <= 0.0
    result[keep] = as_channels(px, channels)[keep]
    return result


@pytest.mark.parametrize("engine_id", ["telea", "navier-stokes", "fsr"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_region_fill_equals_filling_the_whole_image(engine_id, dtype):
    engine = get(engine_id, "inpaint")
    px = _photo(260, 330, dtype)
    mask = _soft_hole(260, 330, 150, 200, 14)
    out = run_task("inpaint", engine, RunContext(), image=px, mask=mask)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, _whole_image_method(engine, px, mask))
    keep = mask == 0
    np.testing.assert_array_equal(out[keep], px[keep])
    np.testing.assert_array_equal(out[..., 3], px[..., 3])  # alpha exactly as given
    assert not np.array_equal(out[mask == 255, :3], px[mask == 255, :3])


def test_only_the_mask_box_plus_the_engine_margin_is_converted():
    engine = get("telea", "inpaint")
    px = _photo(400, 500, np.uint8)
    mask = np.zeros((400, 500), bool)
    mask[300:310, 100:112] = True
    seen = []

    def call(rgb, m, ctx):
        seen.append((rgb.dtype, rgb.shape, m.shape))
        return engine.inpaint(rgb, m, ctx)

    x, y, patch = run_masked_region(engine, RunContext(), px, mask, engine.context_margin, call)
    margin = engine.context_margin(12, 10)
    crop_h = min(400, 310 + margin) - (300 - margin)
    crop_w = min(500, 112 + margin) - (100 - margin)
    assert seen == [(np.float32, (crop_h, crop_w, 3), (crop_h, crop_w))]
    assert crop_h * crop_w < px.shape[0] * px.shape[1] // 10
    # the patch is the mask's box, at the image's depth with its alpha
    assert (x, y, patch.shape, patch.dtype) == (100, 300, (10, 12, 4), np.uint8)
    np.testing.assert_array_equal(patch[..., 3], px[300:310, 100:112, 3])


def test_empty_mask_changes_nothing():
    px = _photo(50, 60, np.uint16, alpha=False)
    assert run_task_patch("inpaint", "telea", RunContext(), image=px,
                          mask=np.zeros((50, 60), np.uint8)) is None
    np.testing.assert_array_equal(
        run_task("inpaint", get("telea", "inpaint"), RunContext(), image=px,
                 mask=np.zeros((50, 60), bool)), px)


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("width", [1, 5, 8, 13, 64, 67])
def test_mask_bbox_matches_the_nonzero_pixels(dtype, width):
    rng = np.random.default_rng(width)
    for _ in range(20):
        h = int(rng.integers(1, 12))
        m = np.zeros((h, width), dtype)
        for _ in range(int(rng.integers(0, 3))):
            m[rng.integers(0, h), rng.integers(0, width)] = 1
        ys, xs = np.nonzero(m)
        want = None if ys.size == 0 else (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert mask_bbox(m) == want
        assert mask_bbox(np.asfortranarray(m)) == want  # a non-contiguous layout too
