"""The portrait edit of a photo, step by step (numpy in/out; the engine convention).

1. :func:`find_face` — MTCNN (:mod:`ml.face.detect`): the largest face, or the largest
   inside a selection; several faces is not an error but a note; no face and a face too
   small (eyes closer than :data:`MIN_EYE_DISTANCE` px) are :class:`FaceNotFound` /
   :class:`FaceTooSmall` with a message for the user;
2. :func:`align` — the FFHQ-style crop at the generator's size (:func:`ml.face.align.align_face`);
3. ``model.encode(crop)`` — e4e or optimisation (:class:`ml.portrait.model.PortraitModel`);
4. :func:`edited_crop` — the edit as a crop: ``"delta"`` (default) adds the change the
   generator makes, ``G(w_edit) − G(w)``, to the photo's own crop, so identity and detail
   are the photo's and an edit of 0 changes nothing; ``"replace"`` uses ``G(w_edit)``
   itself, colour-matched to the photo (:func:`ml.face.paste.match_colours`);
5. :func:`paste` — the crop warped back through a feathered face mask
   (:mod:`ml.face.paste`): only the face region, as an RGBA patch for a new layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.face.align import AlignedFace, align_face
from ml.face.detect import Face, FaceNotFound, FaceTooSmall, detect_face, detect_faces, pick_face
from ml.face.paste import face_mask, match_colours, paste_face, to_dtype
from ml.types import EngineError, RunContext

#: the smallest face worth a StyleGAN edit: eyes this many px apart in the photo
MIN_EYE_DISTANCE = 20.0
MODES = ("delta", "replace")

__all__ = ["MIN_EYE_DISTANCE", "MODES", "FaceNotFound", "FaceTooSmall", "FoundFace",
           "align", "change", "edited_crop", "find_face", "paste", "rgb_float"]


@dataclass(frozen=True)
class FoundFace:
    """The face to edit and what the user should know (``note``: e.g. several faces)."""

    face: Face
    count: int
    note: str = ""

    def to_metadata(self) -> dict[str, Any]:
        return {"box": [float(v) for v in self.face.box], "score": float(self.face.score),
                "points": np.asarray(self.face.points, np.float64).tolist(),
                "count": int(self.count), "note": self.note}

    @staticmethod
    def from_metadata(meta: dict[str, Any]) -> FoundFace:
        face = Face(tuple(float(v) for v in meta["box"]), float(meta.get("score", 1.0)),
                    np.asarray(meta["points"], np.float32).reshape(5, 2))
        return FoundFace(face, int(meta.get("count", 1)), str(meta.get("note", "")))


def rgb_float(pixels: np.ndarray) -> np.ndarray:
    """uint8/uint16/float RGB(A) → float32 RGB [0, 1] (alpha dropped)."""
    a = np.asarray(pixels)
    if np.issubdtype(a.dtype, np.integer):
        return (a[..., :3].astype(np.float32) / float(np.iinfo(a.dtype).max))
    return np.clip(a[..., :3].astype(np.float32), 0, 1)


def find_face(pixels: np.ndarray, region: tuple[float, float, float, float] | None = None,
              min_eye_distance: float = MIN_EYE_DISTANCE, device: str = "cpu",
              ctx: RunContext | None = None) -> FoundFace:
    """The face to edit in ``pixels`` (any dtype): the largest, or the largest in
    ``region`` (x0, y0, x1, y1). FaceNotFound / FaceTooSmall with the user's message."""
    if region is not None:
        face = detect_face(pixels, region, min_eye_distance=min_eye_distance, device=device,
                           ctx=ctx)
        return FoundFace(face, 1)
    faces = detect_faces(pixels, device=device, ctx=ctx)
    face = pick_face(faces)
    note = ""
    if len(faces) > 1:
        note = (f"{len(faces)} faces found: editing the largest (select another face to "
                "edit that one)")
    if face.eye_distance < min_eye_distance:
        raise FaceTooSmall(
            f"the face is too small: its eyes are {face.eye_distance:.0f} px apart, at least "
            f"{min_eye_distance:.0f} px are needed for a portrait edit (use a larger photo "
            "or a closer shot)")
    return FoundFace(face, len(faces), note)


def align(pixels: np.ndarray, face: Face, size: int) -> AlignedFace:
    """The FFHQ-style ``size × size`` crop (``pixels``' dtype) and its transform."""
    return align_face(np.asarray(pixels)[..., :3], face.points, size)


def _resize(rgb: np.ndarray, size: int) -> np.ndarray:
    import cv2

    if rgb.shape[0] == size:
        return rgb.astype(np.float32)
    interp = cv2.INTER_AREA if rgb.shape[0] > size else cv2.INTER_CUBIC
    return np.clip(cv2.resize(rgb.astype(np.float32), (size, size), interpolation=interp), 0, 1)


