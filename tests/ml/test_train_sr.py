"""The sr-small training CLI: a few steps on a tiny generated dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ml.archs.sr_small import load_sr_small
from ml.train.sr import PatchSampler, TrainConfig, evaluate, load_images, main, psnr, ssim, train


def _dataset(folder: Path, n: int = 3, size: int = 96) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        im = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 255, 3)))
        draw = ImageDraw.Draw(im)
        for _ in range(12):
            x0, y0 = (int(v) for v in rng.integers(0, size, 2))
            colour = tuple(int(v) for v in rng.integers(0, 255, 3))
            draw.rectangle((x0, y0, x0 + 20, y0 + 9), fill=colour)
            draw.line((0, y0, size, x0), fill=colour, width=2)
        im.save(folder / f"shapes{i}.png")
    return folder


def test_patch_sampler_makes_bicubic_pairs_of_the_right_shapes(tmp_path):
    images = load_images(_dataset(tmp_path / "d"))
    lo, hi = PatchSampler(images, scale=4, lr_patch=8, seed=1).batch(5)
    assert lo.shape == (5, 3, 8, 8) and hi.shape == (5, 3, 32, 32)
    assert lo.dtype == np.float32 and 0.0 <= lo.min() and hi.max() <= 1.0


def test_training_lowers_the_loss(tmp_path):
    config = TrainConfig(
        scale=2,
        data=str(_dataset(tmp_path / "d")),
        steps=60,
        batch=8,
        patch=16,
        lr=3e-3,
        channels=16,
        blocks=2,
        threads=1,
    )
    _model, result = train(config)
    assert len(result.losses) == 60
    assert np.mean(result.losses[-15:]) < 0.9 * np.mean(result.losses[:15])


def test_cli_writes_a_loadable_model_and_evaluates_it(tmp_path, capsys):
    data = _dataset(tmp_path / "d")
    held = _dataset(tmp_path / "held", n=1, size=64)
    out = tmp_path / "m.safetensors"
    code = main(
        [
            "--scale",
            "4",
            "--data",
            str(data),
            "--out",
            str(out),
            "--steps",
            "3",
            "--batch",
            "2",
            "--patch",
            "8",
            "--channels",
            "8",
            "--blocks",
            "1",
            "--threads",
            "1",
            "--eval",
            str(held),
        ]
    )
    assert code == 0
    model = load_sr_small(out)
    assert (model.scale, model.channels, model.blocks) == (4, 8, 1)
    assert "bicubic" in capsys.readouterr().out
    metrics = evaluate(model, held, 4)
    assert set(metrics) == {"shapes0.png", "mean"}
    assert 5 < metrics["mean"]["bicubic_psnr"] < 60


def test_cli_names_a_missing_data_folder(tmp_path, capsys):
    code = main(
        [
            "--scale",
            "2",
            "--data",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "m.safetensors"),
            "--steps",
            "1",
        ]
    )
    assert code == 1
    assert "nope" in capsys.readouterr().err


def test_metrics_are_perfect_for_identical_images_and_drop_with_noise():
    yy, xx = np.mgrid[0:40, 0:40]
    a = 120 + 60 * np.sin(xx / 6.0) * np.cos(yy / 5.0)
    assert psnr(a, a) == float("inf") and ssim(a, a) == pytest.approx(1.0)
    noisy = a + np.random.default_rng(1).normal(0, 10, a.shape)
    assert 20 < psnr(a, noisy) < 35 and ssim(a, noisy) < 0.95


def test_cli_continues_from_init_weights_and_refuses_a_mismatch(tmp_path, capsys):
    data = _dataset(tmp_path / "d")
    first = tmp_path / "x2.safetensors"
    small = ["--batch", "2", "--patch", "8", "--channels", "8", "--blocks", "1", "--threads", "1"]
    assert (
        main(["--scale", "2", "--data", str(data), "--out", str(first), "--steps", "2"] + small)
        == 0
    )
    second = tmp_path / "x2b.safetensors"
    args = ["--data", str(data), "--out", str(second), "--steps", "2", "--init", str(first)]
    assert main(["--scale", "2"] + args + small) == 0
    assert load_sr_small(second).scale == 2
    assert main(["--scale", "4"] + args + small) == 1
    assert "x2.safetensors" in capsys.readouterr().err
