"""Inpainting engines and the shared crop / downsize / paste helper."""

from __future__ import annotations

import numpy as np
import pytest

from ml.engines import get
from ml.engines.inpaint import context_box, fill_region, mask_bbox
from ml.runtime import run_task
from ml.types import Cancelled, CancelToken, EngineError, RunContext

CLASSIC = ("telea", "navier-stokes", "fsr")


def _scene(h: int = 96, w: int = 128) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack(
        [0.5 + 0.3 * np.sin(xx / 9.0), 0.5 + 0.3 * np.cos(yy / 7.0), (xx + yy) / (h + w)], axis=2
    ).astype(np.float32)


def _hole(h: int = 96, w: int = 128, box=(40, 30, 70, 55)) -> np.ndarray:
    mask = np.zeros((h, w), np.float32)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 1.0
    return mask


@pytest.mark.parametrize("engine_id", CLASSIC)
def test_classic_engine_fills_the_hole_and_keeps_everything_else(engine_id):
    image, mask = _scene(), _hole()
    damaged = image.copy()
    damaged[mask > 0] = [1.0, 0.0, 1.0]  # magenta: nothing like the surroundings
    engine = get(engine_id, "inpaint")
    out = engine.inpaint(damaged, mask, RunContext(), **engine.resolve_params())
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[mask == 0], damaged[mask == 0])
    # the fill comes from the surroundings: far closer to the true scene than the damage
    err_fill = np.abs(out - image)[mask > 0].mean()
    err_damage = np.abs(damaged - image)[mask > 0].mean()
    assert err_fill < 0.25 * err_damage


def test_fsr_uses_xphotos_inverted_mask_convention():
    # with the convention wrong, FSR would rebuild everything *outside* the hole instead
    image, mask = _scene(), _hole()
    damaged = image.copy()
    damaged[mask > 0] = 0.0
    out = get("fsr", "inpaint").inpaint(damaged, mask, RunContext(), quality="fast", max_size=512)
    assert np.abs(out - image)[mask > 0].mean() < 0.1


def test_mask_bbox_and_context_box():
    mask = _hole(box=(40, 30, 70, 55)) > 0
    assert mask_bbox(mask) == (40, 30, 70, 55)
    assert mask_bbox(np.zeros((4, 4), bool)) is None
    assert context_box((40, 30, 70, 55), 128, 96, margin=0.5, min_margin=8) == (25, 15, 85, 70)
    assert context_box((0, 0, 10, 10), 20, 20, margin=0.5, min_margin=32) == (0, 0, 20, 20)


def test_fill_region_only_sees_a_small_crop_of_a_big_image():
    big = np.random.default_rng(0).random((1200, 1600, 3), dtype=np.float32)
    mask = np.zeros(big.shape[:2], np.float32)
    mask[600:632, 800:832] = 1.0
    seen = []

    def fill(img, hole, ctx):
        seen.append((img.shape, int(hole.sum())))
        return np.zeros_like(img)

    out = fill_region(big, mask, fill, RunContext(), max_side=1024, margin=0.5, min_margin=32)
    assert seen == [((96, 96, 3), 32 * 32)]
    assert np.all(out[mask > 0] == 0.0)
    np.testing.assert_array_equal(out[mask == 0], big[mask == 0])


def test_fill_region_downsizes_a_large_masked_region_and_pastes_only_inside():
    image = _scene(600, 800)
    mask = np.zeros((600, 800), np.float32)
    mask[100:500, 100:700] = 1.0
    seen = []

    def fill(img, hole, ctx):
        seen.append(img.shape)
        assert hole.dtype == bool and hole.any()
        return np.full_like(img, 0.5)

    out = fill_region(image, mask, fill, RunContext(), max_side=256)
    assert max(seen[0][:2]) == 256
    np.testing.assert_allclose(out[mask > 0], 0.5, atol=1e-4)
    np.testing.assert_array_equal(out[mask == 0], image[mask == 0])


def test_soft_mask_edge_blends_and_zero_mask_keeps_pixels_exactly():
    image = _scene()
    mask = _hole()
    mask[29, 40:70] = 0.5  # a feathered row above the hole
    out = get("telea", "inpaint").inpaint(image, mask, RunContext(), radius=3)
    np.testing.assert_array_equal(out[mask == 0], image[mask == 0])
    assert not np.array_equal(out[29, 40:70], image[29, 40:70])


def test_empty_mask_returns_the_image_unchanged():
    image = _scene()
    out = get("navier-stokes", "inpaint").inpaint(
        image, np.zeros(image.shape[:2], np.float32), RunContext(), radius=5
    )
    np.testing.assert_array_equal(out, image)


