"""Filter ▸ Remove / Inpaint through the real window, dialog and job runner (telea: fast)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.ai import requests as rq
from editor.document import Document, Layer
from editor.ui import ai_common as ac
from editor.ui import ai_inpaint
from editor.ui import compare as compare_ui
from editor.ui.filters import filters


def textured(h: int, w: int, dtype=np.uint8, alpha: np.ndarray | None = None) -> np.ndarray:
    """A smooth gradient with a dark square 'object' at (40..60, 30..50)."""
    top = np.iinfo(dtype).max
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    px = np.zeros((h, w, 4), np.float32)
    px[..., 0] = xx / w
    px[..., 1] = yy / h
    px[..., 2] = 0.5 + 0.25 * np.sin(xx / 7.0)
    px[..., 3] = 1.0
    px[30:50, 40:60, :3] = 0.05  # the object to remove
    out = np.rint(px * top).astype(dtype)
    if alpha is not None:
        out[..., 3] = alpha
    return out


def object_mask(h: int, w: int) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    m[28:52, 38:62] = 255
    return m


def open_doc(window, pixels: np.ndarray, qtbot) -> Document:
    doc = Document.from_pixels(pixels.copy())  # from_pixels keeps the array it is given
    doc.undo.clear()
    window.add_document(doc, None, "inpaint")
    qtbot.wait(10)
    return doc


def wait_job(qtbot, window, job, timeout=30000) -> None:  # the first job imports torch
    qtbot.waitUntil(lambda: job.finished, timeout=timeout)
    qtbot.wait(10)


def dist_to_mask(mask: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, 5)


def test_inpaint_filter_is_in_the_menu_registry():
    assert any(f.id == "inpaint" and "Inpaint" in f.title for f in filters())


def test_new_layer_changes_only_the_mask_and_its_feather_and_undoes_exactly(window, qtbot):
    h, w = 90, 120
    original = textured(h, w)
    doc = open_doc(window, original, qtbot)
    mask = object_mask(h, w)
    doc.set_ai_mask(mask)
    before = doc.composite()
    steps = doc.undo.count

    dialog = ai_inpaint.InpaintDialog(window)
    assert dialog.engine.select("telea")
    dialog.feather.setValue(4)
    assert "24×24 px" in dialog.info.text()  # shows what will be processed
    req = dialog.request()
    job = ai_inpaint.start_inpaint(window, req)
    wait_job(qtbot, window, job)
    assert job.state == "done"

    assert doc.undo.count == steps + 1  # one undo step
    assert len(doc.layers) == 2
    layer = doc.layers[1]
    assert layer.name == "Quick (Telea)"
    assert doc.active_layer is layer
    after = doc.composite()
    changed = np.any(after != before, axis=2)
    d = dist_to_mask(mask)
    assert changed[mask > 0].mean() > 0.9  # the dark object is gone...
    assert after[35:45, 45:55, :3].mean() > 60
    assert not changed[d > 4 + 1.5].any()  # ...and nothing beyond the feather moved
    assert changed[(d > 0) & (d <= 3)].any()  # a soft edge outside the mask itself
    # the layer is clipped: transparent beyond the feather, opaque on the mask
    ox, oy = layer.offset
    la = np.zeros((h, w), np.int32)
    la[oy:oy + layer.height, ox:ox + layer.width] = layer.pixels[..., 3]
    assert (la[d > 5.5] == 0).all() and (la[mask > 0] == 255).all()
    assert ((la > 0) & (la < 255))[(d > 0) & (d <= 4)].any()  # the feather is soft

    doc.undo.undo()
    assert len(doc.layers) == 1
    np.testing.assert_array_equal(doc.composite(), before)
    np.testing.assert_array_equal(doc.layers[0].pixels, original)


def test_into_active_layer_16bit_keeps_alpha_and_undoes_exactly(window, qtbot):
    h, w = 90, 120
    alpha = np.tile(np.linspace(20000, 65535, w).astype(np.uint16), (h, 1))
    original = textured(h, w, np.uint16, alpha)
    doc = open_doc(window, original, qtbot)
    assert doc.depth == 16
    sel = object_mask(h, w)
    doc.selection.set_mask(sel)
    steps = doc.undo.count

    req = ai_inpaint.build_inpaint(doc, "telea", {"radius": 3}, mask_source=rq.MASK_SELECTION,
                                   feather=2, mode=rq.MODE_ACTIVE_LAYER)
    job = ai_inpaint.start_inpaint(window, req)
    wait_job(qtbot, window, job)
    assert job.state == "done"
    assert doc.undo.count == steps + 1 and len(doc.layers) == 1
    px = doc.layers[0].pixels
    assert px.dtype == np.uint16
    np.testing.assert_array_equal(px[..., 3], original[..., 3])  # alpha kept
    d = dist_to_mask(sel)
    diff = np.any(px != original, axis=2)
    assert not diff[d > 2 + 1.5].any()
    assert diff[sel > 0].mean() > 0.9
    # 16-bit precision survives: the fill is not quantised to 8 bits
    filled = px[35:45, 45:55, :3]
    assert np.any(filled % 257 != 0)

    doc.undo.undo()
    np.testing.assert_array_equal(doc.layers[0].pixels, original)


def test_snapshot_is_only_the_mask_neighbourhood_of_a_large_image(window, qtbot):
    h, w = 1200, 1600
    doc = open_doc(window, np.full((h, w, 4), 128, np.uint8), qtbot)
    m = np.zeros((h, w), np.uint8)
    m[600:632, 800:832] = 255
    doc.set_ai_mask(m)
    req = ai_inpaint.build_inpaint(doc, "telea", feather=4)
    sh, sw = req.snap.pixels.shape[:2]
    assert sh * sw < 0.02 * h * w
    assert req.snap.bbox == (800, 600, 32, 32)
    # the region covers the engine's own context rule around the feathered hole
    assert req.snap.x <= 800 - 4 - 32 and req.snap.rect.right >= 832 + 4 + 32


def test_cancel_mid_job_leaves_the_document_unchanged(window, qtbot):
    h, w = 90, 120
    original = textured(h, w)
    doc = open_doc(window, original, qtbot)
    doc.set_ai_mask(object_mask(h, w))
    steps, layers = doc.undo.count, doc.layers
    req = ai_inpaint.build_inpaint(doc, "telea", step_delay=0.3)
    job = ai_inpaint.start_inpaint(window, req)
    qtbot.waitUntil(lambda: job.state == "running" and job.last_progress is not None,
                    timeout=5000)
    window.cancel_job()
    wait_job(qtbot, window, job)
    assert job.state == "cancelled"
    qtbot.wait(50)
    assert doc.undo.count == steps and doc.layers == layers
    np.testing.assert_array_equal(doc.layers[0].pixels, original)


def test_refuses_without_a_mask_or_on_a_locked_layer(window, qtbot):
    doc = open_doc(window, textured(40, 60), qtbot)
    with pytest.raises(ValueError, match="AI mask"):
        ai_inpaint.build_inpaint(doc, "telea")
    doc.set_ai_mask(object_mask(40, 60))
    doc.set_layer_property(0, "locked", True)
    with pytest.raises(ValueError, match="locked"):
        ai_inpaint.build_inpaint(doc, "telea", mode=rq.MODE_ACTIVE_LAYER)


def _compare_action(window):
    from PySide6.QtGui import QAction

    return window.findChild(QAction, "view.compare")


def _landed(window, qtbot, mode, engine="telea", selection=False):
    """A document with one inpaint result; returns (doc, original composite, original
    layer pixels). ``selection``: the mask is a selection (no red AI-mask overlay)."""
    h, w = 90, 120
    original = textured(h, w)
    doc = open_doc(window, original, qtbot)
    if selection:
        doc.selection.select_rect(38, 28, 24, 24)
    else:
        doc.set_ai_mask(object_mask(h, w))
    before = doc.composite()
    job = ai_inpaint.start_inpaint(window, ai_inpaint.build_inpaint(doc, engine, mode=mode))
    wait_job(qtbot, window, job)
    assert job.state == "done"
    assert not np.array_equal(doc.composite(), before)
    return doc, before, original


def _doc_state(doc):
    return ((doc.undo.index, doc.undo.count, doc.undo.is_clean),
            [(x.name, x.visible, x.offset, x.pixels.copy()) for x in doc.layers])


def _same_doc(a, b) -> bool:
    return a[0] == b[0] and len(a[1]) == len(b[1]) and all(
        x[:3] == y[:3] and np.array_equal(x[3], y[3]) for x, y in zip(a[1], b[1]))


def test_compare_held_shows_the_image_without_the_new_layer_on_the_canvas_only(window, qtbot):
    from PySide6.QtCore import Qt

    doc, before, _original = _landed(window, qtbot, rq.MODE_NEW_LAYER, "navier-stokes")
    after = doc.composite()
    state = _doc_state(doc)
    canvas = window.canvas
    qtbot.keyPress(canvas, Qt.Key.Key_Backslash)
    np.testing.assert_array_equal(canvas.display_composite(), before)
    np.testing.assert_array_equal(doc.composite(), after)  # the document: unchanged
    assert doc.layers[1].visible and _same_doc(_doc_state(doc), state)
    qtbot.keyRelease(canvas, Qt.Key.Key_Backslash)
    np.testing.assert_array_equal(canvas.display_composite(), after)

    act = _compare_action(window)
    act.setChecked(True)
    np.testing.assert_array_equal(canvas.display_composite(), before)
    assert _same_doc(_doc_state(doc), state)
    act.setChecked(False)
    np.testing.assert_array_equal(canvas.display_composite(), after)
    assert _same_doc(_doc_state(doc), state)


def test_compare_in_active_layer_mode_shows_the_old_pixels_without_writing_them(window, qtbot):
    from PySide6.QtCore import QPointF

    doc, before, original = _landed(window, qtbot, rq.MODE_ACTIVE_LAYER, selection=True)
    result = doc.layers[0].pixels.copy()
    canvas = window.canvas
    canvas.set_view(1.0, QPointF(10, 10))  # screen = doc + 10
    qtbot.wait(10)

    def shown(x, y):  # what the widget really paints at document pixel (x, y)
        return canvas.grab().toImage().pixelColor(10 + x, 10 + y).getRgb()[:3]

    assert compare_ui.show_before(window, True)
    np.testing.assert_array_equal(canvas.display_composite(), before)
    np.testing.assert_array_equal(doc.layers[0].pixels, result)  # not swapped back
    assert shown(50, 40) == tuple(int(v) for v in original[40, 50, :3])  # the dark object
    assert compare_ui.show_before(window, False)
    np.testing.assert_array_equal(canvas.display_composite(), doc.composite())
    assert shown(50, 40) == tuple(int(v) for v in result[40, 50, :3])  # filled
    assert shown(50, 40) != tuple(int(v) for v in original[40, 50, :3])
    # after another edit there is nothing left to compare
    doc.add_layer("other")
    assert not compare_ui.show_before(window, True)
    assert canvas.display_override is None
    assert isinstance(doc.layers[1], Layer)


@pytest.mark.parametrize("mode", [rq.MODE_ACTIVE_LAYER, rq.MODE_NEW_LAYER])
def test_save_while_comparing_writes_the_result(window, qtbot, tmp_path, mode):
    from editor.io import open_document

    doc, _before, _original = _landed(window, qtbot, mode)
    after = doc.composite()
    act = _compare_action(window)
    act.setChecked(True)
    assert window.canvas.display_override is not None
    window.view.path = str(tmp_path / "out.ora")
    assert window.save()
    saved = open_document(tmp_path / "out.ora")
    assert [x.visible for x in saved.layers] == [True] * len(doc.layers)
    np.testing.assert_array_equal(saved.composite(), after)
    assert not window.view.dirty


def test_painting_while_comparing_ends_the_compare_and_keeps_the_stroke(window, qtbot):
    from editor.document import BrushSettings

    doc, _before, _original = _landed(window, qtbot, rq.MODE_ACTIVE_LAYER)
    act = _compare_action(window)
    act.setChecked(True)
    doc.begin_stroke("pixels", BrushSettings(size=30, hardness=1, opacity=1, color=(1, 0, 0)))
    doc.stroke_to(50, 40)
    doc.stroke_to(52, 40)
    doc.end_stroke()
    assert window.canvas.display_override is None and not act.isChecked()
    stroke = doc.layers[0].pixels.copy()
    assert tuple(stroke[40, 50]) == (255, 0, 0, 255)
    act.setChecked(True)  # nothing to compare any more: stays off
    assert not act.isChecked()
    act.setChecked(False)
    np.testing.assert_array_equal(doc.layers[0].pixels, stroke)
    assert doc.undo.undo_text == "Brush stroke"
    np.testing.assert_array_equal(window.canvas.display_composite(), doc.composite())


def test_undo_while_comparing_ends_the_compare_and_stays_undone(window, qtbot):
    doc, before, original = _landed(window, qtbot, rq.MODE_ACTIVE_LAYER)
    act = _compare_action(window)
    act.setChecked(True)
    window.undo()
    assert not act.isChecked() and window.canvas.display_override is None
    np.testing.assert_array_equal(doc.layers[0].pixels, original)
    act.setChecked(True)
    act.setChecked(False)
    np.testing.assert_array_equal(doc.layers[0].pixels, original)
    assert doc.undo.can_redo and doc.undo.redo_text.startswith("Inpaint")
    np.testing.assert_array_equal(window.canvas.display_composite(), before)


def test_switching_tabs_ends_the_compare(window, qtbot):
    doc, _before, _original = _landed(window, qtbot, rq.MODE_NEW_LAYER)
    first = window.view
    act = _compare_action(window)
    act.setChecked(True)
    assert first.canvas.display_override is not None
    open_doc(window, textured(20, 30), qtbot)  # a new tab becomes current
    assert window.view is not first
    assert first.canvas.display_override is None and not act.isChecked()
    window.tabs.setCurrentWidget(first)
    np.testing.assert_array_equal(first.canvas.display_composite(), doc.composite())


def test_engine_combo_shows_uninstalled_models_disabled_with_the_reason(window, qtbot):
    from PySide6.QtCore import Qt

    combo = ac.EngineCombo("inpaint")
    ids = [combo.itemData(i) for i in range(combo.count())]
    assert {"telea", "navier-stokes", "fsr", "lama"} <= set(ids)
    i = ids.index("lama")  # the model store is an empty temporary folder in tests
    assert not combo.model().item(i).isEnabled()
    assert "models install big-lama" in combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert not combo.select("lama") and combo.engine_id() != "lama"
    assert combo.select("fsr") and combo.engine_id() == "fsr"
    form = ac.ParamsForm()
    form.set_engine(combo.engine())
    form.set_value("max_size", 640)
    assert form.values() == {"max_size": 640}  # quality: CLI only


# --- driven like a user: mask brush, Filter menu, dialog --------------------------------

OFF = 10  # canvas.set_view(1.0, (10, 10)): screen = doc + 10


def _user_doc(window, qtbot, pixels):
    from PySide6.QtCore import QPointF

    doc = open_doc(window, pixels, qtbot)
    window.canvas.set_view(1.0, QPointF(OFF, OFF))
    qtbot.wait(10)
    return doc


def _paint_mask(window, qtbot, points, size=26):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    window.actions_by_id["tool.mask-brush"].trigger()
    window.tool_state.set("size", size)
    canvas = window.canvas
    pts = [QPoint(x + OFF, y + OFF) for x, y in points]
    QTest.mouseMove(canvas, pts[0])
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       pts[-1])
    qtbot.wait(10)


def _run_filter_dialog(window, qtbot, handle, filter_id="inpaint", cls=None):
    """Filter ▸ Remove / Inpaint… (or the filter ``filter_id``, whose dialog is a ``cls``)
    with ``handle(dialog)`` run on the open dialog (it clicks a button); returns what
    ``handle`` returned."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen = []
    tries = [0]

    def poll():
        d = QApplication.activeModalWidget()
        if isinstance(d, cls or ai_inpaint.InpaintDialog):
            try:
                seen.append(handle(d))
            except Exception as exc:  # noqa: BLE001 - re-raised below, never a hang
                seen.append(exc)
            if d.isVisible():
                d.reject()
        elif tries[0] < 300:
            tries[0] += 1
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    window.filter_menu.aboutToShow.emit()
    act = next(a for a in window.filter_menu.actions()
               if a.objectName() == f"filter.{filter_id}")
    act.trigger()
    assert seen, "the dialog did not open"
    if isinstance(seen[0], Exception):
        raise seen[0]
    return seen[0]


