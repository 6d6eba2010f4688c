"""Filter ▸ Style Transfer through the real window, dialog and job runner.

Colour transfer is instant; Gatys runs a handful of iterations on tiny images.
"""

from __future__ import annotations

import numpy as np

from editor.ai import requests as rq
from editor.document import Document
from editor.ui import ai_style
from editor.ui.filters import filters


def content_pixels(h: int = 60, w: int = 80, dtype=np.uint8,
                   alpha: np.ndarray | None = None) -> np.ndarray:
    top = np.iinfo(dtype).max
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    px = np.zeros((h, w, 4), np.float32)
    px[..., 0] = 0.2 + 0.6 * xx / w
    px[..., 1] = 0.3 + 0.4 * yy / h
    px[..., 2] = 0.5 + 0.25 * np.sin(xx / 5.0)
    px[..., 3] = 1.0
    out = np.rint(px * top).astype(dtype)
    if alpha is not None:
        out[..., 3] = alpha
    return out


def style_pixels(h: int = 48, w: int = 48) -> np.ndarray:
    """Bold stripes of saturated colours: very different statistics from the content."""
    yy, xx = np.mgrid[0:h, 0:w]
    bands = (xx // 6 + yy // 8) % 3
    palette = np.array([[240, 200, 20], [20, 30, 160], [200, 30, 40]], np.uint8)
    px = np.full((h, w, 4), 255, np.uint8)
    px[..., :3] = palette[bands]
    return px


def open_doc(window, pixels: np.ndarray, qtbot, title: str) -> Document:
    doc = Document.from_pixels(pixels.copy())
    doc.undo.clear()
    window.add_document(doc, None, title)
    qtbot.wait(10)
    return doc


def wait_job(qtbot, job, timeout=20000) -> None:
    qtbot.waitUntil(lambda: job.finished, timeout=timeout)
    qtbot.wait(10)


def test_style_filter_is_in_the_menu_registry():
    assert any(f.id == "style" and "Style Transfer" in f.title for f in filters())


def test_colour_transfer_from_another_document_is_one_new_layer_and_undoes(window, qtbot):
    open_doc(window, style_pixels(), qtbot, "style")
    original = content_pixels()
    doc = open_doc(window, original, qtbot, "photo")
    before = doc.composite()
    steps = doc.undo.count

    dialog = ai_style.StyleDialog(window)
    assert dialog.engine.select("color-transfer")
    assert dialog.style_source.currentText() == "Document: style"
    req = dialog.request()
    dialog.reject()
    job = ai_style.start_style(window, req)
    wait_job(qtbot, job)
    assert job.state == "done"

    assert doc.undo.count == steps + 1
    assert len(doc.layers) == 2
    layer = doc.layers[1]
    assert layer.name.startswith("Style: ") and doc.active_layer is layer
    after = doc.composite()
    # the stripes' saturated palette moved the colours a lot
    assert np.abs(after[..., :3].astype(int) - before[..., :3]).mean() > 10
    doc.undo.undo()
    assert len(doc.layers) == 1
    np.testing.assert_array_equal(doc.composite(), before)
    np.testing.assert_array_equal(doc.layers[0].pixels, original)


def test_strength_zero_leaves_the_image_equal(window, qtbot):
    doc = open_doc(window, content_pixels(), qtbot, "photo")
    doc.add_layer("stripes", style_pixels(60, 80))
    doc.active_index = 0
    before_bg = np.array(doc.layers[0].pixels)
    dialog = ai_style.StyleDialog(window)
    dialog.engine.select("color-transfer")
    i = dialog.style_source.findText("Layer: stripes")
    assert i >= 0
    dialog.style_source.setCurrentIndex(i)
    dialog.strength.setValue(0)
    assert dialog.values()["strength"] == 0.0
    req = dialog.request()
    dialog.reject()
    job = ai_style.start_style(window, req)
    wait_job(qtbot, job)
    assert job.state == "done"
    new = doc.layers[1]
    np.testing.assert_array_equal(new.pixels, before_bg)  # exactly the source pixels


def test_mask_restricts_the_change(window, qtbot):
    doc = open_doc(window, content_pixels(), qtbot, "photo")
    before = doc.composite()
    mask = np.zeros(doc.size[::-1], np.uint8)
    mask[10:30, 20:50] = 255
    doc.set_ai_mask(mask)
    req = ai_style.build_style(doc, "color-transfer", style_pixels(),
                               mask_source=rq.MASK_AI)
    job = ai_style.start_style(window, req)
    wait_job(qtbot, job)
    assert job.state == "done"
    after = doc.composite()
    changed = np.any(after != before, axis=2)
    assert changed[mask > 0].mean() > 0.9
    assert not changed[mask == 0].any()
    assert (doc.layers[1].pixels[..., 3][mask == 0] == 0).all()  # clipped layer


def test_cancel_leaves_the_document_unchanged(window, qtbot):
    doc = open_doc(window, content_pixels(), qtbot, "photo")
    before = doc.composite()
    steps = doc.undo.count
    req = ai_style.build_style(doc, "gatys", style_pixels(),
                               {"iterations": 50, "max_size": 32, "network": "random"},
                               step_delay=0.05)
    job = ai_style.start_style(window, req)
    progress = window.findChild(ai_style.StyleProgress, "style.progress")
    assert progress is not None and progress.isVisible()
    qtbot.waitUntil(lambda: job.state == "running", timeout=10000)
    progress.cancel()  # the progress window's Cancel button
    wait_job(qtbot, job)
    assert job.state == "cancelled"
    assert doc.undo.count == steps and len(doc.layers) == 1
    np.testing.assert_array_equal(doc.composite(), before)
    qtbot.waitUntil(lambda: window.findChild(ai_style.StyleProgress) is None, timeout=3000)


def test_gatys_shows_intermediate_previews_and_lands_one_layer(window, qtbot):
    doc = open_doc(window, content_pixels(24, 32), qtbot, "photo")
    steps = doc.undo.count
    req = ai_style.build_style(doc, "gatys", style_pixels(24, 24),
                               {"iterations": 4, "max_size": 24, "network": "random",
                                "preview_every": 1})
    job = ai_style.start_style(window, req)
    progress = window.findChild(ai_style.StyleProgress, "style.progress")
    assert progress is not None
    seen = []
    window.jobs.progress.connect(lambda j, p: seen.append(p.preview is not None))
    wait_job(qtbot, job, 60000)
    assert job.state == "done", job
    assert any(seen)
    assert doc.undo.count == steps + 1 and len(doc.layers) == 2


def test_16bit_stays_16bit_and_keeps_alpha(window, qtbot):
    h, w = 60, 80
    alpha = np.tile(np.linspace(20000, 65535, w).astype(np.uint16), (h, 1))
    original = content_pixels(h, w, np.uint16, alpha)
    doc = open_doc(window, original, qtbot, "photo16")
    assert doc.depth == 16
    req = ai_style.build_style(doc, "color-transfer", style_pixels(),
                               {"keep_colors": True})
    job = ai_style.start_style(window, req)
    wait_job(qtbot, job)
    assert job.state == "done"
    new = doc.layers[1].pixels
    assert new.dtype == np.uint16
    np.testing.assert_array_equal(new[..., 3], original[..., 3])
    # 16-bit precision survives: more distinct values than 8 bits could hold
    assert np.unique(new[..., 0]).size > 256 or not np.all(new[..., 0] % 257 == 0)


def test_live_preview_for_a_fast_engine_and_none_for_gatys(window, qtbot):
    open_doc(window, style_pixels(), qtbot, "style")
    open_doc(window, content_pixels(), qtbot, "photo")
    dialog = ai_style.StyleDialog(window)
    dialog.engine.select("color-transfer")
    dialog.strength.setValue(80)  # a change restarts the debounce timer
    qtbot.waitUntil(lambda: dialog.previews_shown >= 1, timeout=10000)
    assert not dialog.preview.pixmap().isNull()
    assert dialog.preview.pixmap().width() <= ai_style.PREVIEW_SIDE
    dialog.engine.select("gatys")
    assert not dialog.timer.isActive()
    assert "No live preview" in dialog.preview.text()
    dialog.reject()


def test_preset_engine_without_a_style_image_and_empty_mask_disable_apply(window, qtbot):
    doc = open_doc(window, content_pixels(), qtbot, "photo")
    dialog = ai_style.StyleDialog(window)
    dialog.engine.select("color-transfer")
    # the only style choice is the document's own layer; remove it from the choices
    dialog.style_source.clear()
    dialog._changed()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and "style image" in dialog.info.text()
    dialog.restrict.setChecked(True)
    dialog.add_style_file(__file__)  # any path: only its presence is checked here
    assert not ok.isEnabled() and "mask is empty" in dialog.info.text()
    assert doc.undo.count == 0
    dialog.reject()


def test_one_open_image_is_never_stylised_with_itself_by_default(window, qtbot):
    doc = open_doc(window, content_pixels(), qtbot, "photo")
    dialog = ai_style.StyleDialog(window)
    assert dialog.engine.select("color-transfer")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert dialog.style_choice() is None  # a prompt, not "Layer: Background"
    assert not ok.isEnabled() and "style image" in dialog.info.text()
    # picking the image's own (only) layer by hand is refused as well
    dialog.style_source.setCurrentIndex(dialog.style_source.findText("Layer: Background"))
    assert not ok.isEnabled() and "being stylised" in dialog.info.text()
    dialog.source.setCurrentIndex(dialog.source.findData(rq.SOURCE_MERGED))
    assert not ok.isEnabled()
    # another layer (not the one stylised) is a real style image
    doc.add_layer("stripes", style_pixels(60, 80))
    doc.active_index = 0
    dialog.reject()
    dialog = ai_style.StyleDialog(window)
    dialog.engine.select("color-transfer")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.style_source.setCurrentIndex(dialog.style_source.findText("Layer: stripes"))
    assert ok.isEnabled()
    dialog.style_source.setCurrentIndex(dialog.style_source.findText("Layer: Background"))
    assert not ok.isEnabled()
    dialog.add_style_file(__file__)
    assert ok.isEnabled()
    dialog.reject()


def test_a_leftover_mask_restricts_only_when_the_user_ticks_it(window, qtbot):
    from PySide6.QtCore import Qt

    open_doc(window, style_pixels(), qtbot, "style")
    doc = open_doc(window, content_pixels(), qtbot, "photo")
    mask = np.zeros(doc.size[::-1], np.uint8)
    mask[10:30, 20:50] = 255
    doc.set_ai_mask(mask)  # left over from an earlier fill
    dialog = ai_style.StyleDialog(window)
    dialog.show()
    assert dialog.engine.select("color-transfer")
    assert not dialog.restrict.isChecked() and dialog.restrict.isEnabled()
    assert "whole image, 80×60" in dialog.info.text()
    assert dialog.request().alpha is None
    qtbot.mouseClick(dialog.restrict, Qt.MouseButton.LeftButton)
    assert dialog.restrict.isChecked()
    assert "only inside the AI mask: 30×20 px at (20, 10)" in dialog.info.text()
    assert dialog.request().alpha is not None
    dialog.reject()


def test_only_inside_is_disabled_without_any_mask(window, qtbot):
    open_doc(window, content_pixels(), qtbot, "photo")
    dialog = ai_style.StyleDialog(window)
    assert not dialog.restrict.isEnabled() and not dialog.restrict.isChecked()
    dialog.reject()
