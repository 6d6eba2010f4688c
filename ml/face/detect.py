"""Face detection with 5 landmarks: the MTCNN cascade (PNet → RNet → ONet) on our own nets.

The pipeline, as in Zhang et al. 2016:

1. an image pyramid (scales ``12/min_face · factor^k`` while the shorter side stays ≥ 12);
   PNet slides a 12×12 window at stride 2 over each level; windows above
   ``thresholds[0]`` become candidate boxes, NMS per level (IoU 0.5), then over all levels
   (IoU 0.7), then box regression and squaring;
2. RNet scores 24×24 crops of the candidates (``thresholds[1]``), NMS 0.7, regression;
3. ONet scores 48×48 crops (``thresholds[2]``) and places the 5 landmarks; regression,
   then NMS with the "min" overlap (0.7) drops boxes nested in bigger ones.

Large photos are detected on a copy whose long side is at most ``max_side`` (stages 1
and 2); the ONet crops come from the full-resolution image, so the landmarks keep its
precision. Any input the editor has works: ``uint8``, ``uint16`` or float in [0, 1], gray,
RGB or RGBA (alpha ignored).

Landmark order (image left/right, as seen on screen): ``eye_left, eye_right, nose,
mouth_left, mouth_right`` — the image-left eye is the subject's right eye.

Typical use::

    from ml.face.detect import detect_face
    face = detect_face(pixels)                  # the largest face, or raises FaceNotFound
    face = detect_face(pixels, region=(x0, y0, x1, y1))   # the face in a selection
    faces = detect_faces(pixels)                # all of them, largest first
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ml.types import EngineError, RunContext

LANDMARK_NAMES = ("eye_left", "eye_right", "nose", "mouth_left", "mouth_right")
DEFAULT_THRESHOLDS = (0.6, 0.7, 0.7)
DEFAULT_FACTOR = 0.709
DEFAULT_MIN_FACE = 20
# With min_face=None the smallest face searched for is this fraction of the detection
# copy's shorter side (at least DEFAULT_MIN_FACE): PNet's cost falls with min_face², and
# smaller faces are found by detecting inside a region around them.
AUTO_MIN_FACE_FRACTION = 0.04
DEFAULT_MAX_SIDE = 1280
# Boxes whose centre lies in a user's region count as "in" it; the region is searched
# with this much context around it (a fraction of its size) so a tight selection works.
REGION_CONTEXT = 0.25


class FaceNotFound(EngineError):
    """No face was found (in the image or in the given region)."""


class FaceTooSmall(EngineError):
    """A face was found but it is too small for the operation asked for."""


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Face:
    """One detected face, in the pixel coordinates of the image it was found in.

    ``box`` is ``(x0, y0, x1, y1)`` (x1/y1 exclusive, may reach outside the image);
    ``points`` is a ``(5, 2)`` float32 array of ``(x, y)`` in :data:`LANDMARK_NAMES` order.
    """

    box: Box
    score: float
    points: np.ndarray

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    @property
    def eye_distance(self) -> float:
        """Distance between the two eye landmarks in pixels (the face's scale)."""
        return float(np.hypot(*(self.points[1] - self.points[0])))

    def point(self, name: str) -> np.ndarray:
        """The landmark called ``name`` (one of :data:`LANDMARK_NAMES`) as ``(x, y)``."""
        return self.points[LANDMARK_NAMES.index(name)]

    def translated(self, dx: float, dy: float) -> Face:
        """The same face with coordinates shifted by ``(dx, dy)``."""
        b = self.box
        return Face((b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy), self.score,
                    (self.points + np.float32([dx, dy])).astype(np.float32))


# ---------------------------------------------------------------------------- pipeline steps


def pyramid_scales(min_side: int, min_face: float = DEFAULT_MIN_FACE,
                   factor: float = DEFAULT_FACTOR) -> list[float]:
    """The PNet pyramid: scale ``12/min_face`` then ×``factor`` while ``min_side·scale ≥ 12``.

    A face of ``min_face`` pixels becomes one 12×12 PNet window at the first scale.
    """
    if min_face <= 0 or not 0 < factor < 1:
        raise ValueError("min_face must be > 0 and factor in (0, 1)")
    scales = []
    scale = 12.0 / min_face
    while min_side * scale >= 12:
        scales.append(scale)
        scale *= factor
    return scales


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, mode: str = "union") -> np.ndarray:
    """Greedy non-maximum suppression; indices of the kept boxes, best score first.

    ``boxes`` is ``(N, 4)`` ``x0, y0, x1, y1``. A box is dropped when its overlap with a
    kept one exceeds ``threshold``: intersection over union (``mode="union"``) or over the
    smaller box's area (``mode="min"``, which also removes boxes nested in bigger ones).
    """
    if mode not in ("union", "min"):
        raise ValueError(f"mode must be 'union' or 'min', not {mode!r}")
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    x0, y0, x1, y1 = boxes.T
    area = np.maximum(0, x1 - x0) * np.maximum(0, y1 - y0)
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0, np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]))
        ih = np.maximum(0, np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]))
        inter = iw * ih
        if mode == "min":
            denom = np.minimum(area[i], area[rest])
        else:
            denom = area[i] + area[rest] - inter
        overlap = inter / np.maximum(denom, 1e-12)
        order = rest[overlap <= threshold]
    return np.asarray(keep, np.int64)