def _ok(dialog):
    from PySide6.QtWidgets import QDialogButtonBox

    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _fill_with_defaults(window, qtbot, engine="telea"):
    """Open the dialog, keep every default but the (fast) engine, press Inpaint, wait."""

    def handle(d):
        assert d.engine.select(engine)
        source = d.source.currentData()
        _ok(d).click()
        return source

    source = _run_filter_dialog(window, qtbot, handle)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=10000)
    qtbot.wait(20)
    return source


def two_objects(h=90, w=120):
    px = textured(h, w)
    px[62:78, 86:102, :3] = 10  # a second dark object
    return px


def test_second_removal_samples_the_merged_image_not_the_previous_result_layer(window, qtbot):
    doc = _user_doc(window, qtbot, two_objects())
    _paint_mask(window, qtbot, [(45, 40), (55, 40)])
    assert _fill_with_defaults(window, qtbot) == rq.SOURCE_LAYER  # one opaque layer
    first = doc.active_layer
    assert len(doc.layers) == 2 and first is doc.layers[1]
    window.actions_by_id["select.clear_ai"].trigger()
    before = doc.composite()
    assert before[66:74, 90:98, :3].mean() < 20  # the second object is there

    # the previous result (small, transparent around the new mask) is active now
    _paint_mask(window, qtbot, [(90, 70), (98, 70)])
    assert _fill_with_defaults(window, qtbot) == rq.SOURCE_MERGED
    assert len(doc.layers) == 3
    after = doc.composite()
    assert after[66:74, 90:98, :3].mean() > 60  # really removed, not an empty layer
    assert doc.layers[2].pixels[..., 3].any()


