"""StyleGAN2 (rosinality .pt) and e4e (pSp .pt) checkpoints: loading, shapes, refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.archs.stylegan2 import (
    Generator,
    StyleGANConfig,
    detect_config,
    make_kernel,
    rosinality_channels,
    upfirdn2d,
)
from ml.portrait.model import load_generator_file, load_portrait
from ml.types import EngineError
from tests.ml.portrait.checkpoints import NARROW_STYLE, e4e_file, stylegan_file


def test_the_1024_config_has_rosinalitys_171_tensors_and_30_million_weights():
    g = Generator(StyleGANConfig(1024, 512, 8, rosinality_channels(1024, 2)))
    state = g.state_dict()
    assert len(state) == 171
    assert sum(p.numel() for p in g.parameters()) == 30_370_060
    # the names rosinality's g_ema uses
    for key in ("style.8.weight", "input.input", "conv1.conv.modulation.bias",
                "to_rgb1.bias", "convs.15.activate.bias", "convs.0.conv.blur.kernel",
                "to_rgbs.7.upsample.kernel", "noises.noise_16"):
        assert key in state
    assert g.n_latent == 18
    cfg = detect_config(state)
    assert (cfg.size, cfg.style_dim, cfg.n_mlp, cfg.channel_multiplier) == (1024, 512, 8, 2)


@pytest.mark.parametrize("size", [64, 256])
def test_a_rosinality_file_loads_with_the_right_w_plus_and_output_shape(tmp_path, size):
    path = stylegan_file(tmp_path / "g.pt", size=size)
    model = load_portrait(path)
    n_latent = int(np.log2(size)) * 2 - 2
    assert model.n_latent == n_latent
    assert model.latent_dim == n_latent * NARROW_STYLE
    assert model.resolution == size
    z = model.sample(2, seed=3)
    assert z.shape == (2, n_latent * NARROW_STYLE)
    img = model.decode(z)
    assert img.shape == (2, size, size, 3) and img.dtype == np.float32
    assert 0 <= img.min() and img.max() <= 1 and img.std() > 0.01
    # the fixed noise makes renders repeat; a coarser preview is the same picture smaller
    np.testing.assert_array_equal(model.decode(z[:1]), model.decode(z[:1]))
    assert model.decode_at(z[:1], 32).shape == (1, 32, 32, 3)


@pytest.mark.slow
def test_the_real_256_config_loads_and_renders(tmp_path):
    path = stylegan_file(tmp_path / "g256.pt", size=256, narrow=False)
    model = load_portrait(path)
    assert model.generator.config.channel_multiplier == 2
    assert model.n_latent == 14 and model.latent_dim == 14 * 512
    img = model.decode_at(model.average_latent()[None], 64)
    assert img.shape == (1, 64, 64, 3)


def test_load_agrees_bit_for_bit_with_the_saved_generator(tmp_path):
    path = stylegan_file(tmp_path / "g.pt", size=32, seed=5)
    ckpt = torch.load(path, weights_only=True)
    g = Generator(detect_config(ckpt["g_ema"]))
    g.load_state_dict(ckpt["g_ema"])
    model = load_portrait(path)
    w = model.average_latent()[None]
    with torch.no_grad():
        ref = ((g.synthesis(torch.from_numpy(w).view(1, model.n_latent, -1)) + 1) / 2).clamp(0, 1)
    np.testing.assert_allclose(model.decode(w)[0], ref[0].permute(1, 2, 0).numpy(), atol=1e-6)


def test_upfirdn2d_matches_zero_insertion_then_a_flipped_convolution():
    x = torch.randn(2, 3, 9, 9)
    k = make_kernel() * 4
    out = upfirdn2d(x, k, up=2, pad=(2, 1))
    z = torch.zeros(2, 3, 18, 18)
    z[:, :, ::2, ::2] = x
    z = torch.nn.functional.pad(z, [2, 1, 2, 1])
    ref = torch.nn.functional.conv2d(z, torch.flip(k, [0, 1])[None, None].repeat(3, 1, 1, 1),
                                     groups=3)
    torch.testing.assert_close(out, ref)


def test_a_file_without_g_ema_is_refused_with_its_keys(tmp_path):
    path = tmp_path / "not.pt"
    torch.save({"params_ema": {"conv.weight": torch.zeros(1)}}, path)
    with pytest.raises(EngineError, match="no 'g_ema'.*params_ema"):
        load_generator_file(path)


def test_a_pickle_with_code_is_refused_before_it_runs(tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (print, ("ran",))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"g_ema": Boom()}, protocol=2))
    with pytest.raises(EngineError, match="refused|not a PyTorch"):
        load_generator_file(path)


def test_a_checkpoint_of_another_size_is_named_when_a_size_is_required(tmp_path):
    path = stylegan_file(tmp_path / "g.pt", size=64)
    with pytest.raises(EngineError, match=r"64 px StyleGAN2 \(10 W\+ layers\); 1024 px \(18"):
        load_generator_file(path, expect_size=1024)


def test_damaged_weights_say_what_does_not_fit(tmp_path):
    path = stylegan_file(tmp_path / "g.pt", size=32)
    ckpt = torch.load(path, weights_only=True)
    del ckpt["g_ema"]["to_rgbs.2.bias"]
    torch.save(ckpt, path)
    with pytest.raises(EngineError, match="do not fit"):
        load_generator_file(path)


def test_a_missing_latent_avg_is_computed_from_the_mapping(tmp_path):
    path = stylegan_file(tmp_path / "g.pt", size=32, with_avg=False)
    model = load_portrait(path)
    assert model.latent_avg.shape == (NARROW_STYLE,) and torch.isfinite(model.latent_avg).all()


def test_e4e_encodes_an_aligned_crop_into_w_plus_around_its_latent_avg(tmp_path):
    gen = stylegan_file(tmp_path / "g.pt", size=64)
    enc = e4e_file(tmp_path / "e4e.pt", generator_size=64)
    model = load_portrait(gen, enc)
    assert model.encoder is not None and "e4e" in model.name
    crop = np.random.default_rng(0).random((1, 64, 64, 3)).astype(np.float32)
    z = model.encode(crop)
    assert z.shape == (1, model.latent_dim) and np.isfinite(z).all()
    # e4e: one W repeated plus per-row deltas, offset by the checkpoint's latent_avg
    rows = z.reshape(model.n_latent, -1)
    avg = torch.load(enc, weights_only=True)["latent_avg"].numpy()
    assert not np.allclose(rows[0], rows[1])
    with torch.no_grad():
        t = torch.nn.functional.interpolate(torch.from_numpy(crop).permute(0, 3, 1, 2),
                                            size=(256, 256), mode="bilinear")
        w = model.encoder(t * 2 - 1)[0].numpy()
    np.testing.assert_allclose(rows, w + avg, rtol=1e-4, atol=1e-5)


def test_an_e4e_encoder_for_another_generator_size_is_a_clear_message(tmp_path):
    gen = stylegan_file(tmp_path / "g.pt", size=32)
    enc = e4e_file(tmp_path / "e4e.pt", generator_size=64)
    with pytest.raises(EngineError, match=r"trained for a 64 px generator \(10 W\+ layers.*"
                                          r"StyleGAN2 is 32 px \(8 layers"):
        load_portrait(gen, enc)


def test_a_generator_file_given_as_the_encoder_is_refused(tmp_path):
    gen = stylegan_file(tmp_path / "g.pt", size=32)
    with pytest.raises(EngineError, match="not an e4e encoder"):
        load_portrait(gen, gen)


def test_nothing_non_commercial_is_bundled():
    from ml.catalog import load_catalog
    from ml.resources import resource_path

    nc = [e for e in load_catalog() if not e.commercial_use]
    assert {"stylegan2-ffhq-1024", "e4e-ffhq-encode"} <= {e.id for e in nc}
    shipped = {p.name for p in resource_path("models").rglob("*") if p.is_file()}
    assert not shipped & {e.file_name for e in nc}
    for path in resource_path("models").rglob("*.pt"):  # e.g. the MTCNN nets
        assert "g_ema" not in torch.load(path, weights_only=True)
