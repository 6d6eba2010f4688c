"""JobRunner: one worker QThread, a FIFO queue, progress/preview/cancel, supersede by key."""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ml.types import Cancelled, CancelToken, EngineError, Progress, RunContext

log = logging.getLogger(__name__)

RunFunction = Callable[[Any, RunContext], Any]

_ids = itertools.count(1)


class JobHandle:
    """One submitted job. Read ``state``; call :meth:`cancel`. Owned by the GUI thread."""

    def __init__(
        self,
        request: Any,
        run: RunFunction,
        key: str | None,
        title: str,
        device: str,
        callbacks: dict[str, Callable[..., Any] | None],
    ) -> None:
        self.id = next(_ids)
        self.request = request
        self.run = run
        self.key = key
        self.title = title or type(request).__name__
        self.device = device
        self.token = CancelToken()
        self.state = "queued"
        self.superseded = False
        self.last_progress: Progress | None = None
        self._callbacks = callbacks
        self._runner: JobRunner | None = None

    def cancel(self) -> None:
        """Ask the job to stop; a queued job is dropped, a running one stops cooperatively."""
        if self._runner is not None:
            self._runner.cancel(self)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled", "superseded")

    def __repr__(self) -> str:
        return f"JobHandle(#{self.id} {self.title!r} key={self.key!r} {self.state})"


class _Worker(QThread):
    """Pops jobs and runs them; talks to the GUI thread only through queued signals."""

    job_started = Signal(object)
    job_progress = Signal(object, object)
    job_result = Signal(object, object)
    job_error = Signal(object, str)
    job_cancelled = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._queue: deque[JobHandle] = deque()
        self._stop = False
        self.current: JobHandle | None = None

    # Called from the GUI thread: only short, non-blocking critical sections.
    def put(self, job: JobHandle) -> None:
        with self._cond:
            self._queue.append(job)
            self._cond.notify()

    def remove_queued(self, pred: Callable[[JobHandle], bool]) -> list[JobHandle]:
        with self._cond:
            gone = [j for j in self._queue if pred(j)]
            for j in gone:
                self._queue.remove(j)
        return gone

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                job = self._queue.popleft()
                self.current = job
            self._run_one(job)
            with self._cond:
                self.current = None

    def _run_one(self, job: JobHandle) -> None:
        if job.token.cancelled:
            self.job_cancelled.emit(job)
            return
        self.job_started.emit(job)

        def progress(p: Progress) -> None:
            self.job_progress.emit(job, p)

        device = job.device
        if device == "auto":
            # Resolved here, not on the GUI thread: the first call imports torch.
            try:
                from ml.devices import resolve_device

                device = resolve_device()
            except Exception as exc:  # noqa: BLE001 - a bad $RETOUCH_DEVICE, or no torch
                self.job_error.emit(job, f"no compute device: {exc}")
                return
        ctx = RunContext(progress=progress, cancel=job.token, device=device)
        try:
            result = job.run(job.request, ctx)
            # A job that finished just as it was cancelled still counts as cancelled.
            job.token.check()
        except Cancelled:
            self.job_cancelled.emit(job)
        except EngineError as exc:
            self.job_error.emit(job, str(exc) or type(exc).__name__)
        except MemoryError:
            self.job_error.emit(job, f"{job.title}: out of memory")
        except Exception as exc:  # any bug in a job must not kill the worker
            log.exception("job %s failed", job.title)
            self.job_error.emit(job, f"{type(exc).__name__}: {exc}")
        else:
            self.job_result.emit(job, result)


