"""Upscale engines: Lanczos, the built-in CNNs (tiled), spandrel checkpoints in real formats."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ml.archs.sr_small import SRSmall, SRSmallFileError, load_sr_small, save_sr_small
from ml.engines import get
from ml.engines.upscale import FileSREngine, SRResEngine, SRSmallEngine, register_imported
from ml.modelcache import MODELS, file_version
from ml.store import ModelStore
from ml.types import Cancelled, CancelToken, EngineError, RunContext
from tests.ml.test_tiling import _OomFirst

sys.path.insert(0, str(Path(__file__).parent))
from sr_checkpoints import realesrgan_rrdbnet, srvgg_compact


def _image(h: int = 24, w: int = 30, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([np.sin(xx / 3.0), np.cos(yy / 4.0), np.sin((xx + yy) / 5.0)], axis=2)
    return np.clip(0.5 + 0.35 * base + 0.05 * rng.standard_normal((h, w, 3)), 0, 1).astype(
        np.float32
    )


@pytest.fixture
def sr_folder(tmp_path: Path) -> Path:
    """Random-weight sr-small ×2/×4 files, with a non-trivial tail (not plain bicubic)."""
    for scale in (2, 4):
        torch.manual_seed(scale)
        model = SRSmall(scale, channels=8, blocks=2)
        torch.nn.init.normal_(model.tail.weight, std=0.05)
        save_sr_small(model, tmp_path / f"sr-small-x{scale}.safetensors")
    return tmp_path


BUILTINS = pytest.mark.parametrize(("engine_cls", "folder"), [
    (SRSmallEngine, "sr_folder"), (SRResEngine, "res_folder")])


def test_lanczos_keeps_a_flat_image_flat_at_every_scale():
    flat = np.full((10, 13, 3), 0.25, np.float32)
    engine = get("lanczos", "upscale")
    for scale in engine.scales:
        out = engine.upscale(flat, scale, RunContext())
        assert out.shape == (10 * scale, 13 * scale, 3)
        np.testing.assert_allclose(out, 0.25, atol=1e-5)


def test_sr_small_file_round_trip_gives_identical_output(sr_folder):
    model = load_sr_small(sr_folder / "sr-small-x2.safetensors")
    assert (model.scale, model.channels, model.blocks) == (2, 8, 2)
    x = torch.from_numpy(_image().transpose(2, 0, 1).copy())[None]
    again = load_sr_small(sr_folder / "sr-small-x2.safetensors")
    assert torch.equal(model(x), again(x))


def test_sr_small_rejects_a_file_that_is_not_its_own(tmp_path):
    bad = tmp_path / "x.safetensors"
    bad.write_bytes(b"not a model")
    with pytest.raises(SRSmallFileError, match="x.safetensors"):
        load_sr_small(bad)


@BUILTINS
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_builtin_engine_outputs_every_scale_in_range(engine_cls, folder, scale, request):
    engine = engine_cls(folder=request.getfixturevalue(folder))
    assert engine.available() is None
    out = engine.upscale(_image(), scale, RunContext(), tile=0)
    assert out.shape == (24 * scale, 30 * scale, 3)
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0


@BUILTINS
def test_builtin_tiled_output_matches_the_whole_image_run(engine_cls, folder, request):
    engine = engine_cls(folder=request.getfixturevalue(folder))
    image = _image(40, 52)
    tiled = engine.upscale(image, 2, RunContext(), tile=24)
    net = engine.model(2)
    with torch.inference_mode():
        whole = net(torch.from_numpy(image.transpose(2, 0, 1).copy())[None])
    whole = whole.clamp(0, 1)[0].numpy().transpose(1, 2, 0)
    # the overlaps hide the tile borders: only tiny blending differences remain
    assert np.abs(tiled - whole).mean() < 2e-3
    assert np.abs(tiled - whole).max() < 0.05


def test_sr_small_reports_missing_weights(tmp_path):
    reason = SRSmallEngine(folder=tmp_path).available()
    assert reason is not None and "sr-small-x2.safetensors" in reason


def test_sr_small_cancel_between_tiles_raises(sr_folder):
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p.fraction)
        if len(seen) == 2:
            token.cancel()

    ctx = RunContext(progress=progress, cancel=token)
    with pytest.raises(Cancelled):
        SRSmallEngine(folder=sr_folder).upscale(_image(64, 64), 2, ctx, tile=24)
    assert len(seen) < 9  # stopped well before the 9 tiles were done


def test_shipped_sr_small_beats_bicubic_on_sharp_edges():
    from PIL import Image, ImageDraw

    engine = SRSmallEngine()
    if engine.available() is not None:
        pytest.skip(engine.available())
    canvas = Image.new("RGB", (96, 96), (200, 180, 160))
    draw = ImageDraw.Draw(canvas)
    for i in range(6):
        draw.line((0, 10 + 15 * i, 95, 25 + 12 * i), fill=(20 * i, 40, 120), width=2)
    draw.ellipse((20, 20, 70, 60), outline=(250, 250, 250), width=3)
    low = canvas.resize((48, 48), Image.BICUBIC)
    bicubic = np.asarray(low.resize((96, 96), Image.BICUBIC), np.float32) / 255
    ref = np.asarray(canvas, np.float32) / 255
    out = engine.upscale(np.asarray(low, np.float32) / 255, 2, RunContext())
    err = lambda a: float(np.mean((a - ref)[4:-4, 4:-4] ** 2))
    assert err(out) < err(bicubic)


def test_catalog_engines_say_how_to_install():
    engine = get("realesrgan-x4plus", "upscale")
    assert engine.available() == "not installed: run `retouch models install realesrgan-x4plus`"
    assert engine.scales == (2, 3, 4)
    assert get("realesrgan-x2plus", "upscale").scales == (2,)


def test_imported_realesrgan_params_ema_checkpoint_runs_through_the_store(tmp_path):
    path = tmp_path / "RealESRGAN_tiny_x4.pth"
    torch.save({"params_ema": realesrgan_rrdbnet(4)}, path)
    record = ModelStore().import_file(path)
    assert record["architecture"] == "ESRGAN" and record["scale"] == 4
    engines = {e.id: e for e in register_imported()}
    engine = engines[record["id"]]
    assert engine.available() is None
    image = _image(20, 22)
    out = engine.upscale(image, 4, RunContext(), tile=0)
    assert out.shape == (80, 88, 3) and 0.0 <= out.min() and out.max() <= 1.0
    # 2x from a 4x model: the model runs, then Lanczos resamples down
    assert engine.upscale(image, 2, RunContext()).shape == (40, 44, 3)


def test_realesrgan_x2plus_pixel_unshuffle_checkpoint_pads_odd_sizes(tmp_path):
    path = tmp_path / "RealESRGAN_tiny_x2.pth"
    torch.save({"params_ema": realesrgan_rrdbnet(2)}, path)
    engine = FileSREngine(path)
    assert engine.native_scale == 2
    out = engine.upscale(_image(13, 19), 2, RunContext())  # not a multiple of 4
    assert out.shape == (26, 38, 3)


def test_srvgg_compact_tiles_agree_with_the_untiled_run(tmp_path):
    path = tmp_path / "realesr-tiny-x4v3.pth"
    torch.save({"params": srvgg_compact(4)}, path)
    engine = FileSREngine(path)
    image = _image(40, 40)
    whole = engine.upscale(image, 4, RunContext(), tile=0)
    tiled = engine.upscale(image, 4, RunContext(), tile=24)
    assert np.abs(whole - tiled).mean() < 2e-3


def test_file_engine_refuses_an_inpainting_or_junk_file(tmp_path):
    junk = tmp_path / "junk.pth"
    torch.save({"weight": torch.zeros(3)}, junk)
    with pytest.raises(EngineError, match="junk.pth"):
        FileSREngine(junk)


def test_runtime_upscale_keeps_16bit_and_resizes_alpha(sr_folder):
    from ml.runtime import run_task

    rgb = (_image(12, 10) * 65535).astype(np.uint16)
    alpha = np.zeros((12, 10, 1), np.uint16)
    alpha[:, 5:] = 65535
    pixels = np.concatenate([rgb, alpha], axis=2)
    out = run_task("upscale", SRSmallEngine(folder=sr_folder), RunContext(), image=pixels, scale=2)
    assert out.dtype == np.uint16 and out.shape == (24, 20, 4)
    assert out[:, :8, 3].max() < 2000 and out[:, 12:, 3].min() > 63000


class _SROomFirst(_OomFirst):
    """The tiling tests' OOM stand-in, in front of the real sr-small net (which the engine
    asks for its channel count)."""

    def __init__(self, net, n: int) -> None:
        super().__init__(net, n)
        self.channels = net.channels


def test_sr_small_hands_the_tiler_its_weights_so_they_follow_the_tiles(sr_folder):
    # the weights start where the tiles are not (fp64 vs the tiler's fp32, as CPU vs CUDA
    # was): sr-small's net used to be hidden in a lambda the tiler could not move, so its
    # weights stayed on the CPU while CUDA tiles went to the GPU
    reference = SRSmallEngine(sr_folder).upscale(_image(40, 40), 2, RunContext())
    engine = SRSmallEngine(sr_folder)
    wrapped = _SROomFirst(engine.model(2).double(), n=1)
    MODELS.put("sr-small-x2", "cpu", wrapped, version=file_version(engine.weights_path(2)))
    notes = []
    out = engine.upscale(_image(40, 40), 2, RunContext(progress=lambda p: notes.append(p.stage)),
                         tile=128)
    assert any("out of memory" in s for s in notes)
    assert len(wrapped.calls) >= 2
    assert all(xd == wd and xt == wt for xd, xt, wd, wt in wrapped.calls), wrapped.calls
    np.testing.assert_allclose(out, reference, atol=1e-5)


@pytest.mark.gpu
def test_sr_small_runs_on_cuda_and_falls_back_to_the_cpu_with_its_weights(sr_folder):
    reference = SRSmallEngine(sr_folder).upscale(_image(40, 40), 2, RunContext())
    engine = SRSmallEngine(sr_folder)
    out = engine.upscale(_image(40, 40), 2, RunContext(device="cuda"))
    assert next(engine.model(2, "cuda").parameters()).is_cuda
    np.testing.assert_allclose(out, reference, atol=1e-2)  # fp16 on CUDA

    class CudaOom(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net, self.channels = net, net.channels

        def forward(self, x):
            if x.is_cuda:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory")
            return self.net(x)

    # the OOM stand-in serves the CUDA run; the CPU rerun loads its own copy
    cuda_net = CudaOom(engine.model(2, "cuda"))
    MODELS.put("sr-small-x2", "cuda", cuda_net, version=file_version(engine.weights_path(2)))
    out = engine.upscale(_image(40, 40), 2, RunContext(device="cuda"), tile=64)
    assert not next(cuda_net.parameters()).is_cuda  # the tiler moved it off the GPU
    np.testing.assert_allclose(out, reference, atol=1e-5)
