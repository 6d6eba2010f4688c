"""Tone and colour adjustments and small filters as pure functions, plus the undoable
"apply to a layer" command (numpy only).

Every function takes straight-alpha pixels ``(h, w, 4)`` (or ``(h, w, 3)``) of uint8 or
uint16, of any size (a layer, a crop, the visible region for a preview), and returns a
new array of the same shape and dtype with **alpha untouched**. Arithmetic is float32 (or
exact per-value lookup tables: 256 entries for 8 bit, 65536 for 16 bit), so 16-bit
images keep their depth and get no 8-bit banding. Tone parameters are fractions of the
full range (0..1), whatever the depth.

Point operations (one LUT per channel)
    levels(px, master=Levels(...), red=None, green=None, blue=None)
        Levels(in_black=0, in_white=1, gamma=1, out_black=0, out_white=1):
        t = clip((v - in_black) / (in_white - in_black), 0, 1) ** (1 / gamma);
        out = out_black + t · (out_white - out_black). The channel's own levels apply
        first, then the master (as Photoshop's RGB/channel tabs).
    curves(px, master=[(x, y), ...], red=..., green=..., blue=...)   points in 0..1;
        monotone cubic (Fritsch–Carlson) through them, flat beyond the end points;
        curve_lut(points, size) gives the table (for drawing the curve too).
    brightness_contrast(px, brightness=0, contrast=0)    both in -1..1:
        out = (v + brightness - ½) · tan((contrast + 1) · π/4) + ½
    exposure(px, stops=0, offset=0, gamma=1)   in linear light (sRGB decoded):
        out = srgb(max(lin(v) · 2**stops + offset, 0)) ** (1 / gamma)
Colour
    hue_saturation(px, hue=0, saturation=0, lightness=0)   Photoshop-like HSL:
        hue in degrees (rotation); saturation -1..1 (HSL S·(1+s), -1 = grey);
        lightness -1..1 (towards black: v·(1+l); towards white: v + (1-v)·l)
    white_balance(px, picked)   scale R, G, B so the picked colour (RGB, 0..1 floats or
        the pixel dtype) becomes the grey of its own mean.
    colour_balance(px, shadows=(cr, mg, yb), midtones=..., highlights=...,
                   preserve_luminosity=True)   GIMP's Colour Balance: shifts in -1..1 added
        to R, G, B weighted by tonal masks over the HSL lightness (0.7 at full weight)
Filters (neighbourhood: give apply_adjustment a margin of filter_margin(radius))
    gaussian_blur(px, radius)   separable, sigma = radius, kernel to 3·sigma, edges
        replicated, colour weighted by alpha (transparent pixels do not bleed)
    unsharp_mask(px, amount=1, radius=1, threshold=0)   v + amount·(v − blur(v)) where
        |v − blur(v)| ≥ threshold (a fraction, e.g. 4/255)
    denoise(px, strength=0.05, radius=2)   edge-preserving guided filter (He et al.),
        each channel guiding itself, eps = strength²
Histogram
    histogram(px, bins=256, mask=None) -> (4, bins) int64: R, G, B and luminosity
        (Rec. 709), pixels with alpha 0 (or mask 0) left out; 16-bit input is binned too.

Command (editor.document.adjust_apply, re-exported here)
    apply_adjustment(doc, func, layer_index=None, text="Adjust", feather=0,
                     respect_selection=True, margin=0) -> Rect | None
        ``func(pixels) -> pixels`` (e.g. ``functools.partial(levels, master=...)``) runs
        on the layer (or the selection's box of it, plus ``margin`` context pixels),
        blended by the selection feathered by ``feather`` px. One undo step storing only
        the changed 64² tiles.
    adjustment_preview(doc, func, ...) -> LayerOverride | None   the same pixels, for
        showing on the canvas before applying (the document is not touched)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from editor.document.filters import box_blur

CurvePoints = Sequence[tuple[float, float]]


def _check_pixels(px: np.ndarray) -> np.ndarray:
    a = np.asarray(px)
    if a.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"adjustments take uint8 or uint16 pixels, got {a.dtype}")
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise ValueError(f"adjustments take (h, w, 3|4) pixels, got shape {a.shape}")
    return a


def _maxv(a: np.ndarray) -> float:
    return float(np.iinfo(a.dtype).max)


def _to_float(a: np.ndarray) -> np.ndarray:
    """RGB of ``a`` as float32 in 0..1."""
    return a[..., :3].astype(np.float32) * np.float32(1.0 / _maxv(a))


def _from_float(a: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """``a`` with its RGB replaced by ``rgb`` (float 0..1), alpha kept."""
    out = a.copy()
    np.rint(np.clip(rgb, 0.0, 1.0) * _maxv(a), out=out[..., :3], casting="unsafe")
    return out


def _apply_luts(a: np.ndarray, luts: Sequence[np.ndarray]) -> np.ndarray:
    out = a.copy()
    for c in range(3):
        out[..., c] = luts[c][a[..., c]]
    return out


def _lut_from(fn: Callable[[np.ndarray], np.ndarray], dtype: np.dtype) -> np.ndarray:
    """A table over every value of ``dtype`` of ``fn`` (float64 0..1 → 0..1)."""
    n = int(np.iinfo(dtype).max)
    x = np.arange(n + 1, dtype=np.float64) / n
    return np.rint(np.clip(fn(x), 0.0, 1.0) * n).astype(dtype)


# --- histogram ---------------------------------------------------------------------------


def histogram(pixels: np.ndarray, bins: int = 256, mask: np.ndarray | None = None) -> np.ndarray:
    """Counts per channel: ``(4, bins)`` int64 for R, G, B and luminosity (Rec. 709 luma
    of the stored values). Pixels with alpha 0, or ``mask`` (``(h, w)``) 0, are left out.
    Values are binned as ``v · bins // (max + 1)``, so 16-bit input with 256 bins puts
    65536 levels into 256 bins of 256 each."""
    a = _check_pixels(pixels)
    if not 1 <= int(bins) <= int(np.iinfo(a.dtype).max) + 1:
        raise ValueError(f"bins must be within 1..{np.iinfo(a.dtype).max + 1}, got {bins!r}")
    keep = np.ones(a.shape[:2], bool) if a.shape[2] == 3 else a[..., 3] > 0
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != a.shape[:2]:
            raise ValueError(f"histogram mask is {m.shape}, the pixels are {a.shape[:2]}")
        keep &= m > 0
    sel = a[keep][:, :3].astype(np.int64)
    levels = int(np.iinfo(a.dtype).max) + 1
    out = np.zeros((4, int(bins)), np.int64)
    for c in range(3):
        out[c] = np.bincount(sel[:, c] * bins // levels, minlength=bins)[:bins]
    luma = np.rint(sel @ np.array([0.2126, 0.7152, 0.0722])).astype(np.int64)
    out[3] = np.bincount(np.clip(luma, 0, levels - 1) * bins // levels, minlength=bins)[:bins]
    return out


# --- levels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Levels:
    """One channel's (or the master's) levels, all fractions of the full range except
    ``gamma`` (> 0; > 1 brightens the midtones)."""

    in_black: float = 0.0
    in_white: float = 1.0
    gamma: float = 1.0
    out_black: float = 0.0
    out_white: float = 1.0

    def __post_init__(self) -> None:
        for name in ("in_black", "in_white", "out_black", "out_white"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"levels {name} must be within 0..1, got {v!r}")
        if not self.in_black < self.in_white:
            raise ValueError(
                f"levels input black {self.in_black} must be below white {self.in_white}"
            )
        if not (self.gamma > 0 and math.isfinite(self.gamma)):
            raise ValueError(f"levels gamma must be a positive number, got {self.gamma!r}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        t = np.clip((x - self.in_black) / (self.in_white - self.in_black), 0.0, 1.0)
        t = t ** (1.0 / self.gamma)
        return self.out_black + t * (self.out_white - self.out_black)


def levels(
    pixels: np.ndarray,
    master: Levels | None = None,
    red: Levels | None = None,
    green: Levels | None = None,
    blue: Levels | None = None,
) -> np.ndarray:
    """Levels per channel (``red``/``green``/``blue``) then ``master`` on R, G and B."""
    a = _check_pixels(pixels)
    m = master or Levels()
    luts = [
        _lut_from(lambda x, ch=ch: m(ch(x)) if ch is not None else m(x), a.dtype)
        for ch in (red, green, blue)
    ]
    return _apply_luts(a, luts)


# --- curves --------------------------------------------------------------------------------


def _check_points(points: CurvePoints) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(points, np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) < 2:
        raise ValueError(f"a curve needs at least two (x, y) points, got {points!r}")
    if not ((p >= 0) & (p <= 1)).all():
        raise ValueError(f"curve points must be within 0..1, got {points!r}")
    order = np.argsort(p[:, 0], kind="stable")
    xs, ys = p[order, 0], p[order, 1]
    if (np.diff(xs) <= 0).any():
        raise ValueError(f"curve points need distinct x values, got {points!r}")
    return xs, ys


def curve(points: CurvePoints, x: np.ndarray) -> np.ndarray:
    """The monotone cubic (Fritsch–Carlson) Hermite interpolant through ``points`` at
    ``x`` (float 0..1); constant beyond the first and last point. Between two points it
    never overshoots them, so a monotone set of points gives a monotone curve."""
    xs, ys = _check_points(points)
    x = np.asarray(x, np.float64)
    h = np.diff(xs)
    delta = np.diff(ys) / h
    n = len(xs)
    m = np.empty(n)
    m[0], m[-1] = delta[0], delta[-1]
    if n > 2:
        m[1:-1] = (delta[:-1] + delta[1:]) / 2.0
        m[1:-1][delta[:-1] * delta[1:] <= 0] = 0.0  # local extremum: flat tangent
    for k in range(n - 1):
        if delta[k] == 0.0:
            m[k] = m[k + 1] = 0.0
            continue
        a, b = m[k] / delta[k], m[k + 1] / delta[k]
        r = a * a + b * b
        if r > 9.0:  # Fritsch–Carlson: keep (a, b) in the circle of radius 3
            t = 3.0 / math.sqrt(r)
            m[k], m[k + 1] = t * a * delta[k], t * b * delta[k]
    k = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, n - 2)
    t = np.clip((x - xs[k]) / h[k], 0.0, 1.0)
    t2, t3 = t * t, t * t * t
    y = (
        (2 * t3 - 3 * t2 + 1) * ys[k]
        + (t3 - 2 * t2 + t) * h[k] * m[k]
        + (-2 * t3 + 3 * t2) * ys[k + 1]
        + (t3 - t2) * h[k] * m[k + 1]
    )
    y = np.where(x <= xs[0], ys[0], np.where(x >= xs[-1], ys[-1], y))
    return np.clip(y, 0.0, 1.0)


def curve_lut(points: CurvePoints, size: int = 256) -> np.ndarray:
    """The curve sampled at ``size`` evenly spaced inputs 0..1, float64 (for drawing)."""
    return curve(points, np.linspace(0.0, 1.0, int(size)))


def curves(
    pixels: np.ndarray,
    master: CurvePoints | None = None,
    red: CurvePoints | None = None,
    green: CurvePoints | None = None,
    blue: CurvePoints | None = None,
) -> np.ndarray:
    """Curves per channel then the master curve, as 256- or 65536-entry LUTs."""
    a = _check_pixels(pixels)

    def chain(ch: CurvePoints | None) -> Callable[[np.ndarray], np.ndarray]:
        def f(x: np.ndarray) -> np.ndarray:
            y = curve(ch, x) if ch is not None else x
            return curve(master, y) if master is not None else y

        return f

    return _apply_luts(a, [_lut_from(chain(ch), a.dtype) for ch in (red, green, blue)])


# --- brightness / contrast, exposure ------------------------------------------------------


def brightness_contrast(
    pixels: np.ndarray, brightness: float = 0.0, contrast: float = 0.0
) -> np.ndarray:
    """``out = (v + brightness − ½) · tan((contrast + 1) · π/4) + ½`` on R, G, B;
    ``brightness`` and ``contrast`` in -1..1 (contrast 1 is a threshold at ½)."""
    a = _check_pixels(pixels)
    if not (-1.0 <= brightness <= 1.0 and -1.0 <= contrast <= 1.0):
        raise ValueError(
            f"brightness and contrast must be within -1..1, got {brightness}, {contrast}"
        )
    k = math.tan((min(contrast, 0.9999) + 1.0) * math.pi / 4.0)
    lut = _lut_from(lambda x: (x + brightness - 0.5) * k + 0.5, a.dtype)
    return _apply_luts(a, [lut, lut, lut])


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    """The sRGB decoding curve (IEC 61966-2-1) on values 0..1."""
    v = np.asarray(v, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    """The sRGB encoding curve on linear values 0..1."""
    v = np.clip(np.asarray(v, np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1.0 / 2.4) - 0.055)


def exposure(
    pixels: np.ndarray, stops: float = 0.0, offset: float = 0.0, gamma: float = 1.0
) -> np.ndarray:
    """Exposure in linear light: ``srgb(max(lin(v) · 2**stops + offset, 0)) ** (1/gamma)``.
    ``stops`` doubles the light per stop, ``offset`` (-1..1) lifts or sinks the shadows,
    ``gamma`` (> 0) bends the midtones."""
    a = _check_pixels(pixels)
    if not (gamma > 0 and math.isfinite(gamma)):
        raise ValueError(f"exposure gamma must be a positive number, got {gamma!r}")
    scale = 2.0 ** float(stops)
    lut = _lut_from(
        lambda x: (
            linear_to_srgb(np.maximum(srgb_to_linear(x) * scale + offset, 0.0)) ** (1.0 / gamma)
        ),
        a.dtype,
    )
    return _apply_luts(a, [lut, lut, lut])


# --- colour --------------------------------------------------------------------------------


def _rgb_to_hsl(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HSL of float32 RGB 0..1: hue in degrees 0..360, saturation and lightness 0..1."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx = np.maximum(np.maximum(r, g), b)
    mn = np.minimum(np.minimum(r, g), b)
    light = (mx + mn) * np.float32(0.5)
    d = mx - mn
    grey = d == 0
    safe = np.where(grey, np.float32(1), d)
    denom = 1 - np.abs(2 * light - 1)
    sat = np.where(grey, np.float32(0), d / np.where(denom <= 0, np.float32(1), denom))
    hue = np.where(mx == r, (g - b) / safe,
                   np.where(mx == g, (b - r) / safe + 2, (r - g) / safe + 4))
    hue = np.where(grey, np.float32(0), (hue * np.float32(60)) % np.float32(360))
    return hue.astype(np.float32), np.clip(sat, 0, 1).astype(np.float32), light


def _hsl_to_rgb(h: np.ndarray, s: np.ndarray, light: np.ndarray) -> np.ndarray:
    """RGB (float32, last axis) of HSL: ``l − a·clip(min(k − 3, 9 − k), −1, 1)`` with
    ``k = (n + h/30) mod 12`` for n = 0, 8, 4 and ``a = s·min(l, 1 − l)``."""
    a = (s * np.minimum(light, 1 - light))[..., None]
    k = (np.asarray([0, 8, 4], np.float32) + (h / np.float32(30))[..., None]) % np.float32(12)
    t = np.clip(np.minimum(k - 3, 9 - k), -1, 1)
    return (light[..., None] - a * t).astype(np.float32)


def hue_saturation(
    pixels: np.ndarray, hue: float = 0.0, saturation: float = 0.0, lightness: float = 0.0
) -> np.ndarray:
    """Photoshop-like Hue/Saturation: rotate the HSL hue by ``hue`` degrees, scale the HSL
    saturation by ``1 + saturation`` (-1..1; -1 = grey), then move towards black
    (``lightness`` < 0: v·(1+l)) or white (> 0: v + (1−v)·l)."""
    a = _check_pixels(pixels)
    if not (-1.0 <= saturation <= 1.0 and -1.0 <= lightness <= 1.0):
        raise ValueError(
            f"saturation and lightness must be within -1..1, got {saturation}, {lightness}"
        )
    rgb = _to_float(a)
    if hue or saturation:
        h, s, li = _rgb_to_hsl(rgb)
        rgb = _hsl_to_rgb(h + np.float32(hue), np.clip(s * (1.0 + saturation), 0, 1), li)
    if lightness < 0:
        rgb = rgb * np.float32(1.0 + lightness)
    elif lightness > 0:
        rgb = rgb + (1.0 - rgb) * np.float32(lightness)
    return _from_float(a, rgb)


def white_balance(pixels: np.ndarray, picked: Sequence[float]) -> np.ndarray:
    """Scale R, G and B so that the ``picked`` colour becomes neutral grey (the mean of
    its three channels). ``picked``: RGB floats 0..1, or ints of the pixels' dtype range
    (e.g. read from a pixel)."""
    a = _check_pixels(pixels)
    p = np.asarray(picked, np.float64)[:3]
    if p.shape != (3,):
        raise ValueError(f"picked colour must be 3 numbers, got {picked!r}")
    if np.issubdtype(np.asarray(picked).dtype, np.integer) or p.max() > 1.0:
        p = p / _maxv(a)
    if (p <= 0).any():
        raise ValueError(f"the picked colour {tuple(picked)} has a black channel; pick a grey")
    gains = (p.mean() / p).astype(np.float32)
    return _from_float(a, _to_float(a) * gains)


#: Colour Balance's tonal masks (GIMP's): ramps of width A centred at B and 1 − B over the
#: HSL lightness, summing to 1, scaled by SCALE (a full slider moves a channel by 0.7).
_CB_A, _CB_B, _CB_SCALE = 0.25, 0.333, 0.7

ColourShift = tuple[float, float, float]


def colour_balance_weights(lightness: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shadows, midtones and highlights weights (each 0..0.7) of Colour Balance at
    HSL ``lightness`` 0..1: ``clip((l − b)/−a + ½)``, ``clip((l − b)/a + ½) ·
    clip((l + b − 1)/−a + ½)``, ``clip((l + b − 1)/a + ½)``, times 0.7 (a = ¼, b = 0.333)."""
    li = np.asarray(lightness, np.float32)
    a, b = np.float32(_CB_A), np.float32(_CB_B)

    def ramp(x: np.ndarray) -> np.ndarray:
        return np.clip(x + np.float32(0.5), 0.0, 1.0)

    k = np.float32(_CB_SCALE)
    shadows = ramp((li - b) / -a) * k
    mids = ramp((li - b) / a) * ramp((li + b - 1) / -a) * k
    highs = ramp((li + b - 1) / a) * k
    return shadows, mids, highs


