"""Image ▸ Adjustments and the basic filters through real events: the preview shows on
the canvas, Cancel restores exact pixels, OK is one undo step that undo reverses."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from editor.document import Document
from editor.document.adjust import (
    Levels,
    colour_balance,
    curves,
    exposure,
    gaussian_blur,
    levels,
)
from editor.ui.adjust_preview import AdjustDialog

OFF = 10  # the view fixture: screen = doc + 10


def gradient_document(depth: int = 8, w: int = 120, h: int = 90) -> Document:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    px = np.zeros((h, w, 4), dtype)
    x = np.linspace(0.1, 0.9, w)[None, :]
    y = np.linspace(0.2, 0.8, h)[:, None]
    px[..., 0] = np.rint(np.broadcast_to(x, (h, w)) * maxv)
    px[..., 1] = np.rint(np.broadcast_to(y, (h, w)) * maxv)
    px[..., 2] = np.rint(np.broadcast_to((x + y) / 2, (h, w)) * maxv)
    px[..., 3] = maxv
    doc = Document.from_pixels(px)
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


@pytest.fixture(params=[8, 16], ids=["8bit", "16bit"])
def gview(window, qtbot, request):
    v = window.add_document(gradient_document(request.param), None, "gradient")
    qtbot.wait(10)
    v.canvas.set_view(1.0, QPointF(OFF, OFF))
    return v


def type_value(qtbot, slider, value) -> None:
    """Type ``value`` into a ValueSlider's spin box as a user would (no Enter: in a
    dialog that presses OK)."""
    spin = slider.spin
    QTest.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(spin, str(value))
    assert slider.value() == float(value)


def open_by_shortcut(window, view, qtbot, key) -> AdjustDialog:
    view.canvas.setFocus()
    QTest.keyClick(view.canvas, key, Qt.KeyboardModifier.ControlModifier)
    dlgs = [d for d in window.findChildren(AdjustDialog) if not d._closed]
    assert len(dlgs) == 1
    qtbot.waitExposed(dlgs[0])
    return dlgs[0]


def shown_colour(canvas, x: int, y: int) -> tuple[int, int, int]:
    c = canvas.grab().toImage().pixelColor(x + OFF, y + OFF)
    return c.red(), c.green(), c.blue()


def test_levels_previews_on_the_canvas_and_cancel_restores_exactly(window, gview, qtbot):
    doc, canvas = gview.document, gview.canvas
    before = doc.layers[0].pixels.copy()
    plain = shown_colour(canvas, 60, 45)
    dlg = open_by_shortcut(window, gview, qtbot, Qt.Key.Key_L)
    assert dlg.windowTitle() == "Levels…" and dlg.hist.counts.sum() > 0
    type_value(qtbot, dlg.in_black, 100)
    qtbot.waitUntil(lambda: canvas.display_override is not None)
    expect = levels(before, master=Levels(100 / 255))
    np.testing.assert_array_equal(canvas.display_composite(), expect)
    np.testing.assert_array_equal(doc.layers[0].pixels, before)  # only the view changed
    shown = shown_colour(canvas, 60, 45)
    assert shown != plain and shown[0] < plain[0]  # darker on screen
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert canvas.display_override is None and doc.undo.count == 0
    np.testing.assert_array_equal(doc.layers[0].pixels, before)
    np.testing.assert_array_equal(doc.composite(), before)
    qtbot.waitUntil(lambda: shown_colour(canvas, 60, 45) == plain)


def test_levels_ok_is_one_undo_step_and_undo_restores_exactly(window, gview, qtbot):
    doc = gview.document
    before = doc.layers[0].pixels.copy()
    dlg = open_by_shortcut(window, gview, qtbot, Qt.Key.Key_L)
    dlg.channel.setCurrentIndex(1)  # Red
    type_value(qtbot, dlg.gamma, "2.00")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert doc.undo.count == 1 and doc.undo.undo_text == "Levels"
    got = doc.layers[0].pixels
    assert got.dtype == before.dtype
    np.testing.assert_array_equal(got, levels(before, red=Levels(gamma=2.0)))
    assert gview.canvas.display_override is None
    window.actions_by_id["edit.undo"].trigger()
    np.testing.assert_array_equal(doc.layers[0].pixels, before)


def test_reset_puts_the_controls_back_and_drops_the_preview(window, gview, qtbot):
    dlg = open_by_shortcut(window, gview, qtbot, Qt.Key.Key_U)
    type_value(qtbot, dlg.sliders["saturation"], -100)
    qtbot.waitUntil(lambda: gview.canvas.display_override is not None)
    qtbot.mouseClick(dlg.reset_button, Qt.MouseButton.LeftButton)
    assert dlg.sliders["saturation"].value() == 0
    assert gview.canvas.display_override is None
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert gview.document.undo.count == 0  # nothing to do: no step


def test_adjustment_applies_only_inside_the_selection(window, gview, qtbot):
    doc = gview.document
    doc.selection.select_rect(20, 10, 40, 30)
    before = doc.layers[0].pixels.copy()
    window.actions_by_id["image.adjust.brightness_contrast"].trigger()
    dlg = next(d for d in window.findChildren(AdjustDialog) if not d._closed)
    type_value(qtbot, dlg.sliders["brightness"], 40)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    got = doc.layers[0].pixels
    inside = np.zeros(got.shape[:2], bool)
    inside[10:40, 20:60] = True
    np.testing.assert_array_equal(got[~inside], before[~inside])
    assert (got[inside][:, :3].astype(np.int64) > before[inside][:, :3]).mean() > 0.9


def test_colour_balance_by_ctrl_b_with_luminosity_unchecked(window, gview, qtbot):
    doc = gview.document
    before = doc.layers[0].pixels.copy()
    dlg = open_by_shortcut(window, gview, qtbot, Qt.Key.Key_B)
    assert dlg.current_range() == "midtones"
    box = dlg.preserve
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not dlg.preserve.isChecked()
    type_value(qtbot, dlg.sliders[0], 50)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    expect = colour_balance(before, midtones=(0.5, 0, 0), preserve_luminosity=False)
    np.testing.assert_array_equal(doc.layers[0].pixels, expect)


def test_curves_point_added_and_dragged_with_the_mouse(window, gview, qtbot):
    doc = gview.document
    before = doc.layers[0].pixels.copy()
    dlg = open_by_shortcut(window, gview, qtbot, Qt.Key.Key_M)
    w = dlg.curve
    start = w.to_widget(0.5, 0.5).toPoint()
    QTest.mousePress(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    end = w.to_widget(0.5, 0.75).toPoint()
    QTest.mouseMove(w, end)
    QTest.mouseRelease(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert len(w.points) == 3
    x, y = w.points[1]
    assert abs(x - 0.5) < 0.02 and abs(y - 0.75) < 0.02
    qtbot.waitUntil(lambda: gview.canvas.display_override is not None)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(doc.layers[0].pixels, curves(before, master=w.points))
    assert doc.layers[0].pixels[..., :3].mean() > before[..., :3].mean()


def test_white_balance_picks_a_grey_on_the_canvas(window, qtbot):
    px = np.zeros((60, 80, 4), np.uint8)
    px[..., 3] = 255
    px[..., :3] = (150, 120, 90)  # a warm cast over everything
    px[:, 40:, :3] = (200, 160, 120)
    v = window.add_document(Document.from_pixels(px), None, "cast")
    v.canvas.set_view(1.0, QPointF(OFF, OFF))
    window.actions_by_id["image.adjust.white_balance"].trigger()
    dlg = next(d for d in window.findChildren(AdjustDialog) if not d._closed)
    assert window.tool_state.tool and v.canvas.pick_handler is not None
    QTest.mouseClick(v.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(20 + OFF, 30 + OFF))
    assert dlg.picked is not None
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    got = v.document.layers[0].pixels
    assert got[30, 20, :3].tolist() == [120, 120, 120]  # the picked colour is neutral
    assert v.canvas.pick_handler is None  # the canvas's tools work again
    assert v.document.undo.count == 1


def test_gaussian_blur_from_the_filter_menu(window, gview, qtbot):
    doc = gview.document
    before = doc.layers[0].pixels.copy()
    window.filter_menu.aboutToShow.emit()
    act = next(a for a in window.filter_menu.actions() if a.text() == "Gaussian Blur…")
    act.trigger()
    dlg = next(d for d in window.findChildren(AdjustDialog) if not d._closed)
    type_value(qtbot, dlg.sliders["radius"], "3.0")
    qtbot.waitUntil(lambda: gview.canvas.display_override is not None)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(doc.layers[0].pixels, gaussian_blur(before, 3.0))
    assert doc.undo.count == 1 and doc.layers[0].pixels.dtype == before.dtype


def test_a_document_change_while_open_is_previewed_again(window, view, qtbot):
    doc, canvas = view.document, view.canvas
    window.actions_by_id["image.adjust.exposure"].trigger()
    dlg = next(d for d in window.findChildren(AdjustDialog) if not d._closed)
    type_value(qtbot, dlg.sliders["stops"], "-1.00")
    qtbot.waitUntil(lambda: canvas.display_override is not None)
    black = np.zeros((5, 5, 4), np.uint8)
    black[..., 3] = 255
    doc.apply_patch(0, 0, 0, black, "black")  # an edit while the dialog is open
    assert canvas.display_override is None  # the canvas dropped the stale preview
    qtbot.waitUntil(lambda: canvas.display_override is not None)  # and it came back
    assert canvas.display_composite((0, 0, 8, 8))[2, 2].tolist() == [0, 0, 0, 255]
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert doc.undo.count == 1


def test_locked_layer_refuses_with_a_message(window, view, qtbot):
    view.document.set_layer_property(0, "locked", True)
    window.actions_by_id["image.adjust.levels"].trigger()
    assert not [d for d in window.findChildren(AdjustDialog) if not d._closed]
    assert "locked" in window.statusBar().currentMessage()


def test_adjustment_shortcuts_are_listed(window):
    keys = {a.objectName(): a.shortcut().toString() for a in window.actions_by_id.values()}
    assert keys["image.adjust.levels"] == "Ctrl+L" and keys["image.adjust.curves"] == "Ctrl+M"
    assert keys["image.adjust.hue_saturation"] == "Ctrl+U"
    assert keys["image.adjust.colour_balance"] == "Ctrl+B"


def test_large_previews_run_in_the_background_and_only_the_newest_lands(window, gview, qtbot,
                                                                       monkeypatch):
    from editor.ui import adjust_preview

    monkeypatch.setattr(adjust_preview, "SYNC_PIXELS", 100)
    doc, canvas = gview.document, gview.canvas
    before = doc.layers[0].pixels.copy()
    dlg = open_by_shortcut(window, gview, qtbot, Qt.Key.Key_L)
    type_value(qtbot, dlg.in_black, 40)
    type_value(qtbot, dlg.in_white, 200)
    expect = levels(before, master=Levels(40 / 255, 200 / 255))
    qtbot.waitUntil(lambda: canvas.display_override is not None
                    and np.array_equal(canvas.display_composite(), expect), timeout=10000)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(doc.layers[0].pixels, expect)
    assert doc.undo.count == 1


def test_the_preview_covers_what_the_canvas_shows_and_follows_a_pan(window, qtbot):
    from editor.ui import adjust_preview

    v = window.add_document(gradient_document(8, 1200, 900), None, "wide")
    before = v.document.layers[0].pixels.copy()
    canvas = v.canvas
    canvas.set_view(1.0, QPointF(0, 0))
    window.actions_by_id["image.adjust.exposure"].trigger()
    dlg = next(d for d in window.findChildren(AdjustDialog) if not d._closed)
    type_value(qtbot, dlg.sliders["stops"], "1.00")
    qtbot.waitUntil(lambda: canvas.display_override is not None, timeout=10000)
    r = canvas.display_override.rect
    pad = adjust_preview.VIEW_PAD
    assert r.x == 0 and r.w <= canvas.width() + 2 * pad + 1 and r.w < 1200
    canvas.center_on(1100, 800)  # the other corner
    qtbot.waitUntil(lambda: canvas.display_override is not None
                    and canvas.display_override.rect.right == 1200, timeout=10000)
    assert canvas.display_override.rect.x > 0
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    # OK applies to the whole layer, not only to what was last on screen.
    np.testing.assert_array_equal(v.document.layers[0].pixels, exposure(before, stops=1.0))