def test_runtime_keeps_16bit_and_alpha_and_unmasked_pixels():
    rgb = (_scene() * 65535).astype(np.uint16)
    alpha = np.full(rgb.shape[:2] + (1,), 40000, np.uint16)
    pixels = np.concatenate([rgb, alpha], axis=2)
    mask = (_hole() * 255).astype(np.uint8)
    out = run_task("inpaint", get("fsr", "inpaint"), RunContext(), image=pixels, mask=mask)
    assert out.dtype == np.uint16 and out.shape == pixels.shape
    np.testing.assert_array_equal(out[mask == 0], pixels[mask == 0])
    np.testing.assert_array_equal(out[..., 3], pixels[..., 3])


@pytest.mark.parametrize("engine_id", CLASSIC)
def test_cancel_raises_cancelled(engine_id):
    token = CancelToken()
    token.cancel()
    engine = get(engine_id, "inpaint")
    with pytest.raises(Cancelled):
        engine.inpaint(_scene(), _hole(), RunContext(cancel=token), **engine.resolve_params())


def test_mask_of_the_wrong_size_is_a_clear_error():
    with pytest.raises(EngineError, match="mask is"):
        get("telea", "inpaint").inpaint(_scene(), np.ones((5, 5), np.float32), RunContext())


def test_lama_says_how_to_install_it():
    assert get("lama", "inpaint").available() == (
        "not installed: run `retouch models install big-lama`"
    )


def _lama_holder():
    """A random-weight (seed 0) LaMa in a module whose parameter names are big-lama's
    (``model.model.N...``), with a trivial forward: the loaders only read the weights."""
    import torch
    from spandrel.architectures.LaMa import LaMa

    class Holder(torch.nn.Module):
        def __init__(self, lama: torch.nn.Module) -> None:
            super().__init__()
            self.model = lama.model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 1.0

    torch.manual_seed(0)
    return Holder(LaMa(in_nc=4, out_nc=3))


def _write_lama_torchscript(path) -> None:
    """A random-weight LaMa saved as TorchScript with big-lama.pt's parameter names.

    Tracing the full network takes minutes on a small CPU, so the traced module holds
    the same named weights with a trivial forward: the loader only reads the weights.
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit deprecation notices
        torch.jit.trace(_lama_holder(), torch.zeros(1)).save(str(path))


def _write_lama_state_dict(path) -> None:
    """The same random-weight LaMa as a plain state dict (.pth), as users fine-tune it."""
    import torch

    torch.save(_lama_holder().state_dict(), path)


@pytest.mark.slow
def test_lama_from_a_torchscript_file_in_the_store_fills_only_the_hole(tmp_path, monkeypatch):
    import json
    import os
    from pathlib import Path

    from ml.store import ModelStore

    store_root = Path(os.environ["RETOUCH_MODELS_DIR"])
    store_root.mkdir(parents=True, exist_ok=True)
    _write_lama_torchscript(store_root / "big-lama.pt")
    # the record `retouch models install big-lama` writes (file relative to the store)
    (store_root / "index.json").write_text(
        json.dumps(
            {"version": 1, "models": {"big-lama": {"file": "big-lama.pt", "task": "inpaint"}}}
        )
    )
    assert ModelStore().installed("big-lama")
    engine = get("lama", "inpaint")
    assert engine.available() is None
    image, mask = _scene(60, 70), _hole(60, 70, box=(20, 20, 37, 35))  # odd sizes: padded
    out = engine.inpaint(image, mask, RunContext(), max_size=128)
    assert out.shape == image.shape
    np.testing.assert_array_equal(out[mask == 0], image[mask == 0])
    assert np.isfinite(out).all() and not np.array_equal(out[mask > 0], image[mask > 0])


def test_inpaint_patch_returns_just_the_changed_region_of_the_full_result():
    image, mask = _scene(), _hole()
    engine = get("navier-stokes", "inpaint")
    full = engine.inpaint(image, mask, RunContext(), radius=4)
    x, y, patch = engine.inpaint_patch(image, mask, RunContext(), radius=4)
    assert patch.shape[0] < image.shape[0] or patch.shape[1] < image.shape[1]
    np.testing.assert_array_equal(full[y : y + patch.shape[0], x : x + patch.shape[1]], patch)
    outside = full.copy()
    outside[y : y + patch.shape[0], x : x + patch.shape[1]] = image[
        y : y + patch.shape[0], x : x + patch.shape[1]
    ]
    np.testing.assert_array_equal(outside, image)
    assert engine.inpaint_patch(image, np.zeros_like(mask), RunContext()) is None


def _install_record(model_id: str, file_name: str) -> None:
    """Write the index record `retouch models install MODEL` writes (file relative to the store)."""
    import json
    import os
    from pathlib import Path

    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    (root / "index.json").write_text(
        json.dumps({"version": 1, "models": {model_id: {"file": file_name, "task": "inpaint"}}})
    )


def _write_migan_torchscript(path, module) -> None:
    """A module traced at MI-GAN's published interface: (1, 4, 512, 512) in, (1, 3, 512, 512)
    out in [-1, 1], saved as TorchScript like migan_traced.pt."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.trace(module.eval(), torch.zeros(1, 4, 512, 512)).save(str(path))


