"""The jobs side of the portrait pack (``ml.portrait``) for the Latent dock.

The portrait model appears in the dock when its StyleGAN2 generator is installed in the
model store (:func:`portrait_available`). Its latent is the flattened W+ code; the
worker-side calls here run on the job lanes and never touch live layers:

* :func:`invert_face` — find the face (the largest, or the one in the selection), align
  it, invert it (e4e, else optimisation with progress, preview and cancel);
* :func:`preview_face` — the aligned face with the edit, at preview size (≤ 256 px, the
  generator stopped early);
* :func:`apply_face` — the full-size edit pasted back into the photo: an RGBA patch.

The aligned crop of a face is cached per (pixels, face) so slider previews do not
re-warp the photo. Nothing here imports torch at import time.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ml.types import EngineError, RunContext

PORTRAIT_ID = "stylegan2-ffhq-1024"
KIND_PORTRAIT = "portrait"
#: previews of the portrait model render at most this size (the generator stops early)
PREVIEW_RES = 256
MODES = ("delta", "replace")

_LOCK = threading.Lock()
_CROPS: dict[tuple, Any] = {}
#: G(origin) at preview size, per origin (slider previews then render one image)
_RENDERS: dict[tuple, Any] = {}


def portrait_available() -> str | None:
    """None when the generator is installed, else why the portrait model is not offered."""
    from ml.portrait.model import GENERATOR_ID
    from ml.store import missing_models

    return missing_models((GENERATOR_ID,))


def load_portrait_model(device: str = "cpu") -> Any:
    """The installed portrait pack (cached per device and file versions)."""
    from ml.engines import get

    return get(PORTRAIT_ID, "latent").model(device)


def spec_parts(model: Any) -> dict[str, Any]:
    """What :class:`editor.jobs.latent.LatentSpec` needs of the portrait model."""
    return {"latent_dim": int(model.latent_dim), "resolution": int(model.resolution),
            "directions": list(model.directions.values()), "name": model.name,
            "skipped": list(model.info.get("skipped", []))}


def _face(meta: dict) -> Any:
    from ml.portrait.pipeline import FoundFace

    return FoundFace.from_metadata(meta)


def _aligned(pixels: np.ndarray, meta: dict, size: int) -> Any:
    """The aligned crop of the face ``meta`` describes in ``pixels`` (cached)."""
    from ml.portrait import pipeline as pp

    a = np.asarray(pixels)
    key = (id(pixels), a.shape, a.dtype.str, tuple(np.ravel(meta["points"])), size)
    with _LOCK:
        hit = _CROPS.get(key)
    if hit is not None and hit[0] is pixels:
        return hit[1]
    aligned = pp.align(a, _face(meta).face, size)
    with _LOCK:
        if len(_CROPS) > 4:
            _CROPS.clear()
        _CROPS[key] = (pixels, aligned)
    return aligned


def invert_face(pixels: np.ndarray, selection: tuple[int, int, int, int] | None,
                ctx: RunContext, steps: int = 100) -> tuple[np.ndarray, dict]:
    """``(W+ code (latent_dim,), face metadata)`` of the face in RGBA ``pixels`` (the
    source layer; ``selection`` in its pixels). FaceNotFound / FaceTooSmall (EngineErrors
    with the user's message) when there is no usable face."""
    from ml.portrait import pipeline as pp

    if pixels is None:
        raise EngineError("the portrait model edits a face in the photo: invert one")
    found = pp.find_face(pixels, selection, device=ctx.device, ctx=ctx.sub(0.0, 0.1))
    model = load_portrait_model(ctx.device)
    meta = found.to_metadata()
    aligned = _aligned(pixels, meta, model.resolution)
    crop = pp.rgb_float(aligned.crop)[None]
    z = model.encode(crop, ctx.sub(0.1, 1.0), steps=steps)[0]
    meta["image_size"] = [int(v) for v in np.asarray(pixels).shape[:2]]
    meta["region"] = [int(v) for v in aligned.photo_box()]
    meta["encoder"] = "e4e" if model.encoder is not None else f"optimisation ({steps} steps)"
    return np.asarray(z, np.float32), meta


def _check_pixels(pixels: np.ndarray | None, meta: dict | None) -> None:
    if pixels is None or meta is None:
        raise EngineError("invert a face first")
    size = meta.get("image_size")
    if size is not None and tuple(size) != tuple(np.asarray(pixels).shape[:2]):
        raise EngineError(f"the face was found in a {size[1]}×{size[0]} layer; these pixels "
                          f"are {pixels.shape[1]}×{pixels.shape[0]}")


def preview_face(pixels: np.ndarray, meta: dict, origin: np.ndarray, latent: np.ndarray,
                 mode: str, ctx: RunContext) -> np.ndarray:
    """The aligned face with the edit, uint8 RGB at ≤ :data:`PREVIEW_RES` px."""
    from ml.face.paste import face_mask
    from ml.portrait import pipeline as pp

    _check_pixels(pixels, meta)
    model = load_portrait_model(ctx.device)
    aligned = _aligned(pixels, meta, model.resolution)
    ctx.cancel.check()
    mask = face_mask(aligned, _face(meta).face.points) if mode == "replace" else None
    img = pp.edited_crop(model, aligned.crop, origin, latent, mode, PREVIEW_RES, mask, _RENDERS)
    return np.rint(np.clip(img, 0, 1) * 255).astype(np.uint8)


def apply_face(pixels: np.ndarray, meta: dict, origin: np.ndarray, latent: np.ndarray,
               mode: str, ctx: RunContext) -> tuple[tuple[int, int], np.ndarray]:
    """``((x0, y0), RGBA patch)`` in the source layer's pixels: the full-size edit pasted
    back through the feathered face mask (transparent outside it)."""
    from ml.portrait import pipeline as pp

    _check_pixels(pixels, meta)
    model = load_portrait_model(ctx.device)
    ctx.report(0.1, "rendering the face")
    aligned = _aligned(pixels, meta, model.resolution)
    box, patch = pp.paste(pixels, aligned, _face(meta).face, model, origin, latent, mode)
    ctx.report(1.0, "pasting the face back")
    return (box[0], box[1]), patch
