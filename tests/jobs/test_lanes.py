"""Job lanes: previews (newest per key wins) and edits never wait behind background work;
background jobs cancel, and a cancelled training run resumes from its checkpoint."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.jobs import LANE_BACKGROUND, LANE_EDIT, LANE_PREVIEW, LANES, JobRunner
from ml.train.checkpoint import load_checkpoint
from ml.train.sr import TrainConfig, train
from ml.types import Progress, RunContext


@dataclass(frozen=True)
class Spin:
    """A long job: ``ticks`` sleeps of ``tick`` seconds, checking cancel after each."""

    ticks: int
    tick: float = 0.01


class Spinner:
    """Run function for :class:`Spin` that counts the ticks it ran (read from the test)."""

    def __init__(self) -> None:
        self.ticks = 0
        self.thread: int | None = None

    def __call__(self, req: Spin, ctx: RunContext) -> int:
        self.thread = threading.get_ident()
        for _ in range(req.ticks):
            time.sleep(req.tick)
            self.ticks += 1
            ctx.cancel.check()
        return self.ticks


def quick(req: int, ctx: RunContext, steps: int = 3) -> int:
    """A short preview/edit: ``steps`` 10 ms steps with progress; returns ``req``."""
    for i in range(steps):
        time.sleep(0.01)
        ctx.report((i + 1) / steps, f"step {i + 1}")
    return req


def preview(req: tuple[int, int], ctx: RunContext) -> int:
    """A preview request ``(index, steps)``; returns the index."""
    return quick(req[0], ctx, req[1])


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.shutdown()


def _running_background(qtbot, runner: JobRunner, ticks: int = 3000):
    spinner = Spinner()
    bg = runner.submit(Spin(ticks), spinner, lane=LANE_BACKGROUND, title="long download")
    qtbot.waitUntil(lambda: bg.state == "running" and spinner.ticks > 0, timeout=5000)
    return bg, spinner


def test_newest_preview_is_delivered_while_a_background_job_runs(qtbot, runner):
    bg, _ = _running_background(qtbot, runner)
    submitted: list = []
    delivered: list[tuple[int, str]] = []  # (preview index, background state then)
    progress_seen: list[tuple[int, int]] = []  # (preview index, newest index then)

    def submit(i: int, steps: int = 3):
        handle = runner.submit(
            (i, steps), preview, lane=LANE_PREVIEW, key="style-preview", title="preview",
            on_done=lambda r: delivered.append((r, bg.state)),
            on_progress=lambda p, i=i: progress_seen.append((i, len(submitted) - 1)),
        )
        submitted.append(handle)

    submit(0, steps=3000)  # long enough to be superseded while it runs
    qtbot.waitUntil(lambda: submitted[0].state == "running", timeout=5000)
    for i in range(1, 20):  # the first is superseded while running, later ones queued or running
        submit(i)
        if i % 5 == 0:
            qtbot.wait(5)
    last = submitted[-1]
    qtbot.waitUntil(lambda: last.state == "done", timeout=5000)
    qtbot.wait(100)  # let any stale event of an older preview arrive (it must be dropped)

    assert delivered == [(19, "running")]
    assert [h.state for h in submitted[:-1]] == ["superseded"] * 19
    assert all(h.lane == LANE_PREVIEW for h in submitted)
    # progress only ever came from the newest preview of its moment
    assert progress_seen and all(i == newest for i, newest in progress_seen)
    assert bg.state == "running"
    assert runner.current is None  # the status bar's job is the edit lane's only


def test_edit_job_is_not_delayed_by_a_running_background_job(qtbot, runner):
    bg, spinner = _running_background(qtbot, runner)
    seen: list[tuple[int, str, int]] = []
    edit = runner.submit(5, quick, title="Upscale",
                         on_done=lambda r: seen.append((r, bg.state, spinner.ticks)))
    assert edit.lane == LANE_EDIT
    qtbot.waitUntil(lambda: edit.state == "done", timeout=5000)
    assert seen[0][:2] == (5, "running")
    assert seen[0][2] < 3000  # the background job was nowhere near its end
    assert runner.running(LANE_BACKGROUND) == [bg] and runner.busy


def test_current_and_pending_count_describe_the_edit_lane(qtbot, runner):
    bg, _ = _running_background(qtbot, runner)
    spinner = Spinner()
    edit = runner.submit(Spin(3000), spinner, title="Inpaint")
    queued = runner.submit(1, quick, title="Upscale")
    preview = runner.submit(2, quick, lane=LANE_PREVIEW, key="p")
    qtbot.waitUntil(lambda: edit.state == "running", timeout=5000)
    assert runner.current is edit
    assert runner.pending_count == 1 and runner.pending(LANE_EDIT) == 1
    assert {bg, edit, queued} <= set(runner.jobs())
    assert runner.jobs(LANE_EDIT) == [edit, queued]
    assert bg in runner.running() and bg not in runner.running(LANE_EDIT)
    qtbot.waitUntil(lambda: preview.state == "done", timeout=5000)  # not queued behind edit
    assert edit.state == "running"
    edit.cancel()
    qtbot.waitUntil(lambda: queued.state == "done", timeout=5000)
    assert edit.state == "cancelled" and runner.current is None


def test_keys_supersede_within_one_lane_only(qtbot, runner):
    results: list[tuple[str, int]] = []
    for lane in LANES:
        runner.submit(1, quick, lane=lane, key="same", on_done=lambda r, ln=lane:
                      results.append((ln, r)))
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert sorted(results) == sorted((lane, 1) for lane in LANES)


def test_an_unknown_lane_is_refused(runner):
    with pytest.raises(ValueError, match="gpu"):
        runner.submit(1, quick, lane="gpu")
    with pytest.raises(ValueError):
        runner.jobs("gpu")
    assert not runner.busy


def test_cancel_a_queued_and_a_running_background_job(qtbot):
    r = JobRunner(background_workers=1)
    try:
        first_run, second_run = Spinner(), Spinner()
        cancelled: list[str] = []
        first = r.submit(Spin(3000), first_run, lane=LANE_BACKGROUND, title="download",
                         on_cancelled=lambda: cancelled.append("first"))
        second = r.submit(Spin(3000), second_run, lane=LANE_BACKGROUND, title="training",
                          on_cancelled=lambda: cancelled.append("second"))
        qtbot.waitUntil(lambda: first.state == "running", timeout=5000)
        assert second.state == "queued" and r.pending(LANE_BACKGROUND) == 1
        second.cancel()
        assert second.state == "cancelled" and r.pending(LANE_BACKGROUND) == 0
        first.cancel()
        qtbot.waitUntil(lambda: first.state == "cancelled", timeout=5000)
        assert cancelled == ["second", "first"]
        assert first_run.ticks < 3000 and second_run.ticks == 0  # the queued one never ran
        assert not r.busy
    finally:
        r.shutdown()


def test_shutdown_with_a_background_job_running_returns(qtbot):
    r = JobRunner()
    spinner = Spinner()
    bg = r.submit(Spin(100_000), spinner, lane=LANE_BACKGROUND, title="training")
    qtbot.waitUntil(lambda: bg.state == "running", timeout=5000)
    r.shutdown(patience_ms=50)
    assert r.alive_threads == 0
    assert spinner.ticks < 100_000  # stopped at a cancel point, not run to the end
    qtbot.waitUntil(lambda: bg.state == "cancelled", timeout=2000)
    # the runner is usable again: its threads restart on the next submit
    again = r.submit(3, quick, lane=LANE_BACKGROUND)
    qtbot.waitUntil(lambda: again.state == "done", timeout=5000)
    r.shutdown()


# --- training as a background job --------------------------------------------------------


def _images(n: int = 2, size: int = 48) -> list[Image.Image]:
    rng = np.random.default_rng(3)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
            for _ in range(n)]


def test_training_job_cancelled_then_resumed_from_its_checkpoint(qtbot, runner, tmp_path: Path):
    images = _images()
    ckpt = tmp_path / "sr.ckpt"
    config = TrainConfig(scale=2, steps=600, batch=2, patch=8, channels=8, blocks=1,
                         threads=1, report_every=1, checkpoint_every=50, checkpoint=str(ckpt))

    def run(cfg: TrainConfig, ctx: RunContext):
        return train(cfg, ctx, images)

    gui = threading.get_ident()
    first_reports: list[tuple[Progress, int]] = []
    handle: list = []

    def cancel_after_a_few(p: Progress) -> None:
        first_reports.append((p, threading.get_ident()))
        if p.payload["step"] >= 5:
            handle[0].cancel()

    handle.append(runner.submit(config, run, lane=LANE_BACKGROUND, title="Train sr-small",
                                on_progress=cancel_after_a_few))
    # the first step pays for importing torch on the worker
    qtbot.waitUntil(lambda: handle[0].state == "cancelled", timeout=60000)
    assert all(isinstance(p, Progress) for p, _ in first_reports)
    assert all(thread == gui for _, thread in first_reports)
    losses = [p.payload["loss"] for p, _ in first_reports]
    assert all(isinstance(v, float) and v > 0 for v in losses)
    state = load_checkpoint(ckpt)
    assert state is not None
    stopped_at = state["step"]
    assert 5 <= stopped_at < config.steps

    resumed_reports: list[Progress] = []
    done: list = []
    second = runner.submit(config, run, lane=LANE_BACKGROUND, title="Train sr-small",
                           on_progress=resumed_reports.append, on_done=done.append)
    qtbot.waitUntil(lambda: second.state == "done", timeout=120000)
    model, result = done[0]
    assert result.resumed_from == stopped_at
    assert resumed_reports[0].payload["step"] == stopped_at + 1
    assert resumed_reports[-1].payload["step"] == config.steps
    assert len(result.losses) == config.steps
    assert model.channels == 8
