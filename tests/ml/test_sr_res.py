"""The sr-res built-in upscaler: its file format, growth from sr-small, the engine, and the
shipped weights on a held-out photo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.archs.sr_res import SRRes
from ml.archs.sr_small import (
    SRSmall,
    SRSmallFileError,
    load_sr_model,
    load_sr_small,
    save_sr_model,
)
from ml.engines import engines, get
from ml.engines.upscale import SRResEngine, SRSmallEngine
from ml.runtime import run_task
from ml.train.sr import psnr, rgb_to_y
from ml.types import RunContext
from tests.ml.test_upscale_engines import _image

HELDOUT_CROP = Path(__file__).parent / "data" / "picosdeeuropa-crop.png"


def _chw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image.transpose(2, 0, 1).copy())[None]


def test_sr_res_file_round_trip_names_its_architecture(res_folder):
    path = res_folder / "sr-res-x2.safetensors"
    model = load_sr_model(path)
    assert isinstance(model, SRRes) and not model.training
    assert (model.scale, model.channels, model.blocks, model.res_blocks) == (2, 8, 1, 2)
    x = _chw(_image())
    with torch.inference_mode():
        assert torch.equal(model(x), load_sr_model(path, "sr-res")(x))
    with pytest.raises(SRSmallFileError, match="not an sr-small model"):
        load_sr_small(path)


def test_a_grown_sr_res_computes_what_its_sr_small_did():
    torch.manual_seed(0)
    small = SRSmall(4, channels=8, blocks=2)
    torch.nn.init.normal_(small.tail.weight, std=0.05)
    grown = SRRes.grown_from(small.eval(), res_blocks=3).eval()
    assert grown.res_blocks == 3 and grown.blocks == 2
    x = _chw(_image())
    with torch.inference_mode():
        torch.testing.assert_close(grown(x), small(x), atol=1e-6, rtol=0)


def test_sr_res_reports_missing_weights(tmp_path):
    reason = SRResEngine(folder=tmp_path).available()
    assert reason is not None and "sr-res-x2.safetensors" in reason


def test_sr_res_engine_refuses_sr_small_files_under_its_name(tmp_path):
    for scale in (2, 4):
        save_sr_model(SRSmall(scale, 8, 1), tmp_path / f"sr-res-x{scale}.safetensors")
    from ml.types import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="not an sr-res model"):
        SRResEngine(folder=tmp_path).model(2)


def test_shipped_sr_res_is_registered_before_sr_small_and_loads_both_scales():
    engine = get("sr-res", "upscale")
    assert engine.available() is None, engine.available()
    ids = [e.id for e in engines("upscale")]
    assert ids.index("sr-res") < ids.index("sr-small")
    for scale in (2, 4):
        net = engine.model(scale)
        assert isinstance(net, SRRes) and net.scale == scale
        out = engine.upscale(_image(16, 20), scale, RunContext())
        assert out.shape == (16 * scale, 20 * scale, 3)


def test_sixteen_bit_pixels_stay_sixteen_bit_through_the_shipped_engine():
    rng = np.random.default_rng(1)
    pixels = (rng.random((20, 26, 4)) * 65535).astype(np.uint16)
    pixels[..., 3] = 65535
    out = run_task("upscale", get("sr-res", "upscale"), RunContext(), image=pixels, scale=2)
    assert out.dtype == np.uint16 and out.shape == (40, 52, 4)
    assert (out[..., 3] == 65535).all()
    # values use the 16-bit range, not an 8-bit one scaled up
    assert len(np.unique(out[..., :3] % 257)) > 16


def _y_psnr(model_out: np.ndarray, ref: np.ndarray, shave: int) -> float:
    y = lambda a: rgb_to_y(np.round(a * 255) / 255)[shave:-shave, shave:-shave]
    return psnr(y(ref), y(model_out))


@pytest.mark.parametrize(("scale", "margin"), [(2, 1.2), (4, 0.45)])
def test_shipped_sr_res_beats_bicubic_and_sr_small_on_a_held_out_photo(scale, margin):
    """A crop of a photo no built-in was trained on (tests/ml/data/README.md): the shipped
    sr-res gains at least ``margin`` dB Y-PSNR over PIL bicubic, and more than sr-small."""
    with Image.open(HELDOUT_CROP) as im:
        hr = im.convert("RGB")
    low = hr.resize((hr.width // scale, hr.height // scale), Image.BICUBIC)
    ref = np.asarray(hr, np.float32) / 255
    bicubic = np.asarray(low.resize(hr.size, Image.BICUBIC), np.float32) / 255
    lr = np.asarray(low, np.float32) / 255
    ctx = RunContext()
    res = get("sr-res", "upscale").upscale(lr, scale, ctx)
    small = SRSmallEngine().upscale(lr, scale, ctx)
    gain = _y_psnr(res, ref, scale) - _y_psnr(bicubic, ref, scale)
    assert gain > margin, f"sr-res gains only {gain:.2f} dB over bicubic at x{scale}"
    assert _y_psnr(res, ref, scale) > _y_psnr(small, ref, scale)
