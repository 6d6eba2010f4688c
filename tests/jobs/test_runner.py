"""JobRunner: results on the GUI thread, FIFO queue, cancel, errors, supersede by key."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from editor.jobs import JobRunner
from ml.types import EngineError, RunContext


@dataclass(frozen=True)
class Steps:
    n: int
    delay: float = 0.02
    value: int = 0


def sleepy(req: Steps, ctx: RunContext) -> dict:
    for i in range(req.n):
        time.sleep(req.delay)
        ctx.report((i + 1) / req.n, f"step {i + 1}")
    return {"value": req.value, "thread": threading.get_ident()}


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.shutdown()


def test_result_is_delivered_on_gui_thread_with_progress(qtbot, runner):
    got, fractions = [], []
    job = runner.submit(Steps(5, value=7), sleepy, on_done=got.append,
                        on_progress=lambda p: fractions.append(p.fraction))
    with qtbot.waitSignal(runner.finished, timeout=5000):
        pass
    assert job.state == "done"
    assert got[0]["value"] == 7
    # The run function ran on the worker, not on this (GUI) thread.
    assert got[0]["thread"] != threading.get_ident()
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_second_job_queues_behind_the_first(qtbot, runner):
    order = []
    runner.started.connect(lambda j: order.append(("start", j.request.value)))
    runner.finished.connect(lambda j, r: order.append(("end", r["value"])))
    runner.submit(Steps(4, value=1), sleepy)
    second = runner.submit(Steps(2, value=2), sleepy)
    assert second.state == "queued"
    qtbot.waitUntil(lambda: second.state == "done", timeout=5000)
    assert order == [("start", 1), ("end", 1), ("start", 2), ("end", 2)]


def test_cancel_running_job_stops_at_the_next_step(qtbot, runner):
    # Steps of 50 ms: honouring cancel at the next step boundary keeps the reaction well
    # under the half second the UI promises. Counted in steps, not wall time (timing
    # belongs in benchmarks).
    steps_run = []
    done = []

    def counting(req: Steps, ctx: RunContext) -> dict:
        for i in range(req.n):
            time.sleep(req.delay)
            steps_run.append(i)
            ctx.report((i + 1) / req.n, f"step {i + 1}")
        return {"value": req.value}

    job = runner.submit(Steps(200, delay=0.05), counting, on_done=done.append)
    qtbot.waitUntil(lambda: len(steps_run) >= 2, timeout=3000)
    at_cancel = len(steps_run)
    job.cancel()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=3000)
    qtbot.wait(200)
    assert len(steps_run) - at_cancel <= 1
    assert done == []


def test_cancel_queued_job_never_runs(qtbot, runner):
    started = []
    runner.started.connect(lambda j: started.append(j.request.value))
    first = runner.submit(Steps(3, value=1), sleepy)
    second = runner.submit(Steps(3, value=2), sleepy)
    second.cancel()
    assert second.state == "cancelled"
    qtbot.waitUntil(lambda: first.state == "done", timeout=5000)
    qtbot.wait(50)
    assert started == [1]


def test_engine_error_message_reaches_failed_and_worker_survives(qtbot, runner):
    def broken(req, ctx):
        raise EngineError("model file x.safetensors is damaged")

    errors = []
    runner.submit(Steps(1), broken, on_error=errors.append)
    ok = runner.submit(Steps(1, value=3), sleepy)
    qtbot.waitUntil(lambda: ok.state == "done", timeout=5000)
    assert errors == ["model file x.safetensors is damaged"]


def test_unexpected_exception_becomes_message_not_crash(qtbot, runner):
    def buggy(req, ctx):
        return 1 / 0

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit(Steps(1), buggy)
    assert blocker.args[1].startswith("ZeroDivisionError")


def test_supersede_by_key_drops_old_result(qtbot, runner):
    results = []
    first = runner.submit(Steps(100, delay=0.02, value=1), sleepy, key="preview",
                          on_done=lambda r: results.append(r["value"]))
    qtbot.waitUntil(lambda: first.state == "running", timeout=3000)
    queued = runner.submit(Steps(100, value=2), sleepy, key="preview",
                           on_done=lambda r: results.append(r["value"]))
    last = runner.submit(Steps(2, value=3), sleepy, key="preview",
                         on_done=lambda r: results.append(r["value"]))
    assert queued.state == "superseded"  # dropped at once, never ran
    qtbot.waitUntil(lambda: last.state == "done", timeout=5000)
    assert first.state == "superseded"
    assert results == [3]


def test_other_keys_are_not_superseded(qtbot, runner):
    a = runner.submit(Steps(2, value=1), sleepy, key="a")
    b = runner.submit(Steps(2, value=2), sleepy, key="b")
    qtbot.waitUntil(lambda: b.state == "done", timeout=5000)
    assert a.state == "done"


def test_auto_device_is_resolved_on_the_worker(qtbot, runner, monkeypatch):
    monkeypatch.setenv("RETOUCH_DEVICE", "cpu")
    seen = []

    def record(req, ctx):
        seen.append((ctx.device, threading.get_ident()))

    job = runner.submit(Steps(1), record, device="auto")
    qtbot.waitUntil(lambda: job.state == "done", timeout=3000)
    assert seen[0][0] == "cpu" and seen[0][1] != threading.get_ident()


def test_shutdown_waits_for_a_step_that_ignores_cancel(qtbot):
    # Destroying a running QThread aborts the process; shutdown must outlast a step that
    # cannot be interrupted (a model load, one big tile).
    r = JobRunner()
    started = []

    def stubborn(req, ctx: RunContext) -> str:
        started.append(True)
        time.sleep(0.6)  # no cancel check while "loading"
        return "done"

    r.submit(None, stubborn, title="stubborn")
    qtbot.waitUntil(lambda: bool(started), timeout=2000)
    r.shutdown(patience_ms=50)
    assert r.alive_threads == 0
