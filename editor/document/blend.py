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
    return (c @ _LUM)[..., None]


def clip_color(c: Array) -> Array:
    """W3C ClipColor: bring out-of-gamut colours back while keeping luminosity."""
    lu = lum(c)
    n = c.min(axis=-1, keepdims=True)
    x = c.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = lu + (c - lu) * lu / np.where(lu - n == 0, 1.0, lu - n)
        c = np.where(n < 0.0, low, c)
        high = lu + (c - lu) * (1.0 - lu) / np.where(x - lu == 0, 1.0, x - lu)
        c = np.where(x > 1.0, high, c)
    return c


def set_lum(c: Array, lu: Array) -> Array:
    """W3C SetLum."""
    return clip_color(c + (lu - lum(c)))


def sat(c: Array) -> Array:
    """W3C Sat(C) = max - min."""
    return c.max(axis=-1, keepdims=True) - c.min(axis=-1, keepdims=True)


def set_sat(c: Array, s: Array) -> Array:
    """W3C SetSat: max → s, min → 0, mid scaled proportionally (0 if grey)."""
    n = c.min(axis=-1, keepdims=True)
    rng = c.max(axis=-1, keepdims=True) - n
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
        raise ValueError(f"blend mode must be a string, got {type(mode).__name__}")
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


def blend(cb: Array, ab: Array, cs: Array, as_: Array, mode: str) -> tuple[Array, Array]:
    """Composite straight-alpha source ``(cs, as_)`` over backdrop ``(cb, ab)``.

    Returns ``(Co, ao)``: straight colour ``(..., 3)`` and alpha ``(..., 1)``, float32.
    Where ``as_`` is 0 every supported mode leaves the backdrop unchanged (the compositor
    relies on that to skip tiles a layer does not cover).
    """
    if mode == "svg:plus":
        co = np.minimum(1.0, cs * as_ + cb * ab)
        ao = np.minimum(1.0, as_ + ab)
    elif mode == "svg:src-atop":
        co = cs * as_ * ab + cb * ab * (1.0 - as_)
        ao = ab
    elif mode == "svg:dst-out":
        co = cb * ab * (1.0 - as_)
        ao = ab * (1.0 - as_)
    else:
        fn = BLEND_FUNCTIONS[mode]
        if fn is _normal:
            cs2 = cs
        else:
            cs2 = (1.0 - ab) * cs + ab * fn(cb, cs)
        ia = 1.0 - as_
        co = as_ * cs2 + (ab * ia) * cb
        ao = as_ + ab * ia
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ao > 0, co / np.where(ao > 0, ao, 1.0), 0.0)
    return out.astype(np.float32, copy=False), np.asarray(ao, dtype=np.float32)
