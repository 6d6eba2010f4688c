"""Canvas view (zoom, pan, status bar, brush outline) and background jobs in the window."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.ai.apply import apply_result
from editor.ai.regions import take_snapshot
from editor.ai.requests import MODE_ACTIVE_LAYER, SOURCE_LAYER
from editor.ai.watch import DocumentWatch
from editor.ui.filters import FilterAction, register_filter, unregister_filter
from ml.types import EngineError

OFF = 10  # see conftest: screen = doc + 10 at 100 %


@pytest.fixture(autouse=True)
def _cpu(monkeypatch):
    # The worker resolves the device per job; "cpu" needs no torch import.
    monkeypatch.setenv("RETOUCH_DEVICE", "cpu")


def drag(canvas, points, button=Qt.MouseButton.LeftButton):
    pts = [QPoint(x + OFF, y + OFF) for x, y in points]
    QTest.mouseMove(canvas, pts[0])
    QTest.mousePress(canvas, button, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(canvas, button, Qt.KeyboardModifier.NoModifier, pts[-1])


def wheel(canvas, pos: QPointF, dy: int, modifiers=Qt.KeyboardModifier.ControlModifier):
    from PySide6.QtGui import QWheelEvent

    ev = QWheelEvent(pos, QPointF(canvas.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                     QPoint(0, dy), Qt.MouseButton.NoButton, modifiers,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, ev)


def assert_close(a: QPointF, b: QPointF, tol: float = 1e-6) -> None:
    assert abs(a.x() - b.x()) < tol and abs(a.y() - b.y()) < tol, (a, b)


# --- zoom and pan -------------------------------------------------------------------


def test_ctrl_wheel_zooms_around_the_cursor(window, view):
    canvas = view.canvas
    for pos, dy in ((QPointF(200.0, 150.0), 120), (QPointF(37.0, 260.0), 240),
                    (QPointF(300.0, 40.0), -360)):
        before_zoom, anchor = canvas.zoom, canvas.to_doc(pos)
        wheel(canvas, pos, dy)
        assert canvas.zoom == pytest.approx(before_zoom * 2 ** (dy / 120 / 4))
        assert_close(canvas.to_doc(pos), anchor)
    assert window.zoom_label.text() == f"{canvas.zoom * 100:.1f}%"


def test_plain_wheel_scrolls_without_zooming(window, view):
    canvas = view.canvas
    wheel(canvas, QPointF(100, 100), -120, Qt.KeyboardModifier.NoModifier)
    assert canvas.zoom == 1.0 and canvas.offset == QPointF(10, -50)


def test_middle_button_pan_keeps_the_grabbed_point_under_the_cursor(window, view):
    canvas, doc = view.canvas, view.document
    grabbed = canvas.to_doc(QPointF(50 + OFF, 40 + OFF))
    drag(canvas, [(50, 40), (70, 45), (130, 100)], button=Qt.MouseButton.MiddleButton)
    assert_close(canvas.to_doc(QPointF(130 + OFF, 100 + OFF)), grabbed)
    assert doc.undo.count == 0  # panning is not an edit


def test_space_drag_pans_instead_of_painting(window, view):
    canvas, doc = view.canvas, view.document
    window.tool_state.set("tool", "brush")
    canvas.setFocus()
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    grabbed = canvas.to_doc(QPointF(60 + OFF, 30 + OFF))
    drag(canvas, [(60, 30), (20, 10), (-15, 5)])
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert_close(canvas.to_doc(QPointF(-15 + OFF, 5 + OFF)), grabbed)
    assert doc.undo.count == 0
    assert (doc.layers[0].pixels == 255).all()


def test_a_small_image_opens_at_100_percent_and_a_big_one_shrinks_to_fit(window, qtbot):
    from editor.document import Document

    small = window.add_document(Document(120, 90), None, "small")
    qtbot.waitUntil(lambda: small.canvas.width() > 100)
    qtbot.wait(20)
    assert small.canvas.zoom == 1.0  # never enlarged on open
    big = window.add_document(Document(6000, 4000), None, "big")
    qtbot.waitUntil(lambda: big.canvas.width() > 100)
    qtbot.wait(20)
    assert big.canvas.zoom < 1.0
    tl, br = big.canvas.to_screen(QPointF(0, 0)), big.canvas.to_screen(QPointF(6000, 4000))
    assert tl.x() >= 0 and tl.y() >= 0
    assert br.x() <= big.canvas.width() and br.y() <= big.canvas.height()


def test_keyboard_zoom_fit_and_actual_pixels(window, view):
    canvas, doc = view.canvas, view.document
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    w, h = canvas.width(), canvas.height()
    assert canvas.zoom > 1.0  # a 120×90 image fills the view
    left, top = canvas.to_screen(QPointF(0, 0)).x(), canvas.to_screen(QPointF(0, 0)).y()
    right = canvas.to_screen(QPointF(doc.width, doc.height)).x()
    bottom = canvas.to_screen(QPointF(doc.width, doc.height)).y()
    assert 0 <= left and right <= w and 0 <= top and bottom <= h
    assert abs(left - (w - right)) <= 1 and abs(top - (h - bottom)) <= 1  # centred
    assert min(left, top) <= 13  # and touches the margin on one axis
    centre = canvas.to_doc(QPointF(w / 2, h / 2))
    QTest.keyClick(canvas, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == 1.0
    assert_close(canvas.to_doc(QPointF(w / 2, h / 2)), centre)
    QTest.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.zoom == pytest.approx(2 ** 0.5)
    QTest.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == pytest.approx(1.0)
    assert window.zoom_label.text() == "100.0%"


def test_status_bar_shows_cursor_colour_and_document_size(window, view):
    doc, canvas = view.document, view.canvas
    doc.apply_patch(0, 20, 30, np.tile(np.array([255, 0, 0, 255], np.uint8), (20, 20, 1)), "red")
    QTest.mouseMove(canvas, QPoint(30 + OFF, 40 + OFF))
    assert window.cursor_label.text().split() == ["30,", "40", "#ff0000", "α", "100%"]
    assert window.cursor_swatch.isVisible() and "#ff0000" in window.cursor_swatch.styleSheet()
    QTest.mouseMove(canvas, QPoint(5 + OFF, 5 + OFF))
    assert "#ffffff" in window.cursor_label.text()
    assert window.size_label.text() == "120 × 90 px · 8-bit RGBA"
    assert window.device_label.text()
    assert not window.progress.isVisible() and not window.cancel_button.isVisible()


def test_brush_cursor_outline_follows_the_brush_size(window, view):
    canvas = view.canvas
    window.tool_state.set("tool", "brush")

    def ring_row(size: int) -> np.ndarray:
        window.tool_state.set("size", size)
        QTest.mouseMove(canvas, QPoint(60 + OFF, 45 + OFF))
        img = canvas.grab().toImage()
        return np.array([img.pixelColor(60 + OFF + dx, 45 + OFF).lightness()
                         for dx in range(30)])

    row = ring_row(40)  # radius 20: a dark ring crosses x = 60 + 20
    assert row[:15].min() == 255 and row[18:23].min() < 200
    row = ring_row(20)  # radius 10
    assert row[:7].min() == 255 and row[8:13].min() < 200 and row[15:].min() == 255
    window.tool_state.set("tool", "rect-select")
    canvas.update()
    img = canvas.grab().toImage()
    assert min(img.pixelColor(60 + OFF + dx, 45 + OFF).lightness() for dx in range(30)) == 255


def test_a_dab_on_a_large_image_reconverts_only_the_tiles_it_touched(window, qtbot):
    from editor.document import BrushSettings, Document

    doc = Document(2048, 2048)
    doc.add_layer("Background", pixels=np.full((2048, 2048, 4), 255, np.uint8))
    view = window.add_document(doc, None, "big")
    canvas = view.canvas
    canvas.set_view(0.25, QPointF(0, 0))
    canvas.grab()  # paints: every visible tile converted once
    assert canvas._image.valid.all()
    doc.begin_stroke("pixels", BrushSettings(size=10))
    doc.stroke_to(600, 600)
    doc.end_stroke()
    stale = ~canvas._image.valid
    assert stale.sum() == 1 and stale[600 // 256, 600 // 256]


# --- background jobs ----------------------------------------------------------------


def checker(doc) -> None:
    """A 10 px black/white checkerboard: inverting it visibly changes it."""
    yy, xx = np.mgrid[0:doc.height, 0:doc.width]
    v = np.where(((yy // 10) + (xx // 10)) % 2 == 0, 255, 0).astype(np.uint8)
    doc.apply_patch(0, 0, 0, np.dstack([v, v, v]), "checker")
    doc.undo.clear()
    doc.undo.set_clean()


def run_invert(snap, ctx):
    """The test job's worker side: the snapshot's colours inverted, in bands, reporting
    (and so checking cancel) between them."""
    out = snap.pixels.copy()
    top = np.iinfo(out.dtype).max
    for i in range(0, out.shape[0], 16):
        out[i:i + 16, :, :3] = top - out[i:i + 16, :, :3]
        ctx.report(min(1.0, (i + 16) / out.shape[0]), "Inverting")
    return out


def run_grey(snap, ctx):
    """Another test job: the snapshot's colours set to mid grey."""
    out = snap.pixels.copy()
    out[..., :3] = 128
    ctx.report(1.0, "Greying")
    return out


