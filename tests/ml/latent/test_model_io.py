"""Latent model folders: save/load round trip and clear errors for wrong files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.latent.base import Direction
from ml.latent.io import load_latent_model, save_latent_model
from ml.latent.models import GANLatentModel, VAELatentModel
from ml.types import EngineError

SR_SMALL = Path(__file__).resolve().parents[3] / "resources" / "models" / "sr-small-x2.safetensors"


def _with_directions(model):
    rng = np.random.default_rng(0)
    model.set_directions([Direction("smile", rng.normal(size=model.latent_dim), 0.7,
                                    conditioned_on=("glasses",), metrics={"fit_r2": 0.9})])
    model.compute_principal(rng.normal(size=(50, model.latent_dim)), k=3)
    model.info["note"] = "test"
    return model


@pytest.mark.parametrize("half", [False, True])
def test_vae_round_trip(tmp_path, tiny_vae, half):
    model = _with_directions(tiny_vae)
    folder = save_latent_model(model, tmp_path / "m", half=half)
    assert (folder / "model.json").is_file() and (folder / "model.safetensors").is_file()
    loaded = load_latent_model(folder)
    assert isinstance(loaded, VAELatentModel)
    assert (loaded.id, loaded.name, loaded.latent_dim, loaded.resolution) == ("tiny", "Tiny VAE", 8, 64)
    z = model.sample(3, seed=1)
    np.testing.assert_allclose(loaded.decode(z), model.decode(z), atol=2e-2 if half else 1e-6)
    d = loaded.directions["smile"]
    np.testing.assert_allclose(d.vector, model.directions["smile"].vector, atol=1e-6)
    assert d.scale == pytest.approx(0.7) and d.conditioned_on == ("glasses",)
    assert d.metrics == {"fit_r2": pytest.approx(0.9)}
    assert [p.name for p in loaded.principal] == ["pc1", "pc2", "pc3"]
    assert loaded.info["note"] == "test"
    # either file of the folder names the model too
    assert load_latent_model(folder / "model.json").id == "tiny"
    assert load_latent_model(folder / "model.safetensors").id == "tiny"


def test_fp16_file_is_about_half_the_size(tmp_path, tiny_vae):
    full = save_latent_model(tiny_vae, tmp_path / "a") / "model.safetensors"
    half = save_latent_model(tiny_vae, tmp_path / "b", half=True) / "model.safetensors"
    assert half.stat().st_size < 0.6 * full.stat().st_size


def test_gan_round_trip(tmp_path, tiny_gan):
    save_latent_model(tiny_gan, tmp_path / "g")
    loaded = load_latent_model(tmp_path / "g")
    assert isinstance(loaded, GANLatentModel)
    z = tiny_gan.sample(2, seed=4)
    np.testing.assert_allclose(loaded.decode(z), tiny_gan.decode(z), atol=1e-6)


def test_an_upscaler_file_is_refused_with_a_clear_message():
    with pytest.raises(EngineError, match=r"is a sr-small model, not a latent"):
        load_latent_model(SR_SMALL)


def test_another_architecture_is_refused(tmp_path, tiny_vae, tiny_gan):
    save_latent_model(tiny_gan, tmp_path / "g")
    with pytest.raises(EngineError, match="is a latent-dcgan model, not latent-vae"):
        load_latent_model(tmp_path / "g", expect_arch="latent-vae")
    # weights of one kind under the description of another
    save_latent_model(tiny_vae, tmp_path / "v")
    (tmp_path / "g" / "model.json").replace(tmp_path / "v" / "model.json")
    with pytest.raises(EngineError, match="holds latent-vae weights but .* describes latent-dcgan"):
        load_latent_model(tmp_path / "v")


def test_weights_that_do_not_fit_the_config(tmp_path, tiny_vae):
    folder = save_latent_model(tiny_vae, tmp_path / "m")
    meta = json.loads((folder / "model.json").read_text())
    meta["config"]["latent_dim"] = 16
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(EngineError, match="does not fit its config"):
        load_latent_model(folder)


def test_damaged_files(tmp_path, tiny_vae):
    folder = save_latent_model(tiny_vae, tmp_path / "m")
    good = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(good[: len(good) // 2])
    with pytest.raises(EngineError, match="not a readable safetensors file"):
        load_latent_model(folder)
    (folder / "model.safetensors").write_bytes(good)
    (folder / "model.json").write_text("{ not json")
    with pytest.raises(EngineError, match="model.json is damaged"):
        load_latent_model(folder)
    (folder / "model.json").unlink()
    with pytest.raises(EngineError, match="has weights but no model.json"):
        load_latent_model(folder)
    with pytest.raises(EngineError, match="is not a latent model"):
        load_latent_model(tmp_path / "empty")


def test_direction_of_the_wrong_size_is_refused(tiny_vae):
    with pytest.raises(EngineError, match="has 5 values"):
        tiny_vae.set_directions([Direction("x", np.ones(5))])
