"""Background jobs: the one bridge between the widgets and the ML engines.

A job is a frozen *request* (a dataclass snapshot: pixels cropped and copied, the mask,
engine id, parameters) plus a *run function* ``run(request, ctx) -> result`` called on
the single worker thread with an :class:`ml.types.RunContext` (progress callback and
:class:`ml.types.CancelToken`). Workers never touch live layers; the result is handed
back on the GUI thread, where the caller applies it as one undo command.

The AI filters' requests and their worker side live in :mod:`editor.ai.requests`; the
names the widgets need from ``ml/`` (engines, runtime calls, store, devices) come through
:mod:`editor.jobs.engines`, so ``editor/ui`` never imports ``ml`` (ui → jobs → ml).

Public API::

    runner = JobRunner(parent=None)          # one QThread worker, started lazily
    handle = runner.submit(request, run, key=None, title="", device="cpu",  # or "auto"
                           on_done=None, on_error=None, on_progress=None,
                           on_cancelled=None) -> JobHandle
    handle.cancel(); handle.state  # "queued" | "running" | "done" | "failed" |
                                   # "cancelled" | "superseded"
    runner.cancel_all(); runner.shutdown()  # at exit only: waits until the worker stops
    runner.busy, runner.pending_count, runner.current

    Signals (all delivered on the GUI thread, in order, for every job):
    started(handle), progress(handle, Progress), finished(handle, result),
    failed(handle, message: str), cancelled(handle)   # cancelled also covers superseded

Rules: one job runs at a time and later ones queue behind it (FIFO). A job submitted with
a ``key`` supersedes a *queued* job with the same key (dropped without running) and cancels
a *running* one; a superseded job's result is never delivered. Cancel is cooperative: the
run function calls ``ctx.report(...)`` or ``ctx.cancel.check()`` between steps (at least
every 0.5 s). :class:`ml.types.EngineError` messages reach ``failed`` verbatim; any other
exception becomes "<Type>: <message>" and is logged with its traceback. The GUI thread
never waits on the worker (except :meth:`JobRunner.shutdown` at exit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from editor.jobs.runner import JobHandle, JobRunner

__all__ = ["JobHandle", "JobRunner"]


def __getattr__(name: str) -> Any:
    # The runner is the only Qt module here; loading it on first use keeps
    # ``editor.jobs.engines`` importable without PySide6 (editor.ai is tested that way).
    if name in __all__:
        from editor.jobs import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'editor.jobs' has no attribute {name!r}")