def test_migan_says_how_to_install_it():
    assert get("migan", "inpaint").available() == (
        "not installed: run `retouch models install migan-512`"
    )


def test_migan_feeds_the_published_input_convention(tmp_path):
    """A traced module that returns its erased-image channels shows what MI-GAN is fed:
    known pixels in [-1, 1] come back unchanged, the hole as 0 (mid grey)."""
    import os
    from pathlib import Path

    import torch

    class Erased(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # channel 0 is 0.5 - mask: +0.5 known, -0.5 hole; keep it in the output's
            # first channel so the test sees it too
            return torch.cat([x[:, 0:1] * 2.0, x[:, 2:4]], dim=1)

    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    _write_migan_torchscript(root / "migan_traced.pt", Erased())
    _install_record("migan-512", "migan_traced.pt")
    engine = get("migan", "inpaint")
    assert engine.available() is None
    image, mask = _scene(60, 70), _hole(60, 70, box=(20, 20, 37, 35))
    x, y, patch = engine.inpaint_patch(image, mask, RunContext())
    inside = mask[y : y + patch.shape[0], x : x + patch.shape[1]] > 0
    crop = image[y : y + patch.shape[0], x : x + patch.shape[1]]
    # hole: mask channel 0.5-1 = -0.5 -> *2 = -1 -> 0.0; erased image 0 -> 0.5
    np.testing.assert_allclose(patch[inside][:, 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(patch[inside][:, 1:], 0.5, atol=1e-6)
    np.testing.assert_array_equal(patch[~inside], crop[~inside])


def test_migan_random_weights_fill_only_the_hole(tmp_path):
    import os
    from pathlib import Path

    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(4, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 3, 3, padding=1),
        torch.nn.Tanh(),
    )
    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    _write_migan_torchscript(root / "migan_traced.pt", net)
    _install_record("migan-512", "migan_traced.pt")
    image = _scene(700, 300)  # taller than 512: the crop is downsized to fit
    mask = _hole(700, 300, box=(100, 50, 200, 650))
    out = get("migan", "inpaint").inpaint(image, mask, RunContext())
    assert out.shape == image.shape and np.isfinite(out).all()
    np.testing.assert_array_equal(out[mask == 0], image[mask == 0])
    assert not np.allclose(out[mask > 0], image[mask > 0])


def test_migan_file_that_is_not_torchscript_is_a_clear_unavailable(tmp_path):
    import os
    from pathlib import Path

    from ml.types import EngineUnavailable

    root = Path(os.environ["RETOUCH_MODELS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    (root / "migan_traced.pt").write_bytes(b"not a model")
    _install_record("migan-512", "migan_traced.pt")
    with pytest.raises(EngineUnavailable, match="not a readable TorchScript file"):
        get("migan", "inpaint").inpaint(_scene(), _hole(), RunContext())


@pytest.mark.slow
def test_imported_lama_checkpoint_becomes_an_inpaint_engine_run_like_big_lama(tmp_path):
    import json
    import os
    from pathlib import Path

    from ml.engines import register_imported, unregister
    from ml.store import ModelStore

    src = tmp_path / "my-lama.pth"
    _write_lama_state_dict(src)
    store = ModelStore()
    rec = store.import_file(src)
    assert (rec["id"], rec["task"], rec["architecture"]) == ("imported-my-lama", "inpaint", "LaMa")
    try:
        registered = {e.id: e for e in register_imported()}
        assert "imported-my-lama" in registered
        engine = get("imported-my-lama", "inpaint")
        assert engine.available() is None and engine.model_id == "imported-my-lama"
        image, mask = _scene(60, 70), _hole(60, 70, box=(20, 20, 37, 35))
        out = run_task("inpaint", engine, RunContext(), image=(image * 255).astype(np.uint8),
                       mask=(mask * 255).astype(np.uint8), max_size=128)
        # the same weights installed as big-lama give the same fill: one code path
        root = Path(os.environ["RETOUCH_MODELS_DIR"])
        index = json.loads((root / "index.json").read_text())
        index["models"]["big-lama"] = {"file": rec["file"], "task": "inpaint"}
        (root / "index.json").write_text(json.dumps(index))
        lama = run_task("inpaint", get("lama", "inpaint"), RunContext(),
                        image=(image * 255).astype(np.uint8),
                        mask=(mask * 255).astype(np.uint8), max_size=128)
        np.testing.assert_array_equal(out, lama)
        assert not np.array_equal(out[mask > 0], (image * 255).astype(np.uint8)[mask > 0])
    finally:
        unregister("imported-my-lama")


def test_the_builtin_content_aware_fill_is_the_default_inpaint_engine():
    from ml.engines import default, engines

    assert default("inpaint").id == "patchmatch"
    # the first registered: what a fresh dialog's engine list starts on
    assert engines("inpaint")[0].id == "patchmatch"
