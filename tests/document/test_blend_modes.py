"""Blend modes against pixels computed by hand from the W3C Compositing Level 1 formulas."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import BLEND_MODES, Document, Layer, blend, normalize_blend_mode


def _blend(cb, ab, cs, as_, mode):
    c, a = blend(
        np.array([cb], np.float32),
        np.array([[ab]], np.float32),
        np.array([cs], np.float32),
        np.array([[as_]], np.float32),
        mode,
    )
    return c[0], float(a[0, 0])


# (mode, Cb, Cs, expected B(Cb, Cs)) with both layers opaque, so the result is B itself.
OPAQUE_CASES = [
    ("svg:multiply", (0.5, 0.2, 1.0), (0.4, 1.0, 0.5), (0.2, 0.2, 0.5)),
    ("svg:screen", (0.5, 0.0, 1.0), (0.5, 0.3, 0.2), (0.75, 0.3, 1.0)),
    # Overlay = HardLight(Cs, Cb): Cb<=.5 → Cs*2Cb ; else Screen(Cs, 2Cb-1)
    ("svg:overlay", (0.25, 0.75, 0.6), (0.5, 0.5, 0.2), (0.25, 0.75, 0.36)),
    ("svg:darken", (0.3, 0.9, 0.5), (0.6, 0.1, 0.5), (0.3, 0.1, 0.5)),
    ("svg:lighten", (0.3, 0.9, 0.5), (0.6, 0.1, 0.5), (0.6, 0.9, 0.5)),
    # dodge: 0.3/(1-0.5)=0.6 ; Cb=0 → 0 ; min(1, 0.5/0.2) = 1
    ("svg:color-dodge", (0.3, 0.0, 0.5), (0.5, 1.0, 0.8), (0.6, 0.0, 1.0)),
    # burn: 1-min(1, 0.4/0.5)=0.2 ; Cb=1 → 1 ; Cs=0 → 0
    ("svg:color-burn", (0.6, 1.0, 0.2), (0.5, 0.0, 0.0), (0.2, 1.0, 0.0)),
    ("svg:hard-light", (0.5, 0.5, 0.2), (0.25, 0.75, 1.0), (0.25, 0.75, 1.0)),
    # soft-light: .16-(1-.5)*.16*.84=.0928 ; .64+.5*(.8-.64)=.72 ; D(.2)=.448 → .448
    ("svg:soft-light", (0.16, 0.64, 0.2), (0.25, 0.75, 1.0), (0.0928, 0.72, 0.448)),
    ("svg:difference", (0.3, 0.8, 0.0), (0.8, 0.3, 1.0), (0.5, 0.5, 1.0)),
    ("svg:exclusion", (0.5, 0.0, 1.0), (0.5, 0.7, 0.25), (0.5, 0.7, 0.75)),
    # luminosity: SetLum((1,0,0), .11) = (.81,-.19,-.19) → ClipColor → (.11+.7*.11/.3, 0, 0)
    ("svg:luminosity", (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.11 + 0.7 * 0.11 / 0.3, 0.0, 0.0)),
    # color: SetLum((1,0,0), .5) = (1.2,.2,.2) → ClipColor (x>1) → (1, .5-.3*.5/.7, same)
    ("svg:color", (0.5, 0.5, 0.5), (1.0, 0.0, 0.0), (1.0, 0.5 - 0.15 / 0.7, 0.5 - 0.15 / 0.7)),
    # hue: SetSat((0,1,.5), .4) = (0,.4,.2) lum .258 → +.104 → (.104,.504,.304)
    ("svg:hue", (0.2, 0.4, 0.6), (0.0, 1.0, 0.5), (0.104, 0.504, 0.304)),
    # saturation: Sat(Cs)=0 → grey at Lum(Cb)=.362
    ("svg:saturation", (0.2, 0.4, 0.6), (0.5, 0.5, 0.5), (0.362, 0.362, 0.362)),
]


@pytest.mark.parametrize("mode,cb,cs,expected", OPAQUE_CASES, ids=[c[0] for c in OPAQUE_CASES])
def test_opaque_blend_matches_w3c(mode, cb, cs, expected):
    c, a = _blend(cb, 1.0, cs, 1.0, mode)
    np.testing.assert_allclose(c, expected, atol=1e-5)
    assert a == pytest.approx(1.0)


def test_multiply_with_partial_alpha_uses_general_formula():
    # B=(.4,.2,.2); Cs'=.5*Cs+.5*B=(.45,.35,.6); co=.6*Cs'+.5*Cb*.4=(.43,.29,.40); ao=.8
    c, a = _blend((0.8, 0.4, 0.2), 0.5, (0.5, 0.5, 1.0), 0.6, "svg:multiply")
    assert a == pytest.approx(0.8)
    np.testing.assert_allclose(c, (0.43 / 0.8, 0.29 / 0.8, 0.40 / 0.8), atol=1e-5)


def test_luminosity_with_partial_alpha():
    # B=(.366667,0,0); Cs'=(.183333,0,.5); co=(.341667,0,.25); ao=.75
    c, a = _blend((1.0, 0.0, 0.0), 0.5, (0.0, 0.0, 1.0), 0.5, "svg:luminosity")
    assert a == pytest.approx(0.75)
    b = 0.11 + 0.7 * 0.11 / 0.3
    np.testing.assert_allclose(c, ((0.5 * 0.5 * b + 0.25) / 0.75, 0.0, 0.25 / 0.75), atol=1e-5)


def test_source_over_with_partial_alpha():
    # co = .25*(1,0,0) + .5*.75*(0,0,1); ao = .25 + .5*.75 = .625
    c, a = _blend((0.0, 0.0, 1.0), 0.5, (1.0, 0.0, 0.0), 0.25, "svg:src-over")
    assert a == pytest.approx(0.625)
    np.testing.assert_allclose(c, (0.25 / 0.625, 0.0, 0.375 / 0.625), atol=1e-6)


def test_blend_over_transparent_backdrop_returns_source():
    c, a = _blend((0.9, 0.9, 0.9), 0.0, (0.2, 0.4, 0.6), 0.7, "svg:color-burn")
    np.testing.assert_allclose(c, (0.2, 0.4, 0.6), atol=1e-6)
    assert a == pytest.approx(0.7)


def test_plus_is_clamped_addition():
    c, a = _blend((0.4, 0.9, 0.0), 1.0, (0.8, 0.8, 0.2), 0.5, "svg:plus")
    np.testing.assert_allclose(c, (0.8, 1.0, 0.1), atol=1e-6)
    assert a == pytest.approx(1.0)


@pytest.mark.parametrize("mode", BLEND_MODES)
def test_transparent_source_leaves_backdrop(mode):
    c, a = _blend((0.3, 0.6, 0.9), 0.7, (1.0, 0.0, 0.5), 0.0, mode)
    np.testing.assert_allclose(c, (0.3, 0.6, 0.9), atol=1e-6)
    assert a == pytest.approx(0.7)


def test_document_composite_multiply_partial_alpha_in_8_bit():
    doc = Document(4, 4)
    bottom = np.zeros((4, 4, 4), np.uint8)
    bottom[:] = (204, 102, 51, 255)  # (.8, .4, .2)
    top = np.zeros((4, 4, 4), np.uint8)
    top[:] = (255, 0, 128, 255)
    doc.add_layer("bottom", bottom)
    doc.add_layer("top", top, blend_mode="multiply", opacity=0.5)
    out = doc.composite()
    # ab=1 → Cs'=B=(.8, 0, .2*128/255); as=.5 → Co = .5*B + .5*Cb
    cb = np.array([204, 102, 51]) / 255
    bm = cb * np.array([255, 0, 128]) / 255
    expected = np.rint((0.5 * bm + 0.5 * cb) * 255)
    assert out.dtype == np.uint8
    np.testing.assert_allclose(out[0, 0, :3], expected, atol=1)
    assert out[0, 0, 3] == 255


def test_normalize_blend_mode_accepts_bare_names_and_rejects_unknown():
    assert normalize_blend_mode("multiply") == "svg:multiply"
    assert normalize_blend_mode("Normal") == "svg:src-over"
    with pytest.raises(ValueError, match="unknown blend mode 'wobble'"):
        normalize_blend_mode("wobble")
    with pytest.raises(ValueError):
        Layer(np.zeros((2, 2, 4), np.uint8), blend_mode="svg:nonsense")
