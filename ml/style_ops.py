"""Helpers shared by every style-transfer engine (numpy only; no torch).

Images follow :mod:`ml.types`: float32 RGB HWC in [0, 1]; masks float32 HW, 1 = change.

* colour transfer lives in :mod:`ml.style.color` (Oklab, gamut-safe);
* :func:`luminance_only`: the stylised luminance with the original's chroma (YCbCr, BT.601),
  i.e. "luminance-only transfer" (Gatys et al. 2016, *Preserving colour*);
* :func:`finish`: strength blend, keep-colours and mask, applied the same way for every
  engine. Strength 0 (or an all-zero mask) returns the input bit for bit, and pixels whose
  mask is 0 are exactly the input's;
* resizing helpers: :func:`fit_long_side`, :func:`scale_style` (style scale = stroke
  size relative to the image) and :func:`detail_upsample` (bring a low-resolution
  stylisation to full size while keeping the full-resolution detail of the content).
"""

from __future__ import annotations

import cv2
import numpy as np

from ml.types import EngineError

# BT.601 full-range RGB -> YCbCr (offsets 0.5 for chroma)
_YCC = np.array([[0.299, 0.587, 0.114],
                 [-0.168736, -0.331264, 0.5],
                 [0.5, -0.418688, -0.081312]], dtype=np.float32)
_YCC_INV = np.linalg.inv(_YCC.astype(np.float64)).astype(np.float32)


def check_image(image: np.ndarray, what: str = "image") -> np.ndarray:
    """The image as contiguous float32 HWC RGB, or EngineError saying what is wrong."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise EngineError(f"{what}: expected an HxWx3 RGB image, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise EngineError(f"{what}: expected float values in [0, 1], got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def check_mask(mask: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
    """A float32 HW mask in [0, 1] matching ``shape`` (ints/bools are scaled), or None."""
    if mask is None:
        return None
    from ml.imageconv import mask_to_engine

    m = mask_to_engine(np.asarray(mask))
    if m.shape != tuple(shape):
        raise EngineError(
            f"mask is {m.shape[1]}x{m.shape[0]} but the image is {shape[1]}x{shape[0]}")
    return m


# ----------------------------------------------------------------------------- colour

def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """RGB → YCbCr (BT.601 full range; Cb/Cr centred on 0.5), float32, exact inverse below."""
    out = rgb.astype(np.float32) @ _YCC.T
    out[..., 1:] += 0.5
    return out


def ycbcr_to_rgb(ycc: np.ndarray) -> np.ndarray:
    """YCbCr → RGB (not clipped)."""
    tmp = ycc.astype(np.float32).copy()
    tmp[..., 1:] -= 0.5
    return tmp @ _YCC_INV.T


def luminance_only(original: np.ndarray, result: np.ndarray) -> np.ndarray:
    """The result's luminance with the original's chroma (YCbCr), clipped to [0, 1]."""
    o, r = rgb_to_ycbcr(original), rgb_to_ycbcr(result)
    o[..., 0] = r[..., 0]
    return np.clip(ycbcr_to_rgb(o), 0.0, 1.0)


# ----------------------------------------------------------------------------- blending

def finish(original: np.ndarray, result: np.ndarray, *, strength: float = 1.0,
           keep_colors: bool = False, mask: np.ndarray | None = None) -> np.ndarray:
    """Apply keep-colours, then blend with the original by ``strength`` × ``mask``.

    Where the effective weight is 0 the original's pixels are returned unchanged (exact).
    """
    original = check_image(original, "content")
    result = check_image(result, "result")
    if result.shape != original.shape:
        raise EngineError(f"result is {result.shape[1]}x{result.shape[0]} but the image is "
                          f"{original.shape[1]}x{original.shape[0]}")
    strength = float(np.clip(strength, 0.0, 1.0))
    if strength <= 0.0:
        return original.copy()
    if keep_colors:
        result = luminance_only(original, result)
    result = np.clip(np.nan_to_num(result), 0.0, 1.0)
    if mask is None:
        if strength >= 1.0:
            return result.astype(np.float32)
        return (original + (result - original) * np.float32(strength)).astype(np.float32)
    weight = (mask * np.float32(strength))[..., None]
    blended = original + (result - original) * weight
    return np.where(weight > 0.0, blended, original).astype(np.float32)


# ----------------------------------------------------------------------------- sizes

def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-averaged down, bicubic up (clipped to [0, 1])."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image.astype(np.float32, copy=True)
    shrinking = width * height < w * h
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    out = cv2.resize(image.astype(np.float32), (int(width), int(height)), interpolation=interp)
    if out.ndim == 2 and image.ndim == 3:
        out = out[:, :, None]
    return np.clip(out, 0.0, 1.0) if not shrinking else out


def fit_long_side(image: np.ndarray, max_side: int, multiple: int = 1) -> np.ndarray:
    """``image`` shrunk (never enlarged) so its long side is ≤ ``max_side``; the sides are
    rounded to ``multiple``."""
    h, w = image.shape[:2]
    f = min(1.0, max_side / max(h, w))
    nw = max(multiple, round(w * f / multiple) * multiple)
    nh = max(multiple, round(h * f / multiple) * multiple)
    return resize(image, nw, nh)


def scale_style(style: np.ndarray, content_shape: tuple[int, ...], style_scale: float = 1.0,
                max_side: int | None = None) -> np.ndarray:
    """Resize the style image so its long side is ``style_scale`` × the working content's.

    At ``style_scale`` 1 a stroke covers the same fraction of the result as it covers of
    the style image (relative to the long sides); 2 makes strokes twice as big. The long
    side is capped at ``max_side`` (compute cost) and kept ≥ 16 pixels.
    """
    long_content = max(content_shape[:2])
    h, w = style.shape[:2]
    target = max(16.0, long_content * float(style_scale))
    if max_side is not None:
        target = min(target, float(max_side))
    f = target / max(h, w)
    return resize(style, max(1, round(w * f)), max(1, round(h * f)))


def detail_upsample(stylised_low: np.ndarray, content_full: np.ndarray,
                    content_low: np.ndarray | None = None, detail_keep: float = 0.5) -> np.ndarray:
    """Bring a low-resolution stylisation to the content's full size.

    ``result = up(stylised_low) + (content_full − up(content_low)) × detail_keep``: the
    stylisation supplies colours and strokes at the working scale, and the high-frequency
    detail that the working resolution could not hold comes from the full-size content,
    so a 1 MP result needs only a ~0.15 MP optimisation. ``detail_keep`` 0 gives the
    plain (soft) upsample.
    """
    h, w = content_full.shape[:2]
    up = resize(stylised_low, w, h)
    if stylised_low.shape[:2] == (h, w) or detail_keep <= 0.0:
        return np.clip(up, 0.0, 1.0)
    if content_low is None:
        content_low = resize(content_full, stylised_low.shape[1], stylised_low.shape[0])
    base = resize(content_low, w, h)
    return np.clip(up + (content_full - base) * np.float32(detail_keep), 0.0, 1.0)
