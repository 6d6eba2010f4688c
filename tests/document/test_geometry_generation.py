"""Document.geometry_generation: bumped by every change of the size or coordinate frame."""

from __future__ import annotations

import numpy as np

from editor.document import BrushSettings
from editor.document.commands import resize_with_pixels

from .conftest import make_doc


def _frame_ops():
    return [
        ("crop", lambda d: d.crop(10, 5, 50, 40)),
        ("resize_canvas", lambda d: d.resize_canvas(120, 100, "top-left")),
        ("resize_image", lambda d: d.resize_image(48, 40)),
        ("upscale", lambda d: d.undo.push(resize_with_pixels(
            d, d.width * 2, d.height * 2,
            [np.zeros((x.height * 2, x.width * 2, 4), d.dtype) for x in d.layers], "Upscale"))),
    ]


def test_every_frame_change_and_its_undo_and_redo_bump_the_generation():
    for name, op in _frame_ops():
        doc = make_doc()
        seen = {doc.geometry_generation}
        op(doc)
        for step in (doc.undo.undo, doc.undo.redo, doc.undo.undo):
            g = doc.geometry_generation
            assert g not in seen, name  # never returns to an earlier value
            seen.add(g)
            step()
        assert doc.geometry_generation not in seen, name
        # back at the original size, positions recorded before still must not count
        assert doc.size == (96, 80)


def test_edits_that_keep_the_frame_leave_the_generation_alone():
    doc = make_doc()
    g = doc.geometry_generation
    doc.begin_stroke("pixels", BrushSettings(size=9))
    doc.stroke_to(10, 10)
    doc.stroke_to(30, 20)
    doc.end_stroke()
    doc.add_layer("new")
    doc.set_layer_property(0, "offset", (5, 5))
    doc.selection.select_rect(1, 1, 20, 20)
    doc.set_ai_mask(np.full((80, 96), 255, np.uint8))
    doc.apply_patch(0, 3, 3, np.zeros((8, 8, 4), np.uint8), "patch")
    doc.flatten()
    doc.undo.set_index(0)
    assert doc.geometry_generation == g


def test_no_op_frame_changes_do_not_bump():
    doc = make_doc()
    g = doc.geometry_generation
    doc.crop(0, 0, doc.width, doc.height)
    doc.resize_canvas(doc.width, doc.height)
    doc.resize_image(doc.width, doc.height)
    assert doc.geometry_generation == g and doc.undo.count == 0
