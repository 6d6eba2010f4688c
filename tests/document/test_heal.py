"""Clone stamp, healing brush and spot healing: exact copies, alignment, sampling the
pre-stroke state, Poisson blending, undo, offsets, selection, lock, 8/16 bit."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import Document, LayerLockedError
from editor.document.heal import (
    CloneSettings,
    CloneSource,
    SpotHealStroke,
    apply_spot_heal,
    begin_clone_stroke,
    diffusion_fill,
    harmonic_membrane,
    opencv_fill,
    poisson_heal,
    spot_heal,
    spot_heal_request,
)

HARD = {"size": 20.0, "hardness": 1.0}


def _noise_doc(depth: int = 8, w: int = 120, h: int = 90, seed: int = 0) -> Document:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    px = np.random.default_rng(seed).integers(0, maxv + 1, (h, w, 4)).astype(dtype)
    px[..., 3] = maxv
    return Document.from_pixels(px)


def _inside(cx: float, cy: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer pixel coords whose centres are well inside a hard dab of radius r."""
    ys, xs = np.mgrid[int(cy - r) : int(cy + r) + 1, int(cx - r) : int(cx + r) + 1]
    keep = np.hypot(xs + 0.5 - cx, ys + 0.5 - cy) <= r - 1.0
    return ys[keep], xs[keep]


def _laplacian(z: np.ndarray) -> np.ndarray:
    return 4 * z[1:-1, 1:-1] - z[:-2, 1:-1] - z[2:, 1:-1] - z[1:-1, :-2] - z[1:-1, 2:]


@pytest.mark.parametrize("depth", [8, 16])
def test_clone_dab_is_an_exact_copy_of_the_source(depth: int) -> None:
    doc = _noise_doc(depth)
    orig = doc.layers[0].pixels.copy()
    stroke = begin_clone_stroke(doc, CloneSource(25, 30), CloneSettings(**HARD))
    rect = stroke.dab_at(70, 50)
    assert doc.layers[0].pixels.dtype == orig.dtype
    ys, xs = _inside(70, 50, 10)
    np.testing.assert_array_equal(doc.layers[0].pixels[ys, xs], orig[ys - 20, xs - 45])
    # Outside the dab box nothing changed.
    out = np.ones(orig.shape[:2], bool)
    out[rect.slices()] = False
    np.testing.assert_array_equal(doc.layers[0].pixels[out], orig[out])
    assert stroke.commit()


def test_one_undo_step_per_stroke_and_undo_restores_exact_pixels() -> None:
    doc = _noise_doc()
    orig = doc.layers[0].pixels.copy()
    stroke = begin_clone_stroke(doc, CloneSource(20, 20), CloneSettings(size=16, hardness=0.5))
    for x in range(40, 100, 3):
        stroke.to(x, 50 + (x % 7), pressure=0.7)
    after = doc.layers[0].pixels.copy()
    assert not np.array_equal(after, orig)
    assert stroke.commit()
    assert doc.undo.count == 1 and doc.undo.undo_text == "Clone stamp"
    assert not doc.stroke_active
    # Only the changed tiles are kept, not the layer.
    assert doc.undo.memory < 2 * orig.nbytes
    doc.undo.undo()
    np.testing.assert_array_equal(doc.layers[0].pixels, orig)
    doc.undo.redo()
    np.testing.assert_array_equal(doc.layers[0].pixels, after)


def test_abort_restores_and_leaves_no_history() -> None:
    doc = _noise_doc()
    orig = doc.layers[0].pixels.copy()
    stroke = begin_clone_stroke(doc, CloneSource(20, 20), CloneSettings(**HARD))
    stroke.to(60, 60)
    stroke.to(80, 60)
    stroke.abort()
    np.testing.assert_array_equal(doc.layers[0].pixels, orig)
    assert doc.undo.count == 0 and not doc.stroke_active


def test_document_stroke_api_drives_it_and_blocks_other_edits() -> None:
    doc = _noise_doc()
    orig = doc.layers[0].pixels.copy()
    begin_clone_stroke(doc, CloneSource(30, 30), CloneSettings(**HARD, mode="heal"))
    assert doc.stroke_active
    with pytest.raises(RuntimeError):
        doc.crop(0, 0, 10, 10)
    with pytest.raises(RuntimeError):
        begin_clone_stroke(doc, CloneSource(0, 0))
    doc.stroke_to(80, 60)
    assert doc.end_stroke()
    assert doc.undo.undo_text == "Healing brush"
    doc.undo.undo()
    np.testing.assert_array_equal(doc.layers[0].pixels, orig)


