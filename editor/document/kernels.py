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


# --- separable blend functions B(Cb, Cs) on (3, ...) planes ----------------------------
# Each may overwrite and return ``cb`` (a temporary); ``cs`` is never written.


def _normal(cb: Array, cs: Array) -> Array:
    np.copyto(cb, cs)
    return cb


def _multiply(cb: Array, cs: Array) -> Array:
    cb *= cs
    return cb


def _screen(cb: Array, cs: Array) -> Array:
    t = cb * cs
    cb += cs
    cb -= t
    return cb


def _hard_light_of(cb: Array, cs: Array) -> Array:
    """HardLight(Cb, Cs) without touching either argument."""
    cs2 = cs * _TWO
    low = cb * cs2
    cs2 -= _ONE  # screen(cb, 2cs - 1) = cb + s - cb*s
    high = cb * cs2
    np.subtract(cs2, high, out=high)
    high += cb
    return np.where(cs <= _HALF, low, high)


def _hard_light(cb: Array, cs: Array) -> Array:
    return _hard_light_of(cb, cs)


def _overlay(cb: Array, cs: Array) -> Array:
    return _hard_light_of(cs, cb)


def _darken(cb: Array, cs: Array) -> Array:
    np.minimum(cb, cs, out=cb)
    return cb


def _lighten(cb: Array, cs: Array) -> Array:
    np.maximum(cb, cs, out=cb)
    return cb


def _color_dodge(cb: Array, cs: Array) -> Array:
    d = np.subtract(_ONE, cs)
    np.maximum(d, _EPS, out=d)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(cb, d, out=d)
    np.minimum(d, _ONE, out=d)
    d[cs >= _ONE] = _ONE
    d[cb <= _ZERO] = _ZERO
    return d


def _color_burn(cb: Array, cs: Array) -> Array:
    d = np.subtract(_ONE, cb)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(d, np.maximum(cs, _EPS), out=d)
    np.minimum(d, _ONE, out=d)
    np.subtract(_ONE, d, out=d)
    d[cs <= _ZERO] = _ZERO
    d[cb >= _ONE] = _ONE
    return d


def _soft_light(cb: Array, cs: Array) -> Array:
    # D(Cb) = ((16 Cb - 12) Cb + 4) Cb for Cb <= 1/4, else sqrt(Cb)
    d = cb * _F(16.0)
    d -= _F(12.0)
    d *= cb
    d += _F(4.0)
    d *= cb
    np.copyto(d, np.sqrt(cb), where=cb > _F(0.25))
    t = cs * _TWO
    t -= _ONE  # 2 Cs - 1
    low = _ONE - cb
    low *= cb
    low *= t
    low += cb  # Cb - (1 - 2Cs) Cb (1 - Cb)
    d -= cb
    d *= t
    d += cb  # Cb + (2Cs - 1)(D - Cb)
    np.copyto(low, d, where=cs > _HALF)
    return low


def _difference(cb: Array, cs: Array) -> Array:
    cb -= cs
    np.abs(cb, out=cb)
    return cb


def _exclusion(cb: Array, cs: Array) -> Array:
    t = cb * cs
    t *= _TWO
    cb += cs
    cb -= t
    return cb


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


def clip_color(c: Array) -> Array:
    """W3C ClipColor of ``(3, ...)`` planes, in place (only out-of-gamut pixels move)."""
    n = _cmin(c)
    low = n < _ZERO
    if low.any():
        sub = c[:, low]
        lu = lum(sub)
        d = lu - n[low]
        d[d == _ZERO] = _ONE
        sub -= lu
        sub *= lu / d
        sub += lu
        c[:, low] = sub
    x = _cmax(c)
    high = x > _ONE
    if high.any():
        sub = c[:, high]
        lu = lum(sub)
        d = x[high] - lu
        d[d == _ZERO] = _ONE
        sub -= lu
        sub *= (_ONE - lu) / d
        sub += lu
        c[:, high] = sub
    return c


def set_lum(c: Array, lu: Array) -> Array:
    """W3C SetLum of ``(3, ...)`` planes; ``c`` is overwritten and returned."""
    c += lu - lum(c)
    return clip_color(c)


def sat(c: Array) -> Array:
    """W3C Sat(C) = max - min of ``(3, ...)`` planes."""
    return _cmax(c) - _cmin(c)


def set_sat(c: Array, s: Array) -> Array:
    """W3C SetSat of ``(3, ...)`` planes into a new array (grey → 0)."""
    n = _cmin(c)
    rng = _cmax(c) - n
    pos = rng > _ZERO
    k = np.divide(s, rng, out=np.zeros_like(rng), where=pos)
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


PLANAR_BLEND_FUNCTIONS: dict[str, Callable[[Array, Array], Array]] = {
    "svg:src-over": _normal,
    "svg:multiply": _multiply,
    "svg:screen": _screen,
    "svg:overlay": _overlay,
    "svg:darken": _darken,
    "svg:lighten": _lighten,
    "svg:color-dodge": _color_dodge,
    "svg:color-burn": _color_burn,
    "svg:hard-light": _hard_light,
    "svg:soft-light": _soft_light,
    "svg:difference": _difference,
    "svg:exclusion": _exclusion,
    "svg:color": _color,
    "svg:luminosity": _luminosity,
    "svg:hue": _hue,
    "svg:saturation": _saturation,
}


def unpremultiply_planar(pc: Array, ab: Array) -> Array:
    """Premultiplied ``(3, ...)`` colour → straight colour in [0, 1] (a new array)."""
    inv = np.maximum(ab, _TINY)
    np.divide(_ONE, inv, out=inv)
    out = pc * inv
    np.clip(out, _ZERO, _ONE, out=out)
    return out


def blend_planar(pc: Array, ab: Array, cs: Array, as_: Array, mode: str) -> None:
    """Composite straight source ``cs`` ``(3, ...)`` with alpha ``as_`` ``(...)`` onto
    the premultiplied backdrop ``pc`` ``(3, ...)`` / ``ab`` ``(...)`` in place.

    ``cs`` may be overwritten (it is a temporary of the caller's)."""
    if mode == "svg:src-over":
        ia = _ONE - as_
        pc *= ia
        cs *= as_
        pc += cs
        ab *= ia
        ab += as_
        return
    if mode == "svg:plus":
        cs *= as_
        pc += cs
        np.minimum(pc, _ONE, out=pc)
        ab += as_
        np.minimum(ab, _ONE, out=ab)
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
    fn = PLANAR_BLEND_FUNCTIONS[mode]
    # co = as*(Cs + ab*(B(Cb, Cs) - Cs)) + (1-as)*co_b   (W3C general formula)
    mixed = fn(unpremultiply_planar(pc, ab), cs)
    mixed -= cs
    mixed *= ab
    mixed += cs
    mixed *= as_
    ia = _ONE - as_
    pc *= ia
    pc += mixed
    ab *= ia
    ab += as_


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
