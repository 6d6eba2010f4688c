"""commands.resize_with_pixels: a document resize whose layer pixels come from elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import Document, Layer
from editor.document.commands import resize_with_pixels


def make_doc(dtype=np.uint8) -> Document:
    top = np.iinfo(dtype).max
    rng = np.random.default_rng(0)
    base = rng.integers(0, top, (20, 30, 4), dtype=dtype)
    small = rng.integers(0, top, (8, 10, 4), dtype=dtype)
    doc = Document(30, 20, 16 if dtype == np.uint16 else 8,
                   [Layer(base, "bg"), Layer(small, "top", offset=(5, 6),
                                             mask=np.full((8, 10), 200, np.uint8))])
    m = np.zeros((20, 30), np.uint8)
    m[2:6, 3:9] = 255
    doc.set_ai_mask(m)
    doc.selection.select_rect(10, 10, 4, 4)
    doc.undo.clear()
    return doc


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_one_step_scales_every_layer_and_mask_and_undoes_exactly(dtype):
    doc = make_doc(dtype)
    old = [(x.pixels.copy(), x.mask.copy() if x.mask is not None else None, x.offset)
           for x in doc.layers]
    new = [np.full((40, 60, 4), 7, dtype), np.full((16, 20, 4), 9, dtype)]
    doc.undo.push(resize_with_pixels(doc, 60, 40, new, "Upscale 2x"))
    assert doc.size == (60, 40) and doc.undo.count == 1
    assert doc.layers[1].offset == (10, 12)
    assert doc.layers[1].mask.shape == (16, 20)
    np.testing.assert_array_equal(doc.layers[0].pixels, new[0])
    assert doc.ai_mask.shape == (40, 60) and doc.ai_mask[6:10, 8:16].min() > 200
    assert doc.selection.active
    doc.undo.undo()
    assert doc.size == (30, 20)
    for layer, (px, mask, off) in zip(doc.layers, old):
        np.testing.assert_array_equal(layer.pixels, px)
        assert layer.offset == off
        if mask is not None:
            np.testing.assert_array_equal(layer.mask, mask)
    doc.undo.redo()
    np.testing.assert_array_equal(doc.layers[1].pixels, new[1])


def test_refuses_wrong_sizes_counts_and_depths():
    doc = make_doc()
    good = [np.zeros((40, 60, 4), np.uint8), np.zeros((16, 20, 4), np.uint8)]
    with pytest.raises(ValueError, match="2 layers"):
        resize_with_pixels(doc, 60, 40, good[:1], "x")
    with pytest.raises(ValueError, match="'top'"):
        resize_with_pixels(doc, 60, 40, [good[0], np.zeros((15, 20, 4), np.uint8)], "x")
    with pytest.raises(ValueError, match="uint8"):
        resize_with_pixels(doc, 60, 40, [good[0], good[1].astype(np.uint16)], "x")
    assert doc.undo.count == 0 and doc.size == (30, 20)