def test_aligned_keeps_the_offset_across_strokes_non_aligned_restarts() -> None:
    for aligned in (True, False):
        doc = _noise_doc()
        orig = doc.layers[0].pixels.copy()
        src = CloneSource(20, 20)
        settings = CloneSettings(**HARD, aligned=aligned)
        s1 = begin_clone_stroke(doc, src, settings)
        s1.dab_at(50, 30)
        s1.commit()
        s2 = begin_clone_stroke(doc, src, settings)
        s2.dab_at(90, 70)
        s2.commit()
        ys, xs = _inside(90, 70, 10)
        if aligned:  # offset (-30, -10) from the first stroke
            assert src.offset == (-30, -10)
            expect = orig[ys - 10, xs - 30]
            assert src.sample_point(90, 70) == (60, 60)
        else:  # the second stroke samples at the source point again: offset (-70, -50)
            assert src.offset is None
            expect = orig[ys - 50, xs - 70]
        np.testing.assert_array_equal(doc.layers[0].pixels[ys, xs], expect)
    # A new source point resets the aligned offset.
    src.set(5, 5)
    assert src.offset is None and src.sample_point(40, 40) == (5, 5)


def test_stroke_samples_the_pre_stroke_layer_not_itself() -> None:
    doc = _noise_doc(w=160)
    orig = doc.layers[0].pixels.copy()
    # Source just right of the cursor and the stroke moves right over it: sampling the
    # live layer would repeat the first dab's pixels along the stroke.
    stroke = begin_clone_stroke(doc, CloneSource(38, 45), CloneSettings(**HARD, spacing=0.1))
    for x in range(30, 131, 2):
        stroke.to(x, 45)
    stroke.commit()
    ys, xs = _inside(110, 45, 10)
    np.testing.assert_array_equal(doc.layers[0].pixels[ys, xs], orig[ys, xs + 8])


def test_merged_sampling_onto_an_empty_layer_uses_the_pre_stroke_composite() -> None:
    doc = _noise_doc(w=160)
    rng = np.random.default_rng(5)
    top = rng.integers(0, 256, (90, 160, 4)).astype(np.uint8)
    top[..., 3] = 128
    doc.add_layer("top", top, blend_mode="svg:multiply")
    doc.add_layer("clone")  # empty, on top, active
    before = doc.composite()
    stroke = begin_clone_stroke(
        doc, CloneSource(40, 45), CloneSettings(**HARD, sample="merged", spacing=0.1)
    )
    for x in range(30, 131, 2):  # over its own source again
        stroke.to(x, 45)
    stroke.commit()
    layer = doc.layers[2]
    ys, xs = _inside(110, 45, 10)
    np.testing.assert_array_equal(layer.pixels[ys, xs], before[ys, xs + 10])
    # Sampling the empty layer itself would paint nothing.
    doc.undo.undo()
    stroke = begin_clone_stroke(doc, CloneSource(40, 45), CloneSettings(**HARD))
    stroke.to(100, 45)
    assert not stroke.commit()
    assert not doc.layers[2].pixels.any()


def test_layer_offset_selection_and_lock_are_respected() -> None:
    doc = _noise_doc()
    rng = np.random.default_rng(3)
    px = rng.integers(0, 256, (60, 70, 4)).astype(np.uint8)
    px[..., 3] = 255
    layer = doc.add_layer("moved", px, offset=(15, 10))
    doc.selection.select_rect(0, 0, 60, 200)  # the left part of the document only
    stroke = begin_clone_stroke(doc, CloneSource(30, 30), CloneSettings(**HARD))
    stroke.dab_at(60, 45)
    stroke.commit()
    got = layer.pixels
    # Doc (x, y) is layer (x - 15, y - 10); the source offset is (-30, -15) in both.
    ys, xs = _inside(60, 45, 10)
    left = xs < 60
    np.testing.assert_array_equal(
        got[ys[left] - 10, xs[left] - 15], px[ys[left] - 10 - 15, xs[left] - 15 - 30]
    )
    right = xs >= 60
    np.testing.assert_array_equal(
        got[ys[right] - 10, xs[right] - 15], px[ys[right] - 10, xs[right] - 15]
    )
    doc.set_layer_property(None, "locked", True)
    with pytest.raises(LayerLockedError):
        begin_clone_stroke(doc, CloneSource(0, 0))


