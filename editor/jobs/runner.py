"""JobRunner: three lanes of worker QThreads (preview, edit, background), progress,
preview and payload events, cooperative cancel, supersede by key within a lane.

See :mod:`editor.jobs` for the public API and the rules each lane follows.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ml.types import Cancelled, CancelToken, EngineError, Progress, RunContext

log = logging.getLogger(__name__)

RunFunction = Callable[[Any, RunContext], Any]

LANE_PREVIEW = "preview"
"""Live previews (style dialog, latent sliders): the newest request per key wins."""
LANE_EDIT = "edit"
"""The Filter menu: FIFO, one at a time; what the status bar shows."""
LANE_BACKGROUND = "background"
"""Downloads and training: long, cancellable, never in the way of a preview or an edit."""
LANES: tuple[str, ...] = (LANE_PREVIEW, LANE_EDIT, LANE_BACKGROUND)

_ids = itertools.count(1)


class JobHandle:
    """One submitted job. Read ``state`` and ``lane``; call :meth:`cancel`. Owned by the
    GUI thread."""

    def __init__(
        self,
        request: Any,
        run: RunFunction,
        lane: str,
        key: str | None,
        title: str,
        device: str,
        callbacks: dict[str, Callable[..., Any] | None],
    ) -> None:
        self.id = next(_ids)
        self.request = request
        self.run = run
        self.lane = lane
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
        """True once the job is done, failed, cancelled or superseded (as seen by the GUI)."""
        return self.state in ("done", "failed", "cancelled", "superseded")

    def __repr__(self) -> str:
        return f"JobHandle(#{self.id} {self.lane} {self.title!r} key={self.key!r} {self.state})"


class _LaneQueue:
    """The queue one lane's workers take jobs from (FIFO), shared by all of them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[JobHandle] = deque()
        self._stop = False

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
            self._cond.notify_all()

    def rearm(self) -> None:
        """After every worker of the lane has stopped: let a later submit start them again."""
        with self._cond:
            self._stop = False

    # Called from the worker threads.
    def take(self) -> JobHandle | None:
        """The next job, blocking until there is one; None once the lane is stopping."""
        with self._cond:
            while not self._queue and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
            return self._queue.popleft()


