"""Edit ▸ Cut / Copy / Paste through the system clipboard, with real key events."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest

from editor.document import Document
from editor.ui.clipboard import array_to_qimage, get_clip, qimage_to_array

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def photo_document(depth: int, w: int = 120, h: int = 90) -> Document:
    dtype = np.uint16 if depth == 16 else np.uint8
    rng = np.random.default_rng(depth)
    px = rng.integers(0, np.iinfo(dtype).max, (h, w, 4), dtype=dtype, endpoint=True)
    px[..., 3] = np.iinfo(dtype).max
    doc = Document.from_pixels(px)
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


def select_rect_by_drag(canvas, x0, y0, x1, y1, off=10):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(x0 + off, y0 + off))
    QTest.mouseMove(canvas, QPoint(x1 + off, y1 + off))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(x1 + off, y1 + off))


@pytest.fixture
def photo_view(window, qtbot, request):
    from PySide6.QtCore import QPointF

    v = window.add_document(photo_document(request.param), None, "photo")
    qtbot.wait(10)
    v.canvas.set_view(1.0, QPointF(10, 10))
    return v


@pytest.mark.parametrize("photo_view", [8, 16], indirect=True)
def test_copy_then_paste_gives_the_exact_pixels_in_a_new_layer_at_the_selection(
        window, photo_view, qtbot):
    doc, canvas = photo_view.document, photo_view.canvas
    src = doc.layers[0].pixels.copy()
    window.tool_state.set("tool", "rect-select")
    select_rect_by_drag(canvas, 20, 15, 60, 45)
    assert doc.selection.bounds() == (20, 15, 40, 30)
    QTest.keyClick(canvas, Qt.Key.Key_C, CTRL)
    # The system clipboard got an 8-bit image of the selection.
    img = QGuiApplication.clipboard().image()
    assert (img.width(), img.height()) == (40, 30)
    n = doc.undo.count
    QTest.keyClick(canvas, Qt.Key.Key_V, CTRL)
    assert len(doc.layers) == 2 and doc.undo.count == n + 1
    pasted = doc.layers[1]
    assert pasted.name == "Pasted Layer" and pasted.offset == (20, 15)
    assert pasted.dtype == doc.dtype  # 16-bit stays 16-bit through the internal copy
    np.testing.assert_array_equal(pasted.pixels, src[15:45, 20:60])
    doc.undo.undo()
    assert len(doc.layers) == 1


@pytest.mark.parametrize("photo_view", [8], indirect=True)
def test_cut_clears_the_selection_in_one_undo_step(window, photo_view):
    doc, canvas = photo_view.document, photo_view.canvas
    src = doc.layers[0].pixels.copy()
    window.tool_state.set("tool", "rect-select")
    select_rect_by_drag(canvas, 30, 20, 50, 40)
    n = doc.undo.count
    QTest.keyClick(canvas, Qt.Key.Key_X, CTRL)
    assert doc.undo.count == n + 1 and doc.undo.undo_text == "Cut"
    assert (doc.layers[0].pixels[20:40, 30:50, 3] == 0).all()
    assert (doc.layers[0].pixels[:20, :, 3] == 255).all()
    QTest.keyClick(canvas, Qt.Key.Key_Z, CTRL)
    np.testing.assert_array_equal(doc.layers[0].pixels, src)
    # What was cut is on the clipboard, and pastes back exactly.
    QTest.keyClick(canvas, Qt.Key.Key_V, CTRL)
    np.testing.assert_array_equal(doc.layers[1].pixels, src[20:40, 30:50])


@pytest.mark.parametrize("photo_view", [8], indirect=True)
def test_delete_clears_and_copy_merged_copies_what_is_seen(window, photo_view):
    doc, canvas = photo_view.document, photo_view.canvas
    red = np.zeros((90, 120, 4), np.uint8)
    red[..., 0] = red[..., 3] = 255
    doc.add_layer("Red", red)
    doc.set_layer_property(1, "opacity", 0.5)
    doc.selection.select_rect(0, 0, 10, 10)
    QTest.keyClick(canvas, Qt.Key.Key_C, CTRL | SHIFT)
    expected = doc.composite((0, 0, 10, 10))
    np.testing.assert_array_equal(get_clip()[0].pixels, expected)
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert (doc.layers[1].pixels[:10, :10, 3] == 0).all()
    assert doc.undo.undo_text == "Clear"


def test_paste_of_an_image_from_another_program_lands_centred_in_the_view(window, view):
    doc, canvas = view.document, view.canvas
    rng = np.random.default_rng(5)
    px = rng.integers(0, 255, (20, 30, 4), dtype=np.uint8, endpoint=True)
    px[..., 3] = 255
    QGuiApplication.clipboard().setImage(array_to_qimage(px))  # no Retouch marker
    QTest.keyClick(canvas, Qt.Key.Key_V, CTRL)
    layer = doc.layers[-1]
    np.testing.assert_array_equal(layer.pixels, px)
    centre = canvas.to_doc(canvas.rect().center().toPointF())
    assert abs(layer.offset[0] + 15 - centre.x()) <= 1
    assert abs(layer.offset[1] + 10 - centre.y()) <= 1


def test_paste_as_new_image_opens_a_document_of_the_clipboard_image(window, view):
    px = np.zeros((12, 16, 4), np.uint8)
    px[..., 1] = px[..., 3] = 200
    QGuiApplication.clipboard().setImage(array_to_qimage(px))
    n = window.tabs.count()
    QTest.keyClick(view.canvas, Qt.Key.Key_V, CTRL | SHIFT)
    assert window.tabs.count() == n + 1
    assert window.document.size == (16, 12)
    np.testing.assert_array_equal(window.document.layers[0].pixels, px)


@pytest.mark.parametrize("photo_view", [8], indirect=True)
def test_paste_goes_back_in_place_in_its_own_image_and_to_the_view_in_another(
        window, photo_view, qtbot):
    doc, canvas = photo_view.document, photo_view.canvas
    doc.selection.select_rect(5, 6, 10, 8)
    QTest.keyClick(canvas, Qt.Key.Key_C, CTRL)
    doc.selection.select_none()
    QTest.keyClick(canvas, Qt.Key.Key_V, CTRL)
    assert doc.layers[-1].offset == (5, 6)
    other = window.add_document(photo_document(8, 200, 150), None, "other")
    qtbot.wait(10)
    other.canvas.fit()
    QTest.keyClick(other.canvas, Qt.Key.Key_V, CTRL)
    assert other.document.layers[-1].offset == (95, 71)  # centred: (200 - 10) / 2, (150 - 8) / 2


def test_paste_with_no_image_on_the_clipboard_says_so(window, view):
    QGuiApplication.clipboard().setText("not an image")
    QTest.keyClick(view.canvas, Qt.Key.Key_V, CTRL)
    assert len(view.document.layers) == 1
    assert "no image" in window.statusBar().currentMessage()


def test_locked_layer_refuses_cut_with_a_message(window, view):
    doc = view.document
    doc.set_layer_property(0, "locked", True)
    doc.selection.select_rect(0, 0, 10, 10)
    QTest.keyClick(view.canvas, Qt.Key.Key_X, CTRL)
    assert "locked" in window.statusBar().currentMessage()
    assert (doc.layers[0].pixels[..., 3] == 255).all()


def test_qimage_round_trips_8_and_16_bit():
    px = np.arange(5 * 7 * 4, dtype=np.uint8).reshape(5, 7, 4)
    np.testing.assert_array_equal(qimage_to_array(array_to_qimage(px)), px)
    deep = QImage(3, 2, QImage.Format.Format_RGBA64)
    deep.fill(0)
    assert qimage_to_array(deep).dtype == np.uint16
