"""Copy, cut and clear of the selection's pixels, and where a paste lands."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import Document, LayerLockedError
from editor.document.copy_paste import (
    clear_selection,
    copy_selection,
    cut_selection,
    paste_position,
)
from editor.document.events import Rect


def photo(depth: int, w: int = 60, h: int = 40) -> Document:
    rng = np.random.default_rng(depth)
    dtype = np.uint16 if depth == 16 else np.uint8
    px = rng.integers(0, np.iinfo(dtype).max, (h, w, 4), dtype=dtype, endpoint=True)
    px[..., 3] = np.iinfo(dtype).max
    doc = Document.from_pixels(px)
    doc.undo.clear()
    return doc


@pytest.mark.parametrize("depth", [8, 16])
def test_copy_of_a_rectangle_is_the_exact_pixels_and_their_position(depth):
    doc = photo(depth)
    doc.selection.select_rect(10, 5, 20, 12)
    clip = copy_selection(doc)
    assert clip.pixels.dtype == doc.dtype and (clip.x, clip.y) == (10, 5)
    np.testing.assert_array_equal(clip.pixels, doc.layers[0].pixels[5:17, 10:30])


def test_copy_masks_alpha_by_a_soft_selection_and_clears_hidden_colour():
    doc = photo(8)
    doc.selection.select_ellipse(0, 0, 20, 20)
    clip = copy_selection(doc)
    sel = doc.selection.mask[0:20, 0:20]
    np.testing.assert_array_equal(clip.pixels[..., 3], sel)  # alpha 255 × selection
    assert (clip.pixels[sel == 0] == 0).all()


def test_copy_merged_takes_the_visible_composite():
    doc = photo(8)
    top = np.zeros((40, 60, 4), np.uint8)
    top[..., 0] = 255
    top[..., 3] = 255
    doc.add_layer("Red", top)
    doc.set_layer_property(1, "visible", False)
    doc.active_index = 1
    doc.selection.select_rect(0, 0, 4, 4)
    assert (copy_selection(doc).pixels[..., 0] == 255).all()  # the hidden layer's own pixels
    np.testing.assert_array_equal(copy_selection(doc, merged=True).pixels,
                                  doc.layers[0].pixels[:4, :4])


def test_copy_without_selection_takes_the_whole_layer_and_refuses_empty_ones():
    doc = photo(8)
    assert copy_selection(doc).pixels.shape == (40, 60, 4)
    doc.add_layer("Empty")
    with pytest.raises(ValueError, match="no visible pixels"):
        copy_selection(doc)


@pytest.mark.parametrize("depth", [8, 16])
def test_cut_clears_the_selection_in_one_step_that_undoes_exactly(depth):
    doc = photo(depth)
    before = doc.layers[0].pixels.copy()
    doc.selection.select_rect(10, 5, 20, 12)
    n = doc.undo.count
    clip = cut_selection(doc)
    np.testing.assert_array_equal(clip.pixels, before[5:17, 10:30])
    assert doc.undo.count == n + 1 and doc.undo.undo_text == "Cut"
    after = doc.layers[0].pixels
    assert (after[5:17, 10:30, 3] == 0).all()
    np.testing.assert_array_equal(after[5:17, 10:30, :3], before[5:17, 10:30, :3])
    outside = np.ones((40, 60), bool)
    outside[5:17, 10:30] = False
    np.testing.assert_array_equal(after[outside], before[outside])
    doc.undo.undo()
    np.testing.assert_array_equal(doc.layers[0].pixels, before)


def test_clear_of_a_feathered_selection_lowers_alpha_in_proportion():
    doc = photo(8)
    doc.selection.select_rect(10, 10, 20, 20, feather=4)
    sel = doc.selection.to_mask()
    assert clear_selection(doc)
    alpha = doc.layers[0].pixels[..., 3].astype(int)
    np.testing.assert_allclose(alpha, 255 - sel.astype(int), atol=1)


def test_locked_layers_refuse_cut_and_clear_and_keep_their_pixels():
    doc = photo(8)
    before = doc.layers[0].pixels.copy()
    doc.set_layer_property(0, "locked", True)
    doc.selection.select_rect(0, 0, 5, 5)
    with pytest.raises(LayerLockedError, match="locked"):
        cut_selection(doc)
    with pytest.raises(LayerLockedError):
        clear_selection(doc)
    np.testing.assert_array_equal(doc.layers[0].pixels, before)


def test_paste_position_follows_selection_then_origin_then_view():
    assert paste_position((10, 6), (100, 80), selection=Rect(20, 30, 10, 6)) == (20, 30)
    assert paste_position((10, 6), (100, 80), selection=Rect(20, 30, 20, 10)) == (25, 32)
    assert paste_position((10, 6), (100, 80), origin=(7, 9)) == (7, 9)
    # An origin outside the image (copied from a bigger one) falls back to the view.
    assert paste_position((10, 6), (100, 80), origin=(95, 9), view_centre=(50, 40)) == (45, 37)
    assert paste_position((10, 6), (100, 80)) == (45, 37)