class _Worker(QThread):
    """Takes jobs from its lane and runs them; talks to the GUI thread only through
    queued signals."""

    job_started = Signal(object)
    job_progress = Signal(object, object)
    job_result = Signal(object, object)
    job_error = Signal(object, str)
    job_cancelled = Signal(object)

    def __init__(self, queue: _LaneQueue, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self._lane_queue = queue

    def run(self) -> None:
        while True:
            job = self._lane_queue.take()
            if job is None:
                return
            self._run_one(job)

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


class _Lane:
    """One lane: its queue and its worker threads (started on the first submit)."""

    def __init__(self, name: str, workers: int) -> None:
        self.name = name
        self.queue = _LaneQueue()
        self.workers = [_Worker(self.queue, f"retouch-{name}-{i}") for i in range(workers)]
        # Long background work gives way to the GUI and the previews where the OS honours
        # thread priorities (Windows, macOS; a no-op for normal threads on Linux).
        self.priority = (
            QThread.Priority.LowPriority if name == LANE_BACKGROUND
            else QThread.Priority.InheritPriority
        )

    def ensure_started(self) -> None:
        for w in self.workers:
            if not w.isRunning():
                w.start(self.priority)


class JobRunner(QObject):
    """Runs jobs on three lanes of worker threads; see :mod:`editor.jobs` for the rules.

    ``background_workers`` is how many background jobs may run at once (a download need
    not wait for a training run); preview and edit have one worker each.
    """

    started = Signal(object)
    progress = Signal(object, object)
    finished = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    def __init__(self, parent: QObject | None = None, *, background_workers: int = 2) -> None:
        super().__init__(parent)
        if background_workers < 1:
            raise ValueError(f"background_workers must be at least 1, not {background_workers}")
        counts = {LANE_PREVIEW: 1, LANE_EDIT: 1, LANE_BACKGROUND: background_workers}
        self._lanes = {name: _Lane(name, counts[name]) for name in LANES}
        q = Qt.ConnectionType.QueuedConnection
        for lane in self._lanes.values():
            for w in lane.workers:
                w.job_started.connect(self._on_started, q)
                w.job_progress.connect(self._on_progress, q)
                w.job_result.connect(self._on_result, q)
                w.job_error.connect(self._on_error, q)
                w.job_cancelled.connect(self._on_cancelled, q)
        self._current: JobHandle | None = None
        self._active: list[JobHandle] = []  # submitted, not yet reported finished

    # --- public API ---------------------------------------------------------------

    def submit(
        self,
        request: Any,
        run: RunFunction,
        *,
        lane: str = LANE_EDIT,
        key: str | None = None,
        title: str = "",
        device: str = "cpu",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> JobHandle:
        """Queue ``run(request, ctx)`` on ``lane``; callbacks run on the GUI thread.

        A ``key`` supersedes the unfinished jobs with the same key in the same lane. Never
        blocks. Raises ValueError for a lane not in :data:`LANES`. Call it from the GUI
        thread only."""
        if lane not in self._lanes:
            raise ValueError(f"unknown job lane {lane!r}; expected one of {', '.join(LANES)}")
        job = JobHandle(
            request,
            run,
            lane,
            key,
            title,
            device,
            {"done": on_done, "error": on_error, "progress": on_progress,
             "cancelled": on_cancelled},
        )
        job._runner = self
        if key is not None:
            for old in list(self._active):
                if old.lane == lane and old.key == key and not old.finished:
                    self._supersede(old)
        self._active.append(job)
        target = self._lanes[lane]
        target.ensure_started()
        target.queue.put(job)
        return job

    def cancel(self, job: JobHandle) -> None:
        """Cancel one job: dropped at once if queued, stops at its next cancel point if
        running (then reported through ``cancelled``)."""
        if job.finished:
            return
        job.token.cancel()
        for gone in self._lanes[job.lane].queue.remove_queued(lambda j: j is job):
            self._finish_cancelled(gone)

    def cancel_all(self, lane: str | None = None) -> None:
        """Cancel every unfinished job (of ``lane`` only, when given)."""
        for job in self.jobs(lane):
            self.cancel(job)

    def jobs(self, lane: str | None = None) -> list[JobHandle]:
        """The unfinished jobs (queued or running) of ``lane``, or of every lane, in
        submission order."""
        self._check_lane(lane)
        return [j for j in self._active if not j.finished and (lane is None or j.lane == lane)]

    def running(self, lane: str | None = None) -> list[JobHandle]:
        """The jobs running now (as last reported to the GUI thread) of ``lane``, or of
        every lane."""
        return [j for j in self.jobs(lane) if j.state == "running"]

    def pending(self, lane: str | None = None) -> int:
        """How many jobs wait in the queue of ``lane``, or of every lane (not yet started)."""
        self._check_lane(lane)
        lanes = self._lanes.values() if lane is None else (self._lanes[lane],)
        return sum(ln.queue.pending() for ln in lanes)

    @property
    def current(self) -> JobHandle | None:
        """The edit-lane job running now (as last reported to the GUI thread), or None:
        what the status bar shows. Previews and background jobs: :meth:`running`."""
        return self._current

    @property
    def busy(self) -> bool:
        """True while any job of any lane is queued or running."""
        return any(not j.finished for j in self._active)

    @property
    def pending_count(self) -> int:
        """How many edit-lane jobs wait behind :attr:`current` (the "+N queued")."""
        return self.pending(LANE_EDIT)

    @property
    def alive_threads(self) -> int:
        """How many worker threads (all lanes) are running now; 0 after :meth:`shutdown`."""
        return sum(w.isRunning() for ln in self._lanes.values() for w in ln.workers)

    def shutdown(self, patience_ms: int = 2000) -> None:
        """Cancel everything and stop every lane's threads (at exit).

        Waits until every worker has really stopped: destroying a running QThread aborts
        the process. A running job (a background training run included) is cancelled and
        ends at its next cancel point; one that does not check its token within
        ``patience_ms`` in all (a model load, one big tile) is logged and then waited for.
        The runner can be used again afterwards (threads restart on the next submit)."""
        self.cancel_all()
        workers = [w for ln in self._lanes.values() for w in ln.workers]
        for ln in self._lanes.values():
            ln.queue.stop()
        deadline = time.monotonic() + patience_ms / 1000
        for w in workers:
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            if w.isRunning() and not w.wait(left_ms):
                log.warning("waiting for %s to reach a cancel point before exit", w.objectName())
                w.wait()
        for ln in self._lanes.values():
            ln.queue.rearm()

    # --- internals (GUI thread) ---------------------------------------------------

    def _check_lane(self, lane: str | None) -> None:
        if lane is not None and lane not in self._lanes:
            raise ValueError(f"unknown job lane {lane!r}; expected one of {', '.join(LANES)}")

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
        with contextlib.suppress(ValueError):
            self._active.remove(job)

    @Slot(object)
    def _on_started(self, job: JobHandle) -> None:
        if job.finished:
            return
        job.state = "running"
        if job.lane == LANE_EDIT:
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

    def _end(self, job: JobHandle, state: str, callback: str, signal: Any, value: Any) -> None:
        """A worker's outcome reached the GUI thread: unless the job was cancelled meanwhile
        (then it ends cancelled and ``value`` is dropped), mark it ``state``, call its
        ``callback`` with ``value`` and emit ``signal(job, value)`` even if that raised."""
        if job.finished:
            return
        if job.token.cancelled:  # cancelled after the worker finished: drop the result
            self._finish_cancelled(job)
            return
        job.state = state
        if self._current is job:
            self._current = None
        self._drop(job)
        try:
            cb = job._callbacks.get(callback)
            if cb is not None:
                cb(value)
        finally:
            signal.emit(job, value)

    @Slot(object, object)
    def _on_result(self, job: JobHandle, result: Any) -> None:
        self._end(job, "done", "done", self.finished, result)

    @Slot(object, str)
    def _on_error(self, job: JobHandle, message: str) -> None:
        self._end(job, "failed", "error", self.failed, message)

    @Slot(object)
    def _on_cancelled(self, job: JobHandle) -> None:
        self._finish_cancelled(job)
