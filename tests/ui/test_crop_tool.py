"""The crop tool (handles, aspect, straighten, Enter/Esc) and Image ▸ Rotate/Flip through
real events; masks and the selection follow, undo restores exact pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.test_heal_tools import OFF, drag, noise, open_doc

CTRL = Qt.KeyboardModifier.ControlModifier


def with_mask_and_selection(doc):
    rng = np.random.default_rng(5)
    mask = rng.integers(0, 256, (doc.height, doc.width)).astype(np.uint8)
    doc.set_layer_property(0, "mask", mask)
    doc.selection.select_rect(20, 15, 50, 40)
    doc.undo.clear()
    return mask, doc.selection.mask.copy()


def crop_doc(window, qtbot, depth=8):
    """A 120×90 noise document with the crop tool chosen: (original pixels, doc, canvas)."""
    orig = noise(90, 120, depth)
    doc, canvas = open_doc(window, qtbot, orig.copy(), depth)
    window.tool_state.set("tool", "crop")
    return orig, doc, canvas


def press_key(canvas, key):
    canvas.setFocus()
    QTest.keyClick(canvas, key)


@pytest.mark.parametrize("depth", [8, 16])
def test_drawn_crop_applies_on_enter_with_masks_and_selection(window, qtbot, depth):
    orig, doc, canvas = crop_doc(window, qtbot, depth)
    mask, sel = with_mask_and_selection(doc)
    drag(canvas, [(10, 10), (50, 40), (90, 70)])
    assert doc.size == (120, 90)  # nothing happens before Enter
    press_key(canvas, Qt.Key.Key_Return)
    assert doc.size == (80, 60)
    assert np.array_equal(doc.layers[0].pixels, orig[10:70, 10:90])
    assert np.array_equal(doc.layers[0].mask, mask[10:70, 10:90])
    assert np.array_equal(doc.selection.mask, sel[10:70, 10:90])
    assert doc.undo.count == 1 and doc.undo.text(0) == "Crop"
    doc.undo.undo()
    assert doc.size == (120, 90)
    assert np.array_equal(doc.layers[0].pixels, orig)
    assert np.array_equal(doc.layers[0].mask, mask)
    assert np.array_equal(doc.selection.mask, sel)


def test_handles_resize_and_move_the_frame_exactly(window, qtbot):
    orig, doc, canvas = crop_doc(window, qtbot)
    drag(canvas, [(10, 10), (90, 70)])
    drag(canvas, [(90, 40), (95, 40), (100, 40)])  # right edge: 10..100
    drag(canvas, [(10, 10), (20, 15)])  # top-left corner
    drag(canvas, [(60, 40), (58, 45), (55, 50)])  # inside: move by (-5, +10)
    frame = canvas.current_tool().frame
    assert frame.integral() == (15, 25, 80, 55)
    press_key(canvas, Qt.Key.Key_Enter)
    assert doc.size == (80, 55)
    assert np.array_equal(doc.layers[0].pixels, orig[25:80, 15:95])


def test_moving_the_frame_stops_at_the_image_edge(window, qtbot):
    _orig, _doc, canvas = crop_doc(window, qtbot)
    drag(canvas, [(10, 10), (50, 40)])
    drag(canvas, [(30, 25), (10, 5), (-20, -20)])
    assert canvas.current_tool().frame.integral() == (0, 0, 40, 30)


@pytest.mark.parametrize(("aspect", "portrait", "end", "size"), [
    ("1:1", False, (70, 40), (60, 60)),
    ("4:3", True, (40, 90), (60, 80)),
    ("16:9", False, (90, 30), (80, 45)),
    ("original", False, (50, 40), (40, 30)),
])
def test_aspect_presets_constrain_the_drawn_frame(window, qtbot, aspect, portrait, end, size):
    orig, doc, canvas = crop_doc(window, qtbot)
    window.tool_state.set("crop_aspect", aspect)
    window.tool_state.set("crop_portrait", portrait)
    drag(canvas, [(10, 10), end])
    press_key(canvas, Qt.Key.Key_Return)
    assert doc.size == size
    assert np.array_equal(doc.layers[0].pixels, orig[10:10 + size[1], 10:10 + size[0]])


def test_aspect_corner_drag_keeps_the_ratio_and_x_swaps_it(window, qtbot):
    _orig, _doc, canvas = crop_doc(window, qtbot)
    window.tool_state.set("crop_aspect", "3:2")
    drag(canvas, [(10, 10), (70, 50)])
    tool = canvas.current_tool()
    assert tool.frame.integral() == (10, 10, 60, 40)
    drag(canvas, [(70, 50), (100, 60)])  # bottom-right corner: width wins, ratio kept
    x, y, w, h = tool.frame.integral()
    assert (x, y) == (10, 10) and abs(w / h - 1.5) < 0.03
    press_key(canvas, Qt.Key.Key_X)  # portrait
    assert window.tool_state.crop_portrait
    x, y, w, h = tool.frame.integral()
    assert abs(h / w - 1.5) < 0.03 and h <= 90


def test_escape_cancels_and_a_click_frames_the_whole_image(window, qtbot):
    orig, doc, canvas = crop_doc(window, qtbot)
    drag(canvas, [(10, 10), (90, 70)])
    press_key(canvas, Qt.Key.Key_Escape)
    assert canvas.current_tool().frame is None
    press_key(canvas, Qt.Key.Key_Return)
    assert doc.size == (120, 90) and doc.undo.count == 0
    drag(canvas, [(40, 40)])  # a click: the whole image, with handles and thirds
    assert canvas.current_tool().frame.integral() == (0, 0, 120, 90)
    drag(canvas, [(0, 0), (30, 20)])  # top-left handle
    img = canvas.grab().toImage()
    window.tool_state.set("crop_thirds", False)
    plain = canvas.grab().toImage()
    # Frame (30, 20)-(120, 90): shaded outside; thirds at x = 60, 90 and y = 43, 67.
    assert img.pixelColor(10 + OFF, 10 + OFF).lightness() < orig[10, 10, :3].mean()
    on_line = img.pixelColor(60 + OFF, 30 + OFF), plain.pixelColor(60 + OFF, 30 + OFF)
    off_line = img.pixelColor(75 + OFF, 30 + OFF), plain.pixelColor(75 + OFF, 30 + OFF)
    assert on_line[0] != on_line[1] and off_line[0] == off_line[1]
    window.tool_state.set("crop_aspect", "1:1")  # re-fits the frame
    _x, _y, w, h = canvas.current_tool().frame.integral()
    assert w == h


def tilted_line_doc(angle_deg: float = 6.0, w: int = 160, h: int = 120):
    import cv2

    px = np.full((h, w, 4), 255, np.uint8)
    t = np.tan(np.radians(angle_deg))
    x0, x1 = 5, w - 5
    y0 = round(h / 2 - (w / 2 - x0) * t)
    y1 = round(h / 2 + (x1 - w / 2) * t)
    cv2.line(px, (x0, y0), (x1, y1), (0, 0, 0, 255), 3)
    return px, (x0, y0), (x1, y1)


def line_rows(px: np.ndarray) -> np.ndarray:
    """The row of the dark line's centre in each column where it is visible."""
    dark = px[..., 0] < 128
    cols = np.flatnonzero(dark.any(axis=0))
    return np.array([np.flatnonzero(dark[:, c]).mean() for c in cols])


