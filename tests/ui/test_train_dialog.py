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
