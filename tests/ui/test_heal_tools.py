"""Clone stamp, healing brush and spot healing through real mouse events on the canvas."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from editor.document import Document

OFF = 10  # screen = doc + 10 (set_view below)
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def open_doc(window, qtbot, pixels: np.ndarray, depth: int = 8):
    h, w = pixels.shape[:2]
    doc = Document(w, h, depth=depth)
    doc.add_layer("Background", pixels=pixels)
    doc.undo.clear()
    doc.undo.set_clean()
    view = window.add_document(doc, None, "retouch")
    qtbot.wait(10)
    view.canvas.set_view(1.0, QPointF(OFF, OFF))
    return doc, view.canvas


def noise(h: int, w: int, depth: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    maxv = 255 if depth == 8 else 65535
    px = rng.integers(0, maxv + 1, (h, w, 4)).astype(np.uint8 if depth == 8 else np.uint16)
    px[..., 3] = maxv
    return px


def click(canvas, x, y, modifiers=Qt.KeyboardModifier.NoModifier):
    pos = QPoint(x + OFF, y + OFF)
    QTest.mouseMove(canvas, pos)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, modifiers, pos)


def drag(canvas, points, modifiers=Qt.KeyboardModifier.NoModifier):
    first = QPoint(points[0][0] + OFF, points[0][1] + OFF)
    QTest.mouseMove(canvas, first)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, modifiers, first)
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x + OFF, y + OFF))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, modifiers,
                       QPoint(points[-1][0] + OFF, points[-1][1] + OFF))


def hline(x0, x1, y, n=5):
    return [(round(x0 + (x1 - x0) * i / n), y) for i in range(n + 1)]


def use_tool(window, tool, size=10, hardness=1.0, opacity=1.0):
    s = window.tool_state
    s.set("tool", tool)
    s.set("size", size)
    s.set("hardness", hardness)
    s.set("opacity", opacity)


# Interior of a hard 10 px stroke along y from x0 to x1: fully covered, an exact copy.
def interior(x0, x1, y):
    return slice(y - 2, y + 3), slice(x0 + 1, x1)


@pytest.mark.parametrize("depth", [8, 16])
def test_clone_aligned_copies_exactly_with_the_offset_and_keeps_it(window, qtbot, depth):
    orig = noise(90, 120, depth)
    doc, canvas = open_doc(window, qtbot, orig.copy(), depth)
    use_tool(window, "clone")
    click(canvas, 30, 30, CTRL)  # the source
    drag(canvas, hline(80, 95, 40))
    px = doc.layers[0].pixels
    ys, xs = interior(80, 95, 40)
    # Offset fixed at the first dab: source - cursor = (30 - 80, 30 - 40).
    assert np.array_equal(px[ys, xs], orig[ys.start - 10:ys.stop - 10, xs.start - 50:xs.stop - 50])
    assert np.array_equal(px[70:80], orig[70:80])  # elsewhere untouched
    # Aligned: the next stroke keeps the offset (samples 50 left, 10 up of itself).
    drag(canvas, hline(80, 95, 75))
    ys, xs = interior(80, 95, 75)
    assert np.array_equal(px[ys, xs], orig[ys.start - 10:ys.stop - 10, xs.start - 50:xs.stop - 50])
    assert doc.undo.count == 2 and doc.undo.text(0) == "Clone stamp"
    assert px.dtype == orig.dtype
    doc.undo.undo()
    doc.undo.undo()
    assert np.array_equal(doc.layers[0].pixels, orig)


def test_clone_non_aligned_restarts_at_the_source_each_stroke(window, qtbot):
    orig = noise(90, 120)
    doc, canvas = open_doc(window, qtbot, orig.copy())
    use_tool(window, "clone")
    window.tool_state.set("clone_aligned", False)
    click(canvas, 30, 30, ALT)  # Alt-click sets the source too
    drag(canvas, hline(80, 95, 40))
    drag(canvas, hline(80, 95, 75))
    px = doc.layers[0].pixels
    ys, xs = interior(80, 95, 75)
    # Second stroke samples from the source point again: offset (30 - 80, 30 - 75).
    assert np.array_equal(px[ys, xs], orig[ys.start - 45:ys.stop - 45, xs.start - 50:xs.stop - 50])


def test_clone_without_a_source_says_how_to_set_one_and_paints_nothing(window, qtbot):
    orig = noise(90, 120)
    doc, canvas = open_doc(window, qtbot, orig.copy())
    use_tool(window, "clone")
    messages = []
    canvas.message.connect(messages.append)
    drag(canvas, hline(80, 95, 40))
    assert np.array_equal(doc.layers[0].pixels, orig)
    assert doc.undo.count == 0
    assert any("Ctrl-click" in m for m in messages)


def test_clone_samples_the_merged_image_into_an_empty_layer(window, qtbot):
    orig = noise(90, 120)
    doc, canvas = open_doc(window, qtbot, orig.copy())
    doc.add_layer("Retouch")  # empty, active
    use_tool(window, "clone")
    click(canvas, 30, 30, CTRL)
    drag(canvas, hline(80, 95, 40))  # sampling the (empty) layer: nothing to copy
    assert not doc.layers[1].pixels[..., 3].any()
    window.tool_state.set("clone_sample", "merged")
    click(canvas, 30, 30, CTRL)
    drag(canvas, hline(80, 95, 40))
    top = doc.layers[1].pixels
    ys, xs = interior(80, 95, 40)
    assert np.array_equal(top[ys, xs], orig[ys.start - 10:ys.stop - 10, xs.start - 50:xs.stop - 50])
    assert np.array_equal(doc.layers[0].pixels, orig)  # the background is untouched


def test_source_crosshair_follows_the_sample_point_and_is_drawn(window, qtbot):
    white = np.full((90, 120, 4), 255, np.uint8)
    _doc, canvas = open_doc(window, qtbot, white)
    use_tool(window, "heal", size=6)
    tool = canvas.current_tool()
    click(canvas, 30, 30, CTRL)
    QTest.mouseMove(canvas, QPoint(80 + OFF, 40 + OFF))
    assert tool.sample_point() == QPointF(30, 30)  # before the first stroke: the source
    drag(canvas, hline(80, 90, 40))
    QTest.mouseMove(canvas, QPoint(100 + OFF, 60 + OFF))
    assert tool.sample_point() == QPointF(50, 50)  # aligned: cursor + (-50, -10)
    img = canvas.grab().toImage()
    arm = img.pixelColor(50 + OFF + 5, 50 + OFF)  # on the crosshair's horizontal arm
    off_arm = img.pixelColor(50 + OFF + 5, 50 + OFF + 6)
    assert off_arm.lightness() > 240  # the white image
    assert arm.lightness() != off_arm.lightness() or arm != off_arm


def smooth_and_textured(h=90, w=140, depth=8):
    """Left: texture (mean 60, noise σ 15) to sample; right: a smooth warm gradient."""
    maxv = 255 if depth == 8 else 65535
    k = maxv / 255
    rng = np.random.default_rng(3)
    px = np.zeros((h, w, 4), np.float64)
    xs = np.linspace(0, 1, w)[None, :]
    px[..., 0] = 190 + 20 * xs
    px[..., 1] = 150 + 10 * xs
    px[..., 2] = 120
    px[:, :60, :3] = 60 + rng.normal(0, 15, (h, 60, 3))
    px[..., 3] = 255
    return np.rint(np.clip(px, 0, 255) * k).astype(np.uint8 if depth == 8 else np.uint16)


@pytest.mark.parametrize("depth", [8, 16])
def test_heal_stroke_is_seamless_and_carries_the_source_texture(window, qtbot, depth):
    orig = smooth_and_textured(depth=depth)
    k = (255 if depth == 8 else 65535) / 255
    doc, canvas = open_doc(window, qtbot, orig.copy(), depth)
    use_tool(window, "heal", size=16, hardness=1.0)
    click(canvas, 25, 45, CTRL)
    drag(canvas, hline(90, 120, 45, 6))
    px = doc.layers[0].pixels.astype(np.float64) / k
    o = orig.astype(np.float64) / k
    changed = np.any(px != o, axis=2)
    assert changed[45, 100] and not changed[10, 100]
    # Colour and tone from the destination: the source's mean is 60, the destination's ~200.
    inside = px[40:51, 95:116, :3]
    dest = o[40:51, 95:116, :3]
    assert np.abs(inside.mean(axis=(0, 1)) - dest.mean(axis=(0, 1))).max() < 12
    # The texture is the source's: high correlation with the source's detail at the offset.
    src = o[40:51, 30:51, :3]
    a, b = inside - inside.mean(axis=(0, 1)), src - src.mean(axis=(0, 1))
    corr = (a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())
    assert corr > 0.8 and inside.std() > 8
    # Seamless: across the stroke's edge the mean step is small (a clone steps ~140).
    import cv2

    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)
    m = changed.astype(np.uint8)
    inner_ring = changed & ~cv2.erode(m, cross).astype(bool)
    outer_ring = cv2.dilate(m, cross).astype(bool) & ~changed
    step = np.abs(px[inner_ring, :3].mean(axis=0) - o[outer_ring, :3].mean(axis=0)).max()
    assert step < 6
    assert doc.undo.text(0) == "Healing brush"
    doc.undo.undo()
    assert np.array_equal(doc.layers[0].pixels, orig)


@pytest.mark.parametrize("depth", [8, 16])
def test_spot_heal_removes_a_dot_in_one_undo_step(window, qtbot, depth):
    k = 1 if depth == 8 else 257
    yy, xx = np.mgrid[0:90, 0:120]
    px = np.zeros((90, 120, 4), np.uint8 if depth == 8 else np.uint16)
    px[..., 0] = (100 + xx) * k
    px[..., 1] = (120 + yy) * k
    px[..., 2] = 150 * k
    px[..., 3] = 255 * k
    dot = (xx - 60) ** 2 + (yy - 45) ** 2 <= 9
    orig = px.copy()
    px[dot, :3] = 0
    with_dot = px.copy()
    doc, canvas = open_doc(window, qtbot, px, depth)
    use_tool(window, "spot-heal", size=14, hardness=0.8)
    drag(canvas, [(58, 45), (62, 45)])
    out = doc.layers[0].pixels
    assert out.dtype == orig.dtype
    err = np.abs(out[dot, :3].astype(int) - orig[dot, :3].astype(int)) / k
    assert err.max() < 12  # the dot is gone: filled to the surrounding gradient
    assert np.array_equal(out[:20], with_dot[:20])  # far away: untouched
    assert doc.undo.count == 1 and doc.undo.text(0) == "Spot healing"
    doc.undo.undo()
    assert np.array_equal(doc.layers[0].pixels, with_dot)


def test_heal_tools_have_their_shortcuts_and_options(window, qtbot):
    white = np.full((90, 120, 4), 255, np.uint8)
    _doc, canvas = open_doc(window, qtbot, white)
    canvas.setFocus()
    for key, tool in ((Qt.Key.Key_J, "heal"), (Qt.Key.Key_S, "clone"), (Qt.Key.Key_C, "crop")):
        QTest.keyClick(canvas, key)
        assert window.tool_state.tool == tool
    QTest.keyClick(canvas, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    assert window.tool_state.tool == "spot-heal"
    QTest.keyClick(canvas, Qt.Key.Key_S)
    panel = window.options_panel
    extra = panel._extra["clone"]
    assert extra.isVisible() and not panel._extra["crop"].isVisible()
    extra.aligned.click()
    assert window.tool_state.clone_aligned is False
    extra.sample.setCurrentIndex(extra.sample.findData("merged"))
    assert window.tool_state.clone_sample == "merged"


@pytest.mark.parametrize("fill", ["proximity", "smooth"])
def test_spot_heal_type_option_texture_or_smooth(window, qtbot, fill):
    rng = np.random.default_rng(4)
    px = np.empty((90, 120, 4), np.uint8)
    px[..., :3] = np.clip(rng.normal(140, 14, (90, 120, 3)), 0, 255).astype(np.uint8)
    px[..., 3] = 255
    yy, xx = np.mgrid[0:90, 0:120]
    dot = (xx - 60) ** 2 + (yy - 45) ** 2 <= 9
    px[dot, :3] = 20
    doc, canvas = open_doc(window, qtbot, px)
    use_tool(window, "spot-heal", size=12, hardness=0.9)
    opts = window.options_panel._extra["spot-heal"]
    opts.fill.setCurrentIndex(opts.fill.findData(fill))
    assert window.tool_state.spot_fill == fill
    drag(canvas, [(60, 45)])
    out = doc.layers[0].pixels[dot, :3].astype(float)
    assert abs(out.mean() - 140) < 12  # the dark dot is gone either way
    if fill == "proximity":
        assert out.std() > 8  # the grain continues through the repair
    else:
        assert out.std() < 6  # a smooth patch
