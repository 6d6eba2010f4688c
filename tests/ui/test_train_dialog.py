"""Filter ▸ Train Latent Model…: a real (tiny) training run in the background lane."""

from __future__ import annotations

import pytest

from editor.ui.ai_train import TrainDialog, train_dialog
from editor.ui.filters import filters

pytestmark = pytest.mark.slow

TINY = {"size": 64, "latent": 8, "epochs": 2, "batch": 8, "base": 8, "report_every": 1}


@pytest.fixture
def faces(tmp_path):
    from ml.data.cartoon_faces import write_folder

    write_folder(tmp_path / "faces", 16, seed=3)
    return tmp_path / "faces"


def test_the_filter_menu_offers_training(window):
    assert "train-latent" in [f.id for f in filters()]
    assert train_dialog(window) is train_dialog(window)  # one dialog, kept with its run


def test_training_shows_samples_and_losses_and_becomes_an_engine(window, qtbot, faces):
    dlg = train_dialog(window)
    dlg.folder.setText(str(faces))
    dlg.name.setText("tiny faces")
    job = dlg.start(**TINY)
    assert job.lane == "background" and dlg.running
    qtbot.waitUntil(lambda: job.finished, timeout=120_000)
    assert job.state == "done", dlg.status.text()
    assert dlg.samples.pixmap() is not None and not dlg.samples.pixmap().isNull()
    assert dlg.plot.history  # the loss terms the trainer reported
    assert all(len(v) >= 2 for v in dlg.plot.history.values())
    from pathlib import Path

    assert (Path(dlg.model_path) / "model.safetensors").is_file()
    from editor.jobs.engines import engines_for

    assert "tiny-faces" in [e.id for e in engines_for("latent")]


def test_cancel_keeps_the_checkpoint_and_start_resumes(window, qtbot, faces):
    dlg = TrainDialog(window)
    dlg.folder.setText(str(faces))
    dlg.name.setText("resumed")
    steps: list[int] = []
    job = dlg.start(**{**TINY, "epochs": 6})
    job_steps = lambda p: steps.append(p.payload["step"]) if p.payload else None
    window.jobs.progress.connect(lambda j, p: j is job and job_steps(p))
    qtbot.waitUntil(lambda: len(steps) >= 3, timeout=120_000)
    dlg.cancel()
    qtbot.waitUntil(lambda: job.finished, timeout=60_000)
    assert job.state == "cancelled" and "checkpoint" in dlg.status.text()
    stopped = steps[-1]
    steps.clear()
    job2 = dlg.start(**{**TINY, "epochs": 6})
    window.jobs.progress.connect(lambda j, p: j is job2 and job_steps(p))
    qtbot.waitUntil(lambda: job2.finished, timeout=120_000)
    assert job2.state == "done", dlg.status.text()
    assert steps and steps[0] > 1 and steps[0] >= stopped - 1  # resumed, not from step 1


def test_no_folder_is_a_message_not_a_job(window):
    dlg = TrainDialog(window)
    assert dlg.start() is None
    assert "folder" in dlg.status.text()


def test_a_direction_learned_from_two_groups_is_stored_in_the_trained_model(window, qtbot,
                                                                           tmp_path):
    import shutil

    from editor.jobs import latent as jl
    from editor.ui.ai_train import DirectionDialog
    from ml.data.cartoon_faces import generate, write_folder
    from ml.latent.builtin import builtin_path

    shutil.copytree(builtin_path(), jl.trained_models_dir() / "mine")
    _, labels = generate(40, seed=5)
    write_folder(tmp_path / "all", 40, seed=5)  # the same 40 faces, as PNG files
    for i, g in enumerate(labels["glasses"]):
        group = tmp_path / ("with" if g > 0.5 else "without")
        group.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "all" / f"face_{i:05d}.png", group)
    dlg = DirectionDialog(window)
    assert dlg.model.findData("mine") >= 0
    dlg.model.setCurrentIndex(dlg.model.findData("mine"))
    dlg.name.setText("Specs")
    dlg.with_folder.setText(str(tmp_path / "with"))
    dlg.without_folder.setText(str(tmp_path / "without"))
    job = dlg.learn()
    qtbot.waitUntil(lambda: job.finished, timeout=60_000)
    assert job.state == "done", dlg.status.text()
    assert dlg.result["name"] == "specs" and dlg.result["fit_accuracy"] > 0.8
    spec = jl.model_spec("mine")
    assert "specs" in [d.name for d in spec.directions]
