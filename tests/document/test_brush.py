"""Brush engine: falloff, no opacity build-up within a stroke, eraser, mask targets."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import BrushSettings, Document, LayerLockedError
from editor.document.brush import dab_footprint


def _white_doc(w=120, h=100, depth=8):
    doc = Document(w, h, depth)
    doc.add_layer("bg", doc.new_layer_pixels((1, 1, 1, 1)))
    doc.add_layer("paint")
    doc.undo.clear()
    return doc


def test_soft_brush_falls_off_and_hard_brush_is_flat():
    _r, soft = dab_footprint(20, 20, 20, 0.0, (40, 40))
    _r, hard = dab_footprint(20, 20, 20, 1.0, (40, 40))
    assert soft.max() == pytest.approx(1.0, abs=0.02)
    centre = soft[soft.shape[0] // 2, soft.shape[1] // 2]
    assert centre > soft[soft.shape[0] // 2, 4] > 0  # 4 px from the edge: partial
    assert (hard >= 0.99).sum() > 0.9 * np.pi * 9 * 9
    assert hard.sum() == pytest.approx(np.pi * 100, rel=0.03)


def test_dense_dabs_do_not_compound_past_stroke_opacity():
    doc = _white_doc()
    doc.begin_stroke("pixels", BrushSettings(size=20, hardness=1.0, opacity=0.5, spacing=0.02))
    for _ in range(3):  # back and forth over the same place
        doc.stroke_to(20, 50)
        doc.stroke_to(100, 50)
    doc.end_stroke()
    alpha = doc.layers[1].pixels[..., 3]
    assert alpha.max() == 128  # 0.5 * 255 rounded, however many dabs overlapped
    out = doc.composite()
    assert tuple(out[50, 60, :3]) == (127, 127, 127)  # black at alpha 128/255 over white


def test_stroke_spacing_covers_the_whole_line():
    doc = _white_doc()
    doc.begin_stroke("pixels", BrushSettings(size=6, hardness=1.0, spacing=0.25))
    doc.stroke_to(10, 10)
    doc.stroke_to(110, 10)
    doc.end_stroke()
    assert (doc.layers[1].pixels[10, 10:111, 3] == 255).all()


def test_pressure_scales_opacity():
    doc = _white_doc()
    doc.begin_stroke("pixels", BrushSettings(size=10, hardness=1.0))
    doc.dab(30, 30, pressure=0.25)
    doc.end_stroke()
    assert doc.layers[1].pixels[30, 30, 3] == 64


def test_eraser_removes_alpha():
    doc = _white_doc()
    doc.begin_stroke("pixels", BrushSettings(size=10, hardness=1.0, erase=True), layer_index=0)
    doc.dab(50, 50)
    doc.end_stroke()
    px = doc.layers[0].pixels
    assert px[50, 50, 3] == 0 and px[10, 10, 3] == 255
    assert doc.undo.text(0) == "Eraser"


def test_ai_mask_add_then_subtract():
    doc = _white_doc()
    doc.begin_stroke("ai_mask", BrushSettings(size=20, hardness=1.0))
    doc.stroke_to(20, 20)
    doc.stroke_to(80, 20)
    doc.end_stroke()
    assert doc.ai_mask[20, 50] == 255 and doc.ai_mask[80, 50] == 0
    doc.begin_stroke("ai_mask", BrushSettings(size=8, hardness=1.0, erase=True))
    doc.dab(50, 20)
    doc.end_stroke()
    assert doc.ai_mask[20, 50] == 0 and doc.ai_mask[20, 30] == 255
    assert doc.layers[1].pixels[..., 3].max() == 0  # layer untouched


def test_painting_the_selection():
    doc = _white_doc()
    doc.begin_stroke("selection", BrushSettings(size=10, hardness=1.0))
    doc.dab(40, 40)
    doc.end_stroke()
    assert doc.selection.mask is not None and doc.selection.mask[40, 40] == 255


def test_selection_limits_layer_painting():
    doc = _white_doc()
    doc.selection.select_rect(0, 0, 60, 100)
    doc.begin_stroke("pixels", BrushSettings(size=10, hardness=1.0))
    doc.stroke_to(20, 50)
    doc.stroke_to(100, 50)
    doc.end_stroke()
    a = doc.layers[1].pixels[50, :, 3]
    assert a[30] == 255 and a[59] == 255 and a[60] == 0 and a[90] == 0


def test_layer_mask_painting_hides_pixels():
    doc = _white_doc()
    doc.add_layer_mask(0)
    doc.begin_stroke("mask", BrushSettings(size=10, hardness=1.0, erase=True), layer_index=0)
    doc.dab(50, 50)
    doc.end_stroke()
    assert doc.layers[0].mask[50, 50] == 0
    assert doc.composite()[50, 50, 3] == 0 and doc.composite()[10, 10, 3] == 255


def test_mask_target_without_mask_and_locked_layer_are_refused():
    doc = _white_doc()
    with pytest.raises(ValueError, match="has no mask"):
        doc.begin_stroke("mask", layer_index=0)
    doc.set_layer_property(1, "locked", True)
    with pytest.raises(LayerLockedError, match="'paint' is locked"):
        doc.begin_stroke("pixels", layer_index=1)
    with pytest.raises(LayerLockedError):
        doc.apply_patch(1, 0, 0, np.zeros((2, 2, 4), np.uint8), "x")


def test_brush_settings_are_validated():
    with pytest.raises(ValueError, match="size"):
        BrushSettings(size=0)
    with pytest.raises(ValueError, match="hardness"):
        BrushSettings(hardness=2)
    with pytest.raises(ValueError, match="colour"):
        BrushSettings(color=(1, 2, 3))


def test_painting_on_an_offset_layer_uses_document_coordinates():
    doc = Document(100, 100)
    doc.add_layer("small", np.zeros((20, 20, 4), np.uint8), offset=(50, 50))
    doc.begin_stroke("pixels", BrushSettings(size=4, hardness=1.0))
    r = doc.dab(60, 60)
    doc.end_stroke()
    assert doc.layers[0].pixels[10, 10, 3] == 255
    assert r is not None and r.x >= 50 and r.y >= 50
    assert doc.composite()[60, 60, 3] == 255
