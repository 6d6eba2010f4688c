"""The red AI-mask overlay follows one rule (editor.ui.mask_overlay): shown while the Mask
Brush works on the AI mask, while an AI dialog uses the mask, or when View ▸ Show AI Mask
is on; hidden otherwise, whatever lands, is undone or redone."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from editor.ui import ai_inpaint, ai_upscale
from editor.ui.mask_overlay import ai_mask_overlay_shown
from tests.ui.test_ai_inpaint import _run_filter_dialog

OFF = 10  # the view fixture: screen = doc + 10


def red_at(canvas, x: int, y: int) -> bool:
    """Whether the widget really paints the red overlay at document pixel (x, y) of a
    white image."""
    r, g, _b, _a = canvas.grab().toImage().pixelColor(OFF + x, OFF + y).getRgb()
    return r > g + 40


def key(window, k, mod=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(window.canvas, k, mod)


def paint_mask(window, qtbot) -> None:
    """M, then a real mouse stroke over (40..60, 40)."""
    key(window, Qt.Key.Key_M)
    window.tool_state.set("size", 16)
    canvas = window.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(OFF + 40, OFF + 40))
    QTest.mouseMove(canvas, QPoint(OFF + 60, OFF + 40))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(OFF + 60, OFF + 40))
    qtbot.wait(10)


def wait_jobs(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)
    qtbot.wait(20)


def test_the_rule():
    assert ai_mask_overlay_shown("mask-brush", "ai_mask", False, False)
    assert not ai_mask_overlay_shown("mask-brush", "mask", False, False)  # a layer mask
    assert not ai_mask_overlay_shown("brush", "ai_mask", False, False)
    assert ai_mask_overlay_shown("brush", "ai_mask", False, True)  # a dialog uses it
    assert ai_mask_overlay_shown("move", "mask", True, False)  # View ▸ Show AI Mask


def test_overlay_follows_the_tool_through_fill_undo_redo_and_upscale(window, view, qtbot):
    doc = view.document
    canvas = view.canvas
    paint_mask(window, qtbot)
    assert doc.ai_mask[40, 50] > 0 and red_at(canvas, 50, 40)
    key(window, Qt.Key.Key_B)  # another tool: hidden, the mask is kept
    assert not red_at(canvas, 50, 40) and doc.ai_mask[40, 50] > 0

    job = ai_inpaint.start_inpaint(window, ai_inpaint.build_inpaint(doc, "telea"))
    wait_jobs(window, qtbot)
    assert job.state == "done" and len(doc.layers) == 2
    assert not red_at(canvas, 50, 40)  # a fill landing changes nothing
    window.undo()
    assert len(doc.layers) == 1 and not red_at(canvas, 50, 40)
    key(window, Qt.Key.Key_M)
    assert red_at(canvas, 50, 40)  # undone: still the same rule, the mask is there
    window.redo()
    assert len(doc.layers) == 2 and red_at(canvas, 50, 40)  # the mask tool is active
    key(window, Qt.Key.Key_B)
    window.undo()
    window.redo()
    assert not red_at(canvas, 50, 40)

    job = ai_upscale.start_upscale(window, ai_upscale.build_upscale(doc, "lanczos", 2))
    wait_jobs(window, qtbot)
    assert job.state == "done" and doc.width == 240
    canvas.set_view(1.0, QPointF(OFF, OFF))
    assert not red_at(canvas, 100, 80)  # the upscaled result is not covered
    key(window, Qt.Key.Key_M)
    assert red_at(canvas, 100, 80)  # the mask came along at twice the size
    window.undo()
    canvas.set_view(1.0, QPointF(OFF, OFF))
    assert doc.width == 120 and red_at(canvas, 50, 40)


def test_show_ai_mask_toggle_shows_it_with_every_tool_and_is_kept(window, view, qtbot):
    from editor.ui.app import create_main_window

    canvas = view.canvas
    paint_mask(window, qtbot)
    key(window, Qt.Key.Key_V)  # the move tool
    act = window.actions_by_id["view.ai_mask"]
    assert not act.isChecked() and not red_at(canvas, 50, 40)
    key(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert act.isChecked() and red_at(canvas, 50, 40)
    key(window, Qt.Key.Key_B)
    assert red_at(canvas, 50, 40)
    # a new tab follows the toggle, and so does the next session (retouch.ini)
    other = window.add_document(doc_with_mask(), None, "other")
    assert other.canvas.ai_mask_visible
    again = create_main_window()
    try:
        assert again.actions_by_id["view.ai_mask"].isChecked()
        assert again.add_document(doc_with_mask(), None, "again").canvas.ai_mask_visible
    finally:
        for v in again.views():
            again.close_view(v, ask=False)
        again.close()
        again.deleteLater()
    window.setFocus()
    window.activateWindow()
    window.tabs.setCurrentWidget(view)
    act.trigger()
    assert not act.isChecked() and not red_at(canvas, 50, 40)


def doc_with_mask():
    from tests.ui.conftest import make_document

    doc = make_document()
    m = np.zeros((90, 120), np.uint8)
    m[30:50, 30:60] = 255
    doc.set_ai_mask(m)
    return doc


def test_inpaint_dialog_shows_the_mask_it_will_fill_while_open(window, view, qtbot):
    canvas = view.canvas
    paint_mask(window, qtbot)
    key(window, Qt.Key.Key_B)
    assert not red_at(canvas, 50, 40)
    seen = _run_filter_dialog(window, qtbot, lambda d: red_at(canvas, 50, 40))
    assert seen  # the dialog's Mask is the AI mask: shown while it is open
    assert not red_at(canvas, 50, 40)  # cancelled: hidden again


def test_inpaint_dialog_on_the_selection_leaves_the_overlay_hidden(window, view, qtbot):
    canvas = view.canvas
    paint_mask(window, qtbot)
    key(window, Qt.Key.Key_B)
    view.document.selection.select_rect(5, 5, 20, 20)

    def handle(d):
        d.mask_source.setCurrentIndex(d.mask_source.findData("selection"))
        return red_at(canvas, 50, 40)

    assert not _run_filter_dialog(window, qtbot, handle)
