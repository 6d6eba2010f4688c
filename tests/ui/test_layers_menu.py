"""The Layers panel's lock toggle and right-click context menu, with real mouse events."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from editor.ui.layers_panel import LOCKED_ROLE

OFF = 10


def row_rect(panel, row: int):
    return panel.list.visualItemRect(panel.list.item(row))


def click_lock(panel, row: int) -> None:
    r = row_rect(panel, row)
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(r.right() - 12, r.center().y()))


def open_menu(panel, qtbot, row: int):
    r = row_rect(panel, row)
    panel.context_menu = None
    vp = panel.list.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, r.center())
    # The platform follows a right click with a context-menu event; QTest does not.
    QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, r.center(),
                                                 vp.mapToGlobal(r.center())))
    qtbot.waitUntil(lambda: panel.context_menu is not None and panel.context_menu.isVisible())
    return panel.context_menu


def choose(menu, key: str) -> None:
    act = next(a for a in menu.actions() if a.objectName() == f"layer-menu.{key}")
    assert act.isEnabled(), key
    menu.hide()
    act.trigger()


def brush_line(window, canvas):
    window.tool_state.set("tool", "brush")
    window.tool_state.set("color", (1.0, 0.0, 0.0))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(30 + OFF, 30 + OFF))
    QTest.mouseMove(canvas, QPoint(60 + OFF, 30 + OFF))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(60 + OFF, 30 + OFF))


def test_lock_toggle_blocks_painting_with_a_message_and_undoes(window, view):
    doc, panel = view.document, window.layers_panel
    click_lock(panel, 0)
    assert doc.layers[0].locked and panel.list.item(0).data(LOCKED_ROLE) is True
    assert doc.undo.undo_text == "Toggle lock" and doc.undo.count == 1
    assert panel.list.currentRow() == 0
    before = doc.layers[0].pixels.copy()
    brush_line(window, view.canvas)
    np.testing.assert_array_equal(doc.layers[0].pixels, before)
    assert "locked" in window.statusBar().currentMessage()
    doc.undo.undo()
    assert not doc.layers[0].locked and panel.list.item(0).data(LOCKED_ROLE) is False
    brush_line(window, view.canvas)
    assert doc.layers[0].pixels[30, 45, 1] < 50  # painted red now


def test_context_menu_acts_on_the_clicked_row(window, view, qtbot):
    doc, panel = view.document, window.layers_panel
    doc.add_layer("Top")
    assert panel.list.currentRow() == 0
    menu = open_menu(panel, qtbot, 1)  # the background row
    assert doc.active_index == 0  # right-click made it the active layer
    titles = [a.text() for a in menu.actions() if a.text()]
    assert titles[:3] == ["New Layer", "Duplicate Layer", "Delete Layer"]
    assert {"Rename…", "Properties…", "Lock Layer", "Merge Down", "Flatten Image",
            "Alpha to Selection", "Add Layer Mask"} <= set(titles)
    choose(menu, "duplicate")
    assert [x.name for x in doc.layers] == ["Background", "Background copy", "Top"]
    menu = open_menu(panel, qtbot, 0)  # Top
    choose(menu, "merge")
    assert [x.name for x in doc.layers] == ["Background", "Background copy"]
    menu = open_menu(panel, qtbot, 0)
    choose(menu, "lock")
    assert doc.layers[1].locked
    menu = open_menu(panel, qtbot, 0)
    assert any(a.text() == "Unlock Layer" for a in menu.actions())
    choose(menu, "mask")
    assert doc.layers[1].mask is not None
    menu = open_menu(panel, qtbot, 0)
    assert any(a.text() == "Remove Layer Mask" for a in menu.actions())
    choose(menu, "flatten")
    assert len(doc.layers) == 1


def test_alpha_to_selection_from_the_menu(window, view, qtbot):
    doc, panel = view.document, window.layers_panel
    px = np.zeros((20, 30, 4), np.uint8)
    px[..., 3] = 255
    px[:, :10, 3] = 128
    doc.add_layer("Shape", px, offset=(40, 30))
    menu = open_menu(panel, qtbot, 0)
    choose(menu, "alpha")
    m = doc.selection.mask
    assert doc.selection.bounds() == (40, 30, 30, 20)
    assert m[35, 55] == 255 and m[35, 45] == 128
    assert doc.undo.undo_text == "Alpha to selection"


def test_properties_dialog_sets_name_and_opacity(window, view, qtbot):
    doc, panel = view.document, window.layers_panel

    def answer():
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QDialog):
            return False
        dlg.name.setText("Paper")
        dlg.opacity.setValue(40)
        QTest.keyClick(dlg, Qt.Key.Key_Return)
        return True

    menu = open_menu(panel, qtbot, 0)
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: answer() and timer.stop())
    timer.start(50)
    choose(menu, "properties")
    timer.stop()
    assert doc.layers[0].name == "Paper" and doc.layers[0].opacity == 0.4


def test_rename_from_the_menu_opens_the_editor(window, view, qtbot):
    doc, panel = view.document, window.layers_panel
    menu = open_menu(panel, qtbot, 0)
    choose(menu, "rename")
    qtbot.waitUntil(lambda: panel.list.state() == panel.list.State.EditingState)
    from PySide6.QtWidgets import QLineEdit

    line = panel.list.findChild(QLineEdit)
    assert line is not None
    line.selectAll()
    QTest.keyClicks(line, "Sky")
    QTest.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: doc.layers[0].name == "Sky", timeout=1000)  # a queued commit
