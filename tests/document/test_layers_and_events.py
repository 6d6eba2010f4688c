"""Layer properties are validated and observed through events; layer list operations."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from editor.document import Document, Layer

from .conftest import make_doc


def test_property_setters_validate_with_clear_messages():
    layer = Layer(np.zeros((4, 4, 4), np.uint8), "a")
    with pytest.raises(ValueError, match="opacity must be within 0..1"):
        layer.opacity = 1.5
    with pytest.raises(ValueError, match="name must be a string"):
        layer.name = 3
    with pytest.raises(ValueError, match="offset"):
        layer.offset = "x"
    with pytest.raises(ValueError, match="expected shape"):
        layer.mask = np.zeros((3, 3), np.uint8)
    with pytest.raises(ValueError, match="unknown layer property"):
        layer.set("colour", 1)


def test_setters_emit_layer_changed_with_index_and_prop():
    doc = make_doc()
    seen = []
    doc.events.connect(lambda e: seen.append((e.kind, e.index, e.prop)))
    doc.layers[1].opacity = 0.5
    doc.set_layer_property(2, "blend_mode", "screen")
    doc.layers[1].opacity = 0.5  # unchanged: no event
    assert seen.count(("layer-changed", 1, "opacity")) == 1
    assert ("layer-changed", 2, "blend_mode") in seen
    assert doc.layers[2].blend_mode == "svg:screen"


def test_disconnect_stops_events():
    doc = make_doc()
    seen = []
    cb = seen.append
    doc.events.connect(cb)
    doc.active_index = 0
    doc.events.disconnect(cb)
    doc.active_index = 1
    assert [e.kind for e in seen] == ["active-changed"]


def test_layer_list_events():
    doc = make_doc()
    seen = []
    doc.events.connect(lambda e: seen.append((e.kind, e.index, e.value)))
    doc.add_layer("x", index=1)
    doc.move_layer(1, 3)
    doc.delete_layer(3)
    kinds = [s for s in seen if s[0] in ("layer-added", "layer-moved", "layer-removed")]
    assert kinds == [("layer-added", 1, None), ("layer-moved", 3, 1), ("layer-removed", 3, None)]


def test_active_index_is_valid_when_layer_events_arrive():
    # Listeners (the layers panel) read active_index inside the event: undoing an added
    # top layer must not show them the removed layer's index.
    doc = make_doc()
    n = len(doc.layers)
    doc.add_layer("top", index=n)
    assert doc.active_index == n
    seen = []
    doc.events.connect(lambda e: seen.append((e.kind, doc.active_index, len(doc.layers))))
    doc.undo.undo()
    removed = [s for s in seen if s[0] == "layer-removed"]
    assert removed and all(0 <= active < count for _, active, count in removed)
    doc.undo.redo()
    assert doc.active_index == n


def test_from_pixels_copies_the_callers_array():
    src = np.zeros((4, 5, 4), np.uint8)
    doc = Document.from_pixels(src)
    doc.apply_patch(0, 0, 0, np.full((2, 2, 4), 200, np.uint8), "paint")
    assert src.max() == 0 and doc.layers[0].pixels[0, 0, 0] == 200


def test_add_duplicate_rename_move_delete():
    doc = make_doc()
    names = lambda: [x.name for x in doc.layers]
    doc.active_index = 0
    doc.add_layer("new")
    assert names() == ["L0", "new", "L1", "L2"] and doc.active_index == 1
    dup = doc.duplicate_layer(2)
    assert names()[3] == "L1 copy" and dup is doc.layers[3]
    np.testing.assert_array_equal(dup.pixels, doc.layers[2].pixels)
    assert dup.pixels is not doc.layers[2].pixels
    doc.rename_layer(0, "base")
    doc.move_layer(0, 4)
    assert names() == ["new", "L1", "L1 copy", "L2", "base"]
    doc.delete_layer(4)
    assert len(doc.layers) == 4 and doc.active_index == 3
    with pytest.raises(ValueError, match="out of range"):
        doc.delete_layer(9)


def test_merge_down_matches_composite_of_the_pair():
    doc = Document(8, 8)
    a = np.zeros((8, 8, 4), np.uint8)
    a[...] = (200, 100, 50, 255)
    b = np.zeros((8, 8, 4), np.uint8)
    b[:4] = (10, 200, 90, 128)
    doc.add_layer("a", a)
    doc.add_layer("b", b, blend_mode="svg:difference")
    before = doc.composite()
    merged = doc.merge_down(1)
    assert len(doc.layers) == 1 and merged.name == "a"
    np.testing.assert_array_equal(doc.composite(), before)
    with pytest.raises(ValueError, match="bottom layer"):
        doc.merge_down(0)


def test_flatten_keeps_the_visible_result():
    doc = make_doc()
    doc.set_layer_property(1, "blend_mode", "svg:soft-light")
    doc.set_layer_property(2, "visible", False)
    before = doc.composite()
    doc.flatten()
    assert len(doc.layers) == 1
    np.testing.assert_array_equal(doc.composite(), before)


def test_layer_from_selection_copies_selected_pixels_only():
    doc = make_doc()
    doc.selection.select_rect(10, 10, 20, 20)
    new = doc.layer_from_selection(1)
    assert doc.layers[2] is new and doc.active_layer is new
    src, got = doc.layers[1].pixels[10:30, 10:30], new.pixels[10:30, 10:30]
    np.testing.assert_array_equal(got[..., 3], src[..., 3])
    vis = src[..., 3] > 0
    np.testing.assert_array_equal(got[vis], src[vis])
    assert new.pixels[..., 3][:10].max() == 0
    doc.selection.select_none()
    with pytest.raises(ValueError, match="nothing is selected"):
        doc.layer_from_selection(1)


def test_crop_and_canvas_resize_geometry():
    doc = make_doc(w=96, h=80)
    px = doc.layers[0].pixels.copy()
    doc.crop(10, 20, 30, 40)
    assert doc.size == (30, 40) and doc.ai_mask.shape == (40, 30)
    np.testing.assert_array_equal(doc.layers[0].pixels, px[20:60, 10:40])
    doc.resize_canvas(50, 60, "bottom-right")
    assert doc.size == (50, 60)
    np.testing.assert_array_equal(doc.layers[0].pixels[20:, 20:], px[20:60, 10:40])
    assert doc.layers[0].pixels[:20, :20].max() == 0
    with pytest.raises(ValueError, match="anchor"):
        doc.resize_canvas(10, 10, "middle")
    with pytest.raises(ValueError, match="does not overlap"):
        doc.crop(500, 500, 5, 5)


def test_resize_image_scales_layers_and_masks():
    doc = Document(40, 20)
    doc.add_layer("bg", doc.new_layer_pixels((0.2, 0.4, 0.6, 1.0)))
    doc.selection.select_rect(0, 0, 20, 20)
    doc.resize_image(80, 40)
    assert doc.layers[0].pixels.shape == (40, 80, 4)
    np.testing.assert_array_equal(doc.layers[0].pixels[20, 40], (51, 102, 153, 255))
    assert doc.selection.mask[20, 10] == 255 and doc.selection.mask[20, 70] == 0


def test_apply_patch_clips_masks_and_keeps_alpha_for_rgb():
    doc = Document(10, 10)
    doc.add_layer("bg", doc.new_layer_pixels((0, 0, 0, 0.5)))
    mask = np.zeros((4, 4), np.float32)
    mask[:, 1:] = 1.0
    r = doc.apply_patch(0, 8, 8, np.full((4, 4, 3), 255, np.uint8), "Inpaint", mask=mask)
    px = doc.layers[0].pixels
    assert r == (8, 8, 2, 2)  # the patch clipped to the document
    assert tuple(px[9, 8]) == (0, 0, 0, 128)
    assert tuple(px[9, 9]) == (255, 255, 255, 128)
    assert doc.apply_patch(0, 50, 50, np.zeros((2, 2, 4), np.uint8), "x") is None
    doc2 = Document(10, 10)
    doc2.add_layer("bg", doc2.new_layer_pixels((0, 0, 0, 0.5)))
    doc2.apply_patch(0, 0, 0, np.full((3, 3, 3), 255, np.uint8), "AI")
    assert tuple(doc2.layers[0].pixels[1, 1]) == (255, 255, 255, 128)
    assert doc2.undo.count == 2 and doc2.undo.text(1) == "AI"


def test_bad_document_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="bit depth"):
        Document(10, 10, 12)
    with pytest.raises(ValueError, match="out of range"):
        Document(0, 10)
    doc = Document(4, 4, 16)
    with pytest.raises(ValueError, match="is uint8, the document is 16-bit"):
        Document(4, 4, 16, layers=[Layer(np.zeros((4, 4, 4), np.uint8))])
    layer = doc.add_layer("from 8 bit", np.full((4, 4, 4), 255, np.uint8))
    assert layer.pixels.dtype == np.uint16 and layer.pixels.max() == 65535


def test_document_package_imports_no_qt_or_torch():
    code = (
        "import sys, editor.document, editor.document.resample; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'torch', 'ml')"
        " or m.startswith(('editor.io', 'editor.ui', 'editor.jobs'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
