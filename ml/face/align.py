"""FFHQ-style face alignment from 5 landmarks, and the inverse warp that pastes a crop back.

The crop follows the FFHQ recipe (Karras et al., ``align_images`` of the FFHQ data set):
from the eye centres and mouth corners,

* ``eye_to_eye = eye_right − eye_left``, ``eye_to_mouth = mouth_avg − eye_avg``;
* ``x = eye_to_eye − rot90(eye_to_mouth)``, normalised, times
  ``max(2.0·|eye_to_eye|, 1.8·|eye_to_mouth|)``; ``y = rot90(x)``;
* centre ``c = eye_avg + 0.1·eye_to_mouth``; the crop is the square ``c ± x ± y``.

FFHQ measured eye centres and mouth corners on 68 landmarks; MTCNN's 5 points are the same
quantities (eye centres, mouth corners), so the crops frame faces like FFHQ's do, up to the
detector's precision. The transform is a similarity (rotation, uniform scale, shift).

Coordinates are pixel indices (pixel centres at integers), in the image and in the crop.
Pixels keep their dtype (``uint8``, ``uint16`` or float) and channel count.

Typical use (issue 15: edit an aligned crop with a face model, put it back)::

    aligned = align_face(pixels, face.points, size=512)
    edited = model(aligned.crop)                       # same size and dtype
    result = paste_back(pixels, edited, aligned)      # only the face region changes
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ml.types import EngineError

# The crop's edge ramp of the paste-back blend, as a fraction of the crop size.
DEFAULT_FEATHER = 0.1


def ffhq_quad(points: np.ndarray) -> np.ndarray:
    """The FFHQ crop square in image coordinates: ``(4, 2)`` corners top-left, bottom-left,
    bottom-right, top-right (as on screen for an upright face)."""
    p = np.asarray(points, np.float64).reshape(5, 2)
    eye_left, eye_right, _nose, mouth_left, mouth_right = p
    eye_avg = (eye_left + eye_right) / 2
    eye_to_eye = eye_right - eye_left
    mouth_avg = (mouth_left + mouth_right) / 2
    eye_to_mouth = mouth_avg - eye_avg
    x = eye_to_eye - np.array([-eye_to_mouth[1], eye_to_mouth[0]])
    norm = math.hypot(*x)
    if norm < 1e-6:
        raise EngineError("the landmarks are degenerate (eyes and mouth coincide)")
    x = x / norm * max(math.hypot(*eye_to_eye) * 2.0, math.hypot(*eye_to_mouth) * 1.8)
    y = np.array([-x[1], x[0]])
    c = eye_avg + eye_to_mouth * 0.1
    return np.stack([c - x - y, c - x + y, c + x + y, c + x - y])


def ffhq_matrix(points: np.ndarray, size: int) -> np.ndarray:
    """The 2×3 similarity mapping image pixel coordinates to the ``size × size`` crop's."""
    quad = ffhq_quad(points)
    center = quad.mean(axis=0)
    x_half = (quad[3] - quad[0]) / 2  # top-right − top-left: the crop's x axis, half width
    half = math.hypot(*x_half)
    scale = (size / 2) / half
    cos, sin = x_half / half
    rot = scale * np.array([[cos, sin], [-sin, cos]])
    shift = (size - 1) / 2 - rot @ center
    return np.concatenate([rot, shift[:, None]], axis=1)


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 2×3 affine matrix."""
    return cv2.invertAffineTransform(np.asarray(matrix, np.float64))


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``(N, 2)`` points through a 2×3 affine matrix."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    m = np.asarray(matrix, np.float64)
    return p @ m[:, :2].T + m[:, 2]


@dataclass(frozen=True)
class AlignedFace:
    """An aligned crop and how it sits in the photo.

    ``crop``: ``size × size`` pixels, the source's dtype and channels. ``matrix``: 2×3,
    photo → crop coordinates. ``valid``: float32 ``size × size``, 1 where the crop saw the
    photo, 0 where it fell outside it (those pixels are edge-replicated).
    """

    crop: np.ndarray
    matrix: np.ndarray
    size: int
    valid: np.ndarray

    @property
    def inverse_matrix(self) -> np.ndarray:
        """2×3, crop → photo coordinates."""
        return invert_affine(self.matrix)

    @property
    def scale(self) -> float:
        """Crop pixels per photo pixel."""
        return float(math.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    def photo_box(self, margin: int = 2) -> tuple[int, int, int, int]:
        """The crop's footprint in the photo, ``(x0, y0, x1, y1)``, unclamped, plus margin."""
        n = self.size
        corners = transform_points(self.inverse_matrix,
                                   [[-0.5, -0.5], [n - 0.5, -0.5], [n - 0.5, n - 0.5],
                                    [-0.5, n - 0.5]])
        lo = np.floor(corners.min(axis=0)).astype(int) - margin
        hi = np.ceil(corners.max(axis=0)).astype(int) + margin + 1
        return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def _clamped(box: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int, int, int]:
    return max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])


