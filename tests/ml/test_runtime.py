from __future__ import annotations

import numpy as np
import pytest

from ml.engines import InpaintEngine, StyleEngine, UpscaleEngine
from ml.runtime import run_task
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
    out = run_task("upscale", NearestUpscale(), RunContext(), image=px, scale=2)
    assert out.dtype == dtype and out.shape == (12, 10, 4)
    np.testing.assert_array_equal(out[::2, ::2, :3], px[..., :3])
    # a constant alpha stays constant through Lanczos
    assert np.abs(out[..., 3].astype(int) - int(px[0, 0, 3])).max() <= 1


def test_upscale_of_rgb_stays_rgb():
    px = _rgba(np.uint8)[..., :3]
    out = run_task("upscale", NearestUpscale(), RunContext(), image=px, scale=3)
    assert out.shape == (18, 15, 3)


def test_unsupported_scale_is_refused():
    with pytest.raises(EngineError, match="supports scale 2, 3, not 4"):
        run_task("upscale", NearestUpscale(), RunContext(), image=_rgba(np.uint8), scale=4)


def test_unavailable_engine_says_why():
    with pytest.raises(EngineUnavailable, match="retouch models install nothing"):
        run_task("upscale", Missing(), RunContext(), image=_rgba(np.uint8), scale=2)


def test_inpaint_changes_only_the_masked_region_and_keeps_alpha():
    px = _rgba(np.uint16, 8, 8)
    mask = np.zeros((8, 8), np.uint8)
    mask[2:5, 3:6] = 255
    out = run_task("inpaint", MeanFill(), RunContext(), image=px, mask=mask)
    assert out.dtype == np.uint16
    keep = mask == 0
    np.testing.assert_array_equal(out[keep], px[keep])
    np.testing.assert_array_equal(out[..., 3], px[..., 3])
    assert not np.array_equal(out[~keep, :3], px[~keep, :3])


def test_inpaint_mask_size_mismatch_is_a_clear_error():
    with pytest.raises(EngineError, match="mask is 4x3 but the image is 5x6"):
        run_task("inpaint", MeanFill(), RunContext(), image=_rgba(np.uint8),
                 mask=np.zeros((3, 4), bool))


def test_style_preset_engine_runs_without_style_image():
    px = _rgba(np.uint8)
    out = run_task("style", Invert(), RunContext(), image=px, style=None)
    np.testing.assert_array_equal(out[..., :3], 255 - px[..., :3])
    np.testing.assert_array_equal(out[..., 3], px[..., 3])


def test_engine_returning_wrong_type_is_reported():
    class Broken(UpscaleEngine):
        id = "test-broken"

        def upscale(self, image, scale, ctx, **params):
            return (image * 255).astype(np.uint8)

    with pytest.raises(EngineError, match="expected float HxWx3"):
        run_task("upscale", Broken(), RunContext(), image=_rgba(np.uint8), scale=2)


def test_upscale_converts_back_in_bands_with_the_same_result(monkeypatch):
    import ml.runtime as rt
    from ml.engines import get

    rng = np.random.default_rng(3)
    px = rng.integers(0, 65535, (13, 17, 4), dtype=np.uint16)
    engine = get("lanczos", "upscale")
    whole = rt.run_task("upscale", engine, RunContext(), image=px, scale=3)
    monkeypatch.setattr(rt, "_BAND_PIXELS", 51 * 5)  # 5 rows of the 51-wide result per band
    banded = rt.run_task("upscale", engine, RunContext(), image=px, scale=3)
    np.testing.assert_array_equal(banded, whole)
    assert banded.shape == (39, 51, 4) and banded.dtype == np.uint16


def test_opaque_alpha_stays_exactly_opaque_after_upscale():
    from ml.engines import get
    from ml.runtime import run_task

    px = np.random.default_rng(4).integers(0, 255, (10, 12, 4), dtype=np.uint8)
    px[..., 3] = 255
    out = run_task("upscale", get("lanczos", "upscale"), RunContext(), image=px, scale=4)
    assert (out[..., 3] == 255).all()


# ---------------------------------------------------------------- out of GPU memory


def _oom_on_gpu(engine_id: str, task: str, error: Exception):
    """The real registered engine, except that a run on a GPU device raises ``error`` (the
    simulated out-of-memory); records the device of every call."""
    from ml.engines import get

    real = get(engine_id, task)
    method = {"upscale": "upscale", "inpaint": "inpaint", "style": "stylize"}[task]

    class OomOnGpu(type(real)):
        def _call(self, *args, **kw):
            ctx = next(a for a in args if isinstance(a, RunContext))
            self.devices.append(ctx.device)
            if ctx.device != "cpu":
                raise error
            return getattr(real, method)(*args, **kw)

    setattr(OomOnGpu, method, OomOnGpu._call)
    engine = OomOnGpu()
    engine.devices = []
    return engine