@pytest.mark.parametrize("via", ["ctrl", "option"])
def test_straighten_levels_a_drawn_horizon(window, qtbot, via):
    px, a, b = tilted_line_doc()
    doc, canvas = open_doc(window, qtbot, px)
    spread = np.ptp(line_rows(px))
    assert spread > 12
    window.tool_state.set("tool", "crop")
    if via == "ctrl":
        drag(canvas, [a, b], CTRL)
    else:
        window.options_panel._extra["crop"].straighten.click()
        assert window.tool_state.crop_straighten
        drag(canvas, [a, b])
        assert not window.tool_state.crop_straighten  # one line, then back to cropping
    frame = canvas.current_tool().frame
    assert abs(frame.angle - np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0]))) < 0.01
    press_key(canvas, Qt.Key.Key_Return)
    out = doc.layers[0].pixels
    assert np.ptp(line_rows(out)) <= 1.5  # level now
    assert out[..., 3].min() == 255  # the frame was inside the image: no empty corners
    assert doc.undo.count == 1
    doc.undo.undo()
    assert np.array_equal(doc.layers[0].pixels, px)


@pytest.mark.parametrize(("action", "expect"), [
    ("image.rotate_cw", lambda a: np.rot90(a, -1)),
    ("image.rotate_ccw", lambda a: np.rot90(a, 1)),
    ("image.rotate_180", lambda a: a[::-1, ::-1]),
    ("image.flip_horizontal", lambda a: a[:, ::-1]),
    ("image.flip_vertical", lambda a: a[::-1]),
])
def test_image_rotate_and_flip_menu_entries(window, qtbot, action, expect):
    orig = noise(90, 120, 16)
    doc, _canvas = open_doc(window, qtbot, orig.copy(), 16)
    mask, sel = with_mask_and_selection(doc)
    act = window.actions_by_id[action]
    assert act in window.menus["Image"].actions()
    act.trigger()
    assert np.array_equal(doc.layers[0].pixels, expect(orig))
    assert np.array_equal(doc.layers[0].mask, expect(mask))
    assert np.array_equal(doc.selection.mask, expect(sel))
    assert doc.undo.count == 1
    window.actions_by_id["edit.undo"].trigger()
    assert np.array_equal(doc.layers[0].pixels, orig)
    assert np.array_equal(doc.selection.mask, sel)


def test_crop_apply_and_cancel_buttons(window, qtbot):
    orig, doc, canvas = crop_doc(window, qtbot)
    opts = window.options_panel._extra["crop"]
    assert opts.isVisible()
    drag(canvas, [(10, 10), (50, 50)])
    QTest.mouseClick(opts.cancel, Qt.MouseButton.LeftButton)
    assert canvas.current_tool().frame is None
    drag(canvas, [(10, 10), (50, 50)])
    QTest.mouseClick(opts.apply, Qt.MouseButton.LeftButton)
    assert doc.size == (40, 40)
    assert np.array_equal(doc.layers[0].pixels, orig[10:50, 10:50])


def test_a_straightened_frame_resizes_along_its_own_axes(window, qtbot):
    px, a, b = tilted_line_doc()
    doc, canvas = open_doc(window, qtbot, px)
    window.tool_state.set("tool", "crop")
    drag(canvas, [a, b], CTRL)
    tool = canvas.current_tool()
    f0 = tool.frame.copy()
    assert f0.angle > 5
    edge, left = f0.point(1, 0), f0.point(-1, 0)
    c, s = np.cos(np.radians(f0.angle)), np.sin(np.radians(f0.angle))
    inward = (round(edge.x() - 20 * c), round(edge.y() - 20 * s))
    drag(canvas, [(round(edge.x()), round(edge.y())), inward])
    f = tool.frame
    assert f.angle == f0.angle and abs(f.h - f0.h) < 1e-9
    assert abs(f.w - (f0.w - 20)) < 1.5
    moved = f.point(-1, 0)
    assert abs(moved.x() - left.x()) < 1.0 and abs(moved.y() - left.y()) < 1.0
    press_key(canvas, Qt.Key.Key_Return)
    assert doc.size == (round(f.w), round(f.h))
