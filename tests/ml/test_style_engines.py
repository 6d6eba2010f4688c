"""Style engines on tiny images; store models as random weights in their published formats."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from ml import style_ops
from ml.engines import get
from ml.engines.style import (
    ADAIN_MODELS,
    VGG_MODEL_ID,
    level_sizes,
    load_adain_model,
    load_fast_model,
)
from ml.types import Cancelled, CancelToken, EngineError, RunContext


def _content(h=28, w=36):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([0.3 + 0.4 * xx / w, 0.5 + 0.2 * np.sin(yy / 3), 0.6 - 0.3 * yy / h],
                    -1).astype(np.float32)


def _style(h=32, w=32):
    yy, xx = np.mgrid[0:h, 0:w]
    stripes = ((xx + yy) // 4) % 2 == 0
    out = np.where(stripes[..., None], [0.9, 0.2, 0.1], [0.1, 0.2, 0.85])
    return out.astype(np.float32)


def _install(model_id: str, file: Path) -> None:
    """Record a file in the (temp) model store's index, as an install would."""
    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    index = root / "index.json"
    data = json.loads(index.read_text()) if index.exists() else {"version": 1, "models": {}}
    target = root / file.name
    if file != target:
        target.write_bytes(file.read_bytes())
    data["models"][model_id] = {"file": target.name, "sha256": "", "size": target.stat().st_size,
                                "verified": False, "source": "test"}
    index.write_text(json.dumps(data))


# ------------------------------------------------------------------ colour transfer

@pytest.mark.parametrize("method", ["mean-std", "histogram"])
def test_color_transfer_moves_colours_towards_the_style(method):
    content, style = _content(), _style()
    out = get("color-transfer").stylize(content, style, RunContext(), method=method)
    assert out.shape == content.shape and out.dtype == np.float32
    # the stripes' mean is purple-ish: red and blue up relative to green
    before = content.reshape(-1, 3).mean(0)
    after = out.reshape(-1, 3).mean(0)
    assert np.linalg.norm(after - style.reshape(-1, 3).mean(0)) < \
        np.linalg.norm(before - style.reshape(-1, 3).mean(0))


@pytest.mark.parametrize("engine_id", ["color-transfer", "gatys"])
def test_strength_zero_returns_the_input_exactly(engine_id):
    content = _content()
    out = get(engine_id).stylize(content, _style(), RunContext(), strength=0.0)
    assert np.array_equal(out, content)


def test_keep_colors_keeps_the_input_chroma():
    content = _content()
    out = get("color-transfer").stylize(content, _style(), RunContext(), keep_colors=True,
                                        method="histogram")
    yc, yo = style_ops.rgb_to_ycbcr(content), style_ops.rgb_to_ycbcr(out)
    assert np.abs(yo[..., 1:] - yc[..., 1:]).max() < 0.02
    assert np.abs(yo[..., 0] - yc[..., 0]).mean() > 0.02  # luminance did change


def test_mask_restricts_the_change():
    content = _content()
    mask = np.zeros(content.shape[:2], np.float32)
    mask[:, :18] = 1.0
    out = get("color-transfer").stylize(content, _style(), RunContext(), mask=mask)
    assert np.array_equal(out[:, 18:], content[:, 18:])
    assert np.abs(out[:, :18] - content[:, :18]).mean() > 0.05


def test_missing_style_image_is_a_clear_error():
    with pytest.raises(EngineError, match="needs a style image"):
        get("color-transfer").stylize(_content(), None, RunContext())


def test_run_style_keeps_alpha_and_passes_the_mask():
    from ml.runtime import run_task

    content = (np.dstack([_content(), np.linspace(0, 1, 36)[None, :].repeat(28, 0)]) * 255)
    content = content.round().astype(np.uint8)
    mask = np.zeros((28, 36), np.uint8)
    mask[5:10] = 255
    out = run_task("style", get("color-transfer"), RunContext(), image=content,
                   style=(_style() * 255).astype(np.uint8), mask=mask)
    assert out.shape == content.shape and out.dtype == np.uint8
    assert np.array_equal(out[..., 3], content[..., 3])
    assert np.array_equal(out[10:], content[10:])
    assert not np.array_equal(out[5:10, :, :3], content[5:10, :, :3])


