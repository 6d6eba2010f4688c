"""``retouch edit`` (the latent task's generated subcommand) and ``retouch train``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.cli import main, subcommands

ASTRONAUT = Path(__file__).parents[1] / "ml" / "face" / "data" / "astronaut.jpg"


@pytest.fixture()
def cartoon(tmp_path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    from ml.data.cartoon_faces import render_face, sample_attributes

    attrs = {k: float(v[0]) for k, v in sample_attributes(1, seed=5).items()}
    img = np.full((80, 112, 3), 200, np.uint8)
    img[8:72, 24:88] = render_face(attrs, size=64)
    mask = np.zeros((80, 112), np.uint8)
    mask[8:72, 24:88] = 255
    Image.fromarray(img).save(tmp_path / "in.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return tmp_path / "in.png", tmp_path / "mask.png", img, mask > 0


def test_edit_and_train_are_subcommands():
    assert "edit" in subcommands() and "train" in subcommands()


def test_edit_smile_changes_inside_the_mask_only(cartoon, tmp_path, capsys):
    src, mask_path, img, mask = cartoon
    plain, smile = tmp_path / "plain.png", tmp_path / "smile.png"
    assert main(["edit", str(src), str(plain), "--model", "cartoon-faces-vae",
                 "--mask", str(mask_path)]) == 0
    assert main(["edit", str(src), str(smile), "--model", "cartoon-faces-vae",
                 "--mask", str(mask_path), "--set", "smile=2"]) == 0
    a = np.asarray(Image.open(plain).convert("RGB")).astype(int)
    b = np.asarray(Image.open(smile).convert("RGB")).astype(int)
    assert np.array_equal(b[~mask], img[~mask])
    assert np.abs(b - a)[mask].mean() > 2.0
    assert "cartoon-faces-vae" in capsys.readouterr().out


def test_edit_face_shape_changes_only_the_face(tmp_path):
    out = tmp_path / "out.png"
    assert main(["edit", str(ASTRONAUT), str(out), "--engine", "face-shape",
                 "--set", "smile=2"]) == 0
    img = np.asarray(Image.open(ASTRONAUT).convert("RGB"))
    res = np.asarray(Image.open(out).convert("RGB"))
    changed = np.any(np.abs(res.astype(int) - img.astype(int)) > 0, axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 100
    # the face sits in the upper middle of the photo; the suit and background stay
    assert ys.max() < img.shape[0] * 0.6 and not changed[-100:].any()
    assert (xs.max() - xs.min()) * (ys.max() - ys.min()) < 0.15 * img.size / 3


def test_unknown_direction_exits_2(cartoon, tmp_path, capsys):
    src, _, _, _ = cartoon
    out = tmp_path / "out.png"
    assert main(["edit", str(src), str(out), "--set", "grin=1"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "'grin'" in err and "smile" in err
    assert not out.exists()


@pytest.mark.parametrize("bad", ["smile", "smile=lots", "smile=9"])
def test_bad_set_values_exit_2(cartoon, tmp_path, capsys, bad):
    src, _, _, _ = cartoon
    assert main(["edit", str(src), str(tmp_path / "o.png"), "--set", bad]) == 2
    assert "error:" in capsys.readouterr().err


def _faces(tmp_path) -> Path:
    from ml.data.cartoon_faces import write_folder

    return write_folder(tmp_path / "faces", 16).parent


TINY = ["--epochs", "1", "--latent", "8", "--base", "8", "--batch", "8",
        "--report-every", "1"]


def test_train_vae_then_directions(tmp_path, capsys):
    faces = _faces(tmp_path)
    model = tmp_path / "model"
    assert main(["train", "vae", str(faces), "--out", str(model), *TINY]) == 0
    text = capsys.readouterr().out
    assert "epoch 1/1" in text and "saved" in text
    meta = json.loads((model / "model.json").read_text())
    assert meta["arch"] == "latent-vae" and meta["config"]["latent_dim"] == 8
    assert (model / "checkpoint.pt").is_file()
    dirs = tmp_path / "dirs.json"
    assert main(["train", "directions", str(model), str(faces / "labels.csv"),
                 "--out", str(dirs)]) == 0
    names = {d["name"] for d in json.loads(dirs.read_text())["directions"]}
    assert {"smile", "glasses"} <= names


def test_train_gan_writes_a_model(tmp_path):
    faces = _faces(tmp_path)
    assert main(["train", "gan", str(faces), "--out", str(tmp_path / "g"), *TINY]) == 0
    assert json.loads((tmp_path / "g" / "model.json").read_text())["arch"] == "latent-dcgan"


def test_train_errors_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["train", "vae", str(tmp_path / "empty"), "--out", str(tmp_path / "m")]) == 2
    assert "error:" in capsys.readouterr().err
    faces = _faces(tmp_path)
    model = tmp_path / "model"
    assert main(["train", "vae", str(faces), "--out", str(model), *TINY]) == 0
    csv = tmp_path / "labels.csv"
    csv.write_text("file,smile\nmissing.png,1\nother.png,0\n")
    capsys.readouterr()
    assert main(["train", "directions", str(model), str(csv), "--out",
                 str(tmp_path / "d.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "missing.png" in err


def test_train_ctrl_c_keeps_the_checkpoint_and_exits_130(tmp_path, monkeypatch, capsys):
    import ml.train.latent as trainer

    faces = _faces(tmp_path)
    model = tmp_path / "model"
    real = trainer.RunContext.report
    calls = []

    def interrupt(self, fraction, stage="", preview=None, payload=None):
        calls.append(stage)
        if payload is not None:
            raise KeyboardInterrupt
        return real(self, fraction, stage, preview, payload)

    monkeypatch.setattr(trainer.RunContext, "report", interrupt)
    assert main(["train", "vae", str(faces), "--out", str(model), *TINY]) == 130
    assert calls and (model / "checkpoint.pt").is_file()
    assert "resume" in capsys.readouterr().err
    monkeypatch.setattr(trainer.RunContext, "report", real)
    assert main(["train", "vae", str(faces), "--out", str(model), *TINY]) == 0
    assert (model / "model.json").is_file()
