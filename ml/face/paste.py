"""Pasting an edited, aligned face crop back into the photo: face mask, colour match, patch.

Builds on :mod:`ml.face.align` (the FFHQ crop and its inverse warp ``paste_back``):

* :func:`face_mask` — a soft ellipse over forehead, cheeks and chin in crop coordinates,
  placed from the landmarks (so background, hair and ears outside it stay the photo's);
* :func:`match_colours` — moves the edited crop's colour statistics (per-channel mean and
  standard deviation in CIE Lab, inside the mask) onto the original crop's, so a generated
  face does not land a shade off;
* :func:`paste_face` — only the photo region the crop covers: ``(box, patch, weight)``,
  ``patch`` the region with the crop blended in through the feathered weight (the same
  dtype as the photo), ``weight`` float32 in [0, 1]. Pixels of weight 0 are the photo's,
  bit-identical.
"""

from __future__ import annotations

import cv2
import numpy as np

from ml.face.align import DEFAULT_FEATHER, AlignedFace, paste_back, transform_points
from ml.types import EngineError

#: the mask ellipse, in units of the eye-to-mouth distance: above the eyes (forehead),
#: below the mouth (chin), and the half width in eye distances
FOREHEAD, CHIN, HALF_WIDTH = 1.1, 0.85, 1.05
#: the soft edge of the face mask as a fraction of the ellipse's radius
MASK_SOFTNESS = 0.25


def face_mask(aligned: AlignedFace, points: np.ndarray, softness: float = MASK_SOFTNESS
              ) -> np.ndarray:
    """Float32 ``size × size`` in [0, 1]: 1 over the face, a smooth fall to 0 outside the
    ellipse through forehead and chin (crop coordinates; ``points`` in the photo's)."""
    p = transform_points(aligned.matrix, points)
    eyes = (p[0] + p[1]) / 2
    mouth = (p[3] + p[4]) / 2
    down = mouth - eyes
    d = float(np.hypot(*down))
    eye_dist = float(np.hypot(*(p[1] - p[0])))
    if d < 1e-3 or eye_dist < 1e-3:
        raise EngineError("the landmarks are degenerate (eyes and mouth coincide)")
    axis_y = down / d
    axis_x = np.array([axis_y[1], -axis_y[0]])
    top, bottom = eyes - FOREHEAD * d * axis_y, mouth + CHIN * d * axis_y
    centre = (top + bottom) / 2
    ry, rx = float(np.hypot(*(bottom - top))) / 2, HALF_WIDTH * eye_dist
    n = aligned.size
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    dx, dy = xx - centre[0], yy - centre[1]
    u = (dx * axis_x[0] + dy * axis_x[1]) / rx
    v = (dx * axis_y[0] + dy * axis_y[1]) / ry
    r = np.sqrt(u * u + v * v)
    t = np.clip((1.0 - r) / max(softness, 1e-3), 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def match_colours(edited: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``edited`` (float32 RGB [0, 1]) with its Lab mean and std inside ``mask`` moved to
    ``original``'s; outside the mask the same per-channel map applies (smoothly)."""
    e = cv2.cvtColor(np.clip(edited, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    o = cv2.cvtColor(np.clip(original, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    w = np.asarray(mask, np.float32)[..., None]
    total = float(w.sum())
    if total < 1.0:
        return np.asarray(edited, np.float32)
    em, om = (e * w).sum((0, 1)) / total, (o * w).sum((0, 1)) / total
    es = np.sqrt(((e - em) ** 2 * w).sum((0, 1)) / total) + 1e-4
    os_ = np.sqrt(((o - om) ** 2 * w).sum((0, 1)) / total) + 1e-4
    # a generated face may be flatter or punchier; don't let a tiny std blow it up
    gain = np.clip(os_ / es, 0.5, 2.0)
    out = (e - em) * gain + om
    return np.clip(cv2.cvtColor(out.astype(np.float32), cv2.COLOR_LAB2RGB), 0, 1)


def _roi(aligned: AlignedFace, w: int, h: int) -> tuple[tuple[int, int, int, int], AlignedFace]:
    x0, y0, x1, y1 = aligned.photo_box()
    box = (max(0, x0), max(0, y0), min(w, x1), min(h, y1))
    if box[2] <= box[0] or box[3] <= box[1]:
        raise EngineError("the face lies outside the image")
    m = np.array(aligned.matrix, np.float64)
    m[:, 2] += m[:, :2] @ np.array([box[0], box[1]], np.float64)
    return box, AlignedFace(aligned.crop, m, aligned.size, aligned.valid)


def paste_face(image: np.ndarray, crop: np.ndarray, aligned: AlignedFace,
               mask: np.ndarray | None = None, feather: float = DEFAULT_FEATHER
               ) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]:
    """``(box (x0, y0, x1, y1), patch, weight)``: the region of ``image`` the ``crop``
    covers, with the crop warped back and blended in (``mask`` × the crop's feathered
    edge), and the blend weight there. ``crop`` has ``image``'s dtype and channels."""
    a = np.asarray(image)
    h, w = a.shape[:2]
    box, local = _roi(aligned, w, h)
    x0, y0, x1, y1 = box
    region = a[y0:y1, x0:x1]
    patch = paste_back(region, crop, local, feather=feather, mask=mask)
    ones = np.ones((aligned.size, aligned.size, 1), np.float32)
    weight = paste_back(np.zeros((y1 - y0, x1 - x0, 1), np.float32), ones, local,
                        feather=feather, mask=mask)[..., 0]
    return box, patch, np.clip(weight, 0, 1).astype(np.float32)


def to_dtype(rgb: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Float RGB [0, 1] as ``like``'s integer type (rounded), or float32."""
    if np.issubdtype(like.dtype, np.integer):
        top = float(np.iinfo(like.dtype).max)
        return np.rint(np.clip(rgb, 0, 1) * top).astype(like.dtype)
    return np.asarray(rgb, np.float32)