# ------------------------------------------------------------------ Gatys

def test_level_sizes_go_coarse_to_fine():
    assert level_sizes(1000, 384) == [128, 256, 384]
    assert level_sizes(40, 40) == [40]


def test_gatys_random_features_runs_with_previews():
    content, style = _content(), _style()
    previews = []
    ctx = RunContext(progress=lambda p: previews.append(p.preview) if p.preview is not None
                     else None)
    engine = get("gatys")
    assert engine.available() is None and engine.network_name() == "random"
    out = engine.stylize(content, style, ctx, iterations=3, max_size=24, preview_every=1)
    assert out.shape == content.shape and np.isfinite(out).all()
    assert np.abs(out - content).mean() > 0.01
    assert previews and previews[0].ndim == 3


def test_random_feature_net_width_scales_channels_and_keeps_layer_names():
    from ml.archs.vgg import LAYERS, random_vgg19
    from ml.engines.style import RANDOM_WIDTH

    full, half = random_vgg19(0), random_vgg19(0, width=RANDOM_WIDTH)
    x = torch.rand(1, 3, 32, 32)
    f_full = full(x, ("relu1_1", "relu4_2", "relu5_1"))
    f_half = half(x, ("relu1_1", "relu4_2", "relu5_1"))
    assert f_full["relu5_1"].shape[1] == 512
    assert f_half["relu5_1"].shape[1] == round(512 * RANDOM_WIDTH)
    assert f_half["relu1_1"].shape[2:] == f_full["relu1_1"].shape[2:]
    assert len(half.features) == LAYERS["relu5_1"] + 1


@pytest.mark.slow
def test_gatys_is_deterministic_for_a_seed():
    content, style = _content(), _style()
    engine = get("gatys")
    a = engine.stylize(content, style, RunContext(), iterations=3, max_size=24, seed=3)
    b = engine.stylize(content, style, RunContext(), iterations=3, max_size=24, seed=3)
    assert np.allclose(a, b, atol=1e-4)


def test_gatys_cancel_stops_between_iterations():
    token = CancelToken()
    calls = []

    def progress(p):
        calls.append(p)
        token.cancel()

    with pytest.raises(Cancelled):
        get("gatys").stylize(_content(), _style(), RunContext(progress=progress, cancel=token),
                             iterations=50, max_size=24)
    assert len(calls) == 1


def _torchvision_vgg19_file(path: Path) -> dict:
    from torchvision.models.vgg import cfgs, make_layers

    torch.manual_seed(0)
    features = make_layers(cfgs["E"])
    state = {f"features.{k}": v for k, v in features.state_dict().items()}
    state["classifier.6.weight"] = torch.zeros(10, 4)  # ignored (the real one is 1000x4096)
    state["classifier.6.bias"] = torch.zeros(10)
    torch.save(state, path)
    return {"features": features}


def test_vgg19_torchvision_layout_loads_and_matches_torchvision(tmp_path):
    from ml.archs.vgg import load_vgg19
    from ml.loading import load_state_dict

    made = _torchvision_vgg19_file(tmp_path / "vgg19-dcbb9e9d.pth")
    net = load_vgg19(load_state_dict(tmp_path / "vgg19-dcbb9e9d.pth"))
    x = torch.rand(1, 3, 16, 16)
    ours = net(x, ["relu2_2"])["relu2_2"]
    # torchvision's own features with the same input normalisation; our pool1 is avg
    ref = made["features"][:4](net.normalize(x))
    ref = made["features"][5:9](torch.nn.functional.avg_pool2d(ref, 2))
    assert torch.allclose(ours, ref, atol=1e-5)


def test_vgg19_wrong_file_is_reported_with_its_name(tmp_path):
    from ml.archs.vgg import load_vgg19

    with pytest.raises(ValueError, match="my.pth: missing key 'features.0.weight'"):
        load_vgg19({"conv.weight": torch.zeros(1)}, source="my.pth")


