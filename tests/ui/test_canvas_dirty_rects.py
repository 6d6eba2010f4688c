"""A brush dab reconverts only the pixels it touched for display, and the displayed
buffer is then exactly a full conversion of the composite."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from editor.document import Document, Rect
from editor.ui.canvas_tiles import TILE, to_display


def _layered(dtype, w=700, h=520) -> Document:
    rng = np.random.default_rng(4)
    top = np.iinfo(dtype).max
    doc = Document(w, h, depth=16 if dtype == np.uint16 else 8)
    for i in range(3):
        px = rng.integers(0, top, (h, w, 4), dtype=dtype)
        px[..., 3] = top if i == 0 else rng.integers(0, top, (h, w))
        doc.add_layer(f"layer {i}", pixels=px)
    return doc


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["8-bit", "16-bit"])
def test_after_a_brush_stroke_the_display_equals_a_full_conversion(window, qtbot, dtype):
    doc = _layered(dtype)
    canvas = window.add_document(doc, None, "layers").canvas
    qtbot.wait(10)
    canvas.set_view(1.0, QPointF(10, 10))
    canvas.grab()  # every visible tile converted once
    assert canvas._image.valid.all()
    window.tool_state.set("tool", "brush")
    window.tool_state.set("size", 12)
    window.tool_state.set("color", (0.2, 0.9, 0.4))
    points = [(250 + 3 * i, 250 + i) for i in range(8)]  # across a tile corner
    QTest.mouseMove(canvas, QPoint(points[0][0] + 10, points[0][1] + 10))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(points[0][0] + 10, points[0][1] + 10))
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x + 10, y + 10))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(points[-1][0] + 10, points[-1][1] + 10))
    stale = canvas._image.stale_tiles(doc.rect)
    # the stale boxes hold the stroke (and its tiles), far less than whole tiles
    assert 1 <= len(stale) <= 4
    assert sum(r.w * r.h for r in stale) < TILE * TILE
    assert all(Rect(230, 230, 60, 60).intersect(r) == r for r in stale)
    canvas.grab()
    assert canvas._image.valid.all()
    full = to_display(doc.composite(), doc.max_value)
    np.testing.assert_array_equal(canvas._image.array, full)


def test_two_changes_in_one_tile_reconvert_the_union_of_their_boxes(window, qtbot):
    doc = _layered(np.uint8)
    canvas = window.add_document(doc, None, "layers").canvas
    qtbot.wait(10)
    canvas.set_view(1.0, QPointF(10, 10))
    canvas.grab()
    white = np.full((4, 4, 4), 255, np.uint8)
    doc.apply_patch(2, 20, 30, white, "a")
    doc.apply_patch(2, 100, 60, white, "b")
    assert canvas._image.stale_tiles(doc.rect) == [Rect(20, 30, 84, 34)]
    canvas.grab()
    np.testing.assert_array_equal(canvas._image.array,
                                  to_display(doc.composite(), doc.max_value))
