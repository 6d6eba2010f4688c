"""Free Transform (Ctrl+T): handles, live preview, Enter applies in one step, Esc cancels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

OFF = 10  # see conftest: screen = doc + 10
CTRL = Qt.KeyboardModifier.ControlModifier


def drag(canvas, points, modifiers=Qt.KeyboardModifier.NoModifier):
    first = QPoint(points[0][0] + OFF, points[0][1] + OFF)
    QTest.mouseMove(canvas, first)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, modifiers, first)
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x + OFF, y + OFF))
    last = QPoint(points[-1][0] + OFF, points[-1][1] + OFF)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, modifiers, last)


def add_patch(doc):
    """A 30 × 20 noisy layer at (10, 10) over the white background."""
    rng = np.random.default_rng(3)
    px = rng.integers(0, 255, (20, 30, 4), dtype=np.uint8, endpoint=True)
    px[..., 3] = 255
    doc.add_layer("Patch", px, offset=(10, 10))
    doc.undo.clear()
    return px


def applied_size(doc, canvas):
    """Enter, then the transformed layer's size."""
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    layer = doc.layers[1]
    return layer.width, layer.height


def start(window, view, qtbot):
    window.tool_state.set("tool", "move")
    QTest.keyClick(view.canvas, Qt.Key.Key_T, CTRL)
    assert window.tool_state.tool == "transform"
    tool = view.canvas.current_tool()
    assert tool.session is not None
    return tool


def test_ctrl_t_shows_the_box_and_a_drag_inside_moves_by_an_exact_offset(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    px = add_patch(doc)
    tool = start(window, view, qtbot)
    # The layer is left out of the composite while its preview is drawn on top.
    assert canvas.display_override is tool.session.override
    assert (canvas.display_composite((10, 10, 30, 20)) == 255).all()
    drag(canvas, [(30, 22), (40, 37), (43, 43)])
    assert doc.layers[1].offset == (10, 10)  # nothing changes before Enter
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    assert doc.layers[1].offset == (23, 31)
    np.testing.assert_array_equal(doc.layers[1].pixels, px)
    assert doc.undo.count == 1 and doc.undo.undo_text == "Free transform"
    assert canvas.display_override is None
    qtbot.waitUntil(lambda: window.tool_state.tool == "move")  # back to the previous tool
    QTest.keyClick(canvas, Qt.Key.Key_Z, CTRL)
    assert doc.layers[1].offset == (10, 10)


def test_dragging_the_corner_handle_scales_by_two(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    add_patch(doc)
    start(window, view, qtbot)
    # Bottom-right handle at doc (40, 30); the top-left corner (10, 10) stays put.
    drag(canvas, [(40, 30), (55, 40), (70, 50)])
    QTest.keyClick(canvas, Qt.Key.Key_Enter)
    layer = doc.layers[1]
    assert (layer.width, layer.height) == (60, 40) and layer.offset == (10, 10)
    assert doc.undo.count == 1


def test_shift_on_an_edge_handle_keeps_the_aspect_ratio(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    add_patch(doc)
    start(window, view, qtbot)
    # The right edge's handle at (40, 20): stretch the width to 45 (×1.5) with Shift.
    drag(canvas, [(40, 20), (55, 20)], modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert applied_size(doc, canvas) == (45, 30)


def test_dragging_outside_rotates(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    add_patch(doc)
    tool = start(window, view, qtbot)
    # Centre (25, 20); from right of the box (60, 20) to below it (25, 55): +90°.
    drag(canvas, [(60, 20), (50, 45), (25, 55)])
    assert abs(tool.session.box.angle - 90) < 1e-6
    assert applied_size(doc, canvas) == (20, 30)


def test_escape_cancels_and_restores_the_view(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    add_patch(doc)
    start(window, view, qtbot)
    drag(canvas, [(30, 22), (50, 50)])
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert doc.layers[1].offset == (10, 10) and doc.undo.count == 0
    assert canvas.display_override is None
    qtbot.waitUntil(lambda: window.tool_state.tool == "move")


def test_transform_of_the_selection_moves_only_the_selected_pixels(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    before = doc.layers[0].pixels.copy()
    before[10:30, 10:40, :3] = (200, 0, 0)
    doc.apply_patch(0, 0, 0, before, "paint")
    doc.selection.select_rect(10, 10, 30, 20)
    n = doc.undo.count
    start(window, view, qtbot)
    drag(canvas, [(22, 22), (62, 42)])
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    px = doc.layers[0].pixels
    assert doc.undo.count == n + 1
    assert (px[30:50, 50:80, :3] == (200, 0, 0)).all()
    assert (px[10:30, 10:40, 3] == 0).all()  # a hole where the selection was
    assert (px[50:, :, :] == 255).all()  # the rest untouched
    assert doc.selection.bounds() == (50, 30, 30, 20)
    QTest.keyClick(canvas, Qt.Key.Key_Z, CTRL)
    np.testing.assert_array_equal(doc.layers[0].pixels, before)


def test_locked_layer_refuses_transform_with_a_message(window, view, qtbot):
    doc = view.document
    doc.set_layer_property(0, "locked", True)
    window.tool_state.set("tool", "brush")
    QTest.keyClick(view.canvas, Qt.Key.Key_T, CTRL)
    assert "locked" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.tool_state.tool == "brush")


def test_undo_while_the_box_is_up_ends_the_transform(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    add_patch(doc)
    doc.add_layer("Other")
    doc.active_index = 1  # the patch, not the empty layer
    tool = start(window, view, qtbot)
    QTest.keyClick(canvas, Qt.Key.Key_Z, CTRL)  # removes "Other"
    assert tool.session is None
    assert "ended" in window.statusBar().currentMessage()


def test_an_empty_layer_has_nothing_to_transform(window, view, qtbot):
    view.document.add_layer("Empty")
    window.tool_state.set("tool", "brush")
    QTest.keyClick(view.canvas, Qt.Key.Key_T, CTRL)
    assert "nothing visible" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.tool_state.tool == "brush")
