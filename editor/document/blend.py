"""Blend modes by OpenRaster name, following W3C Compositing and Blending Level 1.

All functions work on float32 arrays in [0, 1] with *straight* (non-premultiplied) colour:
``cb``/``cs`` are ``(..., 3)`` colours, ``ab``/``as_`` are ``(..., 1)`` alphas.

For a blend mode B the source colour is first mixed with the blend result where the
backdrop is opaque, then composited source-over (W3C §5.7 "general formula")::

    Cs' = (1 - ab) * Cs + ab * B(Cb, Cs)
    co  = as * Cs' + ab * Cb * (1 - as)        (premultiplied)
    ao  = as + ab * (1 - as)
    Co  = co / ao

``svg:plus`` is the Porter-Duff "lighter" operator clamped to 1; ``svg:src-atop`` and
``svg:dst-out`` are the Porter-Duff operators of those names.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from editor.document.kernels import blend_planar

Array = np.ndarray


# --- separable blend functions B(Cb, Cs) ------------------------------------------------


def _normal(cb: Array, cs: Array) -> Array:
    return cs


def _multiply(cb: Array, cs: Array) -> Array:
    return cb * cs


def _screen(cb: Array, cs: Array) -> Array:
    return cb + cs - cb * cs


def _hard_light(cb: Array, cs: Array) -> Array:
    cs2 = 2.0 * cs
    return np.where(cs <= 0.5, cb * cs2, _screen(cb, cs2 - 1.0))


def _overlay(cb: Array, cs: Array) -> Array:
    return _hard_light(cs, cb)


def _darken(cb: Array, cs: Array) -> Array:
    return np.minimum(cb, cs)


def _lighten(cb: Array, cs: Array) -> Array:
    return np.maximum(cb, cs)


def _color_dodge(cb: Array, cs: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.minimum(1.0, cb / np.maximum(1.0 - cs, 1e-12))
    r = np.where(cs >= 1.0, 1.0, r)
    return np.where(cb <= 0.0, 0.0, r).astype(np.float32, copy=False)


def _color_burn(cb: Array, cs: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 - np.minimum(1.0, (1.0 - cb) / np.maximum(cs, 1e-12))
    r = np.where(cs <= 0.0, 0.0, r)
    return np.where(cb >= 1.0, 1.0, r).astype(np.float32, copy=False)


def _soft_light(cb: Array, cs: Array) -> Array:
    d = np.where(cb <= 0.25, ((16.0 * cb - 12.0) * cb + 4.0) * cb, np.sqrt(cb))
    low = cb - (1.0 - 2.0 * cs) * cb * (1.0 - cb)
    high = cb + (2.0 * cs - 1.0) * (d - cb)
    return np.where(cs <= 0.5, low, high)


def _difference(cb: Array, cs: Array) -> Array:
    return np.abs(cb - cs)


def _exclusion(cb: Array, cs: Array) -> Array:
    return cb + cs - 2.0 * cb * cs


# --- non-separable helpers (W3C §9.2) --------------------------------------------------

_LUM = np.array([0.3, 0.59, 0.11], dtype=np.float32)


def lum(c: Array) -> Array:
    """W3C Lum(C) = 0.3 R + 0.59 G + 0.11 B, keeping a trailing axis of 1."""
    # Explicit channel sums: far faster than a matmul or reduction over a length-3 axis.
    out = c[..., 0:1] * np.float32(0.3)
    out += c[..., 1:2] * np.float32(0.59)
    out += c[..., 2:3] * np.float32(0.11)
    return out


def _cmax(c: Array) -> Array:
    return np.maximum(np.maximum(c[..., 0:1], c[..., 1:2]), c[..., 2:3])


def _cmin(c: Array) -> Array:
    return np.minimum(np.minimum(c[..., 0:1], c[..., 1:2]), c[..., 2:3])


def clip_color(c: Array) -> Array:
    """W3C ClipColor: bring out-of-gamut colours back while keeping luminosity.

    Only the (usually few) out-of-gamut pixels are touched, via boolean indexing.
    """
    c = np.array(c, dtype=np.float32, copy=True)
    flat = c.reshape(-1, 3)
    n = _cmin(flat)[:, 0]
    x = _cmax(flat)[:, 0]
    low = n < 0.0
    if low.any():
        sub = flat[low]
        lu = lum(sub)
        d = lu - n[low, None]
        flat[low] = lu + (sub - lu) * lu / np.where(d == 0, 1.0, d)
        x = _cmax(flat)[:, 0]
    high = x > 1.0
    if high.any():
        sub = flat[high]
        lu = lum(sub)
        d = x[high, None] - lu
        flat[high] = lu + (sub - lu) * (1.0 - lu) / np.where(d == 0, 1.0, d)
    return c


def set_lum(c: Array, lu: Array) -> Array:
    """W3C SetLum."""
    return clip_color(c + (lu - lum(c)))


def sat(c: Array) -> Array:
    """W3C Sat(C) = max - min."""
    return _cmax(c) - _cmin(c)


def set_sat(c: Array, s: Array) -> Array:
    """W3C SetSat: max → s, min → 0, mid scaled proportionally (0 if grey)."""
    n = _cmin(c)
    rng = _cmax(c) - n
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (c - n) * s / np.where(rng > 0, rng, 1.0)
    return np.where(rng > 0, out, 0.0).astype(np.float32, copy=False)


def _hue(cb: Array, cs: Array) -> Array:
    return set_lum(set_sat(cs, sat(cb)), lum(cb))


def _saturation(cb: Array, cs: Array) -> Array:
    return set_lum(set_sat(cb, sat(cs)), lum(cb))


def _color(cb: Array, cs: Array) -> Array:
    return set_lum(cs, lum(cb))


def _luminosity(cb: Array, cs: Array) -> Array:
    return set_lum(cb, lum(cs))


BLEND_FUNCTIONS: dict[str, Callable[[Array, Array], Array]] = {
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

#: Porter-Duff operators that are not "blend then source-over".
PORTER_DUFF = ("svg:plus", "svg:src-atop", "svg:dst-out")

#: Every supported mode, in menu order.
BLEND_MODES: tuple[str, ...] = (*BLEND_FUNCTIONS, *PORTER_DUFF)

#: Human names for menus.
BLEND_MODE_NAMES: dict[str, str] = {
    m: m.removeprefix("svg:").replace("-", " ").replace("src over", "normal").title()
    for m in BLEND_MODES
}
BLEND_MODE_NAMES["svg:src-over"] = "Normal"
BLEND_MODE_NAMES["svg:plus"] = "Addition"
BLEND_MODE_NAMES["svg:dst-out"] = "Erase (destination out)"
BLEND_MODE_NAMES["svg:src-atop"] = "Source atop"


def normalize_blend_mode(mode: str) -> str:
    """Return the canonical ``svg:*`` name; accepts the bare name ("multiply", "normal").

    Raises ValueError naming the mode and the accepted ones if it is unknown.
    """
    if not isinstance(mode, str):
        raise ValueError(f"blend mode must be a string, got {type(mode).__name__}")  # noqa: TRY004
    m = mode.strip().lower()
    if m in ("normal", "src-over"):
        m = "svg:src-over"
    elif m in ("add", "addition", "lighter", "plus-lighter"):
        m = "svg:plus"
    elif not m.startswith("svg:"):
        m = "svg:" + m
    if m not in BLEND_MODES:
        raise ValueError(f"unknown blend mode {mode!r}; expected one of {', '.join(BLEND_MODES)}")
    return m


def blend_premultiplied(pc: Array, ab: Array, cs: Array, as_: Array, mode: str) -> None:
    """Composite straight source ``(cs, as_)`` onto a *premultiplied* backdrop in place.

    ``pc`` (premultiplied colour, ``(..., 3)``) and ``ab`` (``(..., 1)``) are updated.
    Runs the compositor's planar kernels (:func:`editor.document.kernels.blend_planar`)
    on channel-first views, so it gives exactly what the compositor computes; the
    interleaved :data:`BLEND_FUNCTIONS` above are the readable reference they are
    tested against.
    """
    csp = np.array(np.moveaxis(np.asarray(cs, np.float32), -1, 0), np.float32, copy=True)
    blend_planar(np.moveaxis(pc, -1, 0), ab[..., 0], csp, np.asarray(as_, np.float32)[..., 0], mode)


def unpremultiply(pc: Array, ab: Array) -> Array:
    """Premultiplied colour → straight colour, clipped to [0, 1] (0 where alpha is 0)."""
    # Where alpha is 0 the premultiplied colour is 0 too, so a floor on the divisor is
    # enough; np.where with a broadcast (h, w, 1) condition is several times slower.
    out = pc * (np.float32(1.0) / np.maximum(ab, np.float32(1e-30)))
    np.clip(out, 0.0, 1.0, out=out)
    return out


def blend(cb: Array, ab: Array, cs: Array, as_: Array, mode: str) -> tuple[Array, Array]:
    """Composite straight-alpha source ``(cs, as_)`` over backdrop ``(cb, ab)``.

    Returns ``(Co, ao)``: straight colour ``(..., 3)`` and alpha ``(..., 1)``, float32.
    Where ``as_`` is 0 every supported mode leaves the backdrop unchanged (the compositor
    relies on that to skip tiles a layer does not cover).
    """
    cb = np.asarray(cb, np.float32)
    cs = np.asarray(cs, np.float32)
    as_ = np.asarray(as_, np.float32)
    a = np.array(ab, dtype=np.float32, copy=True)
    pc = cb * a
    blend_premultiplied(pc, a, cs, as_, mode)
    return unpremultiply(pc, a), a