class JobRunner(QObject):
    """Runs jobs one at a time on a worker thread; see :mod:`editor.jobs` for the rules."""

    started = Signal(object)
    progress = Signal(object, object)
    finished = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = _Worker()
        q = Qt.ConnectionType.QueuedConnection
        self._worker.job_started.connect(self._on_started, q)
        self._worker.job_progress.connect(self._on_progress, q)
        self._worker.job_result.connect(self._on_result, q)
        self._worker.job_error.connect(self._on_error, q)
        self._worker.job_cancelled.connect(self._on_cancelled, q)
        self._current: JobHandle | None = None
        self._active: list[JobHandle] = []  # submitted, not yet reported finished

    # --- public API ---------------------------------------------------------------

    def submit(
        self,
        request: Any,
        run: RunFunction,
        *,
        key: str | None = None,
        title: str = "",
        device: str = "cpu",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> JobHandle:
        """Queue ``run(request, ctx)``; callbacks run on the GUI thread. Never blocks."""
        job = JobHandle(
            request,
            run,
            key,
            title,
            device,
            {"done": on_done, "error": on_error, "progress": on_progress,
             "cancelled": on_cancelled},
        )
        job._runner = self
        if key is not None:
            for old in list(self._active):
                if old.key == key and not old.finished:
                    self._supersede(old)
        self._active.append(job)
        if not self._worker.isRunning():
            self._worker.start()
        self._worker.put(job)
        return job

    def cancel(self, job: JobHandle) -> None:
        if job.finished:
            return
        job.token.cancel()
        for gone in self._worker.remove_queued(lambda j: j is job):
            self._finish_cancelled(gone)

    def cancel_all(self) -> None:
        for job in list(self._active):
            self.cancel(job)

    @property
    def current(self) -> JobHandle | None:
        """The job running now (as last reported to the GUI thread), or None."""
        return self._current

    @property
    def busy(self) -> bool:
        return any(not j.finished for j in self._active)

    @property
    def pending_count(self) -> int:
        return self._worker.pending()

    def shutdown(self, patience_ms: int = 2000) -> None:
        """Cancel everything and stop the thread (at exit).

        Waits until the worker has really stopped: destroying a running QThread aborts the
        process. A step that does not check its cancel token within ``patience_ms`` (a
        model load, one big tile) is logged and then waited for."""
        self.cancel_all()
        self._worker.stop()
        if self._worker.isRunning() and not self._worker.wait(patience_ms):
            log.warning("waiting for the running job to reach a cancel point before exit")
            self._worker.wait()

    # --- internals (GUI thread) ---------------------------------------------------

    def _supersede(self, job: JobHandle) -> None:
        job.superseded = True
        self.cancel(job)

    def _finish_cancelled(self, job: JobHandle) -> None:
        if job.finished:
            return
        job.state = "superseded" if job.superseded else "cancelled"
        if self._current is job:
            self._current = None
        self._drop(job)
        cb = job._callbacks.get("cancelled")
        if cb is not None and not job.superseded:
            cb()
        self.cancelled.emit(job)

    def _drop(self, job: JobHandle) -> None:
        try:
            self._active.remove(job)
        except ValueError:
            pass

    @Slot(object)
    def _on_started(self, job: JobHandle) -> None:
        if job.finished:
            return
        job.state = "running"
        self._current = job
        self.started.emit(job)

    @Slot(object, object)
    def _on_progress(self, job: JobHandle, p: Progress) -> None:
        # Progress of a job already cancelled or superseded is stale: drop it.
        if job.finished or job.token.cancelled:
            return
        job.last_progress = p
        cb = job._callbacks.get("progress")
        if cb is not None:
            cb(p)
        self.progress.emit(job, p)

    @Slot(object, object)
    def _on_result(self, job: JobHandle, result: Any) -> None:
        if job.finished:
            return
        if job.token.cancelled:  # cancelled after the worker finished: drop the result
            self._finish_cancelled(job)
            return
        job.state = "done"
        if self._current is job:
            self._current = None
        self._drop(job)
        try:
            cb = job._callbacks.get("done")
            if cb is not None:
                cb(result)
        finally:
            self.finished.emit(job, result)

    @Slot(object, str)
    def _on_error(self, job: JobHandle, message: str) -> None:
        if job.finished:
            return
        if job.token.cancelled:
            self._finish_cancelled(job)
            return
        job.state = "failed"
        if self._current is job:
            self._current = None
        self._drop(job)
        try:
            cb = job._callbacks.get("error")
            if cb is not None:
                cb(message)
        finally:
            self.failed.emit(job, message)

    @Slot(object)
    def _on_cancelled(self, job: JobHandle) -> None:
        self._finish_cancelled(job)