@pytest.mark.slow
def test_gatys_uses_the_installed_vgg19(tmp_path):
    _torchvision_vgg19_file(tmp_path / "vgg19-dcbb9e9d.pth")
    _install(VGG_MODEL_ID, tmp_path / "vgg19-dcbb9e9d.pth")
    engine = get("gatys")
    assert engine.network_name() == "vgg19"
    stages = []
    out = engine.stylize(_content(), _style(), RunContext(progress=lambda p: stages.append(
        p.stage)), iterations=2, max_size=24)
    assert out.shape == (28, 36, 3)
    assert any("VGG-19" in s for s in stages)


# ------------------------------------------------------------------ fast presets

def _transformer_checkpoint(path: Path) -> torch.nn.Module:
    """A random TransformerNet saved like the 2017 pytorch/examples checkpoints."""
    from ml.archs.transformer_net import TransformerNet

    torch.manual_seed(0)
    net = TransformerNet().eval()
    state = dict(net.state_dict())
    for name, module in net.named_modules():
        if isinstance(module, torch.nn.InstanceNorm2d):
            state[f"{name}.running_mean"] = torch.zeros(module.num_features)
            state[f"{name}.running_var"] = torch.ones(module.num_features)
    assert "in1.running_mean" in state and "res3.in2.running_var" in state
    torch.save(state, path)
    return net


def test_fast_checkpoint_with_legacy_running_stats_loads(tmp_path):
    net = _transformer_checkpoint(tmp_path / "candy.pth")
    loaded = load_fast_model(tmp_path / "candy.pth")
    x = torch.rand(1, 3, 24, 32) * 255
    with torch.no_grad():
        assert torch.allclose(loaded(x), net(x), atol=1e-4)


def test_fast_checkpoint_of_another_architecture_is_refused(tmp_path):
    torch.save({"conv1.conv2d.weight": torch.zeros(2, 2)}, tmp_path / "bad.pth")
    with pytest.raises(EngineError, match="bad.pth: not a fast-neural-style TransformerNet"):
        load_fast_model(tmp_path / "bad.pth")


def test_fast_engine_says_how_to_install_then_runs_once_installed(tmp_path):
    engine = get("fast-candy")
    assert not engine.needs_style_image
    reason = engine.available()
    assert reason and "retouch models install fast-neural-style-candy" in reason
    _transformer_checkpoint(tmp_path / "candy.pth")
    _install("fast-neural-style-candy", tmp_path / "candy.pth")
    assert engine.available() is None
    content = _content(30, 42)  # not a multiple of 4: padded and cropped back
    out = engine.stylize(content, None, RunContext())
    assert out.shape == content.shape and np.abs(out - content).mean() > 0.01
    half = engine.stylize(content, None, RunContext(), style_scale=2.0)
    assert half.shape == content.shape


def test_fast_preset_weights_follow_the_tiles_even_after_out_of_memory(tmp_path):
    from ml.engines.style import run_transformer

    net = _transformer_checkpoint(tmp_path / "candy.pth")
    content = _content(30, 42)
    reference = run_transformer(net, content, RunContext())
    seen, fails = [], [1]

    def oom_once_and_record(module, args):
        w = next(module.parameters())
        seen.append((args[0].device, args[0].dtype, w.device, w.dtype))
        if fails[0]:
            fails[0] -= 1
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")

    # weights where the tiles are not (fp64 vs fp32, as CPU vs CUDA was): the preset
    # net was hidden in a closure the tiler could not move
    net.double()
    handle = net.conv1.register_forward_pre_hook(oom_once_and_record)
    try:
        out = run_transformer(net, content, RunContext())
    finally:
        handle.remove()
    assert len(seen) >= 2
    assert all(xd == wd and xt == wt for xd, xt, wd, wt in seen), seen
    np.testing.assert_allclose(out, reference, atol=1e-4)


# ------------------------------------------------------------------ AdaIN

