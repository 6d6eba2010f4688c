"""The AI-edit layer on a live document without any widget: regions, the watch that
refuses stale results, apply steps (one undo step each) and the compare state."""

from __future__ import annotations

import numpy as np
import pytest

from editor.ai import apply as ap
from editor.ai import compare, regions
from editor.ai.requests import MASK_AI, MODE_ACTIVE_LAYER, MODE_NEW_LAYER, SOURCE_LAYER
from editor.ai.watch import DocumentWatch
from editor.document import Document, Rect


def _doc(h: int = 40, w: int = 60) -> Document:
    px = np.zeros((h, w, 4), np.uint8)
    px[..., 0] = np.arange(w, dtype=np.uint8)[None, :] * 4
    px[..., 3] = 255
    doc = Document.from_pixels(px)
    doc.undo.clear()
    return doc


def test_mask_bounds_and_the_layer_cut_use_document_coordinates():
    doc = _doc()
    mask = np.zeros((40, 60), np.uint8)
    mask[10:15, 20:30] = 255
    assert regions.mask_bounds(mask) == Rect(20, 10, 10, 5)
    assert regions.mask_bounds(np.zeros((4, 4), np.uint8)) is None
    doc.add_layer("small", np.full((5, 5, 4), 200, np.uint8), offset=(50, 35))
    cut = regions.layer_region(doc, doc.layers[1], Rect(48, 33, 10, 10))
    assert cut.shape == (10, 10, 4)
    assert not cut[:2].any() and not cut[:, :2].any()  # outside the layer: transparent
    assert (cut[2:7, 2:7] == 200).all() and not cut[7:].any()  # clipped by the document


def test_a_snapshot_is_a_copy_of_the_region_and_its_mask():
    doc = _doc()
    doc.set_ai_mask(np.pad(np.full((4, 4), 255, np.uint8), ((8, 28), (8, 48))))
    mask = regions.mask_array(doc, MASK_AI)
    snap = regions.take_snapshot(doc, SOURCE_LAYER, Rect(4, 4, 16, 16), mask)
    assert snap.rect == Rect(4, 4, 16, 16) and snap.mask.shape == (16, 16)
    assert snap.bbox == Rect(8, 8, 4, 4) and snap.geometry == doc.geometry_generation
    snap.pixels[:] = 0
    assert doc.layers[0].pixels[4:20, 4:20, 3].min() == 255  # the document kept its pixels


def test_watch_refuses_after_a_frame_change_even_one_undone():
    doc = _doc()
    snap = regions.take_snapshot(doc, SOURCE_LAYER)
    watch = DocumentWatch(doc, geometry=snap.geometry)
    doc.crop(0, 0, 30, 20)
    doc.undo.undo()
    before = doc.undo.count
    with pytest.raises(ValueError, match="resized or cropped while Test ran"):
        ap.apply_result(watch, snap, snap.pixels.copy(), "X", MODE_NEW_LAYER, text="Test")
    assert doc.undo.count == before and len(doc.layers) == 1
    watch.close()


def test_into_layer_is_refused_when_the_layer_was_deleted_or_moved():
    doc = _doc()
    doc.add_layer("top", np.full((40, 60, 4), 9, np.uint8))
    snap = regions.take_snapshot(doc, SOURCE_LAYER)
    watch = DocumentWatch.capture(doc)
    doc.set_layer_property(1, "offset", (3, 0))
    with pytest.raises(ValueError, match="was moved while"):
        ap.apply_into_layer(watch, 0, 0, snap.pixels, "Fill")
    doc.delete_layer(1)
    with pytest.raises(ValueError, match="was deleted while"):
        ap.apply_result(watch, snap, snap.pixels, "Fill", MODE_ACTIVE_LAYER)


def test_a_result_lands_as_one_undo_step_above_its_source_layer():
    doc = _doc()
    doc.add_layer("above", np.zeros((40, 60, 4), np.uint8))
    doc.active_index = 0
    snap = regions.take_snapshot(doc, SOURCE_LAYER, Rect(10, 10, 8, 8))
    watch = DocumentWatch(doc, geometry=snap.geometry)
    doc.active_index = 1  # the user moved on; the result still goes above its source
    steps = doc.undo.count
    result = np.full((8, 8, 4), 255, np.uint8)
    layer = ap.apply_result(watch, snap, result, "Result", alpha=np.full((8, 8), 0.5))
    assert doc.index_of(layer) == 1 and layer.offset == (10, 10)
    assert layer.pixels[0, 0, 3] == 128
    assert doc.undo.count == steps + 1
    doc.undo.undo()
    assert [x.name for x in doc.layers] == ["Background", "above"]


def test_whole_image_result_is_refused_after_any_layer_edit():
    doc = _doc(10, 10)
    watch = DocumentWatch.capture(doc)
    doc.apply_patch(0, 0, 0, np.zeros((2, 2, 4), np.uint8), "Paint")
    big = [np.zeros((20, 20, 4), np.uint8)]
    with pytest.raises(ValueError, match="layers were edited"):
        ap.apply_whole_image(watch, 2, big, "Upscale")
    fresh = DocumentWatch.capture(doc)
    ap.apply_whole_image(fresh, 2, big, "Upscale")
    assert doc.size == (20, 20) and doc.undo.text(doc.undo.count - 1) == "Upscale"


def test_a_closed_watch_stops_listening():
    doc = _doc()
    watch = DocumentWatch.capture(doc)
    watch.close()
    doc.apply_patch(0, 0, 0, np.zeros((2, 2, 4), np.uint8), "Paint")
    assert not watch.layers_edited and not watch.display_changed


def test_compare_survives_mask_edits_and_ends_at_a_layer_edit():
    doc = _doc()
    layer = doc.add_layer("result", np.full((40, 60, 4), 7, np.uint8))
    compare.remember_result(doc, layer)
    state = compare.compare_state(doc)
    assert state is not None and state.override().layer is layer
    doc.set_ai_mask(np.full((40, 60), 255, np.uint8))
    doc.clear_ai_mask()
    doc.selection.select_rect(0, 0, 5, 5)
    assert compare.compare_state(doc) is state
    doc.apply_patch(0, 0, 0, np.zeros((2, 2, 4), np.uint8), "Paint")
    assert compare.compare_state(doc) is None
