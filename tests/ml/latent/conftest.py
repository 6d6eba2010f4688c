"""Fixtures for the latent-model tests: small synthetic face sets and tiny models."""

from __future__ import annotations

import numpy as np
import pytest

from ml.train.latent import LatentTrainConfig


def _tiny_config(**overrides) -> LatentTrainConfig:
    """A VAE/GAN small enough to train a few epochs in seconds on one CPU core."""
    base = {"size": 64, "latent": 8, "epochs": 2, "batch": 32, "base": 8, "kl_weight": 0.1,
            "report_every": 4, "min_images": 16, "seed": 0}
    base.update(overrides)
    return LatentTrainConfig(**base)


@pytest.fixture
def tiny_config():
    """Factory: ``tiny_config(epochs=3, ...)`` → a :class:`LatentTrainConfig` for tests."""
    return _tiny_config


@pytest.fixture(scope="session")
def faces() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """256 synthetic 64 px faces (uint8) and their labels."""
    from ml.data.cartoon_faces import generate

    return generate(256, seed=3)


@pytest.fixture(scope="session")
def heldout_faces() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """64 held-out faces (another seed), float32 in [0, 1]."""
    from ml.data.cartoon_faces import generate

    images, labels = generate(64, seed=99)
    return images.astype(np.float32) / 255, labels


def _calibrate(net, forward) -> None:
    """Give BatchNorm real running statistics (an untrained net in eval mode otherwise
    maps every latent to nearly the same image)."""
    import torch

    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None  # cumulative average
    net.train()
    with torch.no_grad():
        for _ in range(4):
            forward()
    net.eval()


@pytest.fixture
def tiny_vae():
    """An untrained tiny VAE model (latent 8)."""
    import torch

    from ml.latent.models import VAELatentModel

    torch.manual_seed(0)
    model = VAELatentModel.from_config({"resolution": 64, "latent_dim": 8, "base": 8},
                                       model_id="tiny", name="Tiny VAE")
    _calibrate(model.net, lambda: model.net(torch.rand(16, 3, 64, 64)))
    return model


@pytest.fixture
def tiny_gan():
    """An untrained tiny DCGAN generator model (latent 8)."""
    import torch

    from ml.latent.models import GANLatentModel

    torch.manual_seed(0)
    model = GANLatentModel.from_config(
        {"resolution": 64, "latent_dim": 8, "g_base": 8, "d_base": 8}, model_id="tiny-gan",
        name="Tiny GAN")
    _calibrate(model.generator, lambda: model.generator(torch.randn(16, 8)))
    return model
