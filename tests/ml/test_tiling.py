from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from spandrel.architectures.Compact import Compact

from ml.tiling import estimate_tile, fit_tile, tile_starts, tiled_apply
from ml.types import Cancelled, CancelToken, EngineError, RunContext


def _model(scale=2, seed=0):
    torch.manual_seed(seed)
    return Compact(num_in_ch=3, num_out_ch=3, num_feat=16, num_conv=4, upscale=scale).eval()


def _image(h, w, seed=1):
    rng = np.random.default_rng(seed)
    # smooth-ish content, like a photo, plus some noise
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.3 * np.sin(xx / 7.0)[..., None] * np.cos(yy / 5.0)[..., None]
    return np.clip(base + 0.1 * rng.random((h, w, 3), dtype=np.float32), 0, 1)


def _untiled(model, image):
    with torch.inference_mode():
        t = torch.from_numpy(image.transpose(2, 0, 1).copy())[None]
        return model(t)[0].numpy().transpose(1, 2, 0)


def test_tiles_cover_the_axis_with_at_least_the_overlap():
    starts = tile_starts(100, 32, 8)
    assert starts[0] == 0 and starts[-1] + 32 == 100
    assert all(b - a <= 32 - 8 for a, b in itertools.pairwise(starts))


def test_fitted_tiles_keep_the_count_but_waste_less_overlap():
    assert fit_tile(256, 192, 16) == 136
    assert len(tile_starts(256, 136, 16)) == len(tile_starts(256, 192, 16)) == 2
    assert fit_tile(100, 128, 16) == 100
    assert fit_tile(300, 128, 16, multiple=8) % 8 == 0


def test_tiled_matches_untiled_away_from_the_border():
    model = _model(scale=2)
    image = _image(70, 90)
    full = _untiled(model, image)
    tiled = tiled_apply(model, image, 2, RunContext(), tile=32, overlap=12)
    assert tiled.shape == full.shape == (140, 180, 3)
    border = 8
    inner = np.abs(tiled - full)[border:-border, border:-border]
    assert inner.max() <= 2 / 255, inner.max()


def test_output_is_not_trivially_zero():
    model = _model(scale=2)
    out = tiled_apply(model, _image(40, 40), 2, RunContext(), tile=32, overlap=8)
    assert out.std() > 1e-4


def test_padding_to_a_size_multiple_is_cropped_back():
    seen = []

    def needs_multiple_of_8(x):
        seen.append(tuple(x.shape[-2:]))
        assert x.shape[-1] % 8 == 0 and x.shape[-2] % 8 == 0
        return torch.nn.functional.interpolate(x, scale_factor=2, mode="nearest")

    image = _image(13, 21)
    out = tiled_apply(needs_multiple_of_8, image, 2, RunContext(), tile=64, multiple=8)
    assert out.shape == (26, 42, 3)
    np.testing.assert_allclose(out[::2, ::2], image, atol=1e-6)
    assert seen == [(16, 24)]


def test_progress_is_reported_per_tile_and_cancel_stops_between_tiles():
    stages = []
    token = CancelToken()

    def progress(p):
        stages.append(p.stage)
        if len(stages) == 2:
            token.cancel()

    ctx = RunContext(progress=progress, cancel=token)
    with pytest.raises(Cancelled):
        tiled_apply(_model(), _image(64, 64), 2, ctx, tile=32, overlap=8)
    assert stages == ["tile 1/9", "tile 2/9"]


def test_out_of_memory_halves_the_tile_and_says_so():
    sizes = []
    model = _model()

    def fragile(x):
        sizes.append(x.shape[-1])
        if x.shape[-1] > 64:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return model(x)

    notes: list[str] = []
    image = _image(100, 100)
    out = tiled_apply(fragile, image, 2, RunContext(), tile=128, overlap=8, notes=notes)
    assert sizes[0] == 100 and max(sizes[1:]) <= 64
    assert notes == ["out of memory on cpu: retrying with 64px tiles"]
    np.testing.assert_allclose(out, _untiled(model, image), atol=2 / 255)


def test_out_of_memory_at_the_floor_on_cpu_is_an_error_not_a_crash():
    def always_oom(x):
        raise RuntimeError("CUDA error: out of memory")

    with pytest.raises(EngineError, match="out of memory even with 64px tiles"):
        tiled_apply(always_oom, _image(40, 40), 2, RunContext(), tile=64)


def test_memory_estimate_gives_a_rounded_tile_within_bounds():
    edge = estimate_tile("cpu", 4, multiple=8)
    assert 64 <= edge <= 1024 and edge % 8 == 0
    assert estimate_tile("cpu", 4, bytes_per_pixel=10**9) == 64


