"""Training the VAE and the DCGAN: loss falls, reconstructions improve, cancel/resume."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ml.latent.evaluate import reconstruction_psnr
from ml.latent.io import load_latent_model
from ml.train.latent import (
    CHECKPOINT_NAME,
    LOSSES_NAME,
    SAMPLES_NAME,
    draw_loss_curve,
    main,
    make_grid,
    train_gan,
    train_vae,
)
from ml.types import Cancelled, CancelToken, EngineError, RunContext


@pytest.mark.slow
def test_vae_loss_falls_and_psnr_rises(tmp_path, faces, heldout_faces, tiny_config):
    images, _ = faces
    held, _ = heldout_faces
    payloads = []
    ctx = RunContext(progress=lambda p: payloads.append(p.payload))
    first = train_vae(images, tmp_path / "m", tiny_config(epochs=1), ctx)
    psnr_1 = reconstruction_psnr(first.model, held)
    later = train_vae(images, tmp_path / "m", tiny_config(epochs=4), ctx)
    psnr_4 = reconstruction_psnr(later.model, held)
    assert later.start_epoch == 1 and later.epochs == 4
    recon = [h["losses"]["recon"] for h in later.history]
    assert np.mean(recon[-3:]) < 0.8 * np.mean(recon[:2])
    assert psnr_4 > psnr_1 + 0.5
    # the progress payload carries epoch, step, losses and a sample grid
    p = [x for x in payloads if x is not None][-1]
    assert set(p) == {"epoch", "step", "losses", "samples"}
    assert p["epoch"] == 4 and set(p["losses"]) == {"recon", "kl"}
    assert p["samples"].dtype == np.float32 and p["samples"].ndim == 3
    for name in (SAMPLES_NAME, LOSSES_NAME, CHECKPOINT_NAME, "model.json", "model.safetensors"):
        assert (tmp_path / "m" / name).is_file()
    with Image.open(tmp_path / "m" / LOSSES_NAME) as im:
        assert im.size[0] == 640
    model = load_latent_model(tmp_path / "m")
    assert model.info["trained_epochs"] == 4 and len(model.principal) == 8
    assert "prior_mean" in model.info


@pytest.mark.slow
def test_cancel_then_resume_continues_from_the_step_reached(tmp_path, faces, tiny_config):
    images, _ = faces
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p.payload["step"] if p.payload else None)
        if len([s for s in seen if s]) == 3:  # step 12 of 8 per epoch: inside epoch 2
            token.cancel()

    config = tiny_config(epochs=3)
    with pytest.raises(Cancelled):
        train_vae(images, tmp_path / "m", config, RunContext(progress, token))
    assert (tmp_path / "m" / CHECKPOINT_NAME).is_file()
    steps = []
    done = train_vae(images, tmp_path / "m", config,
                     RunContext(lambda p: steps.append(p.payload["step"] if p.payload else None)))
    assert done.start_epoch == 1  # epoch 1 had finished; epoch 2 resumes part-way
    logged = [h["step"] for h in done.history]
    assert logged == sorted(set(logged)) and logged[-1] == 24
    assert min(s for s in steps if s) > 12  # the steps before the cancel are not redone
    again = train_vae(images, tmp_path / "m", config)
    assert again.start_epoch == 3 and again.model.info["trained_epochs"] == 3


def test_resume_with_other_settings_is_refused(tmp_path, faces, tiny_config):
    images, _ = faces
    train_vae(images[:32], tmp_path / "m", tiny_config(epochs=1))
    with pytest.raises(EngineError, match="trained with other settings .*latent=8"):
        train_vae(images[:32], tmp_path / "m", tiny_config(epochs=2, latent=16))
    with pytest.raises(EngineError, match="is a vae run, not gan"):
        train_gan(images[:32], tmp_path / "m", tiny_config(epochs=2))


@pytest.mark.slow
def test_gan_learns_the_colour_statistics(tmp_path, faces, tiny_config):
    images, _ = faces
    real = images.astype(np.float32) / 255
    result = train_gan(images, tmp_path / "g", tiny_config(epochs=6, report_every=16, seed=1, lr=1e-3))
    import torch

    from ml.latent.models import GANLatentModel

    torch.manual_seed(1)
    untrained = GANLatentModel.from_config(result.model.config_dict())
    gap = lambda m: float(np.abs(m.decode(m.sample(64, 5)).mean(0) - real.mean(0)).mean())
    assert gap(result.model) < 0.85 * gap(untrained)  # measured: 0.75
    losses = result.history[-1]["losses"]
    assert set(losses) == {"d", "g"} and all(np.isfinite(v) for v in losses.values())
    assert len(result.model.principal) == 8


def test_training_from_an_unusable_folder_says_why(tmp_path, tiny_config):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineError, match="empty is empty"):
        train_vae(tmp_path / "empty", tmp_path / "out", tiny_config())
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "a.txt").write_text("x")
    with pytest.raises(EngineError, match="contains no images"):
        train_gan(tmp_path / "txt", tmp_path / "out", tiny_config())


@pytest.mark.slow
def test_command_line_trains_from_a_folder(tmp_path, capsys):
    from ml.data.cartoon_faces import write_folder

    write_folder(tmp_path / "faces", 40, seed=1)
    rc = main(["vae", str(tmp_path / "faces"), "--out", str(tmp_path / "m"), "--epochs", "1",
               "--latent", "8", "--base", "8", "--report-every", "1"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "epoch 1/1, step 1/1: recon" in out and "saved" in out
    assert load_latent_model(tmp_path / "m").latent_dim == 8
    rc = main(["vae", str(tmp_path / "nothere"), "--out", str(tmp_path / "m2")])
    assert rc == 1 and "is not a folder" in capsys.readouterr().err


def test_grid_and_loss_curve(tmp_path):
    grid = make_grid(np.zeros((5, 4, 4, 3), np.float32), cols=3, pad=1)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1, 3)
    assert grid[1:5, 1:5].max() == 0 and grid[0].min() == 1
    hist = [{"epoch": 1, "step": s, "losses": {"a": 10.0 / s, "b": float(s)}} for s in range(1, 20)]
    draw_loss_curve(hist, tmp_path / "l.png")
    with Image.open(tmp_path / "l.png") as im:
        px = np.asarray(im.convert("RGB")).astype(int)
    # both curves were drawn in their colours
    assert np.any(np.all(px == (31, 119, 180), axis=2)) and np.any(np.all(px == (214, 39, 40), axis=2))
