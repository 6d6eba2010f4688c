"""The job progress in the status bar: one line, "<job>: <stage> 50% (+1 queued)",
shortened with "…" to fit the bar, the whole text in the tooltip."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QStyle, QStyleOptionProgressBar

from ml.types import Progress

TITLE = "Upscale 2× (Built-in CNN (sr-small))"


@pytest.fixture(autouse=True)
def _cpu(monkeypatch):
    monkeypatch.setenv("RETOUCH_DEVICE", "cpu")  # the worker needs no torch for this


def label_rect_width(bar) -> int:
    """Where the style draws the bar's text."""
    opt = QStyleOptionProgressBar()
    bar.initStyleOption(opt)
    return bar.style().subElementRect(QStyle.SubElement.SE_ProgressBarLabel, opt, bar).width()


def fits_on_one_line(bar) -> bool:
    return bar.fontMetrics().horizontalAdvance(bar.text()) <= label_rect_width(bar)


def test_progress_names_the_job_and_stage_on_one_elided_line(window, view, qtbot):
    release, reported = threading.Event(), threading.Event()

    def run(_req, ctx):
        ctx.progress(Progress(0.5, "tile 1/2"))
        reported.set()
        release.wait(5)

    first = window.submit_job(object(), run, TITLE, lambda _r: None)
    second = window.submit_job(object(), lambda _r, _c: None, "Blur", lambda _r: None)
    try:
        qtbot.waitUntil(lambda: reported.is_set() and "tile" in window.progress.text(),
                        timeout=3000)
        bar = window.progress
        full = f"{TITLE}: tile 1/2 50% (+1 queued)"
        assert bar.toolTip() == full
        text = bar.text()
        assert text.endswith(": tile 1/2 50% (+1 queued)")  # stage, percent, queue kept
        assert text.startswith("Upscale") and "…" in text  # the name is shortened
        assert fits_on_one_line(bar)
        assert bar.width() == bar.maximumWidth()
    finally:
        release.set()
    qtbot.waitUntil(lambda: second.state == "done" and first.state == "done", timeout=3000)
    assert not window.progress.isVisible() and window.progress.toolTip() == ""


def test_short_progress_text_is_shown_whole(window, view, qtbot):
    release = threading.Event()

    def run(_req, ctx):
        ctx.progress(Progress(0.25, "step 1/4"))
        release.wait(5)

    job = window.submit_job(object(), run, "Blur", lambda _r: None)
    try:
        qtbot.waitUntil(lambda: "step" in window.progress.text(), timeout=3000)
        assert window.progress.text() == "Blur: step 1/4 25%"
        assert window.progress.toolTip() == "Blur: step 1/4 25%"
        assert fits_on_one_line(window.progress)
    finally:
        release.set()
    qtbot.waitUntil(lambda: job.state == "done", timeout=3000)
