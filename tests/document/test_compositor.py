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
    cells = -(-1024 // c.tile) * -(-768 // c.tile)
    assert c.tiles_composited == cells
    doc.composite()
    doc.composite((10, 10, 100, 100))
    assert c.tiles_composited == cells


def test_dab_recomposites_only_touched_tiles_and_matches_full():
    doc = _doc()
    doc.composite()
    n = doc.compositor.tiles_composited
    doc.begin_stroke("pixels", BrushSettings(size=20, color=(0, 1, 0)), layer_index=1)
    assert doc.compositor.tile == 32
    doc.dab(300, 300)  # inside cell (9, 9) of the 32² grid
    out = doc.composite()
    assert doc.compositor.tiles_composited - n == 1
    np.testing.assert_array_equal(out, _full(doc))
    n = doc.compositor.tiles_composited
    doc.dab(256, 256)  # on a corner shared by four cells
    out = doc.composite()
    assert doc.compositor.tiles_composited - n == 4
    doc.end_stroke()
    np.testing.assert_array_equal(out, _full(doc))


def test_composite_of_a_rect_only_builds_tiles_it_covers():
    doc = _doc()
    part = doc.composite((0, 0, 100, 100))
    assert doc.compositor.tiles_composited == 4 * 4  # 32² cells
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


# --- read-only overrides (a view's before/after compare) ----------------------------------


def _state(doc):
    return [(x.pixels.copy(), x.visible, x.offset) for x in doc.layers]


def _same_state(a, b):
    return all(
        np.array_equal(pa, pb) and va == vb and oa == ob
        for (pa, va, oa), (pb, vb, ob) in zip(a, b, strict=True)
    )


def test_override_leaving_a_layer_out_equals_the_stack_without_it_and_changes_nothing():
    from editor.document.compositor import LayerOverride

    doc = _doc(w=300, h=200)
    doc.set_layer_property(1, "offset", (40, 30))  # only partly over the image
    doc.composite()
    n = doc.compositor.tiles_composited
    state, history = _state(doc), (doc.undo.index, doc.undo.count)
    mid = doc.layers[1]
    out = doc.composite(override=LayerOverride(mid))
    rest = [x for x in doc.layers if x is not mid]
    np.testing.assert_array_equal(out, composite_layers(rest, doc.rect, doc.dtype))
    assert not np.array_equal(out, doc.composite())
    # the cached composite is untouched and nothing in the document changed
    np.testing.assert_array_equal(doc.composite(), _full(doc))
    assert doc.compositor.tiles_composited == n
    assert _same_state(state, _state(doc)) and (doc.undo.index, doc.undo.count) == history


def test_override_pixels_substitute_only_inside_the_rect_and_the_layer():
    from editor.document.compositor import LayerOverride

    for depth in (8, 16):
        doc = _doc(depth, w=300, h=200)
        top = doc.layers[2]
        doc.set_layer_property(2, "offset", (-20, 10))  # part of the rect lies outside it
        rng = np.random.default_rng(5)
        rect = Rect(250, 150, 60, 40)  # reaches past the document's right edge too
        patch = random_pixels(rng, rect.h, rect.w, doc.dtype)
        state = _state(doc)
        got = doc.composite(override=LayerOverride(top, rect, patch))
        # expected: the same stack with the patch written into a copy of the top layer
        from editor.document import Layer

        px = top.pixels.copy()
        inside = top.bounds.intersect(rect)
        px[inside.translated(20, -10).slices()] = patch[inside.translated(-rect.x, -rect.y).slices()]
        copy = Layer(px, "top", blend_mode=top.blend_mode, offset=top.offset)
        want = composite_layers([doc.layers[0], doc.layers[1], copy], doc.rect, doc.dtype)
        np.testing.assert_array_equal(got, want)
        # outside the rect it is the plain composite
        plain = doc.composite()
        outside = np.ones(plain.shape[:2], bool)
        outside[rect.intersect(doc.rect).slices()] = False
        np.testing.assert_array_equal(got[outside], plain[outside])
        assert _same_state(state, _state(doc))


def test_override_of_a_layer_no_longer_in_the_document_is_the_plain_composite():
    from editor.document.compositor import LayerOverride

    doc = _doc(w=200, h=100)
    gone = doc.layers[1]
    doc.delete_layer(1)
    np.testing.assert_array_equal(doc.composite(override=LayerOverride(gone)), doc.composite())


def test_override_pixels_must_match_the_rect():
    import pytest

    from editor.document.compositor import LayerOverride

    doc = _doc(w=64, h=64)
    with pytest.raises(ValueError, match="rect"):
        LayerOverride(doc.layers[0], Rect(0, 0, 4, 4), np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="rect"):
        LayerOverride(doc.layers[0], None, np.zeros((3, 4, 4), np.uint8))
