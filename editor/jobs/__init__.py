"""Background jobs: the one bridge between the widgets and the ML engines.

A job is a frozen *request* (a dataclass snapshot: pixels cropped and copied, the mask,
engine id, parameters) plus a *run function* ``run(request, ctx) -> result`` called on a
worker thread of the job's *lane* with an :class:`ml.types.RunContext` (progress callback,
:class:`ml.types.CancelToken`, device). Workers never touch live layers; the result is
handed back on the GUI thread, where the caller applies it as one undo command.

The AI filters' requests and their worker side live in :mod:`editor.ai.requests`; the
names the widgets need from ``ml/`` (engines, runtime calls, store, devices) come through
:mod:`editor.jobs.engines`, so ``editor/ui`` never imports ``ml`` (ui → jobs → ml).

Public API::

    runner = JobRunner(parent=None, *, background_workers=2)  # threads start lazily
    handle = runner.submit(request, run, *, lane=LANE_EDIT, key=None, title="",
                           device="cpu",                     # or "auto"
                           on_done=None, on_error=None, on_progress=None,
                           on_cancelled=None) -> JobHandle   # ValueError: unknown lane
    LANE_PREVIEW = "preview"; LANE_EDIT = "edit"; LANE_BACKGROUND = "background"; LANES
    handle.cancel(); handle.lane; handle.key; handle.finished
    handle.state  # "queued" | "running" | "done" | "failed" | "cancelled" | "superseded"
    runner.current          # the running *edit* job (what the status bar shows), or None
    runner.pending_count    # edit jobs queued behind it
    runner.busy             # any job of any lane queued or running
    runner.jobs(lane=None), runner.running(lane=None), runner.pending(lane=None)
    runner.cancel(handle); runner.cancel_all(lane=None)
    runner.shutdown(patience_ms=2000)  # at exit: cancels all, waits until every thread stops

    Signals (all delivered on the GUI thread, in order per job, for every lane; a
    handler that only cares about edits checks ``handle.lane``):
    started(handle), progress(handle, Progress), finished(handle, result),
    failed(handle, message: str), cancelled(handle)   # cancelled also covers superseded

Lanes: each has its own worker thread(s), so one never waits for another.

* ``preview`` (one worker): live previews. Submit with a ``key``; the newest request per
  key wins: a new one drops the queued ones unrun and cancels the running one.
* ``edit`` (one worker, the default): the Filter menu. One job at a time, FIFO.
* ``background`` (``background_workers`` threads, low priority where the OS honours it):
  downloads and training. Any number may queue; each is cancellable; a long one never
  delays a preview or an edit.

Rules: within a lane, a job submitted with a ``key`` supersedes the unfinished jobs with
the same key (a queued one is dropped without running, a running one is cancelled); keys
never reach across lanes. A superseded job's result and progress are never delivered and
its ``on_cancelled`` is not called (``cancelled`` fires with ``state == "superseded"``).
Cancel is cooperative: the run function calls ``ctx.report(...)`` or
``ctx.cancel.check()`` between steps (at least every 0.5 s). ``Progress.payload``
(training losses, sample grids) reaches ``on_progress`` unchanged. A ``device="auto"`` is
resolved on the worker. :class:`ml.types.EngineError` messages reach ``failed`` verbatim;
any other exception becomes "<Type>: <message>" and is logged with its traceback. The GUI
thread never waits on a worker (except :meth:`JobRunner.shutdown` at exit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from editor.jobs.runner import (
        LANE_BACKGROUND,
        LANE_EDIT,
        LANE_PREVIEW,
        LANES,
        JobHandle,
        JobRunner,
    )

__all__ = ["LANES", "LANE_BACKGROUND", "LANE_EDIT", "LANE_PREVIEW", "JobHandle", "JobRunner"]


def __getattr__(name: str) -> Any:
    # The runner is the only Qt module here; loading it on first use keeps
    # ``editor.jobs.engines`` importable without PySide6 (editor.ai is tested that way).
    if name in __all__:
        from editor.jobs import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'editor.jobs' has no attribute {name!r}")