def test_picking_an_empty_active_layer_as_the_source_is_refused(window, qtbot):
    doc = _user_doc(window, qtbot, two_objects())
    doc.add_layer("repair")  # empty, active
    _paint_mask(window, qtbot, [(45, 40), (55, 40)])
    steps = doc.undo.count

    def handle(d):
        assert d.source.currentData() == rq.SOURCE_MERGED  # the default: the layer is empty
        assert "repair" in d.info.text() and "merged" in d.info.text()
        d.source.setCurrentIndex(rq.SOURCES.index(rq.SOURCE_LAYER))
        d.source.activated.emit(d.source.currentIndex())  # as a click in the list does
        state = (_ok(d).isEnabled(), d.info.text())
        d.reject()
        return state

    enabled, text = _run_filter_dialog(window, qtbot, handle)
    assert not enabled and "empty" in text and "repair" in text
    with pytest.raises(ValueError, match="empty around the mask"):
        ai_inpaint.build_inpaint(doc, "telea", source=rq.SOURCE_LAYER)
    assert doc.undo.count == steps and len(doc.layers) == 2


def test_writing_into_a_layer_the_mask_does_not_touch_is_refused_before_running(
        window, qtbot):
    doc = _user_doc(window, qtbot, two_objects())
    doc.add_layer("patch", np.full((20, 20, 4), 200, np.uint8))  # at (0, 0), active
    _paint_mask(window, qtbot, [(90, 70), (98, 70)])
    steps = doc.undo.count

    def handle(d):
        d.into_active.setChecked(True)
        state = (_ok(d).isEnabled(), d.info.text())
        d.to_layer.setChecked(True)
        fine = _ok(d).isEnabled()
        d.reject()
        return state + (fine,)

    enabled, text, new_layer_ok = _run_filter_dialog(window, qtbot, handle)
    assert not enabled and "outside the layer 'patch'" in text
    assert new_layer_ok  # a new layer is still possible
    with pytest.raises(ValueError, match="outside the layer"):
        ai_inpaint.build_inpaint(doc, "telea", mode=rq.MODE_ACTIVE_LAYER,
                                 source=rq.SOURCE_MERGED)
    assert doc.undo.count == steps and not window.jobs.busy


