"""ai_common: a result is dropped (document untouched, a clear message) when the image was
resized, cropped or canvas-resized while its job ran: its coordinates no longer fit."""

from __future__ import annotations

import numpy as np
import pytest

from editor.ai import apply as ap
from editor.ai import regions
from editor.ai import requests as rq
from editor.ai.watch import DocumentWatch
from editor.document import Layer
from editor.ui import ai_inpaint, ai_style, ai_upscale

from .test_ai_inpaint import object_mask, open_doc, textured, wait_job


def _state(doc):
    return (doc.size, doc.undo.index, doc.undo.count,
            [(x.name, x.offset, x.pixels.copy()) for x in doc.layers])


def _same(a, b) -> bool:
    return a[:3] == b[:3] and len(a[3]) == len(b[3]) and all(
        n1 == n2 and o1 == o2 and np.array_equal(p1, p2)
        for (n1, o1, p1), (n2, o2, p2) in zip(a[3], b[3]))


def _start_slow_inpaint(window, qtbot, mode):
    h, w = 90, 120
    doc = open_doc(window, textured(h, w), qtbot)
    doc.set_ai_mask(object_mask(h, w))
    req = ai_inpaint.build_inpaint(doc, "telea", mode=mode, step_delay=0.1)
    job = ai_inpaint.start_inpaint(window, req)
    qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
    return doc, job


@pytest.mark.parametrize(("mode", "change"), [
    (rq.MODE_NEW_LAYER, lambda d: d.resize_image(60, 45)),  # Image ▸ Scale Image 50 %
    (rq.MODE_ACTIVE_LAYER, lambda d: d.crop(30, 20, 60, 50)),
    (rq.MODE_NEW_LAYER, lambda d: d.resize_canvas(140, 90, "right")),  # same height, shifted
])
def test_inpaint_result_is_dropped_when_the_image_frame_changed_mid_job(
        window, qtbot, mode, change):
    doc, job = _start_slow_inpaint(window, qtbot, mode)
    change(doc)
    state = _state(doc)
    wait_job(qtbot, window, job)
    assert job.state == "done"
    assert _same(_state(doc), state)  # no layer, no patch, no undo step
    msg = window.statusBar().currentMessage()
    assert "resized or cropped while Inpaint (Quick (Telea)) ran; result dropped" in msg


def test_inpaint_result_is_dropped_after_a_crop_that_was_undone_mid_job(window, qtbot):
    # crop + undo brings the old frame back, but its undo/redo counts as a frame change
    # too (conservative: the counter never guesses whether two frames are the same).
    doc, job = _start_slow_inpaint(window, qtbot, rq.MODE_ACTIVE_LAYER)
    doc.crop(10, 10, 50, 50)
    doc.undo.undo()
    state = _state(doc)
    wait_job(qtbot, window, job)
    assert _same(_state(doc), state)
    assert "result dropped" in window.statusBar().currentMessage()


def test_inpaint_still_lands_after_edits_that_keep_the_frame(window, qtbot):
    doc, job = _start_slow_inpaint(window, qtbot, rq.MODE_NEW_LAYER)
    doc.add_layer("meanwhile")
    wait_job(qtbot, window, job)
    assert [x.name for x in doc.layers] == ["Background", "Quick (Telea)", "meanwhile"]
    assert "done" in window.statusBar().currentMessage()


def test_style_result_is_dropped_after_a_canvas_resize_mid_job(window, qtbot):
    from .test_ai_style import content_pixels, style_pixels

    doc = open_doc(window, content_pixels(), qtbot)
    req = ai_style.build_style(doc, "color-transfer", style_pixels(), step_delay=0.1)
    job = ai_style.start_style(window, req)
    qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
    doc.resize_canvas(doc.width + 20, doc.height + 10, "center")
    state = _state(doc)
    wait_job(qtbot, window, job)
    assert _same(_state(doc), state) and len(doc.layers) == 1
    assert "resized or cropped while" in window.statusBar().currentMessage()


def test_upscale_selection_result_is_dropped_after_a_scale_mid_job(window, qtbot):
    from .test_ai_upscale import layered_doc

    doc = layered_doc()
    window.add_document(doc, None, "up")
    doc.selection.select_rect(4, 6, 10, 8)
    req = ai_upscale.build_upscale(doc, "lanczos", 2, scope=ai_upscale.SCOPE_SELECTION,
                                   step_delay=0.1)
    job = ai_upscale.start_upscale(window, req)
    qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
    doc.resize_image(64, 48)
    state = _state(doc)
    wait_job(qtbot, window, job)
    assert _same(_state(doc), state) and len(doc.layers) == 2
    assert "result dropped" in window.statusBar().currentMessage()


def test_apply_functions_check_the_snapshot_and_the_target_directly(window, qtbot):
    doc = open_doc(window, textured(40, 60), qtbot)
    snap = regions.take_snapshot(doc, rq.SOURCE_LAYER, None)
    target = DocumentWatch.capture(doc)
    result = snap.pixels.copy()
    doc.resize_image(30, 20)
    doc.undo.undo()  # same size again, still another frame generation
    steps = doc.undo.count, doc.undo.index
    for call in (
        lambda: ap.apply_result(target, snap, result, "X"),
        lambda: ap.apply_result(target, snap, result, "X", rq.MODE_ACTIVE_LAYER),
        lambda: ap.apply_as_layer(target, 0, 0, result, "X"),
        lambda: ap.apply_into_layer(target, 0, 0, result, "X"),
    ):
        with pytest.raises(ValueError, match="resized or cropped while X ran; result dropped"):
            call()
    assert (doc.undo.count, doc.undo.index) == steps and len(doc.layers) == 1
    # a fresh snapshot and target apply fine
    snap = regions.take_snapshot(doc, rq.SOURCE_LAYER, None)
    assert isinstance(ap.apply_result(DocumentWatch.capture(doc), snap, result, "X"),
                      Layer)


def test_inpaint_into_a_layer_that_was_moved_mid_job_is_dropped(window, qtbot):
    doc, job = _start_slow_inpaint(window, qtbot, rq.MODE_ACTIVE_LAYER)
    doc.set_layer_property(0, "offset", (12, 5))  # what the Move tool does
    state = _state(doc)
    wait_job(qtbot, window, job)
    assert _same(_state(doc), state)
    assert "was moved while" in window.statusBar().currentMessage()
