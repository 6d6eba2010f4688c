"""Layers and History panels stay in sync with the document, both ways."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from editor.ui.panels import SUBTITLE_ROLE


def names(panel) -> list[str]:
    """Row texts, top row first (the panel shows the top layer first)."""
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def checked(panel, row: int) -> bool:
    return panel.list.item(row).checkState() == Qt.CheckState.Checked


def three_layers(doc) -> None:
    doc.add_layer("Middle")
    doc.add_layer("Top")
    doc.undo.clear()
    doc.undo.set_clean()


def test_document_edits_and_their_undo_update_the_layer_panel(window, view):
    doc, panel = view.document, window.layers_panel
    assert panel.doc is doc and names(panel) == ["Background"]

    doc.add_layer("Sky")
    assert names(panel) == ["Sky", "Background"] and panel.list.currentRow() == 0
    doc.rename_layer(1, "Clouds")
    assert names(panel) == ["Clouds", "Background"]
    doc.set_layer_property(1, "opacity", 0.4, merge=False)
    assert panel.opacity.value() == 40 and panel.opacity_label.text() == "40%"
    doc.set_layer_property(1, "blend_mode", "svg:multiply", merge=False)
    assert panel.blend.currentData() == "svg:multiply"
    assert panel.list.item(0).data(SUBTITLE_ROLE) == "Multiply · 40%"
    assert panel.list.item(1).data(SUBTITLE_ROLE) == ""
    doc.set_layer_property(1, "visible", False, merge=False)
    assert not checked(panel, 0) and checked(panel, 1)
    doc.move_layer(1, 0)
    assert names(panel) == ["Background", "Clouds"]
    assert panel.list.currentRow() == 1  # the moved layer stays the active one
    doc.active_index = 1
    assert panel.list.currentRow() == 0

    # Undo walks every step back, and the panel follows each one.
    doc.undo.undo()  # move
    assert names(panel) == ["Clouds", "Background"]
    doc.undo.undo()  # visibility
    assert checked(panel, 0)
    doc.undo.undo()  # blend
    assert panel.blend.currentData() == "svg:src-over"
    doc.undo.undo()  # opacity
    assert panel.opacity.value() == 100
    doc.undo.undo()  # rename
    assert names(panel) == ["Sky", "Background"]
    doc.undo.undo()  # add
    assert names(panel) == ["Background"]
    doc.undo.redo()
    assert names(panel) == ["Sky", "Background"]
    doc.delete_layer(1)
    assert names(panel) == ["Background"]


def test_layer_thumbnail_follows_painting(window, view, qtbot):
    doc, panel = view.document, window.layers_panel
    before = panel.list.item(0).icon().pixmap(40, 40).toImage()
    doc.apply_patch(0, 0, 0, np.zeros((90, 120, 3), np.uint8), "black")
    qtbot.waitUntil(lambda: panel.list.item(0).icon().pixmap(40, 40).toImage() != before,
                    timeout=2000)
    img = panel.list.item(0).icon().pixmap(40, 40).toImage()
    assert img.pixelColor(20, 20) == QColor(0, 0, 0)


def test_clicking_the_eye_toggles_visibility_and_a_row_activates_it(window, view):
    doc, panel = view.document, window.layers_panel
    three_layers(doc)
    lst = panel.list
    rect = lst.visualItemRect(lst.item(1))  # "Middle"
    # The eye sits at the left edge of the row, before the thumbnail.
    QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(rect.left() + 10, rect.center().y()))
    assert doc.layers[1].visible is False
    assert doc.undo.count == 1 and doc.undo.text(0) == "Toggle visibility"
    assert doc.active_index == 2  # the eye toggles; it does not pick the layer
    # Hidden shows a different (crossed, dimmed) eye than shown.
    img = lst.viewport().grab().toImage()
    rows = [lst.visualItemRect(lst.item(r)) for r in (0, 1)]
    eyes = [[img.pixelColor(r.left() + x, r.center().y() + y).rgb() for x in range(4, 24)
             for y in range(-8, 8)] for r in rows]
    assert eyes[0] != eyes[1]
    QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(rect.left() + 10, rect.center().y()))
    assert doc.layers[1].visible is True
    # A click on the name makes that layer the active one.
    rect = lst.visualItemRect(lst.item(2))
    QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())
    assert doc.active_index == 0 and doc.active_layer.name == "Background"


def test_double_click_renames_and_undo_restores_the_name(window, view, qtbot):
    doc, panel = view.document, window.layers_panel
    three_layers(doc)
    lst = panel.list
    at = lst.visualItemRect(lst.item(0)).center()
    # A double click as the platform delivers it: press, release, press + double-click.
    QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    QTest.mouseDClick(lst.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    editor = lst.findChild(QLineEdit)
    assert editor is not None and editor.text() == "Top"
    editor.selectAll()
    QTest.keyClicks(editor, "Sky")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on Return through a queued call.
    qtbot.waitUntil(lambda: doc.layers[2].name == "Sky", timeout=1000)
    assert names(panel) == ["Sky", "Middle", "Background"]
    assert doc.undo.count == 1
    doc.undo.undo()
    assert doc.layers[2].name == "Top" and names(panel)[0] == "Top"


def test_blend_and_opacity_widgets_edit_the_active_layer(window, view):
    doc, panel = view.document, window.layers_panel
    three_layers(doc)  # "Top" is active
    panel.blend.setCurrentIndex(panel.blend.findData("svg:screen"))
    assert doc.layers[2].blend_mode == "svg:screen" and doc.undo.count == 1
    # A slider drag is one undo step, however many values it passes through.
    panel.opacity.setSliderDown(True)
    for v in (90, 75, 60, 50):
        panel.opacity.setValue(v)
    panel.opacity.setSliderDown(False)
    assert doc.layers[2].opacity == 0.5 and doc.undo.count == 2
    assert panel.opacity_label.text() == "50%"
    # The keyboard (Page Down: 10 %) is a separate step.
    panel.opacity.setFocus()
    QTest.keyClick(panel.opacity, Qt.Key.Key_PageDown)
    assert doc.layers[2].opacity == 0.4 and doc.undo.count == 3
    doc.undo.undo()
    doc.undo.undo()
    assert doc.layers[2].opacity == 1.0 and panel.opacity.value() == 100


def test_dragging_a_row_reorders_the_layers_as_one_step(window, view, qtbot):
    doc, panel = view.document, window.layers_panel
    three_layers(doc)
    # Drop "Top" (row 0) below "Background": the list model move the view does on drop.
    assert panel.list.model().moveRow(QModelIndex(), 0, QModelIndex(), 3)
    qtbot.waitUntil(lambda: doc.layers[0].name == "Top", timeout=1000)
    assert [layer.name for layer in doc.layers] == ["Top", "Background", "Middle"]
    assert names(panel) == ["Middle", "Background", "Top"]
    assert doc.undo.count == 1 and doc.undo.text(0) == "Move layer"
    doc.undo.undo()
    assert names(panel) == ["Top", "Middle", "Background"]


def test_panel_buttons_add_raise_and_delete(window, view):
    doc, panel = view.document, window.layers_panel
    QTest.mouseClick(panel.buttons["layer-add"], Qt.MouseButton.LeftButton)
    assert len(doc.layers) == 2 and names(panel)[0] == doc.layers[1].name
    doc.active_index = 0
    assert panel.buttons["layer-up"].isEnabled() and not panel.buttons["layer-down"].isEnabled()
    QTest.mouseClick(panel.buttons["layer-up"], Qt.MouseButton.LeftButton)
    assert doc.layers[1].name == "Background"
    QTest.mouseClick(panel.buttons["layer-delete"], Qt.MouseButton.LeftButton)
    assert len(doc.layers) == 1
    assert names(panel) == [doc.layers[0].name]


def test_history_panel_click_jumps_to_that_state(window, view):
    doc, history = view.document, window.history_panel
    red = np.tile(np.array([255, 0, 0, 255], np.uint8), (10, 10, 1))
    doc.apply_patch(0, 0, 0, red, "Red square")
    doc.add_layer("Sky")
    doc.rename_layer(1, "Clouds")
    assert [history.item(i).text() for i in range(history.count())] == [
        "Original", "Red square", "Add layer", "Rename layer"
    ]
    assert history.currentRow() == 3

    def click(row: int) -> None:
        rect = history.visualItemRect(history.item(row))
        QTest.mouseClick(history.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, rect.center())

    click(1)  # after "Red square": the layer is gone again, the square stays
    assert doc.undo.index == 1 and len(doc.layers) == 1
    assert tuple(doc.layers[0].pixels[5, 5]) == (255, 0, 0, 255)
    assert history.currentRow() == 1
    # Undone steps stay listed (greyed) until a new edit replaces them.
    assert history.count() == 4
    assert history.item(3).foreground().color() != history.item(1).foreground().color()
    click(0)  # the document as it was opened
    assert doc.undo.index == 0 and tuple(doc.layers[0].pixels[5, 5]) == (255, 255, 255, 255)
    click(3)  # and forward again
    assert doc.undo.index == 3 and [layer.name for layer in doc.layers] == ["Background", "Clouds"]
    assert window.layers_panel.list.item(0).text() == "Clouds"