def _shown(canvas, x, y):
    return canvas.grab().toImage().pixelColor(OFF + x, OFF + y).getRgb()[:3]


def test_compare_survives_clearing_and_repainting_the_mask(window, qtbot):
    from PySide6.QtCore import Qt

    doc = _user_doc(window, qtbot, two_objects())
    canvas = window.canvas
    _paint_mask(window, qtbot, [(45, 40), (55, 40)])
    red = _shown(canvas, 50, 40)
    assert red[0] > red[1] + 40  # the red overlay over the dark object, while painting it
    before = doc.composite()
    qtbot.keyClick(canvas, Qt.Key.Key_B)  # the brush: the mask tool is no longer active
    _fill_with_defaults(window, qtbot)
    after = doc.composite()
    # the result is what the canvas shows (no mask tool, no red); the mask is kept
    assert not canvas.ai_mask_visible and doc.ai_mask.any()
    assert _shown(canvas, 50, 40) == tuple(int(v) for v in after[40, 50, :3])

    # clearing the mask (an undo step) keeps the before/after compare
    window.actions_by_id["select.clear_ai"].trigger()
    compare = _compare_action(window)
    compare.trigger()
    assert compare.isChecked()
    np.testing.assert_array_equal(canvas.display_composite(), before)
    assert _shown(canvas, 50, 40) == tuple(int(v) for v in before[40, 50, :3])
    compare.trigger()
    np.testing.assert_array_equal(canvas.display_composite(), after)

    # painting the mask again shows the overlay (mask tool) and still keeps the compare
    compare.trigger()
    _paint_mask(window, qtbot, [(90, 70), (98, 70)])
    assert canvas.ai_mask_visible
    assert compare.isChecked() and canvas.display_override is not None
    compare.trigger()
    # a pixel edit of a layer ends it
    doc.apply_patch(0, 0, 0, np.zeros((4, 4, 4), np.uint8), "Paint")
    assert not compare_ui.show_before(window, True)