def colour_balance(
    pixels: np.ndarray,
    shadows: ColourShift = (0.0, 0.0, 0.0),
    midtones: ColourShift = (0.0, 0.0, 0.0),
    highlights: ColourShift = (0.0, 0.0, 0.0),
    preserve_luminosity: bool = True,
) -> np.ndarray:
    """Colour Balance (GIMP's and Photoshop's): per tonal range, three shifts in -1..1 —
    cyan↔red, magenta↔green, yellow↔blue — added to R, G and B weighted by the range's
    mask over the pixel's HSL lightness (:func:`colour_balance_weights`):
    ``c' = clip(c + Σ_range shift_range[c] · w_range(l), 0, 1)``. With
    ``preserve_luminosity`` the result gets the original HSL lightness back (hue and
    saturation of the shifted colour, lightness of the original)."""
    a = _check_pixels(pixels)
    shifts = np.asarray([shadows, midtones, highlights], np.float32)
    if shifts.shape != (3, 3):
        raise ValueError("colour balance takes three (cyan-red, magenta-green, yellow-blue) shifts")
    if not ((shifts >= -1) & (shifts <= 1)).all():
        raise ValueError(f"colour balance shifts must be within -1..1, got {shifts.tolist()}")
    rgb = _to_float(a)
    if not shifts.any():
        return a.copy()
    light = (rgb.max(axis=-1) + rgb.min(axis=-1)) / np.float32(2.0)
    ws = colour_balance_weights(light)
    out = rgb.copy()
    for w, shift in zip(ws, shifts):
        out += w[..., None] * shift
    out = np.clip(out, 0.0, 1.0)
    if preserve_luminosity:
        h, s, _ = _rgb_to_hsl(out)
        out = _hsl_to_rgb(h, s, light)
    return _from_float(a, out)


