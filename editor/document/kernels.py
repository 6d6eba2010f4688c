"""Planar float32 compositing kernels: the compositor's inner loop.

Colours are *channel-first* planes ``(3, h, w)``, alphas ``(h, w)``. Against the
interleaved ``(h, w, 3)`` / ``(h, w, 1)`` layout of :mod:`editor.document.blend` this
keeps every numpy loop long and contiguous (an ``(h, w, 1)`` alpha broadcast over
``(h, w, 3)`` runs an inner loop of three elements, several times slower), and the
arithmetic is done in place where it can be. Every operation is elementwise, so a pixel
gets the same float32 result whatever rectangle it is composited in: a dirty-rect
update equals a full recomposite bit for bit.

The formulas are those of :mod:`editor.document.blend` (W3C Compositing and Blending
Level 1, premultiplied backdrop); ``blend.blend`` runs on these kernels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray

_F = np.float32
_ZERO, _HALF, _ONE, _TWO = _F(0.0), _F(0.5), _F(1.0), _F(2.0)
_TINY = _F(1e-30)
_EPS = _F(1e-12)


# Measured on numpy 2: ``np.where``, ``copyto(where=)`` and boolean indexing run 10-40x
# slower than a multiply on float32 planes, and ``maximum``/``minimum`` against a scalar
# 2-3x slower than ``clip``. The kernels are therefore branch-free: selections are
# multiplications by a bool plane, one-sided bounds are ``clip`` calls.

# --- premultiplied blend terms: P = ab * B(Cb, Cs) on (3, ...) planes ------------------
# Modes whose B is piecewise bilinear get P straight from the premultiplied backdrop
# ``pc`` (= ab * Cb), with no division; the others unpremultiply first. ``cs`` is the
# straight source colour and is never written; each returns a new array.


def _p_normal(pc: Array, ab: Array, cs: Array) -> Array:
    return cs * ab


def _p_multiply(pc: Array, ab: Array, cs: Array) -> Array:
    return cs * pc


def _p_screen(pc: Array, ab: Array, cs: Array) -> Array:
    t = np.subtract(ab, pc)  # ab*(Cb + Cs - Cb Cs) = pc + Cs (ab - pc)
    t *= cs
    t += pc
    return t


def _p_darken(pc: Array, ab: Array, cs: Array) -> Array:
    t = cs * ab
    np.minimum(t, pc, out=t)
    return t


def _p_lighten(pc: Array, ab: Array, cs: Array) -> Array:
    t = cs * ab
    np.maximum(t, pc, out=t)
    return t


def _p_difference(pc: Array, ab: Array, cs: Array) -> Array:
    t = cs * ab
    t -= pc
    np.abs(t, out=t)
    return t


def _p_exclusion(pc: Array, ab: Array, cs: Array) -> Array:
    t = pc * _TWO  # ab*(Cb + Cs - 2 Cb Cs) = pc + Cs (ab - 2 pc)
    np.subtract(ab, t, out=t)
    t *= cs
    t += pc
    return t


def _fold(x: Array, top: Array, c: Array, pos_scale: Array | None = None) -> Array:
    """``c (top - |x|) + max(x, 0) [· pos_scale]`` in place on ``x``: both W3C branches of
    HardLight in one expression (Overlay is HardLight with the layers swapped)."""
    pos = np.clip(x, _ZERO, _ONE)
    if pos_scale is not None:
        pos *= pos_scale
    np.abs(x, out=x)
    np.subtract(top, x, out=x)
    x *= c
    x += pos
    return x


def _p_hard_light(pc: Array, ab: Array, cs: Array) -> Array:
    # HardLight(Cb, Cs) = Cb (1 - |2Cs - 1|) + max(2Cs - 1, 0)
    s = cs * _TWO
    s -= _ONE
    return _fold(s, _ONE, pc, ab)


def _p_overlay(pc: Array, ab: Array, cs: Array) -> Array:
    # Overlay = HardLight(Cs, Cb): ab*B = Cs (ab - |2pc - ab|) + max(2pc - ab, 0)
    q = pc * _TWO
    q -= ab
    return _fold(q, ab, cs)


def _soft_light(cb: Array, cs: Array) -> Array:
    # SoftLight = Cb + min(s, 0) Cb (1 - Cb) + max(s, 0) (D(Cb) - Cb),  s = 2 Cs - 1;
    # D = ((16 Cb - 12) Cb + 4) Cb for Cb <= 1/4, else sqrt(Cb).
    d = cb * _F(16.0)
    d -= _F(12.0)
    d *= cb
    d += _F(4.0)
    d *= cb
    root = np.sqrt(cb)
    root -= d
    root *= np.greater(cb, _F(0.25))
    d += root
    d -= cb
    s = cs * _TWO
    s -= _ONE
    d *= np.clip(s, _ZERO, _ONE)
    low = np.subtract(_ONE, cb)
    low *= cb
    low *= np.clip(s, -_ONE, _ZERO, out=s)
    low += cb
    low += d
    return low


def _color_dodge(cb: Array, cs: Array) -> Array:
    # min(1, Cb / (1 - Cs)); Cs = 1 gives 1 (0 where Cb = 0) through the 1e-12 floor.
    d = np.subtract(_ONE, cs)
    np.clip(d, _EPS, _ONE, out=d)
    np.divide(cb, d, out=d)
    np.clip(d, _ZERO, _ONE, out=d)
    return d


def _color_burn(cb: Array, cs: Array) -> Array:
    # 1 - min(1, (1 - Cb) / Cs); Cs = 0 gives 0 (1 where Cb = 1) through the floor.
    d = np.subtract(_ONE, cb)
    np.divide(d, np.clip(cs, _EPS, _ONE), out=d)
    np.clip(d, _ZERO, _ONE, out=d)
    np.subtract(_ONE, d, out=d)
    return d


# --- non-separable helpers on planes (W3C §9.2) -----------------------------------------


def lum(c: Array) -> Array:
    """W3C Lum(C) of ``(3, ...)`` planes: ``(...)``."""
    out = c[0] * _F(0.3)
    out += c[1] * _F(0.59)
    out += c[2] * _F(0.11)
    return out


def _cmin(c: Array) -> Array:
    return np.minimum(np.minimum(c[0], c[1]), c[2])


def _cmax(c: Array) -> Array:
    return np.maximum(np.maximum(c[0], c[1]), c[2])


def clip_color(c: Array, lu: Array | None = None) -> Array:
    """W3C ClipColor of ``(3, ...)`` planes in place: colours with a channel below 0
    are pulled towards their luminosity ``lu`` (Lum(C) when None) until it is 0, then
    those with one above 1 until it is 1. In-gamut colours keep their value."""
    if lu is None:
        lu = lum(c)
    n = _cmin(c)
    x = _cmax(c)
    # k1 = L / (L - n) where n < 0, else 1 (L / L); k2 likewise for x' > 1 with
    # x' = L + (x - L) k1, the largest channel after the first correction.
    np.clip(n, _F(-8.0), _ZERO, out=n)
    np.subtract(lu, n, out=n)
    np.clip(n, _TINY, _F(8.0), out=n)
    k = np.divide(lu, n, out=n)
    x -= lu
    x *= k
    x += lu
    np.clip(x, _ONE, _F(8.0), out=x)
    x -= lu
    np.clip(x, _TINY, _F(8.0), out=x)
    k2 = np.subtract(_ONE, lu)
    k2 /= x
    k *= k2
    c -= lu
    c *= k
    c += lu
    return c


def set_lum(c: Array, lu: Array) -> Array:
    """W3C SetLum of ``(3, ...)`` planes; ``c`` is overwritten and returned."""
    c += lu - lum(c)
    return clip_color(c, lu)


def sat(c: Array) -> Array:
    """W3C Sat(C) = max - min of ``(3, ...)`` planes."""
    return _cmax(c) - _cmin(c)


def set_sat(c: Array, s: Array) -> Array:
    """W3C SetSat of ``(3, ...)`` planes into a new array (grey → 0)."""
    n = _cmin(c)
    rng = _cmax(c)
    rng -= n
    # (C - min) * s / (max - min); a grey colour has C - min = 0, so a floor on the
    # divisor gives its 0 without a branch.
    np.clip(rng, _TINY, _F(8.0), out=rng)
    k = np.divide(s, rng, out=rng)
    out = c - n
    out *= k
    return out


def _hue(cb: Array, cs: Array) -> Array:
    return set_lum(set_sat(cs, sat(cb)), lum(cb))


def _saturation(cb: Array, cs: Array) -> Array:
    return set_lum(set_sat(cb, sat(cs)), lum(cb))


def _color(cb: Array, cs: Array) -> Array:
    return set_lum(cs.copy(), lum(cb))


def _luminosity(cb: Array, cs: Array) -> Array:
    return set_lum(cb, lum(cs))


def _straight(fn: Callable[[Array, Array], Array]) -> Callable[[Array, Array, Array], Array]:
    """P = ab * B(Cb, Cs) for a B that needs the straight backdrop colour."""

    def p(pc: Array, ab: Array, cs: Array) -> Array:
        out = fn(unpremultiply_planar(pc, ab), cs)
        out *= ab
        return out

    p.__name__ = f"_p{fn.__name__}"
    return p


#: ``P(pc, ab, cs) = ab * B(Cb, Cs)`` per blend-then-source-over mode.
PLANAR_BLEND_TERMS: dict[str, Callable[[Array, Array, Array], Array]] = {
    "svg:src-over": _p_normal,
    "svg:multiply": _p_multiply,
    "svg:screen": _p_screen,
    "svg:overlay": _p_overlay,
    "svg:darken": _p_darken,
    "svg:lighten": _p_lighten,
    "svg:color-dodge": _straight(_color_dodge),
    "svg:color-burn": _straight(_color_burn),
    "svg:hard-light": _p_hard_light,
    "svg:soft-light": _straight(_soft_light),
    "svg:difference": _p_difference,
    "svg:exclusion": _p_exclusion,
    "svg:color": _straight(_color),
    "svg:luminosity": _straight(_luminosity),
    "svg:hue": _straight(_hue),
    "svg:saturation": _straight(_saturation),
}


def unpremultiply_planar(pc: Array, ab: Array) -> Array:
    """Premultiplied ``(3, ...)`` colour → straight colour in [0, 1] (a new array)."""
    inv = np.clip(ab, _TINY, _TWO)
    np.divide(_ONE, inv, out=inv)
    out = pc * inv
    np.clip(out, _ZERO, _ONE, out=out)
    return out


def blend_planar(pc: Array, ab: Array, cs: Array, as_: Array, mode: str) -> None:
    """Composite straight source ``cs`` ``(3, ...)`` with alpha ``as_`` ``(...)`` onto
    the premultiplied backdrop ``pc`` ``(3, ...)`` / ``ab`` ``(...)`` in place.

    ``cs`` is overwritten (it is a temporary of the caller's)."""
    if mode == "svg:src-over":
        cs -= pc  # pc + as (Cs - pc)
        cs *= as_
        pc += cs
        t = np.subtract(_ONE, ab)
        t *= as_
        ab += t
        return
    if mode == "svg:plus":
        cs *= as_
        pc += cs
        np.clip(pc, _ZERO, _ONE, out=pc)
        ab += as_
        np.clip(ab, _ZERO, _ONE, out=ab)
        return
    if mode == "svg:src-atop":
        pc *= _ONE - as_
        cs *= as_ * ab
        pc += cs
        return
    if mode == "svg:dst-out":
        ia = _ONE - as_
        pc *= ia
        ab *= ia
        return
    p = PLANAR_BLEND_TERMS[mode](pc, ab, cs)
    # co = co_b + as ((1 - ab) Cs + ab B - co_b)   (W3C general formula, premultiplied)
    t = np.subtract(_ONE, ab)
    cs *= t
    cs += p
    cs -= pc
    cs *= as_
    pc += cs
    t *= as_
    ab += t


def quantize_planar(pc: Array, ab: Array, out: Array) -> Array:
    """Premultiplied planes → straight ``(h, w, 4)`` integers in ``out`` (rounded)."""
    maxv = _F(np.iinfo(out.dtype).max)
    inv = np.maximum(ab, _TINY)
    np.divide(_ONE, inv, out=inv)
    t = np.empty_like(ab)
    for c in range(3):
        np.multiply(pc[c], inv, out=t)
        np.clip(t, _ZERO, _ONE, out=t)
        t *= maxv
        np.rint(t, out=out[..., c], casting="unsafe")
    np.clip(ab, _ZERO, _ONE, out=t)
    t *= maxv
    np.rint(t, out=out[..., 3], casting="unsafe")
    return out