def test_the_dialog_offers_fsr_fast_only_and_the_cli_still_takes_best(window, qtbot):
    from PySide6.QtWidgets import QComboBox

    from ml.engines import get

    doc = open_doc(window, textured(90, 120), qtbot)
    doc.set_ai_mask(object_mask(90, 120))
    dialog = ai_inpaint.InpaintDialog(window)
    ids = [dialog.engine.itemData(i) for i in range(dialog.engine.count())]
    assert "fsr" in ids and not any("best" in str(i) for i in ids)
    assert dialog.engine.select("fsr")
    offered = [box.itemText(i) for box in dialog.findChildren(QComboBox)
               for i in range(box.count())]
    assert not any("best" in t.lower() for t in offered)
    assert "quality" not in dialog.params.values()
    assert dialog.request().params == (("max_size", 512), ("quality", "fast"))
    dialog.reject()
    engine = get("fsr", "inpaint")
    assert engine.resolve_params({"quality": "best"})["quality"] == "best"  # --set
    assert "slower" in engine.params[0].help



def test_cpu_only_fills_run_without_a_device_lookup_and_model_engines_get_one(window, qtbot):
    # the built-in fills never touch torch: their jobs run on "cpu" whatever the device
    # setting, so the worker does not import torch to resolve "auto" (seconds, hundreds
    # of MB); an engine that can use a GPU still gets the window's device
    from editor.ui import ai_upscale

    window.device = None  # not detected yet: model jobs resolve "auto" in the worker
    doc = open_doc(window, textured(90, 120), qtbot)
    doc.set_ai_mask(object_mask(90, 120))
    fill = ai_inpaint.start_inpaint(window, ai_inpaint.build_inpaint(doc, "patchmatch"))
    assert fill.device == "cpu"
    wait_job(qtbot, window, fill)
    assert fill.state == "done"
    sr = ai_upscale.start_upscale(window, ai_upscale.build_upscale(doc, "sr-res", 2))
    assert sr.device == "auto"
    wait_job(qtbot, window, sr)
    assert sr.state == "done"
