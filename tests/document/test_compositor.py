"""Dirty-rect compositing: only touched tiles recomposite, and the result equals a full one."""

from __future__ import annotations

import numpy as np

from editor.document import BrushSettings, Document, Rect, composite_layers

from .conftest import random_pixels


def _doc(depth=8, w=1024, h=768):
    rng = np.random.default_rng(3)
    dtype = np.uint16 if depth == 16 else np.uint8
    doc = Document(w, h, depth)
    doc.add_layer("bg", random_pixels(rng, h, w, dtype))
    doc.add_layer("mid", random_pixels(rng, h, w, dtype), blend_mode="svg:overlay", opacity=0.6)
    doc.add_layer("top", random_pixels(rng, h, w, dtype), blend_mode="svg:color")
    doc.undo.clear()
    return doc


def _full(doc):
    return composite_layers(doc.layers, doc.rect, doc.dtype)


def test_first_composite_builds_every_tile_then_caches():
    doc = _doc()
    c = doc.compositor
    doc.composite()
    assert c.tiles_composited == 4 * 3
    doc.composite()
    doc.composite((10, 10, 100, 100))
    assert c.tiles_composited == 12


def test_dab_recomposites_only_touched_tiles_and_matches_full():
    doc = _doc()
    doc.composite()
    n = doc.compositor.tiles_composited
    doc.begin_stroke("pixels", BrushSettings(size=20, color=(0, 1, 0)), layer_index=1)
    doc.dab(300, 300)  # inside tile (1, 1) of the 256² grid
    out = doc.composite()
    assert doc.compositor.tiles_composited - n == 1
    np.testing.assert_array_equal(out, _full(doc))
    n = doc.compositor.tiles_composited
    doc.dab(256, 256)  # on a corner shared by four tiles
    out = doc.composite()
    assert doc.compositor.tiles_composited - n == 4
    doc.end_stroke()
    np.testing.assert_array_equal(out, _full(doc))


def test_composite_of_a_rect_only_builds_tiles_it_covers():
    doc = _doc()
    part = doc.composite((0, 0, 100, 100))
    assert doc.compositor.tiles_composited == 1
    assert part.shape == (100, 100, 4)
    np.testing.assert_array_equal(part, _full(doc)[:100, :100])


def test_undo_and_property_changes_invalidate_cache():
    doc = _doc(w=520, h=300)
    doc.composite()
    doc.set_layer_property(2, "opacity", 0.3)
    np.testing.assert_array_equal(doc.composite(), _full(doc))
    doc.set_layer_property(2, "offset", (100, 50))
    np.testing.assert_array_equal(doc.composite(), _full(doc))
    doc.move_layer(0, 2)
    np.testing.assert_array_equal(doc.composite(), _full(doc))
    doc.undo.set_index(0)
    np.testing.assert_array_equal(doc.composite(), _full(doc))
    doc.layers[1].visible = False  # direct setter: not undoable but still observed
    np.testing.assert_array_equal(doc.composite(), _full(doc))


def test_offset_layers_and_hidden_layers():
    doc = Document(300, 300)
    red = np.zeros((50, 50, 4), np.uint8)
    red[...] = (255, 0, 0, 255)
    doc.add_layer("red", red, offset=(280, -20))
    hidden = doc.add_layer("hidden", np.full((300, 300, 4), 255, np.uint8))
    hidden.visible = False
    out = doc.composite()
    assert tuple(out[0, 290]) == (255, 0, 0, 255)
    assert tuple(out[40, 290]) == (0, 0, 0, 0)
    assert tuple(out[10, 279]) == (0, 0, 0, 0)


def test_sixteen_bit_composite_stays_uint16_with_fine_values():
    doc = _doc(depth=16, w=300, h=260)
    out = doc.composite()
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, _full(doc))
    assert (out[..., :3] % 257 != 0).any()  # not just 8-bit values scaled up
    doc.begin_stroke("pixels", BrushSettings(size=30, color=(0.5, 0.25, 1.0), opacity=0.37))
    doc.stroke_to(20, 20)
    doc.stroke_to(200, 100)
    doc.end_stroke()
    assert doc.layers[doc.active_index].pixels.dtype == np.uint16
    doc.merge_down(2)
    doc.resize_image(150, 130)
    flat = doc.flatten()
    assert flat.pixels.dtype == np.uint16
    assert doc.composite().dtype == np.uint16


def test_rect_helpers():
    r = Rect(10, 10, 20, 20)
    assert r.intersect((25, 25, 10, 10)) == Rect(25, 25, 5, 5)
    assert r.intersect((40, 40, 1, 1)).empty
    assert r.union((0, 0, 5, 5)) == Rect(0, 0, 30, 30)