# --- filters -------------------------------------------------------------------------------


def filter_margin(radius: float) -> int:
    """Context pixels a neighbourhood filter of this radius reads around an area."""
    return math.ceil(3.0 * float(radius)) + 1


def gaussian_kernel(sigma: float) -> np.ndarray:
    """Normalised 1-D gaussian taps out to 3·sigma (float64)."""
    r = max(1, math.ceil(3.0 * sigma))
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _convolve_axis(a: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    r = len(kernel) // 2
    pad = [(0, 0)] * a.ndim
    pad[axis] = (r, r)
    p = np.pad(a, pad, mode="edge")
    n = a.shape[axis]
    out = np.zeros(a.shape, np.float32)
    for i, w in enumerate(kernel):
        out += np.float32(w) * np.take(p, np.arange(i, i + n), axis=axis)
    return out


def _blur_float(x: np.ndarray, sigma: float) -> np.ndarray:
    """Separable gaussian blur of a float32 array over its first two axes."""
    k = gaussian_kernel(sigma)
    return _convolve_axis(_convolve_axis(x, k, 0), k, 1)


def _blur_rgb(a: np.ndarray, sigma: float) -> np.ndarray:
    """Alpha-weighted gaussian blur of ``a``'s colour, float32 0..1 (h, w, 3)."""
    rgb = _to_float(a)
    if a.shape[2] == 3:
        return _blur_float(rgb, sigma)
    alpha = a[..., 3:4].astype(np.float32) * np.float32(1.0 / _maxv(a))
    num = _blur_float(rgb * alpha, sigma)
    den = _blur_float(alpha, sigma)
    return np.where(den > 1e-6, num / np.maximum(den, 1e-6), rgb)


def gaussian_blur(pixels: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian blur of R, G, B with sigma = ``radius`` px (separable, edges replicated,
    colour weighted by alpha); alpha untouched. Radius 0 returns a copy."""
    a = _check_pixels(pixels)
    if not (radius >= 0 and math.isfinite(radius)):
        raise ValueError(f"blur radius must be >= 0, got {radius!r}")
    if radius == 0:
        return a.copy()
    return _from_float(a, _blur_rgb(a, float(radius)))


def unsharp_mask(
    pixels: np.ndarray, amount: float = 1.0, radius: float = 1.0, threshold: float = 0.0
) -> np.ndarray:
    """Sharpen: ``v + amount · (v − blur(v))`` where ``|v − blur(v)| ≥ threshold`` (a
    fraction of the range, per channel; 4/255 skips 8-bit noise of ±3), else ``v``."""
    a = _check_pixels(pixels)
    if not (radius > 0 and amount >= 0 and threshold >= 0):
        raise ValueError("unsharp mask needs radius > 0, amount >= 0, threshold >= 0")
    v = _to_float(a)
    detail = v - _blur_rgb(a, float(radius))
    keep = np.abs(detail) >= np.float32(threshold) - np.float32(1e-7)
    return _from_float(a, np.where(keep, v + np.float32(amount) * detail, v))


def denoise(pixels: np.ndarray, strength: float = 0.05, radius: int = 2) -> np.ndarray:
    """Edge-preserving noise reduction: a self-guided filter (He, Sun, Tang 2010) per
    channel over ``(2·radius + 1)²`` boxes, ``eps = strength²``. Flat areas (variance ≪
    eps) are averaged; edges (variance ≫ eps) are kept. O(1) per pixel in the radius."""
    a = _check_pixels(pixels)
    if not (strength > 0 and int(radius) >= 1):
        raise ValueError(f"denoise needs strength > 0 and radius >= 1, got {strength}, {radius}")
    r = int(radius)
    eps = np.float32(strength * strength)

    def box(x: np.ndarray) -> np.ndarray:
        return box_blur(box_blur(x, r, 0), r, 1)

    v = _to_float(a)
    mean = box(v)
    var = np.maximum(box(v * v) - mean * mean, 0.0)
    ka = var / (var + eps)
    kb = mean - ka * mean
    return _from_float(a, box(ka) * v + box(kb))



# The undoable command lives in its own module; importers of this one keep finding it here.
from editor.document.adjust_apply import (  # noqa: F401 - re-exported
    AdjustmentInput,
    adjustment_input,
    adjustment_preview,
    adjustment_result,
    apply_adjustment,
)
