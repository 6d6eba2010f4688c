"""UI fixtures: a main window with a small document at 100 % zoom, top-left aligned."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from editor.document import Document


def make_document(w: int = 120, h: int = 90) -> Document:
    doc = Document(w, h)
    doc.add_layer("Background", pixels=np.full((h, w, 4), 255, np.uint8))
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


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