@pytest.mark.gpu
def test_cuda_oom_at_the_floor_falls_back_to_cpu():
    model = _model()

    def gpu_fragile(x):
        if x.is_cuda:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return model(x)

    notes: list[str] = []
    out = tiled_apply(gpu_fragile, _image(40, 40), 2, RunContext(device="cuda"), tile=64,
                      notes=notes)
    assert out.shape == (80, 80, 3)
    assert any("falling back to CPU" in n for n in notes)


@pytest.mark.gpu
def test_tiled_on_cuda_matches_cpu_untiled():
    model = _model()
    image = _image(96, 96)
    full = _untiled(model, image)
    out = tiled_apply(model, image, 2, RunContext(device="cuda"), tile=48, overlap=12)
    assert np.abs(out - full)[8:-8, 8:-8].max() <= 2 / 255


class _Sleepy(torch.nn.Module):
    """A layer that takes a while (like one conv of a big tile on a slow CPU)."""

    def __init__(self, log: list, started) -> None:
        super().__init__()
        self.log, self.started = log, started

    def forward(self, x):
        import time

        self.log.append(len(self.log))
        self.started.set()
        time.sleep(0.2)
        return x


def test_cancel_stops_inside_one_slow_tile_between_layers():
    import threading

    log: list[int] = []
    started = threading.Event()
    net = torch.nn.Sequential(*[_Sleepy(log, started) for _ in range(8)])
    token = CancelToken()

    def cancel_once_running():
        started.wait(10)
        token.cancel()

    canceller = threading.Thread(target=cancel_once_running)
    canceller.start()
    with pytest.raises(Cancelled):
        # one tile: before, cancel was only seen after all 8 layers had run
        tiled_apply(net, _image(24, 24), 1, RunContext(cancel=token), tile=64)
    canceller.join()
    assert 1 <= len(log) < 8, log
    # the hooks were only there for the run
    assert all(not m._forward_pre_hooks for m in net.modules())
    out = tiled_apply(net, _image(24, 24), 1, RunContext(), tile=64)
    assert out.shape == (24, 24, 3)


def test_cancellable_skips_torchscript_modules():
    import warnings

    from ml.torch_helpers import cancellable

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(torch.nn.Conv2d(3, 3, 1))
    token = CancelToken()
    with cancellable(scripted, token) as hooks:
        assert hooks == 0
    wrapper = torch.nn.Sequential(torch.nn.Identity(), scripted)
    with cancellable(wrapper, token) as hooks:
        assert hooks == 2  # the Sequential and the Identity, not the scripted conv
        token.cancel()
        with pytest.raises(Cancelled):
            wrapper(torch.zeros(1, 3, 2, 2))


class _OomFirst(torch.nn.Module):
    """Raises CUDA OOM on its first ``n`` calls (simulated) and records, for every call,
    whether the tile and the weights were on the same device with the same dtype."""

    def __init__(self, net: torch.nn.Module, n: int) -> None:
        super().__init__()
        self.net, self.n = net, n
        self.calls: list[tuple] = []

    def forward(self, x):
        w = next(self.net.parameters())
        self.calls.append((x.device, x.dtype, w.device, w.dtype))
        if self.n > 0:
            self.n -= 1
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return self.net(x)


def test_weights_follow_the_tiles_after_an_out_of_memory_retry():
    model = _model()
    wrapped = _OomFirst(_model().double(), n=2)  # weights not where the tiles will be
    image = _image(100, 100)
    notes: list[str] = []
    out = tiled_apply(wrapped, image, 2, RunContext(), tile=256, overlap=8, notes=notes)
    assert len(notes) == 2 and len(wrapped.calls) > 3
    assert all(xd == wd and xt == wt for xd, xt, wd, wt in wrapped.calls), wrapped.calls
    np.testing.assert_allclose(out, _untiled(model, image), atol=2 / 255)


@pytest.mark.gpu
def test_cuda_oom_fallback_moves_the_module_weights_to_the_cpu():
    model = _model()

    class CudaOom(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = _model()

        def forward(self, x):
            assert x.device == next(self.net.parameters()).device
            if x.is_cuda:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory")
            return self.net(x)

    wrapped = CudaOom()
    notes: list[str] = []
    out = tiled_apply(wrapped, _image(40, 40), 2, RunContext(device="cuda"), tile=64,
                      notes=notes)
    assert any("falling back to CPU" in n for n in notes)
    assert next(wrapped.parameters()).device.type == "cpu"
    np.testing.assert_allclose(out, _untiled(model, _image(40, 40)), atol=2 / 255)
