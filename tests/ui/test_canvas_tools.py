"""Tools paint the expected pixels through real mouse events on the canvas."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

OFF = 10  # see conftest: screen = doc + 10


def drag(canvas, points, modifiers=Qt.KeyboardModifier.NoModifier,
         button=Qt.MouseButton.LeftButton):
    first = QPoint(points[0][0] + OFF, points[0][1] + OFF)
    QTest.mouseMove(canvas, first)
    QTest.mousePress(canvas, button, modifiers, first)
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x + OFF, y + OFF))
    last = QPoint(points[-1][0] + OFF, points[-1][1] + OFF)
    QTest.mouseRelease(canvas, button, modifiers, last)


def line(x0, y0, x1, y1, n=10):
    return [(round(x0 + (x1 - x0) * i / n), round(y0 + (y1 - y0) * i / n)) for i in range(n + 1)]


def test_brush_stroke_paints_colour_along_the_path_as_one_undo_step(window, view):
    doc, canvas = view.document, view.canvas
    window.tool_state.set("tool", "brush")
    window.tool_state.set("size", 6)
    window.tool_state.set("hardness", 1.0)
    window.tool_state.set("color", (1.0, 0.0, 0.0))
    drag(canvas, line(20, 30, 80, 30))
    px = doc.layers[0].pixels
    assert tuple(px[30, 50]) == (255, 0, 0, 255)
    assert tuple(px[30, 20]) == (255, 0, 0, 255)
    assert tuple(px[60, 50]) == (255, 255, 255, 255)  # far from the stroke: untouched
    assert doc.undo.count == 1 and doc.undo.text(0) == "Brush stroke"
    doc.undo.undo()
    assert tuple(doc.layers[0].pixels[30, 50]) == (255, 255, 255, 255)


def test_eraser_clears_alpha(window, view):
    doc = view.document
    window.tool_state.set("tool", "eraser")
    window.tool_state.set("size", 8)
    window.tool_state.set("hardness", 1.0)
    drag(view.canvas, line(40, 40, 60, 40, 4))
    assert doc.layers[0].pixels[40, 50, 3] == 0
    assert doc.layers[0].pixels[10, 10, 3] == 255


def test_brush_respects_selection(window, view):
    doc = view.document
    doc.selection.select_rect(0, 0, 50, 90)
    window.tool_state.set("tool", "brush")
    window.tool_state.set("size", 6)
    window.tool_state.set("hardness", 1.0)
    drag(view.canvas, line(20, 30, 80, 30))
    px = doc.layers[0].pixels
    assert tuple(px[30, 30])[:3] == (0, 0, 0)
    assert tuple(px[30, 70])[:3] == (255, 255, 255)


def test_mask_brush_paints_ai_mask_and_alt_subtracts(window, view):
    doc = view.document
    window.tool_state.set("tool", "mask-brush")
    window.tool_state.set("size", 10)
    window.tool_state.set("hardness", 1.0)
    drag(view.canvas, line(20, 40, 100, 40))
    assert doc.ai_mask[40, 60] == 255 and doc.ai_mask[80, 60] == 0
    assert tuple(doc.layers[0].pixels[40, 60]) == (255, 255, 255, 255)  # pixels untouched
    # The overlay is drawn: red dominates where the mask is.
    img = view.canvas.grab().toImage()
    c = img.pixelColor(60 + OFF, 40 + OFF)
    assert c.red() > c.green() + 60
    drag(view.canvas, line(55, 40, 65, 40, 2), modifiers=Qt.KeyboardModifier.AltModifier)
    assert doc.ai_mask[40, 60] == 0 and doc.ai_mask[40, 30] == 255


def test_mask_brush_on_layer_mask_hides_pixels(window, view):
    doc = view.document
    window.tool_state.set("tool", "mask-brush")
    window.tool_state.set("mask_target", "mask")
    window.tool_state.set("mask_subtract", True)
    window.tool_state.set("size", 10)
    window.tool_state.set("hardness", 1.0)
    drag(view.canvas, line(20, 40, 60, 40, 4))
    mask = doc.layers[0].mask
    assert mask is not None and mask[40, 40] == 0 and mask[10, 10] == 255
    assert doc.composite((40, 40, 1, 1))[0, 0, 3] == 0


def test_rect_ellipse_and_lasso_selection(window, view):
    doc = view.document
    window.tool_state.set("tool", "rect-select")
    drag(view.canvas, [(10, 20), (30, 40), (50, 60)])
    m = doc.selection.mask
    assert m is not None
    ys, xs = np.nonzero(m)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (10, 49, 20, 59)
    # Shift adds an ellipse elsewhere.
    window.tool_state.set("tool", "ellipse-select")
    drag(view.canvas, [(70, 10), (110, 50)], modifiers=Qt.KeyboardModifier.ShiftModifier)
    m = doc.selection.mask
    assert m[30, 90] == 255 and m[30, 20] == 255 and m[12, 72] == 0
    # A click without drag deselects.
    drag(view.canvas, [(5, 5)])
    assert doc.selection.mask is None
    window.tool_state.set("tool", "lasso")
    drag(view.canvas, [(10, 10), (60, 10), (60, 60), (10, 60)])
    m = doc.selection.mask
    assert m[30, 30] == 255 and m[80, 100] == 0


def test_move_tool_drags_layer_in_one_step(window, view):
    doc = view.document
    window.tool_state.set("tool", "move")
    drag(view.canvas, [(50, 50), (55, 53), (62, 57)])
    assert doc.layers[0].offset == (12, 7)
    assert doc.undo.count == 1
    doc.undo.undo()
    assert doc.layers[0].offset == (0, 0)


def test_picker_sets_brush_colour(window, view):
    doc = view.document
    doc.apply_patch(0, 0, 0, np.tile(np.array([0, 128, 255, 255], np.uint8), (10, 10, 1)), "x")
    window.tool_state.set("tool", "picker")
    drag(view.canvas, [(5, 5)])
    assert np.allclose(window.tool_state.color, (0.0, 128 / 255, 1.0), atol=1e-3)


def test_fill_fills_only_the_contiguous_region(window, view):
    doc = view.document
    # A black vertical wall at x=60 splits the white layer in two.
    doc.apply_patch(0, 60, 0, np.zeros((90, 2, 3), np.uint8), "wall")
    window.tool_state.set("tool", "fill")
    window.tool_state.set("color", (0.0, 1.0, 0.0))
    drag(view.canvas, [(20, 20)])
    px = doc.layers[0].pixels
    assert tuple(px[50, 10]) == (0, 255, 0, 255)
    assert tuple(px[50, 100]) == (255, 255, 255, 255)
    assert tuple(px[50, 60])[:3] == (0, 0, 0)
    assert doc.undo.text(doc.undo.index - 1) == "Fill"


def test_bracket_keys_change_brush_size(window, view, qtbot):
    window.tool_state.set("size", 20)
    view.canvas.setFocus()
    QTest.keyClick(view.canvas, Qt.Key.Key_BracketRight)
    assert window.tool_state.size == 25
    QTest.keyClick(view.canvas, Qt.Key.Key_BracketLeft)
    QTest.keyClick(view.canvas, Qt.Key.Key_BracketLeft)
    assert window.tool_state.size == 15


def test_tool_shortcuts_switch_tools(window, view):
    view.canvas.setFocus()
    QTest.keyClick(view.canvas, Qt.Key.Key_E)
    assert window.tool_state.tool == "eraser"
    QTest.keyClick(view.canvas, Qt.Key.Key_B)
    assert window.tool_state.tool == "brush"
    assert window.actions_by_id["tool.brush"].isChecked()
