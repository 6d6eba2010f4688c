"""The Histogram panel counts what numpy counts and follows edits; the Navigator shows the
viewport and pans the canvas when its rectangle is dragged."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from editor.document import Document
from editor.document.overview import sample_step, sampled_composite


def photo_like(depth: int, w: int = 160, h: int = 100, seed: int = 0) -> Document:
    dtype = np.uint16 if depth == 16 else np.uint8
    rng = np.random.default_rng(seed)
    px = rng.integers(0, np.iinfo(dtype).max + 1, (h, w, 4)).astype(dtype)
    px[..., 3] = np.iinfo(dtype).max
    doc = Document.from_pixels(px)
    doc.undo.clear()
    doc.undo.set_clean()
    return doc


@pytest.mark.parametrize("depth", [8, 16])
def test_histogram_panel_counts_match_numpy_and_follow_edits(window, qtbot, depth):
    doc = photo_like(depth)
    window.add_document(doc, None, "noise")
    panel = window.docks["histogram"].widget()
    qtbot.waitUntil(lambda: panel.document is doc)
    comp = doc.composite()
    shift = 8 if depth == 16 else 0  # 256 bins of 256 values each for 16 bit
    for c in range(3):
        expect = np.bincount((comp[..., c].astype(np.int64) >> shift).ravel(), minlength=256)
        np.testing.assert_array_equal(panel.counts[c], expect)
    assert panel.counts[3].sum() == doc.width * doc.height
    # An edit is counted a moment later (debounced), not on every event.
    maxv = doc.max_value
    patch = np.zeros((20, 20, 4), doc.dtype)
    patch[..., 3] = maxv
    n = panel.refreshes
    doc.apply_patch(0, 0, 0, patch, "black")
    doc.apply_patch(0, 30, 0, patch, "black")
    assert panel.refreshes == n
    qtbot.waitUntil(lambda: panel.refreshes > n)
    assert panel.refreshes == n + 1
    comp = doc.composite()
    assert panel.counts[0, 0] == np.count_nonzero((comp[..., 0].astype(np.int64) >> shift) == 0)
    # The active layer as the source.
    panel.source.setCurrentIndex(1)
    np.testing.assert_array_equal(panel.counts[1], np.bincount(
        (doc.layers[0].pixels[..., 1].astype(np.int64) >> shift).ravel(), minlength=256))


def test_large_images_are_sampled_at_full_precision() -> None:
    doc = photo_like(16, 1300, 700)
    px, step = sampled_composite(doc, 512)
    assert step == sample_step(1300, 700, 512) == 3
    assert px.dtype == np.uint16 and px.shape == (234, 434, 4)
    np.testing.assert_array_equal(px, doc.composite()[::3, ::3])


def test_navigator_drag_pans_the_canvas_and_the_slider_zooms(window, qtbot):
    doc = photo_like(8, 400, 300)
    view = window.add_document(doc, None, "big")
    canvas = view.canvas
    canvas.set_view(4.0, QPointF(0, 0))
    nav = window.docks["navigator"].widget()
    qtbot.waitUntil(lambda: nav.view.image is not None and nav.view.viewport is not None)
    vp = nav.view.viewport
    assert abs(vp.left()) < 1e-6 and abs(vp.width() - canvas.width() / 4) < 1e-6
    widget_vp = nav.view.to_widget_rect(vp)
    start = widget_vp.center().toPoint()
    scale = nav.view.image_rect().width() / doc.width
    before = canvas.visible_doc_rect().center()
    QTest.mousePress(nav.view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    end = start + QPoint(40, 25)
    QTest.mouseMove(nav.view, end)
    QTest.mouseRelease(nav.view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    after = canvas.visible_doc_rect().center()
    assert abs((after.x() - before.x()) - 40 / scale) < 1.0 / scale + 0.5
    assert abs((after.y() - before.y()) - 25 / scale) < 1.0 / scale + 0.5
    assert canvas.zoom == 4.0
    # The rectangle follows the canvas, and the slider zooms it.
    assert nav.view.viewport.center() == canvas.visible_doc_rect().center()
    # A click outside the rectangle centres the view there.
    target = nav.view.image_rect().bottomRight().toPoint() - QPoint(5, 5)
    QTest.mouseClick(nav.view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    want = nav.view.to_doc(QPointF(target))
    got = canvas.visible_doc_rect().center()
    assert abs(got.x() - want.x()) < 1 and abs(got.y() - want.y()) < 1
    nav.zoom.setValue(0)  # 2 ** 0 = 100 %
    assert canvas.zoom == pytest.approx(1.0)
    assert nav.zoom_label.text() == "100%"