def edited_crop(model: Any, crop: np.ndarray, z: np.ndarray, z_edit: np.ndarray,
                mode: str = "delta", max_res: int | None = None,
                mask: np.ndarray | None = None, cache: dict | None = None) -> np.ndarray:
    """The edited face crop, float32 RGB [0, 1], at ``max_res`` (default: the crop's size).

    ``crop``: the photo's aligned crop (float32 RGB); ``z``: its W+ code; ``mask``: the
    face mask (crop coordinates) for the colour match of ``"replace"``."""
    if mode not in MODES:
        raise EngineError(f"unknown portrait mode {mode!r} (known: {', '.join(MODES)})")
    size = crop.shape[0] if max_res is None else min(int(max_res), crop.shape[0])
    base = _resize(rgb_float(crop), size)
    res = model.resolution if max_res is None else min(model.resolution, int(max_res))
    if mode == "delta":
        delta = change(model, z, z_edit, res, cache)
        return np.clip(base + _resize_signed(delta, size), 0, 1).astype(np.float32)
    out = _resize(model.decode_at(np.ravel(z_edit)[None], res)[0], size)
    m = np.ones((size, size), np.float32) if mask is None else _resize_mask(mask, size)
    return match_colours(out, base, m)


def _resize_signed(delta: np.ndarray, size: int) -> np.ndarray:
    import cv2

    if delta.shape[0] == size:
        return delta.astype(np.float32)
    interp = cv2.INTER_AREA if delta.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(delta.astype(np.float32), (size, size), interpolation=interp)


def _resize_mask(mask: np.ndarray, size: int) -> np.ndarray:
    import cv2

    m = np.asarray(mask, np.float32)
    if m.shape[0] == size:
        return m
    return cv2.resize(m, (size, size), interpolation=cv2.INTER_AREA)


def change(model: Any, z: np.ndarray, z_edit: np.ndarray, max_res: int | None = None,
           cache: dict | None = None) -> np.ndarray:
    """``G(z_edit) − G(z)``: float32 ``(R, R, 3)``, signed (R = the generator's size, or
    ``max_res``); exactly 0 when the codes are equal. ``cache`` (a dict the caller keeps)
    remembers ``G(z)`` per code and size, so slider previews render one image, not two."""
    import hashlib

    res = model.resolution if max_res is None else min(model.resolution, int(max_res))
    z = np.ascontiguousarray(np.ravel(z), np.float32)
    z_edit = np.ascontiguousarray(np.ravel(z_edit), np.float32)
    if np.array_equal(z, z_edit):
        return np.zeros((res, res, 3), np.float32)
    key = (hashlib.sha1(z.tobytes()).hexdigest(), res, id(model))
    base = cache.get(key) if cache is not None else None
    if base is None:
        pair = model.decode_at(np.stack([z, z_edit]), res)
        base, edited = pair[0], pair[1]
        if cache is not None:
            if len(cache) > 8:
                cache.clear()
            cache[key] = base
    else:
        edited = model.decode_at(z_edit[None], res)[0]
    return (edited - base).astype(np.float32)


def paste(pixels: np.ndarray, aligned: AlignedFace, face: Face, model: Any, z: np.ndarray,
          z_edit: np.ndarray, mode: str = "delta", feather: float = 0.1
          ) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """``(box, patch)``: the edit pasted into the photo region the aligned crop covers,
    through the feathered face mask. ``"delta"``: the change ``G(z_edit) − G(z)`` is warped
    back and added to the photo at its own resolution (its detail stays; no edit changes
    nothing); ``"replace"``: the colour-matched ``G(z_edit)`` is warped back.

    ``patch`` has ``pixels``' dtype and channels; with alpha it keeps the photo's alpha
    where the blend reaches and is transparent (all zero) elsewhere — a layer to put above
    the photo. Pixels the blend does not reach are the photo's, bit-identical."""
    if mode not in MODES:
        raise EngineError(f"unknown portrait mode {mode!r} (known: {', '.join(MODES)})")
    a = np.asarray(pixels)
    rgb = a[..., :3]
    n = aligned.size
    mask = face_mask(aligned, face.points)
    if mode == "delta":
        delta = _resize_signed(change(model, z, z_edit), n)
        box, moved, weight = paste_face(np.zeros(rgb.shape[:2] + (3,), np.float32), delta,
                                        aligned, mask, feather)
        x0, y0, x1, y1 = box
        region = rgb[y0:y1, x0:x1]
        out = to_dtype(rgb_float(region) + moved, region)
        patch_rgb = np.where((weight > 0)[..., None], out, region)
    else:
        crop = edited_crop(model, aligned.crop, z, z_edit, "replace", mask=mask)
        box, patch_rgb, weight = paste_face(rgb, to_dtype(_resize(crop, n), rgb), aligned,
                                            mask, feather)
        x0, y0, x1, y1 = box
    patch = np.array(a[y0:y1, x0:x1], copy=True)
    patch[..., :3] = patch_rgb
    if a.shape[-1] == 4:
        patch[..., 3] = np.where(weight > 0, patch[..., 3], 0)
        patch[patch[..., 3] == 0] = 0
    return box, patch
