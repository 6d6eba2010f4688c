"""Canvas scrollbars (in step with zoom and pan both ways) and the window geometry and dock
layout kept between sessions."""

from __future__ import annotations

import itertools
import math

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QStyle, QStyleOptionSlider, QToolBar

from editor.ui.main_window import on_a_screen


def bars(view):
    return view.scroller.hbar, view.scroller.vbar


def assert_bars_match_view(view) -> None:
    """Each bar's value is the zoomed-image pixel at the viewport edge, its page is the
    viewport, and its range covers the zoomed image plus half a viewport on each side."""
    canvas, doc = view.canvas, view.document
    for bar, offset, image, viewport in (
        (view.scroller.hbar, canvas.offset.x(), doc.width * canvas.zoom, canvas.width()),
        (view.scroller.vbar, canvas.offset.y(), doc.height * canvas.zoom, canvas.height()),
    ):
        assert abs(bar.value() + offset) <= 0.5, (bar.value(), offset)
        assert bar.pageStep() == viewport
        assert bar.minimum() <= -viewport / 2 + 1
        assert bar.maximum() + viewport >= image + viewport / 2 - 1
        assert bar.minimum() <= bar.value() <= bar.maximum()


# --- scrollbars ---------------------------------------------------------------------


def test_scrollbars_sit_beside_the_canvas_not_over_it(window, view):
    hbar, vbar = bars(view)
    assert hbar.isVisible() and vbar.isVisible()
    canvas_rect = QRect(view.canvas.mapTo(view, QPoint(0, 0)), view.canvas.size())
    for bar in (hbar, vbar):
        assert not QRect(bar.mapTo(view, QPoint(0, 0)), bar.size()).intersects(canvas_rect)
    assert_bars_match_view(view)


def test_setting_a_scrollbar_value_pans_by_the_same_screen_pixels(window, view):
    canvas = view.canvas
    hbar, vbar = bars(view)
    canvas.set_view(8.0, QPointF(-40.25, 15.5))  # a fractional offset stays fractional
    x0, y0 = canvas.offset.x(), canvas.offset.y()
    hbar.setValue(hbar.value() + 37)
    assert canvas.offset.x() == pytest.approx(x0 - 37) and canvas.offset.y() == y0
    vbar.setValue(vbar.value() - 23)
    assert canvas.offset.y() == pytest.approx(y0 + 23)
    assert canvas.zoom == 8.0 and view.document.undo.count == 0
    assert_bars_match_view(view)


