"""Job lanes: preview round-trip latency with and without CPU-busy background work.

A round trip is submit on the GUI thread → the trivial preview job runs on the preview
lane's worker → its result callback runs on the GUI thread (a real
:class:`editor.jobs.JobRunner`, real QThreads, a running Qt event loop). Median over 50
round trips after 5 warm-ups. Rows (ratio = baseline / this, so < 1 says how many times
slower a preview gets while the background lane is busy):

* no background job -- the baseline;
* an sr-small training run (the real :func:`ml.train.sr.train`, torch's default thread
  count, cancelled afterwards) in the background lane;
* a pure-Python loop in the background lane, which holds the GIL except at the
  interpreter's switch interval: the worst case for a Python worker.

Before the lanes, a preview queued behind a background job waited for all of it (a
download, an hour of training): there is no finite number to put in that row.

Run alone with ``python -m benchmarks bench_jobs`` (writes the results tables) or
``python -m benchmarks.bench_jobs`` (prints the rows).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.common import row

ROUND_TRIPS = 50
WARMUP = 5
TIMEOUT_MS = 10_000


def _app() -> Any:
    # a QApplication, not a bare QCoreApplication: later modules of the same `make bench`
    # process (bench_retouch_ui) build the main window and need the GUI application
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _trivial(req: int, _ctx: Any) -> int:
    return req


def _wait(done: Callable[[], bool], what: str) -> None:
    """Run a Qt event loop until ``done()`` (polled every 10 ms), or fail after TIMEOUT_MS."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + TIMEOUT_MS / 1000

    def poll() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(10)
    if not done():
        loop.exec()
    timer.stop()
    if not done():
        raise RuntimeError(f"bench_jobs: timed out waiting for {what}")


def _round_trips(runner: Any, n: int = ROUND_TRIPS, warmup: int = WARMUP) -> list[float]:
    """Seconds from submit to result callback (both on this, the GUI thread), n times."""
    from PySide6.QtCore import QEventLoop, QTimer

    from editor.jobs import LANE_PREVIEW

    loop = QEventLoop()
    times: list[float] = []
    for i in range(warmup + n):
        got: list[float] = []
        t0 = time.perf_counter()

        def done(_result: int, t0: float = t0, got: list[float] = got) -> None:
            got.append(time.perf_counter() - t0)
            loop.quit()

        runner.submit(i, _trivial, lane=LANE_PREVIEW, key="bench-preview", on_done=done)
        guard = QTimer()
        guard.setSingleShot(True)
        guard.timeout.connect(loop.quit)
        guard.start(TIMEOUT_MS)
        loop.exec()
        guard.stop()
        if not got:
            raise RuntimeError("bench_jobs: a preview result never arrived")
        if i >= warmup:
            times.append(got[0])
    return times


def _training(req: None, ctx: Any) -> Any:
    from PIL import Image

    from ml.train.sr import TrainConfig, train

    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (96, 96, 3), dtype=np.uint8))
              for _ in range(2)]
    config = TrainConfig(scale=2, steps=10**7, batch=8, patch=24, channels=16, blocks=2,
                         threads=0, report_every=5)
    return train(config, ctx, images)


def _python_loop(req: None, ctx: Any) -> int:
    total = 0
    while True:
        ctx.cancel.check()
        total += sum(i * i for i in range(20_000))


def _with_background(runner: Any, run: Callable[[None, Any], Any], title: str) -> list[float]:
    """Round trips while ``run`` keeps one background worker busy (cancelled after)."""
    from editor.jobs import LANE_BACKGROUND

    reports: list[Any] = []
    bg = runner.submit(None, run, lane=LANE_BACKGROUND, title=title,
                       on_progress=reports.append)
    _wait(lambda: bg.state == "running", f"{title} to start")
    if run is _training:
        _wait(lambda: bool(reports), f"{title} to report its first steps")
    else:
        time.sleep(0.2)  # let it get going
    try:
        return _round_trips(runner)
    finally:
        bg.cancel()
        _wait(lambda: bg.finished, f"{title} to stop")


def rows() -> list[dict]:
    import torch

    from editor.jobs import JobRunner
    from ml.devices import device_label

    _app()
    threads = torch.get_num_threads()
    runner = JobRunner()
    try:
        base = _round_trips(runner)
        training = _with_background(runner, _training, "sr-small training")
        python = _with_background(runner, _python_loop, "python loop")
    finally:
        runner.shutdown()
        torch.set_num_threads(threads)
    base_s = statistics.median(base)
    where = f"cpu ({device_label('cpu')}), median of {ROUND_TRIPS}"
    p90 = lambda ts: float(np.percentile(ts, 90)) * 1e3
    out = [
        row("jobs: preview round trip, no background job (baseline)", base_s,
            "no background job", base_s, notes=f"{where}; p90 {p90(base):.2f} ms"),
        row("jobs: preview round trip, sr-small training in background lane",
            statistics.median(training), "no background job", base_s,
            notes=f"{where}; p90 {p90(training):.2f} ms; torch {threads} threads"),
        row("jobs: preview round trip, GIL-bound Python loop in background lane",
            statistics.median(python), "no background job", base_s,
            notes=f"{where}; p90 {p90(python):.2f} ms; "
                  f"switch interval {sys.getswitchinterval() * 1e3:.0f} ms"),
    ]
    return out


if __name__ == "__main__":
    for r in rows():
        sys.stdout.write(
            f"{r['name']:<70} {r['median_s'] * 1e3:8.3f} ms   ratio {r['ratio']:6.3f}   "
            f"{r['notes']}\n"
        )