def slow_invert(steps: int, delay: float, then=run_invert):
    """The test job (``then``) preceded by ``steps`` sleeps, reporting (and so checking
    cancel)."""
    def run(snap, ctx):
        for i in range(steps):
            time.sleep(delay)
            ctx.report(0.5 * (i + 1) / steps, "Waiting")
        return then(snap, ctx.sub(0.5, 1.0))
    return run


def submit_invert(window, run, applied: list, tag: str = "invert", key=None, **options):
    """Snapshot the active layer, run ``run`` on it, patch the result back as one undo
    step "Invert" through the AI-edit layer (as a filter does)."""
    doc = window.document
    snap = take_snapshot(doc, SOURCE_LAYER)
    watch = DocumentWatch(doc, geometry=snap.geometry)

    def apply(result):
        apply_result(watch, snap, result, "Invert", MODE_ACTIVE_LAYER, text="Invert")
        applied.append(tag)

    return window.submit_job(snap, run, "Invert", apply, key, watch=watch, **options)


def test_ui_stays_responsive_while_a_job_runs_and_its_result_is_one_undo_step(window, view,
                                                                             qtbot):
    doc, canvas = view.document, view.canvas
    checker(doc)
    applied, fractions = [], []
    window.jobs.progress.connect(lambda _job, p: fractions.append(p.fraction))
    job = submit_invert(window, slow_invert(30, 0.02), applied)
    qtbot.waitUntil(lambda: job.state == "running", timeout=3000)
    assert window.progress.isVisible() and window.cancel_button.isVisible()

    # Paint a stroke on the canvas while the worker sleeps.
    window.tool_state.set("tool", "brush")
    window.tool_state.set("color", (1.0, 0.0, 0.0))
    window.tool_state.set("size", 4)
    window.tool_state.set("hardness", 1.0)
    drag(canvas, [(20 + 8 * i, 85) for i in range(11)])
    assert job.state == "running"
    assert tuple(doc.layers[0].pixels[85, 60]) == (255, 0, 0, 255)
    after_stroke = doc.layers[0].pixels.copy()
    # The GUI thread keeps turning: progress events arrive while the job still runs.
    n = len(fractions)
    qtbot.waitUntil(lambda: len(fractions) >= n + 3, timeout=2000)
    assert job.state == "running" and window.progress.value() > 0

    qtbot.waitUntil(lambda: job.state == "done", timeout=5000)
    assert applied == ["invert"]
    assert doc.undo.count == 2 and doc.undo.text(1) == "Invert"
    px = doc.layers[0].pixels
    assert tuple(px[5, 5, :3]) == (0, 0, 0) and tuple(px[5, 15, :3]) == (255, 255, 255)
    assert window.statusBar().currentMessage().startswith("Invert done")
    assert not window.progress.isVisible() and not window.cancel_button.isVisible()
    doc.undo.undo()  # one step takes the whole result back
    assert np.array_equal(doc.layers[0].pixels, after_stroke)