def _with_translation(matrix: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``matrix`` for coordinates shifted by ``(dx, dy)`` (an ROI at ``(dx, dy)``)."""
    m = np.array(matrix, np.float64)
    m[:, 2] += m[:, :2] @ np.array([dx, dy])
    return m


def _resized_coords(fx: float, fy: float) -> np.ndarray:
    """3×3: coordinates of an image → those of its resize by ``(fx, fy)`` (pixel centres)."""
    # p' = f·(p + 0.5) − 0.5
    return np.array([[fx, 0, 0.5 * fx - 0.5], [0, fy, 0.5 * fy - 0.5], [0, 0, 1]])


def _prescale(matrix: np.ndarray, fx: float, fy: float) -> np.ndarray:
    """``matrix`` (source → crop) for a source resized by ``(fx, fy)``."""
    return np.asarray(matrix, np.float64) @ np.linalg.inv(_resized_coords(fx, fy))


def align_face(image: np.ndarray, points: np.ndarray, size: int = 512) -> AlignedFace:
    """The FFHQ-style ``size × size`` crop of the face with these 5 landmarks.

    When the crop is much smaller than the face in the photo, the photo's face region is
    area-downsampled first, so the crop does not alias.
    """
    if size < 8:
        raise ValueError("size must be at least 8")
    a = np.asarray(image)
    squeeze = a.ndim == 2
    if squeeze:
        a = a[:, :, None]
    h, w = a.shape[:2]
    matrix = ffhq_matrix(points, size)
    info = AlignedFace(np.empty(0), matrix, size, np.empty(0))
    x0, y0, x1, y1 = _clamped(info.photo_box(), w, h)
    if x1 <= x0 or y1 <= y0:
        raise EngineError("the face lies outside the image")
    roi = a[y0:y1, x0:x1]
    m = _with_translation(matrix, x0, y0)
    scale = info.scale
    if scale < 0.5:
        factor = 2 * scale
        rw, rh = max(1, round(roi.shape[1] * factor)), max(1, round(roi.shape[0] * factor))
        fx, fy = rw / roi.shape[1], rh / roi.shape[0]
        roi = cv2.resize(roi, (rw, rh), interpolation=cv2.INTER_AREA).reshape(rh, rw, -1)
        m = _prescale(m, fx, fy)
    crop = _warp(roi, m, size, size, cv2.BORDER_REPLICATE)
    ones = np.ones(roi.shape[:2], np.float32)
    valid = cv2.warpAffine(ones, m, (size, size), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if squeeze:
        crop = crop[:, :, 0]
    return AlignedFace(crop, matrix, size, valid)


def _warp(src: np.ndarray, matrix: np.ndarray, width: int, height: int, border: int,
          inverse: bool = False) -> np.ndarray:
    """``cv2.warpAffine`` for any channel count (OpenCV handles at most 4 at once)."""
    flags = cv2.INTER_LINEAR | (cv2.WARP_INVERSE_MAP if inverse else 0)
    src = src if src.ndim == 3 else src[:, :, None]
    parts = []
    for c in range(0, src.shape[2], 4):
        part = cv2.warpAffine(np.ascontiguousarray(src[:, :, c:c + 4]), matrix, (width, height),
                              flags=flags, borderMode=border)
        parts.append(part.reshape(height, width, -1))
    return np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0]


def feather_mask(size: int, feather: float = DEFAULT_FEATHER) -> np.ndarray:
    """A ``size × size`` float32 mask: 1 inside, a smooth ramp to 0 over ``feather·size``
    pixels at the edges (0 on the outermost pixel)."""
    ramp = max(1.0, feather * size)
    d = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32)
    t = np.clip(d / ramp, 0, 1)
    t = t * t * (3 - 2 * t)
    return np.minimum(t[:, None], t[None, :]).astype(np.float32)


def paste_back(
    image: np.ndarray,
    crop: np.ndarray,
    aligned: AlignedFace,
    *,
    feather: float = DEFAULT_FEATHER,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """``image`` with the (edited) aligned ``crop`` warped back into place, feathered.

    ``crop`` has the aligned crop's size; its channel count matches ``image``'s. ``mask``
    (float32 ``size × size`` in [0, 1], crop coordinates) limits the blend further, e.g. to
    the face. Returns a new array of ``image``'s dtype and shape; pixels the blend does not
    reach (weight 0) are bit-identical to ``image``.
    """
    a = np.asarray(image)
    squeeze = a.ndim == 2
    if squeeze:
        a = a[:, :, None]
    c = np.asarray(crop)
    if c.ndim == 2:
        c = c[:, :, None]
    n = aligned.size
    if c.shape[:2] != (n, n) or c.shape[2] != a.shape[2]:
        raise EngineError(f"the crop must be {n}×{n}×{a.shape[2]}, got {c.shape}")
    h, w = a.shape[:2]
    weight = feather_mask(n, feather)
    if mask is not None:
        weight = weight * np.clip(np.asarray(mask, np.float32).reshape(n, n), 0, 1)
    x0, y0, x1, y1 = _clamped(aligned.photo_box(), w, h)
    out = a.copy()
    if x1 <= x0 or y1 <= y0:
        return out[:, :, 0] if squeeze else out
    m = _with_translation(aligned.matrix, x0, y0)  # ROI → crop
    src = c
    if aligned.scale > 1.5:
        # the crop is finer than the photo: area-shrink it to about the photo's scale first
        factor = 1.0 / aligned.scale
        size2 = max(1, round(n * factor))
        src = cv2.resize(c, (size2, size2), interpolation=cv2.INTER_AREA).reshape(size2, size2, -1)
        weight = cv2.resize(weight, (size2, size2), interpolation=cv2.INTER_AREA)
        k = size2 / n
        m = (_resized_coords(k, k) @ np.vstack([m, [0, 0, 1]]))[:2]
    rw, rh = x1 - x0, y1 - y0
    warped = _warp(src, m, rw, rh, cv2.BORDER_REPLICATE, inverse=True)
    wmask = cv2.warpAffine(weight, m, (rw, rh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    region = out[y0:y1, x0:x1]
    blend_into(region, warped, wmask)
    return out[:, :, 0] if squeeze else out


def blend_into(dst: np.ndarray, src: np.ndarray, weight: np.ndarray) -> None:
    """``dst ← dst·(1−weight) + src·weight`` in place, only where ``weight > 0``; integer
    pixels are rounded and clipped to their type's range. Pixels with weight 0 stay
    bit-identical."""
    touched = weight > 0
    if not touched.any():
        return
    ys, xs = np.nonzero(touched.any(axis=1))[0], np.nonzero(touched.any(axis=0))[0]
    box = np.s_[ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1]
    d, w = dst[box], weight[box][:, :, None]
    mixed = d.astype(np.float32)
    mixed += (src[box].astype(np.float32) - mixed) * w
    if np.issubdtype(dst.dtype, np.integer):
        info = np.iinfo(dst.dtype)
        np.rint(mixed, out=mixed)
        np.clip(mixed, info.min, info.max, out=mixed)
    np.copyto(d, mixed.astype(dst.dtype), where=touched[box][:, :, None])
