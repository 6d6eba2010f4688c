"""The sr-small training CLI: a few steps on a tiny generated dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from ml.archs.sr_small import load_sr_small
from ml.train.checkpoint import load_checkpoint
from ml.train.sr import PatchSampler, TrainConfig, evaluate, load_images, main, psnr, ssim, train
from ml.types import Cancelled, CancelToken, Progress, RunContext


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


def _tiny(**kw) -> TrainConfig:
    values = {"scale": 2, "steps": 7, "batch": 2, "patch": 8, "lr": 3e-3, "channels": 8,
              "blocks": 1, "threads": 1, "report_every": 1, "checkpoint_every": 3}
    return TrainConfig(**{**values, **kw})


def _cancelling_at(step: int, seen: list[Progress]) -> RunContext:
    """A context whose progress callback cancels once ``step`` has been reported."""
    token = CancelToken()

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.payload["step"] >= step:
            token.cancel()

    return RunContext(progress=progress, cancel=token)


def test_progress_carries_step_loss_and_lr_payloads(tmp_path):
    images = load_images(_dataset(tmp_path / "d"))
    seen: list[Progress] = []
    _model, result = train(_tiny(steps=6, report_every=2),
                           RunContext(progress=seen.append), images)
    assert [p.payload["step"] for p in seen] == [2, 4, 6]
    assert all(p.payload["steps"] == 6 for p in seen)
    assert seen[-1].fraction == pytest.approx(1.0)
    # the loss is the mean of the steps since the previous report
    assert seen[0].payload["loss"] == pytest.approx(np.mean(result.losses[:2]))
    lrs = [p.payload["lr"] for p in seen]
    assert lrs == sorted(lrs, reverse=True) and lrs[0] < 3e-3  # cosine decay


def test_cancelled_run_resumed_from_its_checkpoint_ends_with_the_same_weights(tmp_path):
    images = load_images(_dataset(tmp_path / "d"))
    straight, full = train(_tiny(), RunContext(), images)

    ckpt = tmp_path / "run.ckpt"
    config = _tiny(checkpoint=str(ckpt))
    seen: list[Progress] = []
    with pytest.raises(Cancelled):
        # cancel requested at step 4, between the step-3 checkpoint and the next one:
        # the checkpoint written on cancel must be the step-4 state, not the step-3 one
        train(config, _cancelling_at(4, seen), images)
    state = load_checkpoint(ckpt)
    assert state is not None and state["step"] == 4 and len(state["losses"]) == 4

    resumed_seen: list[Progress] = []
    resumed, result = train(config, RunContext(progress=resumed_seen.append), images)
    assert result.resumed_from == 4
    assert [p.payload["step"] for p in resumed_seen] == [5, 6, 7]
    assert result.losses == full.losses
    for name, tensor in straight.state_dict().items():
        assert torch.equal(tensor, resumed.state_dict()[name]), name


def test_a_checkpoint_of_other_settings_is_refused_and_resume_false_starts_fresh(tmp_path):
    images = load_images(_dataset(tmp_path / "d"))
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(Cancelled):
        train(_tiny(checkpoint=str(ckpt)), _cancelling_at(2, []), images)
    with pytest.raises(ValueError, match="channels=8"):
        train(_tiny(checkpoint=str(ckpt), channels=16), RunContext(), images)
    _model, result = train(_tiny(checkpoint=str(ckpt), steps=2), RunContext(),
                           images, resume=False)
    assert result.resumed_from == 0 and len(result.losses) == 2


def test_cli_refuses_to_overwrite_a_checkpoint_and_resumes_with_resume(tmp_path, capsys):
    data = _dataset(tmp_path / "d")
    ckpt = tmp_path / "run.ckpt"
    images = load_images(data)
    with pytest.raises(Cancelled):
        train(_tiny(checkpoint=str(ckpt), steps=4), _cancelling_at(2, []), images)
    capsys.readouterr()
    args = ["--scale", "2", "--data", str(data), "--out", str(tmp_path / "m.safetensors"),
            "--steps", "4", "--batch", "2", "--patch", "8", "--channels", "8", "--blocks", "1",
            "--threads", "1", "--lr", "3e-3", "--checkpoint", str(ckpt)]
    assert main(args) == 1
    assert "--resume" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    out = capsys.readouterr().out
    assert "resumed from step 2" in out and "step 4/4" in out
    assert load_sr_small(tmp_path / "m.safetensors").channels == 8


def test_sr_res_grown_from_sr_small_trains_two_steps_and_resumes_from_its_checkpoint(
    tmp_path, capsys
):
    from ml.archs.sr_res import SRRes
    from ml.archs.sr_small import SRSmall, load_sr_model, save_sr_model

    data = _dataset(tmp_path / "d")
    small_path = tmp_path / "small.safetensors"
    save_sr_model(SRSmall(2, 8, 1), small_path)
    ckpt = tmp_path / "res.ckpt"
    images = load_images(data)
    config = _tiny(arch="sr-res", grow=str(small_path), res_blocks=1, steps=4,
                   checkpoint=str(ckpt))
    with pytest.raises(Cancelled):
        train(config, _cancelling_at(2, []), images)
    state = load_checkpoint(ckpt)
    assert state is not None and state["step"] == 2
    assert any(k.startswith("res.0.") for k in state["model"])
    capsys.readouterr()
    out = tmp_path / "res.safetensors"
    args = ["--arch", "sr-res", "--grow", str(small_path), "--res-blocks", "1", "--scale", "2",
            "--data", str(data), "--out", str(out), "--steps", "4", "--batch", "2",
            "--patch", "8", "--channels", "8", "--blocks", "1", "--threads", "1",
            "--lr", "3e-3", "--checkpoint", str(ckpt), "--resume"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "resumed from step 2" in printed and "step 4/4" in printed
    model = load_sr_model(out)
    assert isinstance(model, SRRes) and model.res_blocks == 1


def test_grow_refuses_an_sr_small_of_another_size(tmp_path):
    from ml.archs.sr_small import SRSmall, save_sr_model

    small_path = tmp_path / "small.safetensors"
    save_sr_model(SRSmall(2, 16, 1), small_path)
    with pytest.raises(ValueError, match="16 channels"):
        train(_tiny(arch="sr-res", grow=str(small_path), steps=1),
              RunContext(), load_images(_dataset(tmp_path / "d")))