def _stages():
    seen: list[str] = []
    return seen, RunContext(progress=lambda p: seen.append(p.stage), device="cuda")


@pytest.mark.parametrize("error", [
    pytest.param(lambda: __import__("torch").cuda.OutOfMemoryError(
        "CUDA out of memory. Tried to allocate 3.00 GiB"), id="OutOfMemoryError"),
    pytest.param(lambda: RuntimeError("CUDA error: out of memory"), id="RuntimeError-text"),
])
def test_gpu_out_of_memory_reruns_on_the_cpu_and_says_so(error):
    from ml.engines import get
    from ml.runtime import CPU_FALLBACK_STAGE

    px = _rgba(np.uint8, 12, 10)
    engine = _oom_on_gpu("lanczos", "upscale", error())
    seen, ctx = _stages()
    out = run_task("upscale", engine, ctx, image=px, scale=2)
    assert engine.devices == ["cuda", "cpu"]
    assert CPU_FALLBACK_STAGE == "out of GPU memory — running on the CPU"
    assert CPU_FALLBACK_STAGE in seen
    np.testing.assert_array_equal(
        out, run_task("upscale", get("lanczos"), RunContext(), image=px, scale=2))


def test_gpu_out_of_memory_falls_back_for_inpaint_and_style_too():
    import torch

    from ml.engines import get
    from ml.runtime import CPU_FALLBACK_STAGE

    px = _rgba(np.uint8, 16, 16)
    mask = np.zeros((16, 16), np.uint8)
    mask[5:9, 6:10] = 255
    inpaint = _oom_on_gpu("telea", "inpaint", torch.cuda.OutOfMemoryError("CUDA out of memory"))
    seen, ctx = _stages()
    out = run_task("inpaint", inpaint, ctx, image=px, mask=mask)
    assert inpaint.devices == ["cuda", "cpu"] and CPU_FALLBACK_STAGE in seen
    np.testing.assert_array_equal(
        out, run_task("inpaint", get("telea"), RunContext(), image=px, mask=mask))

    style = _oom_on_gpu("color-transfer", "style",
                        torch.cuda.OutOfMemoryError("CUDA out of memory"))
    other = _rgba(np.uint8, 16, 16, seed=5)
    seen, ctx = _stages()
    out = run_task("style", style, ctx, image=px, style=other)
    assert style.devices == ["cuda", "cpu"] and CPU_FALLBACK_STAGE in seen
    np.testing.assert_array_equal(
        out, run_task("style", get("color-transfer"), RunContext(), image=px, style=other))


def test_out_of_memory_on_the_cpu_is_a_message_not_a_crash():
    import torch

    engine = _oom_on_gpu("lanczos", "upscale", torch.cuda.OutOfMemoryError("out of memory"))
    ctx = RunContext(device="cuda")

    class AlwaysOom(type(engine)):
        def upscale(self, image, scale, ctx, **params):
            self.devices.append(ctx.device)
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: out of memory")

    always = AlwaysOom()
    always.devices = []
    with pytest.raises(EngineError, match="ran out of memory; close other programs"):
        run_task("upscale", always, ctx, image=_rgba(np.uint8), scale=2)
    assert always.devices == ["cuda", "cpu"]
    always.devices = []
    with pytest.raises(EngineError, match="ran out of memory"):
        run_task("upscale", always, RunContext(), image=_rgba(np.uint8), scale=2)
    assert always.devices == ["cpu"]  # nowhere further to fall back to


def test_other_errors_and_cancel_are_not_retried_on_the_cpu():
    from ml.types import Cancelled

    for error in (RuntimeError("shape mismatch"), Cancelled()):
        engine = _oom_on_gpu("lanczos", "upscale", error)
        with pytest.raises(type(error)):
            run_task("upscale", engine, RunContext(device="cuda"), image=_rgba(np.uint8), scale=2)
        assert engine.devices == ["cuda"]


def test_every_engine_drops_the_cached_weights_of_the_failed_device():
    from ml.engines import get
    from ml.modelcache import MODELS

    MODELS.get("test-net", "cuda", lambda: "weights on cuda")
    MODELS.get("test-net", "cpu", lambda: "weights on cpu")
    try:
        for engine_id in ("gatys", "sr-small", "lama"):  # style, upscale, inpaint alike
            MODELS.get("test-net", "cuda", lambda: "weights on cuda")
            get(engine_id).release("cuda")
            assert ("test-net", "cuda") not in MODELS
            assert ("test-net", "cpu") in MODELS
    finally:
        MODELS.release("cpu")
    assert ("test-net", "cpu") not in MODELS