def _adain_files(tmp_path: Path) -> tuple[Path, Path]:
    """Random weights in the published layouts: vgg_normalised (to relu5_4) + decoder."""
    from ml.archs.adain import make_decoder, make_encoder

    torch.manual_seed(0)
    vgg = dict(make_encoder().state_dict())
    # the published file continues to relu5_4 (modules 31..52); those keys are ignored
    for index in (32, 35, 38, 42, 45, 48, 51):
        vgg[f"{index}.weight"] = torch.randn(512, 512, 3, 3) * 0.01
        vgg[f"{index}.bias"] = torch.zeros(512)
    assert sorted({int(k.split(".")[0]) for k in vgg}) == [
        0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51]
    dec = make_decoder().state_dict()
    assert sorted({int(k.split(".")[0]) for k in dec}) == [1, 5, 8, 11, 14, 18, 21, 25, 28]
    torch.save(vgg, tmp_path / "vgg_normalised.pth")
    torch.save(dec, tmp_path / "decoder.pth")
    return tmp_path / "vgg_normalised.pth", tmp_path / "decoder.pth"


def test_adain_published_layouts_load(tmp_path):
    vgg, dec = _adain_files(tmp_path)
    model = load_adain_model(vgg, dec)
    x = torch.rand(1, 3, 32, 40)
    with torch.no_grad():
        assert model(x, model.style_features(x)).shape == x.shape


def test_adain_decoder_swapped_for_encoder_is_refused(tmp_path):
    vgg, dec = _adain_files(tmp_path)
    with pytest.raises(EngineError, match="decoder.pth: unexpected key"):
        load_adain_model(dec, vgg)


def test_adain_engine_needs_both_files_then_runs(tmp_path):
    engine = get("adain")
    # both are missing: both are named, each with its install command
    assert engine.available() == (
        "needs adain-vgg, adain-decoder (not installed): run `retouch models install "
        "adain-vgg` and `retouch models install adain-decoder`")
    vgg, dec = _adain_files(tmp_path)
    _install(ADAIN_MODELS[0], vgg)
    assert engine.available() == (
        "needs adain-decoder (not installed): run `retouch models install adain-decoder`")
    _install(ADAIN_MODELS[1], dec)
    assert engine.available() is None
    content = _content(30, 44)
    out = engine.stylize(content, _style(), RunContext(), alpha=0.7)
    assert out.shape == content.shape and np.isfinite(out).all()
    small = engine.stylize(content, _style(), RunContext(), max_size=24)
    assert small.shape == content.shape


def test_adain_cancel_stops_between_layers_of_one_pass(tmp_path):
    from ml.engines.style import run_adain

    model = load_adain_model(*_adain_files(tmp_path))
    layers = [m for m in model.modules() if not list(m.children())]
    ran: list[int] = []
    token = CancelToken()

    def count(module, args, output):
        ran.append(1)
        if len(ran) == 2:
            token.cancel()  # as if the user pressed Cancel while layer 2 ran

    handles = [m.register_forward_hook(count) for m in layers]
    try:
        with pytest.raises(Cancelled):
            run_adain(model, _content(), _style(), RunContext(cancel=token))
    finally:
        for h in handles:
            h.remove()
    # the style encoding alone runs > 20 layers; cancel used to wait for all of them
    assert len(ran) == 2
    assert all(not m._forward_pre_hooks for m in model.modules())


# ------------------------------------------------------------------ simple mode

@pytest.mark.parametrize("engine_id", ["gatys", "paint"])
def test_detail_setting_at_its_default_gives_the_parameter_defaults(engine_id):
    from ml.engines.style import DEFAULT_DETAIL

    engine = get(engine_id)
    defaults = engine.resolve_params({})
    mapped = engine.detail_params(DEFAULT_DETAIL)
    assert mapped and {k: defaults[k] for k in mapped} == pytest.approx(mapped)
    assert set(mapped) <= set(engine.advanced_params)
    engine.resolve_params(engine.detail_params(0.0))  # both ends are valid values
    engine.resolve_params(engine.detail_params(1.0))


def test_gatys_detail_raises_working_size_and_kept_detail():
    coarse, fine = get("gatys").detail_params(0.0), get("gatys").detail_params(1.0)
    assert fine["max_size"] > coarse["max_size"]
    assert fine["detail_keep"] > coarse["detail_keep"]
    assert fine["tv_weight"] < coarse["tv_weight"]


def test_colour_transfer_has_no_detail_setting():
    assert get("color-transfer").detail_params(0.5) is None
