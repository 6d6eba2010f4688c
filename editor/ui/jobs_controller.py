"""The one submit path for every background job of the program, and the status bar's
job progress and Cancel.

Every job goes through :meth:`JobsController.submit` (``MainWindow.submit_job`` is the
same call), which picks the compute device (Preferences / ``--device`` /
``$RETOUCH_DEVICE``) and the lane: ``"edit"`` for filters (FIFO), ``"preview"`` for live
previews (newest wins per key), ``"background"`` for downloads and other store work.

A *document* job (the default) belongs to the current tab: its ``apply(result)`` runs
on the GUI thread only while that tab is open, closing the tab cancels it, and its end
is a status message. Other jobs (``document=False``: previews, downloads) only call
their own callbacks. A :class:`~editor.ai.watch.DocumentWatch` passed as ``watch`` is
closed when the job ends, however it ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from editor.jobs.runner import LANE_BACKGROUND, LANE_EDIT, LANE_PREVIEW, LANES

if TYPE_CHECKING:
    from editor.ai.watch import DocumentWatch
    from editor.jobs import JobHandle
    from editor.ui.main_window import DocumentView, MainWindow

log = logging.getLogger(__name__)

__all__ = ["LANES", "LANE_BACKGROUND", "LANE_EDIT", "LANE_PREVIEW", "JobsController"]

PROGRESS_TEXT_MARGIN = 12  # room the style keeps around the bar's text


class JobsController:
    """Submits jobs for a main window and shows them in its status bar."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.runner = window.jobs
        self.job_views: dict[int, tuple[JobHandle, DocumentView]] = {}
        self._t0: dict[int, float] = {}
        self._watches: dict[int, DocumentWatch] = {}
        r = self.runner
        r.started.connect(self._started)
        r.progress.connect(lambda job, p: self._show_progress(job, p.fraction, p.stage))
        r.finished.connect(lambda job, _r: self._ended(job))
        r.failed.connect(lambda job, _m: self._ended(job))
        r.cancelled.connect(self._ended)

    def submit(
        self,
        request: Any,
        run: Callable[[Any, Any], Any],
        title: str,
        apply: Callable[[Any], None] | None = None,
        key: str | None = None,
        *,
        lane: str = LANE_EDIT,
        on_progress: Callable[[Any], None] | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        watch: DocumentWatch | None = None,
        document: bool = True,
        uses_device: bool = True,
    ) -> JobHandle:
        """Run ``run(request, ctx)`` in the background on ``lane``.

        Document jobs: ``apply(result)`` on the GUI thread if the tab is still open (an
        exception from it, e.g. a :class:`DocumentWatch` refusal, becomes a status
        message); errors and cancels only show a status message. ``on_done`` /
        ``on_error`` / ``on_cancelled`` are the outcome callbacks of other jobs (and run
        after the status message for document jobs). ``on_progress(Progress)`` gets each
        report on the GUI thread, e.g. to show ``Progress.preview``. ``uses_device``
        False: the job runs no model (a download), so it never waits for a device."""
        if lane not in LANES:
            raise ValueError(f"unknown lane {lane!r}; expected one of {LANES}")
        w = self.window
        view = w.view if document else None
        # Until detect_device() has run, the worker resolves "auto" itself: importing
        # torch takes seconds and must not happen on the GUI thread.
        device = w.compute_device() if uses_device else "cpu"
        job: JobHandle | None = None

        def forget() -> None:
            self.job_views.pop(job.id, None)

        def done(result: Any) -> None:
            forget()
            if document:
                if view is None or w.tabs.indexOf(view) < 0:
                    w.show_message(f"{title}: result dropped, the document was closed")
                    return
                try:
                    if apply is not None:
                        apply(result)
                except ValueError as exc:  # a refusal: the document changed meanwhile
                    w.show_message(f"{title} could not be applied: {exc}")
                    return
                except Exception as exc:  # a bug in an apply step must not take the editor down
                    log.exception("applying %s failed", title)
                    w.show_message(f"{title} could not be applied: {exc}")
                    return
                secs = time.monotonic() - self._t0.pop(job.id, time.monotonic())
                w.show_message(f"{title} done in {secs:.1f} s")
            if on_done is not None:
                on_done(result)

        def error(message: str) -> None:
            forget()
            if document:
                w.show_message(f"{title} failed: {message}", 15000)
            if on_error is not None:
                on_error(message)

        def cancelled() -> None:
            forget()
            if document:
                w.show_message(f"{title} cancelled; the document is unchanged")
            if on_cancelled is not None:
                on_cancelled()

        job = self.runner.submit(request, run, lane=lane, key=key, title=title, device=device,
                                 on_done=done, on_error=error, on_cancelled=cancelled,
                                 on_progress=on_progress)
        if watch is not None:
            if job.finished:
                watch.close()
            else:
                self._watches[job.id] = watch
        if view is not None and not job.finished:
            self.job_views[job.id] = (job, view)
        current = self.runner.current
        if document and current is not None and current is not job:
            w.show_message(f"{title} queued behind {current.title}")
        return job

    def cancel_for(self, view: DocumentView) -> None:
        """Cancel the running and queued jobs of a tab (its document is going away)."""
        for job, v in list(self.job_views.values()):
            if v is view:
                job.cancel()

    def cancel_current(self) -> None:
        job = self.runner.current
        if job is not None:
            job.cancel()
            self.window.progress.setFormat("Cancelling…")

    # --- the status bar ------------------------------------------------------------

    def _started(self, job: JobHandle) -> None:
        w = self.window
        self._t0[job.id] = time.monotonic()
        self._show_progress(job, 0.0)
        w.progress.show()
        w.cancel_button.show()

    def _show_progress(self, job: JobHandle, fraction: float, stage: str = "") -> None:
        """"<job>: <stage> 50% (+1 queued)" on one line of the bar, the job name shortened
        with "…" first when it does not fit; the whole text in the tooltip."""
        bar = self.window.progress
        bar.setValue(round(fraction * 1000))
        queued = self.runner.pending_count
        tail = f"{round(fraction * 100)}%" + (f" (+{queued} queued)" if queued else "")
        sep, tail = (": ", f"{stage} {tail}") if stage else (" ", tail)
        full = job.title + sep + tail
        fm = bar.fontMetrics()
        room = bar.width() - PROGRESS_TEXT_MARGIN
        text = full
        if fm.horizontalAdvance(full) > room:
            name_room = room - fm.horizontalAdvance(sep + tail)
            if name_room >= fm.horizontalAdvance(job.title[:4] + "…"):
                text = fm.elidedText(job.title, Qt.TextElideMode.ElideRight, name_room) + sep + tail
            else:  # even the stage does not fit: keep what fits from the start
                text = fm.elidedText(full, Qt.TextElideMode.ElideRight, room)
        bar.setFormat(text)  # no %p/%v/%m left for Qt to substitute
        bar.setToolTip(full)

    def _ended(self, job: JobHandle) -> None:
        # Superseded jobs get no callback: forget them here.
        self.job_views.pop(job.id, None)
        self._t0.pop(job.id, None)
        watch = self._watches.pop(job.id, None)
        if watch is not None:
            watch.close()
        if not self.runner.busy:
            w = self.window
            w.progress.setToolTip("")
            w.progress.hide()
            w.cancel_button.hide()