def test_cancel_button_stops_the_job_quickly_and_leaves_the_document_untouched(window, view,
                                                                              qtbot):
    doc = view.document
    checker(doc)
    applied = []
    job = submit_invert(window, slow_invert(300, 0.02), applied)
    qtbot.waitUntil(lambda: job.state == "running", timeout=3000)
    before = doc.layers[0].pixels.copy()
    t0 = time.monotonic()
    QTest.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=2000)
    assert time.monotonic() - t0 < 0.5
    qtbot.wait(50)  # a late result, if any, would land now
    assert applied == []
    assert np.array_equal(doc.layers[0].pixels, before)
    assert doc.undo.count == 0 and not view.dirty
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.progress.isVisible()


def test_second_job_queues_behind_the_first(window, view, qtbot):
    doc = view.document
    checker(doc)
    applied = []
    first = submit_invert(window, slow_invert(10, 0.02), applied, "first")
    qtbot.waitUntil(lambda: first.state == "running", timeout=3000)
    # the second inverts nothing back: it greys its snapshot (taken before the first ran)
    second = submit_invert(window, slow_invert(2, 0.01, run_grey), applied, "second")
    assert second.state == "queued"
    assert window.statusBar().currentMessage() == "Invert queued behind Invert"
    qtbot.waitUntil(lambda: "+1 queued" in window.progress.format(), timeout=2000)
    qtbot.waitUntil(lambda: second.state == "done", timeout=5000)
    assert first.state == "done" and applied == ["first", "second"]
    assert [doc.undo.text(i) for i in range(doc.undo.count)] == ["Invert", "Invert"]