def test_opacity_caps_overlapping_dabs() -> None:
    doc = Document.from_pixels(np.zeros((60, 60, 4), np.uint8) + np.uint8(255))
    doc.add_layer("src", np.zeros((60, 60, 4), np.uint8))
    d = doc.layers[0]
    doc.active_index = 0
    # Source area is black on the bottom layer: put black there.
    black = d.pixels.copy()
    black[:, :20, :3] = 0
    doc.apply_patch(0, 0, 0, black, "prep")
    stroke = begin_clone_stroke(doc, CloneSource(10, 30), CloneSettings(**HARD, opacity=0.5))
    for _ in range(5):
        stroke.dab_at(40, 30)
    stroke.commit()
    # Five dabs at 50 % give 50 % black over white, not 1 - 0.5^5.
    assert abs(int(d.pixels[30, 40, 0]) - 128) <= 1


def test_poisson_solver_satisfies_its_equation() -> None:
    rng = np.random.default_rng(1)
    src = rng.random((30, 41, 3)).astype(np.float32)
    dst = rng.random((30, 41, 3)).astype(np.float32)
    v = poisson_heal(src, dst)
    np.testing.assert_allclose(_laplacian(v), _laplacian(src), atol=1e-4)
    for edge in (np.s_[0], np.s_[-1], np.s_[:, 0], np.s_[:, -1]):
        np.testing.assert_allclose(v[edge], dst[edge], atol=1e-5)
    # A linear border gives the same linear function inside (it is harmonic).
    yy, xx = np.mgrid[0:20, 0:25].astype(np.float32)
    np.testing.assert_allclose(
        harmonic_membrane(2 * xx - 3 * yy + 1), 2 * xx - 3 * yy + 1, atol=1e-3
    )


@pytest.mark.parametrize("depth", [8, 16])
def test_heal_keeps_source_texture_and_takes_destination_tone(depth: int) -> None:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    w, h = 160, 80
    img = np.zeros((h, w, 4), np.float64)
    # Left half: dark grey plus a fine checker texture; right half: flat light grey.
    yy, xx = np.mgrid[0:h, 0:w]
    texture = np.where((xx + yy) % 2 == 0, 0.05, -0.05)
    img[:, :80, :3] = (0.25 + texture[:, :80])[..., None]
    img[:, 80:, :3] = 0.7
    img[..., 3] = 1.0
    px = np.rint(img * maxv).astype(dtype)
    doc = Document.from_pixels(px)
    stroke = begin_clone_stroke(
        doc, CloneSource(40, 40), CloneSettings(size=40, hardness=1.0, mode="heal")
    )
    stroke.dab_at(120, 40)
    stroke.commit()
    out = doc.layers[0].pixels
    assert out.dtype == dtype
    centre = out[34:46, 114:126, 0].astype(np.float64) / maxv
    expect = 0.7 + texture[34:46, 114:126]
    np.testing.assert_allclose(centre, expect, atol=0.01)
    # Clone mode would have copied the dark tone instead.
    doc.undo.undo()
    stroke = begin_clone_stroke(doc, CloneSource(40, 40), CloneSettings(size=40, hardness=1.0))
    stroke.dab_at(120, 40)
    stroke.commit()
    assert abs(doc.layers[0].pixels[34:46, 114:126, 0].mean() / maxv - 0.25) < 0.01


def test_heal_removes_a_source_gradient_against_a_flat_destination() -> None:
    # A linear source has no texture: against a flat destination the heal is flat.
    w, h = 140, 70
    px = np.zeros((h, w, 4), np.uint8)
    px[..., :3] = np.linspace(40, 120, w).astype(np.uint8)[None, :, None]
    px[:, 70:, :3] = 200
    px[..., 3] = 255
    doc = Document.from_pixels(px)
    stroke = begin_clone_stroke(
        doc, CloneSource(30, 35), CloneSettings(size=30, hardness=1.0, mode="heal")
    )
    stroke.dab_at(105, 35)
    stroke.commit()
    region = doc.layers[0].pixels[25:45, 95:115, :3].astype(int)
    assert np.abs(region - 200).max() <= 2


def test_per_dab_only_the_dab_box_is_touched() -> None:
    doc = _noise_doc(w=400, h=300)
    rects = []
    doc.events.connect(lambda e: rects.append(e.rect) if e.kind == "pixels-changed" else None)
    stroke = begin_clone_stroke(doc, CloneSource(50, 50), CloneSettings(size=24, mode="heal"))
    for x in range(100, 300, 10):
        stroke.to(x, 150)
    assert rects and max(r.w * r.h for r in rects) <= 28 * 28 * 2
    stroke.commit()
    diff = doc.undo.command(0).diff
    assert diff.nbytes < 0.2 * doc.layers[0].pixels.nbytes * 2


