"""View ▸ Compare Before/After (hold \\) after undo and redo of an AI result, with real
key events: undone, there is nothing to compare; redone, it compares again."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from editor.ai import requests as rq
from tests.ui.test_ai_inpaint import _landed


@pytest.mark.parametrize("mode", [rq.MODE_NEW_LAYER, rq.MODE_ACTIVE_LAYER])
def test_undo_then_redo_of_a_fill_compares_again(window, qtbot, mode):
    doc, before, _original = _landed(window, qtbot, mode)
    after = doc.composite()
    canvas = window.canvas
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier

    def hold_backslash() -> np.ndarray:
        QTest.keyPress(canvas, Qt.Key.Key_Backslash)
        shown = canvas.display_composite()
        QTest.keyRelease(canvas, Qt.Key.Key_Backslash)
        return shown

    np.testing.assert_array_equal(hold_backslash(), before)
    QTest.keyClick(canvas, Qt.Key.Key_Z, ctrl)  # undo the fill
    np.testing.assert_array_equal(doc.composite(), before)
    hold_backslash()
    assert canvas.display_override is None
    assert "Nothing to compare" in window.statusBar().currentMessage()
    QTest.keyClick(canvas, Qt.Key.Key_Z, ctrl | shift)  # redo it
    np.testing.assert_array_equal(doc.composite(), after)
    np.testing.assert_array_equal(hold_backslash(), before)  # compares again
    np.testing.assert_array_equal(canvas.display_composite(), after)
    act = window.actions_by_id["view.compare"]
    act.trigger()
    assert act.isChecked()
    np.testing.assert_array_equal(canvas.display_composite(), before)
    act.trigger()
