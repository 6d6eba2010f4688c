"""Selection tool options (mode, feather, antialias), their modifiers, and the
Select ▸ Feather… / Grow… / Shrink… dialogs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.ui.select_dialogs import RadiusDialog

OFF = 10
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def drag(canvas, a, b, modifiers=Qt.KeyboardModifier.NoModifier):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, modifiers, QPoint(a[0] + OFF, a[1] + OFF))
    QTest.mouseMove(canvas, QPoint(b[0] + OFF, b[1] + OFF))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, modifiers,
                       QPoint(b[0] + OFF, b[1] + OFF))


def rect(shape, x0, y0, x1, y1):
    m = np.zeros(shape, bool)
    m[y0:y1, x0:x1] = True
    return m


@pytest.mark.parametrize(("modifiers", "expected"), [
    (SHIFT, "add"), (ALT, "subtract"), (SHIFT | ALT, "intersect")])
def test_modifiers_give_add_subtract_intersect(window, view, modifiers, expected):
    doc = view.document
    window.tool_state.set("tool", "rect-select")
    drag(view.canvas, (10, 10), (50, 50))
    drag(view.canvas, (30, 30), (80, 70), modifiers)
    got = doc.selection.to_mask() == 255
    a, b = rect(got.shape, 10, 10, 50, 50), rect(got.shape, 30, 30, 80, 70)
    want = {"add": a | b, "subtract": a & ~b, "intersect": a & b}[expected]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", ["add", "subtract", "intersect"])
def test_the_mode_option_applies_without_modifiers(window, view, mode):
    doc, panel = view.document, window.options_panel
    window.tool_state.set("tool", "rect-select")
    assert panel.select_mode.isVisible()
    drag(view.canvas, (10, 10), (50, 50))
    panel.select_mode.setCurrentIndex(panel.select_mode.findData(mode))
    assert window.tool_state.select_mode == mode
    drag(view.canvas, (30, 30), (80, 70))
    got = doc.selection.to_mask() == 255
    a, b = rect(got.shape, 10, 10, 50, 50), rect(got.shape, 30, 30, 80, 70)
    want = {"add": a | b, "subtract": a & ~b, "intersect": a & b}[mode]
    np.testing.assert_array_equal(got, want)


def test_feather_and_antialias_options(window, view):
    doc, panel = view.document, window.options_panel
    window.tool_state.set("tool", "ellipse-select")
    assert panel.antialias.isVisible() and panel.feather.isVisible()
    QTest.mouseClick(panel.antialias, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(8, panel.antialias.height() // 2))  # on the box itself
    assert window.tool_state.select_antialias is False
    drag(view.canvas, (10, 10), (60, 50))
    assert set(np.unique(doc.selection.to_mask())) == {0, 255}
    panel.feather.setValue(6)
    assert window.tool_state.select_feather == 6
    drag(view.canvas, (10, 10), (60, 50))
    m = doc.selection.to_mask()
    assert ((m > 10) & (m < 245)).sum() > 200  # a soft rim several pixels wide
    window.tool_state.set("tool", "rect-select")
    assert not panel.antialias.isVisible()  # a rectangle on whole pixels has none


def answer_radius(value: float, accept: bool = True) -> QTimer:
    timer = QTimer()

    def poll() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, RadiusDialog):
            timer.stop()
            dlg.spin.selectAll()
            QTest.keyClicks(dlg.spin, f"{value:g}")
            QTest.keyClick(dlg, Qt.Key.Key_Return if accept else Qt.Key.Key_Escape)

    timer.timeout.connect(poll)
    timer.start(30)
    return timer


def test_feather_dialog_applies_its_radius_in_one_step(window, view):
    doc = view.document
    assert window.actions_by_id["select.feather"].text() == "&Feather…"
    doc.selection.select_rect(30, 30, 40, 30)
    hard = doc.selection.to_mask()
    timer = answer_radius(8)
    window.actions_by_id["select.feather"].trigger()
    timer.stop()
    from editor.document.selection import feather_mask

    np.testing.assert_array_equal(doc.selection.to_mask(), feather_mask(hard, 8))
    assert doc.undo.undo_text == "Feather selection"
    # Cancel changes nothing; the dialog offers the last radius again.
    n = doc.undo.count
    timer = answer_radius(3, accept=False)
    window.actions_by_id["select.feather"].trigger()
    timer.stop()
    assert doc.undo.count == n


def test_grow_and_shrink_dialogs(window, view):
    doc = view.document
    doc.selection.select_rect(30, 30, 40, 30)
    timer = answer_radius(4)
    window.actions_by_id["select.grow"].trigger()
    timer.stop()
    assert doc.selection.bounds() == (26, 26, 48, 38)
    timer = answer_radius(6)
    window.actions_by_id["select.shrink"].trigger()
    timer.stop()
    assert doc.selection.bounds() == (32, 32, 36, 26)


def test_feather_without_a_selection_says_so(window, view):
    window.actions_by_id["select.feather"].trigger()
    assert "selection" in window.statusBar().currentMessage()
