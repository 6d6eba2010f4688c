"""Attribute directions: the fits, conditioning, two-group directions, files and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ml.data.cartoon_faces import write_folder
from ml.data.labels import write_labels
from ml.latent.io import load_latent_model, save_latent_model
from ml.train.directions import (
    direction_from_groups,
    fit_linear,
    fit_logistic,
    learn_directions,
    load_directions,
    main,
    save_directions,
)
from ml.types import EngineError


def _latents_with_known_attributes(n=3000, d=8, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, d)).astype(np.float32)
    w_num = np.array([1.0, 0.5, 0, 0, 0, 0, 0, 0])
    w_bin = np.array([0.6, 0, 1.0, 0, 0, 0, 0, 0])  # shares axis 0 with the numeric one
    labels = {
        "width": (z @ w_num + 0.05 * rng.normal(size=n)).astype(np.float32),
        "glasses": ((z @ w_bin + 0.1 * rng.normal(size=n)) > 0).astype(np.float32),
    }
    return z, labels, w_num / np.linalg.norm(w_num), w_bin / np.linalg.norm(w_bin)


def test_linear_and_logistic_fits_recover_the_normal():
    z, labels, w_num, w_bin = _latents_with_known_attributes()
    w, _, r2 = fit_linear(z, labels["width"])
    assert r2 > 0.99 and np.dot(w / np.linalg.norm(w), w_num) > 0.999
    w, _, acc = fit_logistic(z, labels["glasses"], l2=1e-4)
    assert acc > 0.95 and np.dot(w / np.linalg.norm(w), w_bin) > 0.99


def test_learned_directions_raw_and_conditional(tiny_vae):
    z, labels, w_num, _ = _latents_with_known_attributes()
    raw = learn_directions(tiny_vae, z, labels, conditional=False)
    assert np.dot(raw["width"].vector, w_num) > 0.99
    assert raw["glasses"].metrics["fit_accuracy"] > 0.95 and raw["width"].metrics["fit_r2"] > 0.99
    cond = learn_directions(tiny_vae, z, labels)
    # each conditional direction is orthogonal to the other attribute's normal …
    assert abs(np.dot(cond["width"].vector, raw["glasses"].vector)) < 1e-5
    assert abs(np.dot(cond["glasses"].vector, raw["width"].vector)) < 1e-5
    # … and still increases its own attribute
    assert np.dot(cond["width"].vector, w_num) > 0.5
    assert cond["width"].conditioned_on == ("glasses",)
    # scale = the latents' std along the direction (unit-normal latents: about 1)
    assert cond["width"].scale == pytest.approx(1.0, rel=0.1)


def test_direction_from_two_groups(tiny_vae):
    rng = np.random.default_rng(1)
    axis = np.eye(8)[3]
    with_ = rng.normal(size=(6, 8)) + 2 * axis
    without = rng.normal(size=(6, 8)) - 2 * axis
    d = direction_from_groups(tiny_vae, with_.astype(np.float32), without.astype(np.float32), "bright")
    assert d.name == "bright" and np.dot(d.vector, axis) > 0.8
    assert d.scale == 1.0  # no training statistics in this model: the N(0, I) prior


def test_bad_labels_are_refused(tiny_vae):
    z = np.zeros((10, 8), np.float32)
    with pytest.raises(EngineError, match="has 3 values for 10 images"):
        learn_directions(tiny_vae, z, {"a": np.zeros(3)})
    with pytest.raises(EngineError, match="same value everywhere"):
        learn_directions(tiny_vae, z, {"a": np.ones(10)})
    with pytest.raises(EngineError, match="latents have size 5"):
        learn_directions(tiny_vae, np.zeros((10, 5)), {"a": np.arange(10.0)})


def test_directions_file_round_trip(tmp_path, tiny_vae, tiny_gan):
    z, labels, _, _ = _latents_with_known_attributes()
    dirs = learn_directions(tiny_vae, z, labels)
    save_directions(tmp_path / "d.json", tiny_vae, dirs)
    back = load_directions(tmp_path / "d.json", tiny_vae)
    assert list(back) == ["width", "glasses"]
    np.testing.assert_allclose(back["width"].vector, dirs["width"].vector, atol=1e-6)
    (tmp_path / "x.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(EngineError, match="not a Retouch directions file"):
        load_directions(tmp_path / "x.json")


@pytest.mark.slow
def test_command_line_learns_from_a_labels_csv(tmp_path, tiny_vae, capsys):
    write_folder(tmp_path / "faces", 60, seed=4)
    save_latent_model(tiny_vae, tmp_path / "m")
    rc = main([str(tmp_path / "m"), str(tmp_path / "faces" / "labels.csv"), "--out",
               str(tmp_path / "d.json"), "--columns", "smile,glasses", "--into-model"])
    assert rc == 0, capsys.readouterr().err
    assert "smile: scale" in capsys.readouterr().out
    assert list(load_directions(tmp_path / "d.json")) == ["smile", "glasses"]
    assert set(load_latent_model(tmp_path / "m").directions) == {"smile", "glasses"}


def test_command_line_names_missing_files(tmp_path, tiny_vae, capsys):
    write_folder(tmp_path, 2, seed=0)
    save_latent_model(tiny_vae, tmp_path / "m")
    write_labels(tmp_path / "l.csv", ["face_00000.png", "missing_1.png"], {"smile": np.zeros(2)})
    rc = main([str(tmp_path / "m"), str(tmp_path / "l.csv"), "--out", str(tmp_path / "d.json")])
    err = capsys.readouterr().err
    assert rc == 1 and "missing_1.png" in err and "l.csv names 1 image(s)" in err
    assert not (tmp_path / "d.json").exists()
