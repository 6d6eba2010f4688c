"""Put a latent edit back into a photo region (numpy in/out, the engine convention).

Two modes:

* :func:`apply_delta` — for photos: ``original + upsample(D(z_edit) − D(z))``. Only
  the *change* the model makes is added, upsampled (bicubic) from the model's
  resolution to the region's size and optionally low-passed (Gaussian), so the photo's
  own detail survives; the result is blended in through a feathered mask.
* :func:`apply_replace` — for the built-in cartoon model: the decoded image itself,
  resized to the region and blended in through the (feathered) mask.

``original``: float32 ``(H, W, 3)`` RGB in [0, 1]; ``mask``: float32 ``(H, W)`` (1 =
edit, 0 = keep) or None for the whole region. Pixels where the feathered mask is 0 are
returned bit-identical to the input.
"""

from __future__ import annotations

import numpy as np

from ml.latent.base import LatentModel
from ml.types import EngineError


def feather_mask(mask: np.ndarray, radius: float) -> np.ndarray:
    """``mask`` blurred with a Gaussian of sigma ``radius / 2`` px, kept inside the
    original mask's support (outside stays exactly 0), in [0, 1]."""
    import cv2

    m = np.clip(np.asarray(mask, np.float32), 0, 1)
    if radius <= 0:
        return m
    # shrink first so the soft edge stays inside the painted area
    k = int(2 * round(radius) + 1)
    inner = cv2.erode(m, np.ones((k, k), np.uint8)) if k > 1 else m
    soft = cv2.GaussianBlur(inner, (0, 0), sigmaX=max(radius / 2.0, 0.5), borderType=cv2.BORDER_REPLICATE)
    return np.where(m > 0, np.clip(soft, 0, 1), 0).astype(np.float32)


def _resize(image: np.ndarray, h: int, w: int) -> np.ndarray:
    import cv2

    if image.shape[:2] == (h, w):
        return image.astype(np.float32)
    shrink = h < image.shape[0] or w < image.shape[1]
    return cv2.resize(image.astype(np.float32), (w, h),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def _check(original: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    img = np.asarray(original, np.float32)
    if img.ndim != 3 or img.shape[2] != 3:
        raise EngineError(f"expected an RGB region (H, W, 3), got shape {img.shape}")
    if mask is None:
        return img, np.ones(img.shape[:2], np.float32)
    m = np.asarray(mask, np.float32)
    if m.shape != img.shape[:2]:
        raise EngineError(f"the mask is {m.shape}, the region {img.shape[:2]}")
    return img, m


def _blend(original: np.ndarray, edited: np.ndarray, mask: np.ndarray, feather: float) -> np.ndarray:
    soft = feather_mask(mask, feather)[..., None]
    out = original + soft * (edited - original)
    out = np.clip(out, 0, 1).astype(np.float32)
    keep = soft[..., 0] == 0
    out[keep] = original[keep]
    return out


def edit_delta(
    model: LatentModel, z: np.ndarray, z_edit: np.ndarray, size: tuple[int, int],
    lowpass_sigma: float = 0.0,
) -> np.ndarray:
    """``upsample(D(z_edit) − D(z))`` at ``size`` = (H, W): float32 ``(H, W, 3)``.

    ``lowpass_sigma`` (px at the output size): Gaussian blur of the delta, 0 = none."""
    import cv2

    pair = model.decode(np.concatenate([model.check_latents(z), model.check_latents(z_edit)]))
    delta = _resize(pair[1] - pair[0], *size)
    if lowpass_sigma > 0:
        delta = cv2.GaussianBlur(delta, (0, 0), sigmaX=lowpass_sigma)
    return delta.astype(np.float32)


def apply_delta(
    original: np.ndarray,
    model: LatentModel,
    z: np.ndarray,
    z_edit: np.ndarray,
    mask: np.ndarray | None = None,
    feather: float = 8.0,
    lowpass_sigma: float = 0.0,
) -> np.ndarray:
    """``original + upsample(D(z_edit) − D(z))`` inside the feathered ``mask``.

    ``z`` is the latent of the (aligned) region, e.g. ``model.encode(region)``;
    ``feather``: soft-edge radius in px."""
    img, m = _check(original, mask)
    delta = edit_delta(model, z, z_edit, img.shape[:2], lowpass_sigma)
    return _blend(img, img + delta, m, feather)


def apply_replace(
    original: np.ndarray,
    model: LatentModel,
    z_edit: np.ndarray,
    mask: np.ndarray | None = None,
    feather: float = 0.0,
) -> np.ndarray:
    """The decoded ``z_edit`` resized to the region, blended in through ``mask``."""
    img, m = _check(original, mask)
    decoded = _resize(model.decode(model.check_latents(z_edit))[0], *img.shape[:2])
    return _blend(img, decoded, m, feather)
