"""The LatentModel interface: sampling, decoding, encoding, inversion, directions."""

from __future__ import annotations

import numpy as np
import pytest

from ml.latent.base import Direction, latent_scale, pca_directions
from ml.types import Cancelled, CancelToken, EngineError, RunContext


def test_direction_is_unit_and_applies_in_std_units():
    d = Direction("smile", np.array([3.0, 4.0]), scale=2.0)
    np.testing.assert_allclose(d.vector, [0.6, 0.8], atol=1e-7)
    np.testing.assert_allclose(d.apply(np.zeros(2), 1.5), [1.8, 2.4], atol=1e-6)
    assert Direction.from_dict(d.to_dict()) .to_dict() == d.to_dict()
    assert d.title == "smile"
    with pytest.raises(ValueError):
        Direction("none", np.zeros(3))


def test_pca_finds_the_axis_of_largest_variance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 4)) * np.array([0.1, 3.0, 1.0, 0.2])
    pcs = pca_directions(x, k=2)
    assert abs(pcs[0].vector[1]) > 0.99 and abs(pcs[1].vector[2]) > 0.99
    assert pcs[0].scale == pytest.approx(3.0, rel=0.05)
    assert pcs[0].kind == "principal"
    assert latent_scale(x, np.array([0, 0, 1.0, 0])) == pytest.approx(1.0, rel=0.05)


def test_sample_and_decode(tiny_vae):
    z = tiny_vae.sample(5, seed=7)
    assert z.shape == (5, 8) and z.dtype == np.float32
    np.testing.assert_array_equal(z, tiny_vae.sample(5, seed=7))
    assert not np.array_equal(z, tiny_vae.sample(5, seed=8))
    images = tiny_vae.decode(z)
    assert images.shape == (5, 64, 64, 3) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert tiny_vae.decode(z[0]).shape == (1, 64, 64, 3)
    with pytest.raises(EngineError, match="latents of size 8"):
        tiny_vae.decode(np.zeros((2, 5), np.float32))
    with pytest.raises(EngineError, match="NaN"):
        tiny_vae.decode(np.full((1, 8), np.nan, np.float32))


def test_vae_encode_resizes_any_input(tiny_vae, heldout_faces):
    images, _ = heldout_faces
    z = tiny_vae.encode(images[:4])
    assert z.shape == (4, 8)
    big = np.repeat(np.repeat(images[:4], 2, axis=1), 2, axis=2)  # 128 px
    np.testing.assert_allclose(tiny_vae.encode(big), z, atol=1e-3)
    assert tiny_vae.encode(images[0]).shape == (1, 8)
    with pytest.raises(EngineError, match="RGB images"):
        tiny_vae.encode(np.zeros((2, 64, 64)))


def test_inversion_reduces_the_error_and_reports_progress(tiny_gan):
    target = tiny_gan.decode(tiny_gan.sample(2, seed=11))
    seen = []
    ctx = RunContext(progress=lambda p: seen.append(p.fraction))
    start = tiny_gan.sample(2, seed=0)
    z = tiny_gan.invert(target, ctx, steps=40, init=start)
    err = lambda w: float(np.mean((tiny_gan.decode(w) - target) ** 2))
    assert err(z) < 0.5 * err(start)
    assert seen[0] == 0 and seen[-1] == 1 and len(seen) == 41
    # the generator's weights are left trainable as they were
    assert all(p.requires_grad for p in tiny_gan.generator.parameters())


def test_inversion_can_be_cancelled(tiny_gan):
    token = CancelToken()
    calls = []

    def progress(p):
        calls.append(p)
        if len(calls) == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        tiny_gan.encode(tiny_gan.decode(tiny_gan.sample(1)), RunContext(progress, token), steps=50)
    assert len(calls) == 3


def test_edit_by_name(tiny_vae):
    tiny_vae.set_directions([Direction("a", np.eye(8)[0], scale=0.5)])
    tiny_vae.compute_principal(np.random.default_rng(0).normal(size=(100, 8)), k=2)
    z = np.zeros((1, 8), np.float32)
    np.testing.assert_allclose(tiny_vae.edit(z, {"a": 2.0})[0, 0], 1.0, atol=1e-6)
    moved = tiny_vae.edit(z, {"pc1": 1.0})
    assert np.linalg.norm(moved) == pytest.approx(tiny_vae.principal[0].scale, rel=1e-5)
    with pytest.raises(EngineError, match="no direction named 'b'"):
        tiny_vae.edit(z, {"b": 1.0})


def test_gan_principal_directions_are_unit_and_ordered(tiny_gan):
    pcs = tiny_gan.compute_principal(n=300, k=4)
    assert [p.name for p in pcs] == ["pc1", "pc2", "pc3", "pc4"]
    for p in pcs:
        assert np.linalg.norm(p.vector) == pytest.approx(1.0, abs=1e-5) and p.scale > 0


def test_vae_fitted_prior(tiny_vae):
    rng = np.random.default_rng(0)
    lat = rng.normal(size=(4000, 8)) * 0.3 + 2.0
    tiny_vae.fit_prior(lat)
    s = tiny_vae.sample(4000, seed=0)
    np.testing.assert_allclose(s.mean(axis=0), 2.0, atol=0.05)
    np.testing.assert_allclose(s.std(axis=0), 0.3, atol=0.03)


def test_unusable_device_is_an_engine_error(tiny_vae):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present here")
    with pytest.raises(EngineError, match="cannot use the device 'cuda'"):
        tiny_vae.to("cuda")
    assert tiny_vae.device == "cpu"