def test_dragging_the_scrollbar_handle_pans_the_canvas(window, view):
    canvas = view.canvas
    hbar, _ = bars(view)
    canvas.set_view(4.0, QPointF(10, 10))  # 480 px of image: room to drag
    opt = QStyleOptionSlider()
    hbar.initStyleOption(opt)
    handle = hbar.style().subControlRect(QStyle.ComplexControl.CC_ScrollBar, opt,
                                         QStyle.SubControl.SC_ScrollBarSlider, hbar)
    start_value, start_offset = hbar.value(), canvas.offset.x()
    p = handle.center()
    QTest.mousePress(hbar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    for dx in (5, 15, 30):
        QTest.mouseMove(hbar, p + QPoint(dx, 0))
    QTest.mouseRelease(hbar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       p + QPoint(30, 0))
    moved = hbar.value() - start_value
    assert moved > 30  # the track is shorter than the range: a handle px is several view px
    assert canvas.offset.x() == pytest.approx(start_offset - moved)
    assert_bars_match_view(view)


def test_zooming_in_enlarges_the_scroll_range_and_keeps_bars_on_the_view(window, view):
    canvas = view.canvas
    hbar, vbar = bars(view)
    window.zoom_fit()
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    spans = []
    for _ in range(4):
        assert_bars_match_view(view)
        # Half a viewport of margin each side, less the page: the range's span is the
        # zoomed image's size.
        w, h = hbar.maximum() - hbar.minimum(), vbar.maximum() - vbar.minimum()
        assert abs(w - 120 * canvas.zoom) <= 1 and abs(h - 90 * canvas.zoom) <= 1
        spans.append((w, h))
        canvas.zoom_at(2.0, centre)
    assert all(w1 > w0 and h1 > h0 for (w0, h0), (w1, h1) in itertools.pairwise(spans))
    assert spans[-1][0] > 7 * spans[0][0]  # three doublings


def test_panning_and_the_plain_wheel_move_the_scrollbars(window, view):
    canvas = view.canvas
    hbar, vbar = bars(view)
    h0, v0 = hbar.value(), vbar.value()
    ev = QWheelEvent(QPointF(100, 100), QPointF(canvas.mapToGlobal(QPoint(100, 100))),
                     QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, ev)
    assert canvas.zoom == 1.0 and vbar.value() == v0 + 60 and hbar.value() == h0
    # A pan far past the margin (Space-drag is unbounded) widens the range to include it.
    canvas.pan(-5000, 3000)
    assert hbar.value() == h0 + 5000 and vbar.value() == v0 + 60 - 3000
    assert_bars_match_view(view)


def test_fit_to_window_puts_the_image_in_view_and_the_bars_follow(window, view):
    canvas, doc = view.canvas, view.document
    canvas.set_view(8.0, QPointF(-3000, -2000))  # zoomed in, looking far off the image
    window.zoom_fit()
    tl = canvas.to_screen(QPointF(0, 0))
    br = canvas.to_screen(QPointF(doc.width, doc.height))
    assert 0 <= tl.x() and 0 <= tl.y() and br.x() <= canvas.width() and br.y() <= canvas.height()
    assert_bars_match_view(view)
    hbar, vbar = bars(view)
    # Centred image: the handle sits in the middle of its track.
    for bar in (hbar, vbar):
        assert abs((bar.value() - bar.minimum()) - (bar.maximum() - bar.value())) <= 2


def test_bars_follow_a_resize_of_the_canvas_and_of_the_image(window, view):
    canvas = view.canvas
    hbar, vbar = bars(view)
    window.resize(window.width() - 150, window.height() - 80)
    QTest.qWait(20)
    assert hbar.pageStep() == canvas.width() and vbar.pageStep() == canvas.height()
    view.document.resize_canvas(600, 400)
    assert_bars_match_view(view)
    assert hbar.maximum() >= math.ceil(600 * canvas.zoom + canvas.width() / 2 - canvas.width())


# --- window geometry and dock layout -------------------------------------------------


def new_window(qtbot):
    from editor.ui.app import create_main_window

    w = create_main_window()
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_dock_and_toolbar_has_a_unique_object_name(window):
    names = [w.objectName() for w in (*window.findChildren(QDockWidget),
                                      *window.findChildren(QToolBar))]
    assert len(names) >= 5 and all(names) and len(set(names)) == len(names)


def test_geometry_and_docks_are_restored_by_the_next_window(qtbot):
    first = new_window(qtbot)
    try:
        first.move(30, 40)
        first.resize(700, 540)
        first.docks["history"].hide()
        first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.docks["options"])
        QTest.qWait(20)
        saved = first.geometry()
        assert first.close()
    finally:
        first.deleteLater()
    second = new_window(qtbot)
    try:
        assert second.geometry() == saved
        assert not second.docks["history"].isVisible()
        assert second.docks["layers"].isVisible()
        assert second.dockWidgetArea(second.docks["options"]) == Qt.DockWidgetArea.LeftDockWidgetArea
        # The dock comes back through its View-menu toggle.
        second.docks["history"].toggleViewAction().trigger()
        assert second.docks["history"].isVisible()
    finally:
        second.close()
        second.deleteLater()


def test_a_window_saved_off_screen_opens_clamped_to_the_screen(qtbot):
    first = new_window(qtbot)
    try:
        first.move(5000, 4000)  # a monitor that is not there any more
        assert first.close()
    finally:
        first.deleteLater()
    second = new_window(qtbot)
    try:
        avail = second.screen().availableGeometry()
        assert avail.contains(second.frameGeometry())
    finally:
        second.close()
        second.deleteLater()


def test_on_a_screen_wants_the_title_bar_and_half_the_window_visible():
    screens = [QRect(0, 0, 1920, 1080), QRect(1920, 0, 1280, 1024)]
    assert on_a_screen(QRect(100, 100, 800, 600), screens)
    assert on_a_screen(QRect(2000, 50, 1000, 700), screens)  # on the second monitor
    assert on_a_screen(QRect(1500, 100, 800, 600), screens)  # across both: half on one
    assert not on_a_screen(QRect(3500, 100, 800, 600), screens)  # right of everything
    assert not on_a_screen(QRect(100, -300, 800, 600), screens)  # title bar above the top
    assert not on_a_screen(QRect(0, 0, 1920, 1080), [QRect(0, 0, 1280, 720)])  # too big
