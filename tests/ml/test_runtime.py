from __future__ import annotations

import numpy as np
import pytest

from ml.engines import InpaintEngine, StyleEngine, UpscaleEngine
from ml.runtime import run_inpaint, run_style, run_upscale
from ml.types import EngineError, EngineUnavailable, RunContext


class NearestUpscale(UpscaleEngine):
    """A real (if crude) engine: pixel repetition."""

    id = "test-nearest"
    name = "Nearest"
    scales = (2, 3)

    def upscale(self, image, scale, ctx, **params):
        ctx.report(1.0, "done")
        return image.repeat(scale, axis=0).repeat(scale, axis=1)


class MeanFill(InpaintEngine):
    id = "test-meanfill"
    name = "Mean fill"

    def inpaint(self, image, mask, ctx, **params):
        keep = mask < 0.5
        mean = image[keep].mean(axis=0) if keep.any() else np.zeros(3, np.float32)
        out = image.copy()
        out[~keep] = mean
        # deliberately disturb pixels outside the mask: the runtime must restore them
        out[keep] = np.clip(out[keep] + 0.1, 0, 1)
        return out


class Invert(StyleEngine):
    id = "test-invert"
    name = "Invert"
    needs_style_image = False

    def stylize(self, content, style, ctx, **params):
        return 1.0 - content


class Missing(UpscaleEngine):
    id = "test-missing"
    model_id = "nothing"

    def available(self):
        return "model not installed: run `retouch models install nothing`"


def _rgba(dtype, h=6, w=5, seed=0):
    top = np.iinfo(dtype).max
    return np.random.default_rng(seed).integers(0, top + 1, (h, w, 4)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_upscale_keeps_dtype_and_resizes_alpha_separately(dtype):
    px = _rgba(dtype)
    px[..., 3] = np.iinfo(dtype).max // 2
    out = run_upscale(NearestUpscale(), px, 2, RunContext())
    assert out.dtype == dtype and out.shape == (12, 10, 4)
    np.testing.assert_array_equal(out[::2, ::2, :3], px[..., :3])
    # a constant alpha stays constant through Lanczos
    assert np.abs(out[..., 3].astype(int) - int(px[0, 0, 3])).max() <= 1


def test_upscale_of_rgb_stays_rgb():
    px = _rgba(np.uint8)[..., :3]
    out = run_upscale(NearestUpscale(), px, 3, RunContext())
    assert out.shape == (18, 15, 3)


def test_unsupported_scale_is_refused():
    with pytest.raises(EngineError, match="supports scale 2, 3, not 4"):
        run_upscale(NearestUpscale(), _rgba(np.uint8), 4, RunContext())


def test_unavailable_engine_says_why():
    with pytest.raises(EngineUnavailable, match="retouch models install nothing"):
        run_upscale(Missing(), _rgba(np.uint8), 2, RunContext())


def test_inpaint_changes_only_the_masked_region_and_keeps_alpha():
    px = _rgba(np.uint16, 8, 8)
    mask = np.zeros((8, 8), np.uint8)
    mask[2:5, 3:6] = 255
    out = run_inpaint(MeanFill(), px, mask, RunContext())
    assert out.dtype == np.uint16
    keep = mask == 0
    np.testing.assert_array_equal(out[keep], px[keep])
    np.testing.assert_array_equal(out[..., 3], px[..., 3])
    assert not np.array_equal(out[~keep, :3], px[~keep, :3])


def test_inpaint_mask_size_mismatch_is_a_clear_error():
    with pytest.raises(EngineError, match="mask is 4x3 but the image is 5x6"):
        run_inpaint(MeanFill(), _rgba(np.uint8), np.zeros((3, 4), bool), RunContext())


def test_style_preset_engine_runs_without_style_image():
    px = _rgba(np.uint8)
    out = run_style(Invert(), px, None, RunContext())
    np.testing.assert_array_equal(out[..., :3], 255 - px[..., :3])
    np.testing.assert_array_equal(out[..., 3], px[..., 3])


def test_engine_returning_wrong_type_is_reported():
    class Broken(UpscaleEngine):
        id = "test-broken"

        def upscale(self, image, scale, ctx, **params):
            return (image * 255).astype(np.uint8)

    with pytest.raises(EngineError, match="expected float HxWx3"):
        run_upscale(Broken(), _rgba(np.uint8), 2, RunContext())


def test_upscale_converts_back_in_bands_with_the_same_result(monkeypatch):
    import ml.runtime as rt
    from ml.engines import get

    rng = np.random.default_rng(3)
    px = rng.integers(0, 65535, (13, 17, 4), dtype=np.uint16)
    engine = get("lanczos", "upscale")
    whole = rt.run_upscale(engine, px, 3, RunContext())
    monkeypatch.setattr(rt, "_BAND_PIXELS", 51 * 5)  # 5 rows of the 51-wide result per band
    banded = rt.run_upscale(engine, px, 3, RunContext())
    np.testing.assert_array_equal(banded, whole)
    assert banded.shape == (39, 51, 4) and banded.dtype == np.uint16


def test_opaque_alpha_stays_exactly_opaque_after_upscale():
    from ml.engines import get
    from ml.runtime import run_upscale

    px = np.random.default_rng(4).integers(0, 255, (10, 12, 4), dtype=np.uint8)
    px[..., 3] = 255
    out = run_upscale(get("lanczos", "upscale"), px, 4, RunContext())
    assert (out[..., 3] == 255).all()
