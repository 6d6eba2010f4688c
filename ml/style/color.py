"""Colour transfer in Oklab: strength, "preserve luminance", no clipping, no neon edges.

The old transfer scaled each CIELAB channel by the style/content spread and clipped the
result to RGB, which gave a harsh cast (a near-grey photo's chroma multiplied many times)
and neon edges (chroma noise along edges amplified, then each RGB channel clipped on its
own, which shifts hue). Here:

* statistics in **Oklab** (Ottosson 2020; perceptually even lightness L and opponent
  axes a, b); the style is read at ≤ 512 px, its statistics are all we need;
* **lightness**: mean/spread (``mean-std``) or a slope-limited tone curve from the L
  histograms (``histogram``);
* **chroma**: the mean moves to the style's; the spread around it scales by ONE factor
  for a and b (hue angles are kept) limited to 1/2.5..2.5; with ``histogram`` the
  distribution of chroma is matched by a few passes of sliced 1-D matching in the a–b
  plane. The change is computed on an edge-aware smoothed chroma (guided filter, the
  lightness as guide) and added to the pixels, so fine chroma noise at edges is carried
  unchanged, never amplified;
* the cast fades towards black and white (a mid-tone weight renormalised so the mean
  chroma still lands on the style's);
* **strength** interpolates the statistics (0 = the input, 1 = the style's), so half
  strength is half the shift in Oklab, not an RGB cross-fade;
* **gamut**: each colour keeps its L and hue; chroma above 90 % of the most the sRGB
  gamut holds at that L and hue is compressed smoothly into the gamut (no per-channel
  RGB clipping, so no hue flips), L is soft-clipped into (0, 1).
"""

from __future__ import annotations

import cv2
import numpy as np

# Oklab matrices (Ottosson), linear sRGB -> LMS and cube-rooted LMS -> Lab
_M1 = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                [0.2119034982, 0.6806995451, 0.1073969566],
                [0.0883024619, 0.2817188376, 0.6299787005]], np.float32)
_M2 = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                [1.9779984951, -2.4285922050, 0.4505937099],
                [0.0259040371, 0.7827717662, -0.8086757660]], np.float32)
_M1_INV = np.linalg.inv(_M1.astype(np.float64)).astype(np.float32)
_M2_INV = np.linalg.inv(_M2.astype(np.float64)).astype(np.float32)

#: the chroma spread may grow or shrink at most this many times
MAX_CHROMA_RATIO = 2.5
#: the lightness spread (mean-std) and the tone curve's slope stay within 1/x..x
MAX_TONE_RATIO = 2.0
#: chroma above this fraction of the gamut's limit is compressed smoothly
GAMUT_KNEE = 0.9


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    rgb = np.clip(rgb, 0.0, 1.0).astype(np.float32)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92,
                    1.055 * np.power(lin, 1 / 2.4) - 0.055).astype(np.float32)


