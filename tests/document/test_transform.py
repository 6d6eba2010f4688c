"""Rotate/flip/straighten/rotated crop: exact pixel geometry, masks, offsets, selection and
AI mask following, exact undo, 8/16 bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from editor.document import Document
from editor.document.transform import (
    crop_rotated,
    flip_horizontal,
    flip_vertical,
    inscribed_size,
    rotate_90,
    rotate_180,
    straighten,
    straighten_angle,
)

from .conftest import assert_same_state, snapshot

W, H = 7, 5


def _doc(depth: int = 8) -> Document:
    """A W×H document: a full layer, a small offset layer with a mask reaching past the
    canvas, a selection pixel and an AI-mask pixel."""
    dtype = np.uint16 if depth == 16 else np.uint8
    rng = np.random.default_rng(4)
    maxv = np.iinfo(dtype).max
    doc = Document(W, H, depth)
    doc.add_layer("full", rng.integers(1, maxv + 1, (H, W, 4)).astype(dtype))
    small = rng.integers(1, maxv + 1, (3, 4, 4)).astype(dtype)
    mask = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    doc.add_layer("small", small, offset=(5, -1), mask=mask)
    sel = np.zeros((H, W), np.uint8)
    sel[1, 2] = 255
    doc.selection.set_mask(sel)
    ai = np.zeros((H, W), np.uint8)
    ai[3, 6] = 200
    doc.set_ai_mask(ai)
    doc.undo.clear()
    return doc


def _where(op: str, x: int, y: int) -> tuple[int, int]:
    return {
        "cw": (H - 1 - y, x),
        "ccw": (y, W - 1 - x),
        "180": (W - 1 - x, H - 1 - y),
        "flip-h": (W - 1 - x, y),
        "flip-v": (x, H - 1 - y),
    }[op]


OPS = {
    "cw": lambda d: rotate_90(d, clockwise=True),
    "ccw": lambda d: rotate_90(d, clockwise=False),
    "180": rotate_180,
    "flip-h": flip_horizontal,
    "flip-v": flip_vertical,
}


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("op", list(OPS))
def test_every_pixel_mask_selection_and_ai_mask_lands_where_it_should(op: str, depth: int) -> None:
    doc = _doc(depth)
    before = snapshot(doc)
    full, small = (layer.pixels.copy() for layer in doc.layers)
    smask = doc.layers[1].mask.copy()
    comp = doc.composite()
    OPS[op](doc)
    assert doc.size == ((H, W) if op in ("cw", "ccw") else (W, H))
    new_comp = doc.composite()
    for y in range(H):
        for x in range(W):
            nx, ny = _where(op, x, y)
            np.testing.assert_array_equal(doc.layers[0].pixels[ny, nx], full[y, x])
            np.testing.assert_array_equal(new_comp[ny, nx], comp[y, x])
    # The small layer: doc pixel (x, y) = layer pixel (x - 5, y + 1), also off-canvas.
    layer = doc.layers[1]
    ox, oy = layer.offset
    for ly in range(3):
        for lx in range(4):
            nx, ny = _where(op, lx + 5, ly - 1)
            np.testing.assert_array_equal(layer.pixels[ny - oy, nx - ox], small[ly, lx])
            assert layer.mask[ny - oy, nx - ox] == smask[ly, lx]
    sx, sy = _where(op, 2, 1)
    assert doc.selection.mask[sy, sx] == 255 and doc.selection.to_mask().sum() == 255
    ax, ay = _where(op, 6, 3)
    assert doc.ai_mask[ay, ax] == 200 and int(doc.ai_mask.sum()) == 200
    assert doc.undo.count == 1
    assert doc.undo.command(0).nbytes == 0  # a lossless op stores no pixels
    doc.undo.undo()
    assert_same_state(snapshot(doc), before)
    doc.undo.redo()
    np.testing.assert_array_equal(doc.composite(), new_comp)


def test_compositions_are_identities_and_geometry_generation_moves() -> None:
    doc = _doc()
    before = snapshot(doc)
    g = doc.geometry_generation
    for _ in range(4):
        rotate_90(doc)
    assert_same_state(snapshot(doc), before)
    rotate_90(doc)
    rotate_90(doc, clockwise=False)
    flip_horizontal(doc)
    flip_horizontal(doc)
    rotate_180(doc)
    flip_horizontal(doc)
    flip_vertical(doc)  # 180 = flip-h ∘ flip-v
    assert_same_state(snapshot(doc), before)
    assert doc.geometry_generation > g
    doc.undo.set_index(0)
    assert_same_state(snapshot(doc), before)


def _opaque(depth: int, w: int = 60, h: int = 40, seed: int = 0) -> Document:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    px = np.random.default_rng(seed).integers(0, maxv + 1, (h, w, 4)).astype(dtype)
    px[..., 3] = maxv
    return Document.from_pixels(px)


@pytest.mark.parametrize("depth", [8, 16])
def test_straighten_by_right_angles_equals_the_lossless_rotation(depth: int) -> None:
    for angle, mode, op in ((90, "grow", "cw"), (-90, "crop", "ccw"), (180, "grow", "180")):
        a, b = _opaque(depth), _opaque(depth)
        straighten(a, angle, mode)
        OPS[op](b)
        assert a.size == b.size
        np.testing.assert_array_equal(a.layers[0].pixels, b.layers[0].pixels)
        assert a.layers[0].pixels.dtype == b.layers[0].pixels.dtype


def _ramp_doc(depth: int, w: int = 80, h: int = 60) -> tuple[Document, float]:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    px = np.zeros((h, w, 4))
    px[..., 0] = (xx + 0.5) / w  # red = x, green = y at the pixel centre
    px[..., 1] = (yy + 0.5) / h
    px[..., 3] = 1.0
    return Document.from_pixels(np.rint(px * maxv).astype(dtype)), float(maxv)


@pytest.mark.parametrize("depth", [8, 16])
def test_straighten_maps_pixel_centres_by_the_rotation(depth: int) -> None:
    doc, maxv = _ramp_doc(depth)
    w0, h0 = doc.size
    angle = 12.0
    straighten(doc, angle, "crop")
    w, h = doc.size
    out = doc.layers[0].pixels.astype(np.float64) / maxv
    a = math.radians(angle)
    tol = 1.5 / 255 if depth == 8 else 0.01 / 255
    for qx, qy in ((0, 0), (w - 1, 0), (w // 2, h // 3), (w - 1, h - 1), (3, h - 2)):
        # Content turned clockwise by `angle` about the centre: invert that.
        dx, dy = qx + 0.5 - w / 2, qy + 0.5 - h / 2
        px = w0 / 2 + math.cos(a) * dx + math.sin(a) * dy
        py = h0 / 2 - math.sin(a) * dx + math.cos(a) * dy
        # Bilinear is exact on a linear ramp (up to the source's own quantisation).
        assert abs(out[qy, qx, 0] - px / w0) < tol + 0.5 / maxv
        assert abs(out[qy, qx, 1] - py / h0) < tol + 0.5 / maxv
    # "crop" leaves no transparent pixel, and its size is the inscribed rectangle's.
    assert out[..., 3].min() == 1.0
    iw, ih = inscribed_size(w0, h0, angle)
    assert iw - 2 <= w <= iw and ih - 2 <= h <= ih


def test_straighten_grow_keeps_every_source_pixel_and_undo_is_exact() -> None:
    doc = _opaque(8)
    before = snapshot(doc)
    straighten(doc, -20, "grow")
    w, h = doc.size
    a = math.radians(20)
    assert w == math.ceil(60 * math.cos(a) + 40 * math.sin(a))
    assert h == math.ceil(60 * math.sin(a) + 40 * math.cos(a))
    alpha = doc.layers[0].pixels[..., 3]
    assert alpha[0, 0] == 0 and alpha[h // 2, w // 2] == 255
    # The total opacity is the original area (anti-aliased edges included).
    assert abs(alpha.sum() / 255.0 - 60 * 40) < 60 + 40
    doc.undo.undo()
    assert_same_state(snapshot(doc), before)
    straighten(doc, 0)
    assert doc.undo.count == 1  # angle 0: no step


def test_straighten_carries_masks_selection_and_offsets() -> None:
    doc, _ = _ramp_doc(8)
    layer_px = np.zeros((20, 20, 4), np.uint8)
    layer_px[..., 0] = 255
    layer_px[..., 3] = 255
    doc.add_layer("sq", layer_px, offset=(30, 20), mask=np.full((20, 20), 255, np.uint8))
    doc.selection.select_rect(30, 20, 20, 20)
    straighten(doc, 90, "grow")  # exact: (x, y) -> (H-1-y, x) with H = 60
    sq = doc.layers[1]
    assert sq.offset == (0, 0) and doc.size == (60, 80)
    assert (sq.pixels[30:50, 20:40, 3] == 255).all() and sq.pixels[..., 3].sum() == 400 * 255
    assert (sq.mask == 255).all()
    sel = doc.selection.mask
    assert (sel[30:50, 20:40] == 255).all() and int(sel.sum()) == 400 * 255


def test_crop_rotated() -> None:
    doc, maxv = _ramp_doc(16)
    before = snapshot(doc)
    crop_rotated(doc, 10, 5, 30, 20, angle=0)
    np.testing.assert_array_equal(doc.layers[0].pixels, before["layers"][0][6][5:25, 10:40])
    doc.undo.undo()
    crop_rotated(doc, 20, 15, 30, 20, angle=30)
    assert doc.size == (30, 20) and doc.layers[0].pixels.dtype == np.uint16
    out = doc.layers[0].pixels.astype(np.float64) / maxv
    a = math.radians(30)
    for qx, qy in ((0, 0), (29, 19), (15, 3)):
        dx, dy = qx + 0.5 - 15, qy + 0.5 - 10
        px = 35 + math.cos(a) * dx - math.sin(a) * dy
        py = 25 + math.sin(a) * dx + math.cos(a) * dy
        assert abs(out[qy, qx, 0] - px / 80) < 1e-3 and abs(out[qy, qx, 1] - py / 60) < 1e-3
    doc.undo.undo()
    assert_same_state(snapshot(doc), before)
    with pytest.raises(ValueError):
        crop_rotated(doc, 0, 0, 0, 10, angle=5)


def test_straighten_angle_levels_the_drawn_line() -> None:
    # A horizon falling 10° to the right (y down): turn the image 10° counter-clockwise.
    dy = math.tan(math.radians(10)) * 100
    assert straighten_angle(0, 0, 100, dy) == pytest.approx(-10)
    assert straighten_angle(100, dy, 0, 0) == pytest.approx(-10)
    # Nearly vertical: made vertical.
    assert straighten_angle(0, 0, 5, 100) == pytest.approx(math.degrees(math.atan2(5, 100)))
    with pytest.raises(ValueError):
        straighten_angle(1, 1, 1, 1)
    with pytest.raises(ValueError):
        straighten(_opaque(8), 5, mode="sideways")