def regress_boxes(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Apply MTCNN box regression: each edge moves by its offset × the box's width/height."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    offsets = np.asarray(offsets, np.float64).reshape(-1, 4)
    w = (boxes[:, 2] - boxes[:, 0])[:, None]
    h = (boxes[:, 3] - boxes[:, 1])[:, None]
    return boxes + offsets * np.concatenate([w, h, w, h], axis=1)


def square_boxes(boxes: np.ndarray) -> np.ndarray:
    """Each box grown to a square of its longer side around the same centre."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    cx = boxes[:, 0] + w / 2
    cy = boxes[:, 1] + h / 2
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], axis=1)


def pnet_boxes(offsets: np.ndarray, prob: np.ndarray, scale: float, threshold: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate windows of one PNet output map, in the coordinates of the unscaled image.

    ``offsets`` is ``(4, h, w)``, ``prob`` ``(h, w)``; cell ``(row, col)`` is the 12×12 window
    at ``(2·col, 2·row)`` of the level scaled by ``scale``. Returns ``(boxes (N, 4),
    scores (N,), offsets (N, 4))``.
    """
    rows, cols = np.nonzero(prob >= threshold)
    if rows.size == 0:
        empty = np.zeros((0, 4))
        return empty, np.zeros(0), empty
    stride, cell = 2.0, 12.0
    x0 = np.floor((stride * cols + 1) / scale)
    y0 = np.floor((stride * rows + 1) / scale)
    x1 = np.floor((stride * cols + cell) / scale)
    y1 = np.floor((stride * rows + cell) / scale)
    boxes = np.stack([x0, y0, x1, y1], axis=1)
    return boxes, prob[rows, cols].astype(np.float64), offsets[:, rows, cols].T.astype(np.float64)


# ---------------------------------------------------------------------------- image helpers


def to_rgb255(image: np.ndarray) -> np.ndarray:
    """Any editor pixel array as float32 RGB on the 0..255 scale the MTCNN nets expect.

    Accepts ``uint8``, ``uint16`` or float (assumed [0, 1]) arrays, ``(H, W)`` gray,
    ``(H, W, 1|3|4)``; alpha is dropped.
    """
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise EngineError(f"expected an (H, W[, C]) image, got shape {a.shape}")
    if a.shape[2] in (1, 2):
        a = np.repeat(a[:, :, :1], 3, axis=2)
    else:
        a = a[:, :, :3]
    if a.dtype == np.uint8:
        return a.astype(np.float32)
    if a.dtype == np.uint16:
        return a.astype(np.float32) * np.float32(255.0 / 65535.0)
    if np.issubdtype(a.dtype, np.floating):
        return np.clip(a.astype(np.float32), 0.0, 1.0) * np.float32(255.0)
    raise EngineError(f"unsupported pixel type {a.dtype}")


def _resize_area(img: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(img, (max(1, width), max(1, height)), interpolation=cv2.INTER_AREA)


def crop_square(img: np.ndarray, box: Sequence[float], size: int) -> np.ndarray:
    """The box (rounded to pixels) resized to ``size × size``; outside the image is black."""
    h, w = img.shape[:2]
    x0, y0 = round(box[0]), round(box[1])
    x1, y1 = max(x0 + 1, round(box[2])), max(y0 + 1, round(box[3]))
    canvas = np.zeros((y1 - y0, x1 - x0, img.shape[2]), img.dtype)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
    return _resize_area(canvas, size, size).reshape(size, size, img.shape[2])


# ---------------------------------------------------------------------------- the nets


_NETS: dict[str, tuple] = {}
_NETS_LOCK = threading.Lock()


def load_nets(device: str = "cpu") -> tuple:
    """``(pnet, rnet, onet)`` with the built-in weights on ``device`` (loaded once, cached)."""
    with _NETS_LOCK:
        nets = _NETS.get(device)
        if nets is None:
            from ml.archs.mtcnn import load_mtcnn_net

            nets = tuple(load_mtcnn_net(n).to(device) for n in ("pnet", "rnet", "onet"))
            _NETS[device] = nets
        return nets


def _batch(crops: list[np.ndarray], device: str):
    import torch

    x = np.stack(crops).transpose(0, 3, 1, 2)
    return torch.from_numpy((x - np.float32(127.5)) * np.float32(1 / 128)).to(device)


# ---------------------------------------------------------------------------- detection


def detect_faces(
    image: np.ndarray,
    *,
    min_face: float | None = None,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    factor: float = DEFAULT_FACTOR,
    max_side: int = DEFAULT_MAX_SIDE,
    device: str = "cpu",
    ctx: RunContext | None = None,
) -> list[Face]:
    """Every face in ``image``, largest box first (an empty list when there is none).

    ``min_face`` is the smallest face (box side, pixels) searched for, measured on the
    detection copy whose long side is at most ``max_side``; None (the default) means
    ``max(20, 4 % of that copy's shorter side)``. On a photo larger than ``max_side``,
    faces smaller than ``min_face · long_side / max_side`` full-resolution pixels are not
    found: detect inside a region around them (:func:`detect_face`). ``ctx`` gets
    progress and can cancel between stages.
    """
    import torch

    ctx = ctx or RunContext(device=device)
    full = np.asarray(image)
    if full.ndim == 2:
        full = full[:, :, None]
    H, W = full.shape[:2]
    if H < 12 or W < 12:
        return []
    shrink = min(1.0, max_side / max(H, W))
    if shrink < 1.0:
        small = _resize_area(full, round(W * shrink), round(H * shrink))
        work = to_rgb255(small.reshape(small.shape[0], small.shape[1], -1))
    else:
        work = to_rgb255(full)
    h, w = work.shape[:2]
    if min_face is None:
        min_face = max(DEFAULT_MIN_FACE, AUTO_MIN_FACE_FRACTION * min(h, w))
    pnet, rnet, onet = load_nets(device)
    ctx.report(0.0, "finding faces")

    # stage 1: PNet over the pyramid
    all_boxes, all_scores, all_offsets = [], [], []
    with torch.inference_mode():
        for scale in pyramid_scales(min(h, w), min_face, factor):
            level = _resize_area(work, math.ceil(w * scale), math.ceil(h * scale))
            x = _batch([level.reshape(level.shape[0], level.shape[1], 3)], device)
            offsets, prob = pnet(x)
            boxes, scores, offs = pnet_boxes(offsets[0].cpu().numpy(), prob[0].cpu().numpy(),
                                             scale, thresholds[0])
            keep = nms(boxes, scores, 0.5)
            all_boxes.append(boxes[keep])
            all_scores.append(scores[keep])
            all_offsets.append(offs[keep])
    ctx.report(0.4, "finding faces")
    if not all_boxes:
        return []
    boxes = np.concatenate(all_boxes)
    scores = np.concatenate(all_scores)
    offsets = np.concatenate(all_offsets)
    keep = nms(boxes, scores, 0.7)
    if keep.size == 0:
        return []
    boxes = square_boxes(regress_boxes(boxes[keep], offsets[keep]))

    # stage 2: RNet on 24×24 crops of the detection copy
    with torch.inference_mode():
        off, prob = rnet(_batch([crop_square(work, b, 24) for b in boxes], device))
    prob, off = prob.cpu().numpy(), off.cpu().numpy()
    ok = prob > thresholds[1]
    boxes, scores, off = boxes[ok], prob[ok], off[ok]
    keep = nms(boxes, scores, 0.7)
    if keep.size == 0:
        return []
    boxes = square_boxes(regress_boxes(boxes[keep], off[keep]))
    ctx.report(0.7, "finding faces")

    # stage 3: ONet on 48×48 crops of the full-resolution image
    boxes = boxes / shrink
    full_rgb = full if full.shape[2] >= 3 else np.repeat(full[:, :, :1], 3, axis=2)
    crops = [to_rgb255(crop_square(full_rgb[:, :, :3], b, 48)) for b in boxes]
    with torch.inference_mode():
        off, marks, prob = onet(_batch(crops, device))
    off, marks, prob = off.cpu().numpy(), marks.cpu().numpy(), prob.cpu().numpy()
    ok = prob > thresholds[2]
    boxes, scores, off, marks = boxes[ok], prob[ok], off[ok], marks[ok]
    if len(boxes) == 0:
        return []
    bw = (boxes[:, 2] - boxes[:, 0])[:, None]
    bh = (boxes[:, 3] - boxes[:, 1])[:, None]
    px = boxes[:, :1] + marks[:, :5] * bw
    py = boxes[:, 1:2] + marks[:, 5:] * bh
    points = np.stack([px, py], axis=2)
    boxes = regress_boxes(boxes, off)
    keep = nms(boxes, scores, 0.7, mode="min")
    faces = [Face(tuple(float(v) for v in boxes[i]), float(scores[i]),
                  points[i].astype(np.float32)) for i in keep]
    faces.sort(key=lambda f: f.area, reverse=True)
    ctx.report(1.0, "finding faces")
    return faces


def _inside(face: Face, region: Box) -> bool:
    cx, cy = face.center
    return region[0] <= cx < region[2] and region[1] <= cy < region[3]


def pick_face(faces: Sequence[Face], region: Box | None = None) -> Face:
    """The largest face, or the largest whose box centre lies in ``region`` (x0, y0, x1, y1).

    Raises :class:`FaceNotFound` with a message for the user when there is none.
    """
    if region is not None:
        faces = [f for f in faces if _inside(f, region)]
        if not faces:
            raise FaceNotFound("no face found inside the selected region")
    if not faces:
        raise FaceNotFound("no face found in the image")
    return max(faces, key=lambda f: f.area)


def detect_face(
    image: np.ndarray,
    region: Box | None = None,
    *,
    min_eye_distance: float = 0.0,
    device: str = "cpu",
    ctx: RunContext | None = None,
    **options,
) -> Face:
    """The one face to work on: the largest in the image, or the largest inside ``region``.

    ``region`` is ``(x0, y0, x1, y1)`` in pixels (a selection's bounding box); only that part
    of the image (plus some context) is searched, at up to ``max_side`` resolution, so a
    small face in a large photo is found when the user selects it. ``options`` go to
    :func:`detect_faces`. Raises :class:`FaceNotFound`, or :class:`FaceTooSmall` when the
    eyes are less than ``min_eye_distance`` pixels apart.
    """
    a = np.asarray(image)
    if region is None:
        face = pick_face(detect_faces(a, device=device, ctx=ctx, **options))
    else:
        x0, y0, x1, y1 = (float(v) for v in region)
        if x1 <= x0 or y1 <= y0:
            raise EngineError(f"empty region {region}")
        mx, my = (x1 - x0) * REGION_CONTEXT, (y1 - y0) * REGION_CONTEXT
        H, W = a.shape[:2]
        cx0, cy0 = max(0, int(x0 - mx)), max(0, int(y0 - my))
        cx1, cy1 = min(W, math.ceil(x1 + mx)), min(H, math.ceil(y1 + my))
        if cx1 <= cx0 or cy1 <= cy0:
            raise FaceNotFound("the selected region lies outside the image")
        found = detect_faces(a[cy0:cy1, cx0:cx1], device=device, ctx=ctx, **options)
        face = pick_face([f.translated(cx0, cy0) for f in found], (x0, y0, x1, y1))
    if face.eye_distance < min_eye_distance:
        raise FaceTooSmall(
            f"the face is too small: its eyes are {face.eye_distance:.0f} px apart, "
            f"at least {min_eye_distance:.0f} px are needed (select or crop a larger face)"
        )
    return face