def _mat(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``x @ m.T`` over the last axis (3), through OpenCV (much faster than numpy here)."""
    flat = np.ascontiguousarray(x, np.float32).reshape(-1, 1, 3)
    return cv2.transform(flat, m).reshape(x.shape)


def linear_to_oklab(lin: np.ndarray) -> np.ndarray:
    return _mat(np.cbrt(_mat(lin, _M1)), _M2)


def oklab_to_linear(lab: np.ndarray) -> np.ndarray:
    lms = _mat(lab, _M2_INV)
    return _mat(lms * lms * lms, _M1_INV)


def rgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """sRGB [0, 1] → Oklab (L 0..1, a/b about −0.3..0.3), float32."""
    return linear_to_oklab(srgb_to_linear(rgb))


def oklab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Oklab → sRGB [0, 1], gamut-mapped by :func:`gamut_compress` (never clipped per
    channel)."""
    return linear_to_srgb(oklab_to_linear(gamut_compress(lab)))


def _in_gamut(lab: np.ndarray, tol: float = 1e-4) -> np.ndarray:
    lin = oklab_to_linear(lab)
    return np.all((lin >= -tol) & (lin <= 1.0 + tol), axis=-1)


def max_chroma(L: np.ndarray, hue: np.ndarray, steps: int = 14) -> np.ndarray:
    """The largest Oklab chroma sRGB holds at lightness ``L`` and hue angle ``hue``
    (radians), by bisection along the constant-L, constant-hue ray."""
    lo = np.zeros_like(L, dtype=np.float32)
    hi = np.full_like(L, 0.5, dtype=np.float32)
    ca, sa = np.cos(hue).astype(np.float32), np.sin(hue).astype(np.float32)
    for _ in range(steps):
        mid = (lo + hi) * 0.5
        ok = _in_gamut(np.stack([L, mid * ca, mid * sa], -1))
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return lo


def _soft_knee(x: np.ndarray, knee: float) -> np.ndarray:
    """Identity below ``knee``, then a smooth (C1) curve that approaches 1 and never
    exceeds it."""
    over = np.maximum(x - knee, 0.0) / (1.0 - knee)
    return np.where(x <= knee, x, knee + (1.0 - knee) * np.tanh(over)).astype(np.float32)


def _soft_clip_lightness(L: np.ndarray, lo: float = 0.04, hi: float = 0.97) -> np.ndarray:
    """Identity inside (``lo``, ``hi``), smooth (C1) roll-off into (0, 1) outside."""
    low = lo - lo * np.tanh((lo - L) / lo)
    high = hi + (1.0 - hi) * np.tanh((L - hi) / (1.0 - hi))
    return np.where(L < lo, low, np.where(L > hi, high, L)).astype(np.float32)


def gamut_compress(lab: np.ndarray, knee: float = GAMUT_KNEE) -> np.ndarray:
    """Bring Oklab colours into sRGB keeping each one's lightness and hue.

    L is soft-clipped into (0, 1); chroma above ``knee`` × the gamut's limit at that
    L and hue is compressed smoothly below the limit. In-gamut colours of moderate
    chroma come back unchanged.
    """
    lab = np.asarray(lab, np.float32)
    flat = lab.reshape(-1, 3)
    L = _soft_clip_lightness(flat[:, 0])
    a, b = flat[:, 1], flat[:, 2]
    chroma = np.hypot(a, b)
    out = np.stack([L, a, b], -1)
    # only colours that may be near or beyond the edge need the (bisection) limit
    near_edge = ~_in_gamut(out * np.float32([1, 1 / knee, 1 / knee]))
    candidates = np.flatnonzero((chroma > 0.02) & near_edge)
    if candidates.size:
        hue = np.arctan2(b[candidates], a[candidates])
        limit = np.maximum(max_chroma(L[candidates], hue), 1e-6)
        c = chroma[candidates]
        new_c = limit * _soft_knee(c / limit, knee)
        out[candidates, 1] = new_c * np.cos(hue)
        out[candidates, 2] = new_c * np.sin(hue)
    return out.reshape(lab.shape)


# ----------------------------------------------------------------------------- transfer

def _stats(lab: np.ndarray) -> tuple[np.ndarray, float, float]:
    flat = lab.reshape(-1, 3)
    mean = flat.mean(0)
    l_std = float(flat[:, 0].std())
    ab = flat[:, 1:] - mean[1:]
    c_spread = float(np.sqrt((ab ** 2).sum(1).mean()))
    return mean, l_std, c_spread


def smooth_chroma(lab: np.ndarray, radius: int | None = None) -> np.ndarray:
    """Edge-aware low-pass of Oklab a, b (guided filter, lightness as the guide), HW×2."""
    h, w = lab.shape[:2]
    radius = max(2, round(max(h, w) / 150)) if radius is None else max(1, int(radius))
    guide = np.ascontiguousarray(lab[..., 0])
    src = np.ascontiguousarray(lab[..., 1:])
    try:
        return cv2.ximgproc.guidedFilter(guide, src, radius, 1e-3).reshape(h, w, 2)
    except AttributeError:  # plain OpenCV without the contrib modules
        return cv2.bilateralFilter(src, 2 * radius + 1, 0.05, radius).reshape(h, w, 2)


def _midtone_weight(L: np.ndarray) -> np.ndarray:
    """1 in the mid-tones, falling to 0.25 at black and white."""
    return (0.25 + 0.75 * np.clip(np.sin(np.pi * np.clip(L, 0, 1)) * 1.4, 0, 1)).astype(
        np.float32)


def _tone_curve(src: np.ndarray, ref: np.ndarray, bins: int = 256,
                limit: float = MAX_TONE_RATIO) -> tuple[np.ndarray, np.ndarray]:
    """A monotone curve from ``src``'s quantiles to ``ref``'s, smoothed, its slope kept
    within 1/``limit``..``limit``."""
    qs = np.linspace(0.0, 1.0, bins)
    x = np.quantile(src, qs)
    y = np.quantile(ref, qs)
    x = np.maximum.accumulate(x + np.arange(bins) * 1e-7)
    # smooth the curve (quantile steps become bands otherwise), then limit its slope
    y = np.convolve(np.pad(y, 8, mode="edge"), np.ones(17) / 17, mode="valid")
    dx = np.diff(x)
    dy = np.clip(np.diff(y), dx / limit, dx * limit)
    return x, np.concatenate([[y[0]], y[0] + np.cumsum(dy)])


def _radial_chroma(centred: np.ndarray, ref_centred: np.ndarray) -> np.ndarray:
    """Centred a–b points (N×2) whose distances from the mean follow ``ref_centred``'s
    (a slope-limited quantile curve on the chroma radius); every hue angle is kept, so
    no region of the photo is given a hue it did not have."""
    r = np.hypot(centred[:, 0], centred[:, 1])
    ref_r = np.hypot(ref_centred[:, 0], ref_centred[:, 1])
    x, y = _tone_curve(r, ref_r, limit=MAX_CHROMA_RATIO)
    y = np.maximum(y - y[0], 0.0)  # the greyest point stays on the mean
    new_r = np.interp(r, x, y).astype(np.float32)
    return centred * (new_r / np.maximum(r, 1e-6))[:, None]


def transfer_oklab(content: np.ndarray, style: np.ndarray, *, strength: float = 1.0,
                   preserve_luminance: bool = False, method: str = "mean-std") -> np.ndarray:
    """The transferred colours in Oklab, before gamut mapping (float32 HW×3)."""
    s = float(np.clip(strength, 0.0, 1.0))
    c_lab = rgb_to_oklab(content)
    s_lab = rgb_to_oklab(style)
    c_mean, c_lstd, c_spread = _stats(c_lab)
    s_mean, s_lstd, s_spread = _stats(s_lab)
    out = c_lab.copy()
    L = c_lab[..., 0]
    if not preserve_luminance:
        if method == "histogram":
            x, y = _tone_curve(L.ravel(), s_lab[..., 0].ravel())
            out[..., 0] = L + s * (np.interp(L, x, y).astype(np.float32) - L)
        else:
            ratio = np.clip(s_lstd / max(c_lstd, 1e-4), 1 / MAX_TONE_RATIO, MAX_TONE_RATIO)
            target_mean = c_mean[0] + s * (s_mean[0] - c_mean[0])
            out[..., 0] = (L - c_mean[0]) * ratio ** s + target_mean

    base = smooth_chroma(c_lab)  # a, b without the fine (edge) chroma noise
    flat = base.reshape(-1, 2)
    centred = flat - c_mean[1:]
    if method == "histogram":
        spread = _radial_chroma(centred, s_lab.reshape(-1, 3)[:, 1:] - s_mean[1:])
        delta = (s * (spread - centred)).reshape(base.shape)
    else:
        ratio = np.clip(s_spread / max(c_spread, 1e-4), 1 / MAX_CHROMA_RATIO,
                        MAX_CHROMA_RATIO) ** s
        delta = (centred * (ratio - 1.0)).reshape(base.shape)
    # the mean moves to the style's; the cast fades towards black and white, weighted so
    # that the mean still lands on the target
    shift = s * (s_mean[1:] - c_mean[1:])
    wgt = _midtone_weight(out[..., 0])
    delta = delta + wgt[..., None] * (shift / max(float(wgt.mean()), 1e-3))
    out[..., 1:] = c_lab[..., 1:] + delta
    return out


def color_transfer(content: np.ndarray, style: np.ndarray, *, strength: float = 1.0,
                   preserve_luminance: bool = False, method: str = "mean-std") -> np.ndarray:
    """Give ``content`` the colours of ``style`` (float RGB in, float RGB in [0, 1] out).

    ``method``: ``mean-std`` (gentle: lightness mean/spread, chroma mean and one spread
    factor) or ``histogram`` (lightness tone curve and the distribution of chroma
    around the mean, every hue kept).
    ``preserve_luminance`` keeps the content's Oklab lightness exactly (up to the
    gamut mapping, which never changes L inside (0.04, 0.97)).
    """
    lab = transfer_oklab(content, style, strength=strength,
                         preserve_luminance=preserve_luminance, method=method)
    return oklab_to_rgb(lab)
