"""UI fixtures: a main window with a small document at 100 % zoom, top-left aligned."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QApplication

from editor.document import Document


def make_document(w: int = 120, h: int = 90) -> Document:
    doc = Document(w, h)
    doc.add_layer("Background", pixels=np.full((h, w, 4), 255, np.uint8))
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


#: a modal dialog nobody answers within this long fails the test instead of hanging the run
MODAL_LIMIT_S = 15.0


@pytest.fixture(autouse=True)
def _no_modal_left_waiting(qapp):
    """A modal dialog spins its own event loop inside C++, where neither pytest-timeout's
    signal nor the test's code can reach it: if one waits longer than MODAL_LIMIT_S (a
    prompt the test did not expect, or an answer_prompt that gave up before the box came),
    close it and fail the test with its text."""
    stuck: list[str] = []
    first_seen: dict[int, float] = {}

    def check() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            first_seen.clear()
            return
        t0 = first_seen.setdefault(id(box), time.monotonic())
        if time.monotonic() - t0 > MODAL_LIMIT_S:
            text = box.text() if hasattr(box, "text") else ""
            stuck.append(f"{type(box).__name__} {box.windowTitle()!r}: {text!r}")
            box.reject() if hasattr(box, "reject") else box.close()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(250)
    yield
    timer.stop()
    assert not stuck, f"a modal dialog waited for an answer nobody gave: {stuck}"


@pytest.fixture
def window(qtbot):
    from editor.ui.app import create_main_window

    w = create_main_window()
    # Not qtbot.addWidget: pytest-qt closes its widgets before fixture teardown, and a
    # document with edits would then open the modal "unsaved changes" prompt and hang.
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.jobs.shutdown()
    for v in w.views():
        w.close_view(v, ask=False)
    w.close()
    w.deleteLater()


@pytest.fixture
def view(window, qtbot):
    v = window.add_document(make_document(), None, "test")
    qtbot.wait(10)
    # 1:1 with the image at (10, 10) in the canvas: screen = doc + 10.
    v.canvas.set_view(1.0, QPointF(10, 10))
    return v
