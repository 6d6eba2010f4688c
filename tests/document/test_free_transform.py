"""Free transform of a layer or of the selection's contents (affine, one undo step)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from editor.document import Document, LayerLockedError
from editor.document.transform import affine_bounds, affine_rgba, transform_layer


def doc_with_square(depth: int = 8) -> Document:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    doc = Document(100, 80, depth)
    px = np.zeros((20, 30, 4), dtype)
    rng = np.random.default_rng(1)
    px[..., :3] = rng.integers(0, maxv, (20, 30, 3), endpoint=True)
    px[..., 3] = maxv
    doc.add_layer("Square", px, offset=(10, 10))
    doc.undo.clear()
    return doc


def shift(dx: float, dy: float) -> np.ndarray:
    return np.array([[1, 0, dx], [0, 1, dy]], np.float64)


@pytest.mark.parametrize("depth", [8, 16])
def test_a_whole_pixel_move_is_exact_and_one_undo_step(depth):
    doc = doc_with_square(depth)
    before = doc.layers[0].pixels.copy()
    transform_layer(doc, shift(7, -3))
    layer = doc.layers[0]
    assert layer.offset == (17, 7) and doc.undo.count == 1
    assert doc.undo.undo_text == "Free transform"
    np.testing.assert_array_equal(layer.pixels, before)
    doc.undo.undo()
    assert doc.layers[0].offset == (10, 10)
    np.testing.assert_array_equal(doc.layers[0].pixels, before)
    doc.undo.redo()
    assert doc.layers[0].offset == (17, 7)


def test_scale_by_two_about_the_top_left_doubles_the_size():
    doc = doc_with_square()
    m = np.array([[2, 0, -10], [0, 2, -10]], np.float64)  # (10, 10) stays put
    transform_layer(doc, m)
    layer = doc.layers[0]
    assert layer.offset == (10, 10) and (layer.width, layer.height) == (60, 40)
    # Lanczos of a flat-coloured block stays that colour inside.
    assert layer.pixels[10:30, 10:50, 3].min() == 255


def test_rotation_by_90_degrees_maps_pixel_centres():
    doc = doc_with_square()
    src = doc.layers[0].pixels.copy()
    c, s = math.cos(math.pi / 2), math.sin(math.pi / 2)
    cx, cy = 25, 20  # the square's centre
    a = np.array([[c, -s], [s, c]])
    t = np.array([cx, cy]) - a @ np.array([cx, cy])
    transform_layer(doc, np.column_stack([a, t]))
    layer = doc.layers[0]
    assert (layer.width, layer.height) == (20, 30)
    # Pixel (x, y) of the source (doc 10 + x, 10 + y) lands at doc (cx - (y+10.5-cy), ...).
    x, y = 4, 7
    dx = cx - (10 + y + 0.5 - cy) - 0.5
    dy = cy + (10 + x + 0.5 - cx) - 0.5
    got = layer.pixels[round(dy) - layer.offset[1], round(dx) - layer.offset[0]]
    np.testing.assert_allclose(got.astype(int), src[y, x].astype(int), atol=1)


def test_big_reduction_is_prefiltered_not_aliased():
    stripes = np.zeros((64, 64, 4), np.uint8)
    stripes[:, ::2, :3] = 255
    stripes[..., 3] = 255
    a = np.array([[0.1 * math.cos(0.3), -0.1 * math.sin(0.3), 0],
                  [0.1 * math.sin(0.3), 0.1 * math.cos(0.3), 0]])
    out, _pos = affine_rgba(stripes, (0, 0), a)
    inner = out[2:-2, 2:-2]
    inner = inner[inner[..., 3] == 255]
    # 1-px stripes averaged: mid grey, not black or white speckle.
    assert abs(float(inner[..., 0].mean()) - 127.5) < 20 and inner[..., 0].std() < 25


def test_selection_contents_move_and_the_selection_follows():
    doc = doc_with_square()
    before = doc.layers[0].pixels.copy()
    doc.selection.select_rect(10, 10, 10, 10)
    transform_layer(doc, shift(40, 30), selection_only=True)
    layer = doc.layers[0]
    def at(x, y):
        return layer.pixels[y - layer.offset[1], x - layer.offset[0]]
    np.testing.assert_array_equal(at(50, 40), before[0, 0])  # moved pixel
    assert at(10, 10)[3] == 0  # a hole where it was
    np.testing.assert_array_equal(at(25, 15), before[5, 15])  # the rest stays
    assert doc.selection.bounds() == (50, 40, 10, 10)
    assert doc.undo.count == 2  # select + transform
    doc.undo.undo()
    assert doc.selection.bounds() == (10, 10, 10, 10)
    assert doc.layers[0].offset == (10, 10)
    np.testing.assert_array_equal(doc.layers[0].pixels, before)


def test_locked_layer_and_degenerate_matrix_are_refused():
    doc = doc_with_square()
    with pytest.raises(ValueError, match="zero scale"):
        transform_layer(doc, np.zeros((2, 3)))
    doc.set_layer_property(0, "locked", True)
    with pytest.raises(LayerLockedError):
        transform_layer(doc, shift(1, 1))
    assert doc.layers[0].offset == (10, 10)


def test_affine_bounds():
    assert affine_bounds(shift(2, 3), 0, 0, 10, 5) == (2, 3, 10, 5)
    assert affine_bounds(np.array([[0, -1, 0], [1, 0, 0]]), 0, 0, 10, 5) == (-5, 0, 5, 10)


def test_16_bit_layers_keep_their_precision_through_a_rotation():
    doc = Document(80, 80, 16)
    px = np.zeros((40, 40, 4), np.uint16)
    px[..., :3] = 1000  # between two 8-bit steps (771 and 1028)
    px[..., 3] = 65535
    doc.add_layer("Deep", px, offset=(20, 20))
    transform_layer(doc, np.array([[math.cos(0.4), -math.sin(0.4), 30],
                                   [math.sin(0.4), math.cos(0.4), -10]]))
    layer = doc.layers[0]
    assert layer.dtype == np.uint16
    inner = layer.pixels[layer.pixels[..., 3] == 65535]
    assert len(inner) > 500 and (np.abs(inner[:, :3].astype(int) - 1000) <= 1).all()