def _spotted(depth: int) -> tuple[Document, np.ndarray]:
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    w, h = 100, 80
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    clean = np.zeros((h, w, 4))
    clean[..., 0] = 0.2 + 0.5 * xx / w
    clean[..., 1] = 0.3 + 0.4 * yy / h
    clean[..., 2] = 0.5
    clean[..., 3] = 1.0
    clean = np.rint(clean * maxv).astype(dtype)
    spotted = clean.copy()
    spotted[35:45, 45:55, :3] = 0  # a black blemish
    return Document.from_pixels(spotted), clean


@pytest.mark.parametrize("depth", [8, 16])
def test_spot_heal_fills_a_blemish_from_its_surroundings(depth: int) -> None:
    doc, clean = _spotted(depth)
    before = doc.layers[0].pixels.copy()
    stroke = SpotHealStroke(size=18, hardness=1.0)
    stroke.stroke_to(48, 40)
    stroke.stroke_to(52, 40)
    rect = spot_heal(doc, stroke)
    assert rect is not None and doc.undo.undo_text == "Spot healing"
    out = doc.layers[0].pixels
    assert out.dtype == clean.dtype
    maxv = np.iinfo(clean.dtype).max
    err = np.abs(out[35:45, 45:55, :3].astype(float) - clean[35:45, 45:55, :3]) / maxv
    assert err.max() < 0.02  # a linear ramp is harmonic: the diffusion fill restores it
    far = np.ones(out.shape[:2], bool)
    far[rect.slices()] = False
    np.testing.assert_array_equal(out[far], before[far])
    doc.undo.undo()
    np.testing.assert_array_equal(doc.layers[0].pixels, before)


def test_spot_heal_with_selection_offset_and_mask_input() -> None:
    doc, _clean = _spotted(8)
    px = doc.layers[0].pixels.copy()
    layer = doc.add_layer("moved", px, offset=(-10, 5))
    doc.selection.select_rect(0, 0, 40, 80)  # doc x < 40 only
    mask = np.zeros((80, 100), np.uint8)
    mask[35 + 5 : 45 + 5, 45 - 10 : 55 - 10] = 255  # the blemish, in doc coordinates
    rect = spot_heal(doc, mask)
    assert rect is not None
    out = layer.pixels
    # Layer x = doc x + 10: the selected part (doc x 35..39 -> layer x 45..49) healed,
    # the rest of the blemish (layer x 50..54) left black.
    assert out[35:45, 45:50, :3].min() > 20
    assert (out[35:45, 51:55, :3] == 0).all()


def test_spot_heal_request_for_an_async_fill_and_stale_requests() -> None:
    doc, clean = _spotted(8)
    stroke = SpotHealStroke(size=16, hardness=0.9)
    stroke.stroke_to(50, 40)
    req = spot_heal_request(doc, stroke)
    assert req is not None and req.hole[40 - req.rect.y, 50 - req.rect.x]
    assert req.image().dtype == np.float32 and req.image().shape == req.hole.shape + (3,)
    filled = opencv_fill("telea")(req.image(), req.hole)
    doc.apply_patch(0, 0, 0, np.zeros((2, 2, 4), np.uint8), "edit outside: still valid")
    doc.apply_patch(0, 45, 35, np.full((2, 2, 4), 9, np.uint8), "edit under it")
    with pytest.raises(ValueError, match="changed"):
        apply_spot_heal(doc, req, filled)
    doc.undo.undo()
    assert apply_spot_heal(doc, req, filled) is not None
    err = np.abs(doc.layers[0].pixels[37:43, 47:53, :3].astype(int) - clean[37:43, 47:53, :3])
    assert err.max() < 12
    doc.crop(0, 0, 90, 70)
    with pytest.raises(ValueError, match="cropped"):
        apply_spot_heal(doc, req, filled)
    doc.set_layer_property(0, "locked", True)
    with pytest.raises(LayerLockedError):
        spot_heal_request(doc, stroke)


def test_diffusion_fill_is_exact_away_from_the_hole_and_smooth_inside() -> None:
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float32)
    img = np.stack([xx / 50, yy / 40, 0.5 + 0 * xx], axis=2)
    hole = np.zeros((40, 50), bool)
    hole[10:30, 15:35] = True
    dirty = img.copy()
    dirty[hole] = 1.0
    out = diffusion_fill(dirty, hole)
    np.testing.assert_array_equal(out[~hole], img[~hole])
    assert np.abs(out[hole] - img[hole]).max() < 0.02
    with pytest.raises(ValueError):
        diffusion_fill(dirty, np.ones((40, 50), bool))


def test_bad_settings_are_refused() -> None:
    for bad in ({"size": 0}, {"hardness": 2}, {"opacity": -1}, {"mode": "x"}, {"sample": "y"}):
        with pytest.raises(ValueError):
            CloneSettings(**bad)
    with pytest.raises(ValueError):
        CloneSource(float("nan"), 0)