def test_failed_job_shows_its_message_and_changes_nothing(window, view, qtbot):
    doc = view.document
    applied = []

    def broken(req, ctx):
        raise EngineError("the model file is damaged")

    job = submit_invert(window, broken, applied)
    qtbot.waitUntil(lambda: job.state == "failed", timeout=3000)
    assert window.statusBar().currentMessage() == "Invert failed: the model file is damaged"
    assert applied == [] and doc.undo.count == 0


def test_closing_the_tab_cancels_its_queued_and_running_jobs(window, view, qtbot):
    applied = []
    running = submit_invert(window, slow_invert(300, 0.02), applied)
    queued = submit_invert(window, slow_invert(2, 0.01), applied)
    qtbot.waitUntil(lambda: running.state == "running", timeout=3000)
    window.close_view(view, ask=False)
    assert queued.state == "cancelled"
    qtbot.waitUntil(lambda: running.state == "cancelled", timeout=1000)
    assert applied == [] and not window.jobs.busy


def test_filter_menu_is_built_from_the_registry(window, view, qtbot):
    ran = []
    register_filter(FilterAction("test-needs-mask", "Needs a Mask", lambda w: ran.append(w),
                                 needs_mask=True))
    register_filter(FilterAction("test-invert", "Invert (test)",
                                 lambda w: submit_invert(w, run_invert, ran)))
    try:
        window.filter_menu.aboutToShow.emit()
        acts = {a.objectName(): a for a in window.filter_menu.actions()}
        assert "filter.blur-demo" not in acts  # the demo blur no longer ships
        assert acts["filter.test-invert"].isEnabled()
        assert not acts["filter.test-needs-mask"].isEnabled()  # no AI mask painted yet
        view.document.set_ai_mask(np.full((90, 120), 255, np.uint8))
        window.filter_menu.aboutToShow.emit()
        acts = {a.objectName(): a for a in window.filter_menu.actions()}
        acts["filter.test-needs-mask"].trigger()
        assert ran == [window]
        # A registered entry runs the whole path: request, worker, one undo step.
        checker(view.document)
        acts["filter.test-invert"].trigger()
        qtbot.waitUntil(lambda: view.document.undo.count == 1, timeout=5000)
        assert view.document.undo.text(0) == "Invert"
    finally:
        unregister_filter("test-needs-mask")
        unregister_filter("test-invert")


def test_on_progress_gets_previews_and_a_keyed_job_supersedes_the_last(window, view, qtbot):
    doc = view.document
    checker(doc)
    previews, applied = [], []

    def with_preview(req, ctx):
        for i in range(20):
            time.sleep(0.01)
            ctx.report((i + 1) / 40, "Preview", preview=np.full((4, 4, 3), i / 20, np.float32))
        return run_invert(req, ctx.sub(0.5, 1.0))

    req = take_snapshot(doc, SOURCE_LAYER)
    first = window.submit_job(req, with_preview, "Live", lambda r: applied.append("first"),
                              key="live", on_progress=lambda p: previews.append(p.preview))
    qtbot.waitUntil(lambda: len(previews) >= 2, timeout=3000)
    assert previews[0].shape == (4, 4, 3)
    second = window.submit_job(req, slow_invert(2, 0.01), "Live",
                               lambda r: applied.append("second"), key="live")
    qtbot.waitUntil(lambda: second.state == "done", timeout=5000)
    assert first.state == "superseded" and applied == ["second"]
    assert "cancelled" not in window.statusBar().currentMessage()
    assert window.jobs_controller.job_views == {} and not window.progress.isVisible()


def test_status_bar_colour_of_a_16_bit_image_shows_its_16_bit_values(window, qtbot):
    from editor.document import Document

    doc = Document(60, 40, 16)
    doc.add_layer("Background", pixels=np.full((40, 60, 4), 65535, np.uint16))
    doc.apply_patch(0, 20, 10, np.tile(np.array([65535, 32896, 257, 65535], np.uint16),
                                       (10, 10, 1)), "orange")
    doc.apply_patch(0, 40, 10, np.tile(np.array([1000, 2000, 3000, 65535], np.uint16),
                                       (10, 10, 1)), "dark")
    view = window.add_document(doc, None, "deep")
    qtbot.wait(10)
    view.canvas.set_view(1.0, QPointF(OFF, OFF))
    QTest.mouseMove(view.canvas, QPoint(25 + OFF, 15 + OFF))
    text = window.cursor_label.text()
    assert "16-bit 65535, 32896, 257" in text and "#ff8001" in text and "α 100%" in text
    QTest.mouseMove(view.canvas, QPoint(45 + OFF, 15 + OFF))
    text = window.cursor_label.text()
    # values between 8-bit steps are shown as they are, not rounded to the 8-bit hex
    assert "16-bit 1000, 2000, 3000" in text and "#04080c" in text
    assert "#04080c" in window.cursor_swatch.styleSheet()
