"""The dirty-rect cache and the below-the-painted-layer cache give exactly a full
recomposite, whatever changes; the planar kernels agree with the W3C reference."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import BLEND_MODES, BrushSettings, Document, Layer, Rect, blend
from editor.document import compositor as comp_mod
from editor.document.blend import BLEND_FUNCTIONS, PORTER_DUFF, unpremultiply
from editor.document.compositor import composite_layers, composite_planar

from .conftest import random_pixels

# --- kernels against the interleaved reference formulas -----------------------------------


def _reference_blend(cb, ab, cs, as_, mode):
    """The pre-planar formula, straight from blend.BLEND_FUNCTIONS (W3C general formula)."""
    fn = BLEND_FUNCTIONS[mode]
    pc = cb * ab
    mixed = fn(unpremultiply(pc, ab), cs) * ab + (1.0 - ab) * cs
    co = as_ * mixed + (1.0 - as_) * pc
    ao = as_ + ab * (1.0 - as_)
    return unpremultiply(co, ao), ao


@pytest.mark.parametrize("mode", list(BLEND_FUNCTIONS))
def test_planar_kernels_match_the_reference_formulas(mode):
    rng = np.random.default_rng(11)
    n = 20000
    # 8-bit levels, as the compositor sees them, plus the extremes of every channel.
    cb = (rng.integers(0, 256, (n, 3)) / 255).astype(np.float32)
    cs = (rng.integers(0, 256, (n, 3)) / 255).astype(np.float32)
    ab = (rng.integers(0, 256, (n, 1)) / 255).astype(np.float32)
    as_ = (rng.integers(0, 256, (n, 1)) / 255).astype(np.float32)
    cb[:8] = [[0, 0, 0], [1, 1, 1], [0, 1, 0.5], [1, 0, 0]] * 2
    cs[:8] = [[1, 1, 1], [0, 0, 0], [1, 0, 0.5], [0, 1, 1], [0, 0, 0], [1, 1, 1]] + [[0.5] * 3] * 2
    got_c, got_a = blend(cb, ab, cs, as_, mode)
    want_c, want_a = _reference_blend(cb, ab, cs, as_, mode)
    np.testing.assert_allclose(got_a, want_a, atol=1e-6)
    # Straight colour is ill-conditioned where the result is nearly transparent.
    seen = want_a[:, 0] > 0.02
    np.testing.assert_allclose(got_c[seen], want_c[seen], atol=2e-4)


def test_kernels_keep_pixels_independent_of_the_rect_they_are_composited_in():
    rng = np.random.default_rng(2)
    layers = [
        Layer(random_pixels(rng, 90, 120), blend_mode=mode, opacity=0.7)
        for mode in ("svg:src-over", *BLEND_MODES)
    ]
    whole = composite_planar(layers, Rect(0, 0, 120, 90))
    for r in (Rect(0, 0, 1, 1), Rect(7, 3, 33, 17), Rect(64, 40, 56, 50)):
        pc, ab = composite_planar(layers, r)
        ys, xs = r.slices()
        np.testing.assert_array_equal(pc, whole[0][:, ys, xs])
        np.testing.assert_array_equal(ab, whole[1][ys, xs])


def test_banded_threaded_composite_equals_one_band(monkeypatch):
    rng = np.random.default_rng(4)
    layers = [Layer(random_pixels(rng, 300, 260), blend_mode=m, opacity=0.8)
              for m in ("svg:src-over", "svg:hue", "svg:soft-light", "svg:multiply")]
    r = Rect(0, 0, 260, 300)
    monkeypatch.setattr(comp_mod, "PARALLEL_MIN_PIXELS", 1)
    monkeypatch.setattr(comp_mod, "BAND_ROWS", 16)
    monkeypatch.setattr(comp_mod, "BAND_COLS", 100)
    threaded = composite_layers(layers, r, np.uint8)
    monkeypatch.setattr(comp_mod, "PARALLEL_MIN_PIXELS", 1 << 40)
    monkeypatch.setattr(comp_mod, "BAND_ROWS", 1 << 20)
    monkeypatch.setattr(comp_mod, "BAND_COLS", 1 << 20)
    single = composite_layers(layers, r, np.uint8)
    np.testing.assert_array_equal(threaded, single)


# --- the document's cache against full recomposites ------------------------------------------


def _stack(depth: int, seed: int, w: int = 200, h: int = 150) -> Document:
    """Every blend mode, partial and full opacity, a mask, an offset layer reaching past
    the document, a hidden layer, a layer transparent in places."""
    rng = np.random.default_rng(seed)
    dtype = np.uint16 if depth == 16 else np.uint8
    doc = Document(w, h, depth)
    modes = list(BLEND_MODES)
    rng.shuffle(modes)
    for i, mode in enumerate(modes):
        px = random_pixels(rng, h, w, dtype)
        if i % 4 == 1:
            px[: h // 2, : w // 3, 3] = 0  # transparent corner: the layer is skipped there
        layer = doc.add_layer(f"L{i}", px, blend_mode=mode, opacity=(0.35, 0.8, 1.0)[i % 3])
        if i % 5 == 2:
            mask = rng.integers(0, 256, (h, w), dtype=np.uint8)
            mask[:, : w // 4] = 0
            doc.set_layer_property(i, "mask", mask)
        if i % 6 == 3:
            doc.set_layer_property(i, "offset", (int(rng.integers(-40, 40)), int(rng.integers(-30, 30))))
        if i == 7:
            layer.visible = False
    doc.undo.clear()
    return doc


def _check(doc: Document) -> None:
    got = doc.composite()
    np.testing.assert_array_equal(got, composite_layers(doc.layers, doc.rect, doc.dtype))


def _dabs(doc: Document, rng: np.random.Generator, index: int, n: int, **brush) -> None:
    settings = BrushSettings(
        size=float(rng.uniform(4, 40)),
        hardness=float(rng.uniform(0, 1)),
        opacity=float(rng.uniform(0.2, 1)),
        color=tuple(float(v) for v in rng.uniform(0, 1, 3)),
        **brush,
    )
    doc.begin_stroke("pixels", settings, layer_index=index)
    for _ in range(n):
        r = doc.dab(float(rng.uniform(-10, doc.width + 10)), float(rng.uniform(-10, doc.height + 10)),
                    float(rng.uniform(0.1, 1)))
        if r is not None and rng.random() < 0.7:
            r = r.intersect(doc.rect)  # an offset layer's dab can reach past the image
            part = doc.composite(r)  # the dab's own update, as a canvas asks for it
            np.testing.assert_array_equal(part, composite_layers(doc.layers, r, doc.dtype))
    doc.end_stroke()


@pytest.mark.parametrize("depth", [8, 16])
def test_random_dabs_and_property_changes_equal_a_full_recomposite(depth):
    rng = np.random.default_rng(depth)
    doc = _stack(depth, seed=depth)
    _check(doc)
    n = len(doc.layers)
    for step in range(14):
        index = int(rng.integers(0, n))
        _dabs(doc, rng, index, 6, erase=bool(step % 5 == 4))
        _check(doc)
        other = int(rng.integers(0, n))
        prop = ("opacity", "blend_mode", "visible", "offset", "mask")[step % 5]
        value = {
            "opacity": float(rng.uniform(0, 1)),
            "blend_mode": BLEND_MODES[int(rng.integers(0, len(BLEND_MODES)))],
            "visible": not doc.layers[other].visible,
            "offset": (int(rng.integers(-30, 30)), int(rng.integers(-30, 30))),
            "mask": rng.integers(0, 256, doc.layers[other].pixels.shape[:2], dtype=np.uint8),
        }[prop]
        doc.set_layer_property(other, prop, value)
        _check(doc)
    doc.undo.set_index(0)
    _check(doc)
    doc.undo.set_index(doc.undo.count)
    _check(doc)


def _painted_doc(depth: int = 8) -> tuple[Document, np.random.Generator]:
    doc = _stack(depth, seed=5)
    doc.composite()
    rng = np.random.default_rng(9)
    return doc, rng


def _dab_at(doc: Document, index: int, x: float, y: float) -> Rect:
    doc.begin_stroke("pixels", BrushSettings(size=24, color=(0.2, 0.9, 0.4)), layer_index=index)
    r = doc.dab(x, y)
    assert r is not None
    r = r.intersect(doc.rect)
    out = doc.composite(r)
    np.testing.assert_array_equal(out, composite_layers(doc.layers, r, doc.dtype))
    doc.end_stroke()
    return r


def test_below_cache_is_used_while_painting_one_layer():
    doc, _ = _painted_doc()
    c = doc.compositor
    k = 9
    _dab_at(doc, k, 100, 70)
    built = c.below_cells_composited
    assert built > 0  # the first dab composited the layers below layer k once
    before = c.tiles_composited
    _dab_at(doc, k, 101, 71)  # same cells: the layers below come from the cache
    assert c.below_cells_composited == built
    assert c.tiles_composited > before
    _check(doc)


CHANGES_BELOW = {
    "pixels below": lambda d, k: d.apply_patch(k - 2, 80, 50, np.full((40, 40, 4), 200, d.dtype),
                                               "patch"),
    "opacity below": lambda d, k: d.set_layer_property(k - 1, "opacity", 0.123),
    "blend mode below": lambda d, k: d.set_layer_property(k - 1, "blend_mode", "svg:difference"),
    "hidden below": lambda d, k: d.set_layer_property(k - 3, "visible", False),
    "offset below": lambda d, k: d.set_layer_property(k - 1, "offset", (13, -7)),
    "mask below": lambda d, k: d.set_layer_property(
        k - 2, "mask", np.full(d.layers[k - 2].pixels.shape[:2], 90, np.uint8)),
    "reorder below": lambda d, k: d.move_layer(0, k - 1),
    "move painted down": lambda d, k: d.move_layer(k, k - 2),
    "move painted up": lambda d, k: d.move_layer(k, k + 2),
    "layer added below": lambda d, k: d.add_layer(
        "new", np.full((d.height, d.width, 4), 120, d.dtype), index=k - 1),
    "layer deleted below": lambda d, k: d.delete_layer(k - 1),
    "painted layer deleted": lambda d, k: d.delete_layer(k),
    "change above": lambda d, k: d.set_layer_property(k + 1, "blend_mode", "svg:screen"),
    "painted layer's own opacity": lambda d, k: d.set_layer_property(k, "opacity", 0.5),
    "painted layer's own mode": lambda d, k: d.set_layer_property(k, "blend_mode", "svg:hue"),
    "active layer changes": lambda d, k: setattr(d, "active_index", 1),
    "undo of the stroke": lambda d, k: d.undo.undo(),
    "pixels written in place + invalidate": lambda d, k: (
        d.layers[k - 1].pixels.__setitem__((slice(50, 90), slice(80, 130)), 33),
        d.compositor.invalidate(Rect(80, 50, 50, 40)),
    ),
}


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("change", list(CHANGES_BELOW))
def test_below_cache_invalidation(change, depth):
    doc, _ = _painted_doc(depth)
    k = 9
    r = _dab_at(doc, k, 100, 70)  # builds the below cache around (100, 70)
    CHANGES_BELOW[change](doc, k)
    _check(doc)
    # keep painting (the layer formerly at k, wherever it is now) in the same cells
    layer_index = min(k, len(doc.layers) - 1)
    for dx in (0, 3, 40):
        doc.begin_stroke("pixels", BrushSettings(size=24, color=(1, 0, 0.3)),
                         layer_index=layer_index)
        r = doc.dab(100 + dx, 70 + dx / 2)
        assert r is not None
        r = r.intersect(doc.rect)
        np.testing.assert_array_equal(doc.composite(r), composite_layers(doc.layers, r, doc.dtype))
        doc.end_stroke()
    _check(doc)


def test_painting_another_layer_moves_the_below_cache():
    doc, _ = _painted_doc()
    _dab_at(doc, 9, 100, 70)
    _dab_at(doc, 4, 100, 70)  # a layer below the first: the cache follows it
    _dab_at(doc, 9, 100, 70)  # and back: layer 4 changed under layer 9
    _dab_at(doc, 12, 60, 40)
    _check(doc)
    doc.undo.set_index(0)
    _check(doc)


def test_below_cache_can_be_switched_off_and_gives_the_same_result():
    a, _ = _painted_doc()
    b, _ = _painted_doc()
    b.compositor.use_below_cache = False
    for doc in (a, b):
        _dab_at(doc, 9, 100, 70)
        _dab_at(doc, 9, 30, 120)
    assert b.compositor.below_cells_composited == 0 < a.compositor.below_cells_composited
    np.testing.assert_array_equal(a.composite(), b.composite())


def test_porter_duff_modes_over_a_transparent_backdrop():
    # src-atop / dst-out on an empty backdrop are not "the source itself": the shortcut
    # for the bottom layer must not apply to them, in a dab rect or the whole image.
    for mode in PORTER_DUFF:
        doc = Document(96, 64)
        px = np.zeros((64, 96, 4), np.uint8)
        px[..., 0], px[..., 3] = 200, 180
        doc.add_layer("bottom", px, blend_mode=mode)
        doc.add_layer("top", np.zeros((64, 96, 4), np.uint8))
        _dab_at(doc, 1, 40, 30)
        _check(doc)
