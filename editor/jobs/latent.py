"""The jobs side of the latent panel: the bridge to ``ml.latent`` and ``ml.face.shape``.

Two kinds of latent model reach the editor through here:

* ``"vae"`` — a :class:`ml.latent.base.LatentModel` (the built-in cartoon-face VAE,
  :func:`ml.latent.builtin.load_builtin`): a latent vector, named and principal
  directions (each a unit vector with a ``scale``), decode/encode/sample;
* ``"face-shape"`` — :class:`ml.face.shape.FaceShapeModel`: the latent is the vector of
  direction coefficients (steps), so each direction is a unit basis vector of scale 1;
* ``"portrait"`` — the StyleGAN2 FFHQ portrait pack, listed when its generator is
  installed in the model store; the latent is the flattened W+ code and the worker side
  lives in :mod:`editor.jobs.portrait`.

:func:`model_spec` describes a model the same way for both (:class:`LatentSpec`), so the
Qt-free session (:mod:`editor.ai.latent`) does its maths without ``ml``. Everything that
runs a model (``encode_region``, ``sample_latent``, ``decode_latent``,
``replace_region``, ``analyse_face``, ``warp_face``) runs on a worker thread; models are
loaded once per (id, device) and cached. Nothing here imports torch or cv2 at import
time, and nothing here touches live layers (arrays in, arrays out).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from editor.jobs import portrait as jp
from ml.types import EngineError, EngineUnavailable, RunContext

VAE_ID = "cartoon-faces-vae"
FACE_SHAPE_ID = "face-shape"
KIND_VAE = "vae"
KIND_FACE = "face-shape"
KIND_PORTRAIT = jp.KIND_PORTRAIT
PORTRAIT_ID = jp.PORTRAIT_ID

#: how many principal directions get a slider
PRINCIPAL_SLIDERS = 4


@dataclass(frozen=True)
class ModelInfo:
    """A pickable latent model: ``reason`` is None when it can be loaded."""

    id: str
    name: str
    kind: str
    reason: str | None = None


@dataclass(frozen=True)
class DirectionInfo:
    """One slider: ``vector`` (unit, float32 ``(d,)``) times ``scale`` is one unit;
    the slider runs ``minimum``..``maximum`` units."""

    name: str
    title: str
    vector: np.ndarray
    scale: float
    kind: str
    minimum: float = -3.0
    maximum: float = 3.0
    description: str = ""


@dataclass(frozen=True)
class LatentSpec:
    """What the session needs of a model: its size, resolution (0 for face-shape) and
    sliders (named directions, then up to :data:`PRINCIPAL_SLIDERS` principal ones);
    ``axis_names`` label the raw latent's entries."""

    id: str
    name: str
    kind: str
    latent_dim: int
    resolution: int
    directions: tuple[DirectionInfo, ...]
    principal: tuple[DirectionInfo, ...]
    axis_names: tuple[str, ...]
    #: why some of the model's direction files were left out (portrait: shape mismatch)
    notes: tuple[str, ...] = ()


def list_models() -> list[ModelInfo]:
    """The latent models the panel offers (nothing is loaded)."""
    from ml.face.shape import FaceShapeModel
    from ml.latent.builtin import BUILTIN_NAME, builtin_available

    out = [
        ModelInfo(VAE_ID, BUILTIN_NAME, KIND_VAE, builtin_available()),
        ModelInfo(FACE_SHAPE_ID, FaceShapeModel.name, KIND_FACE, None),
    ]
    if jp.portrait_available() is None:  # only once the user installed the generator
        out.append(ModelInfo(PORTRAIT_ID, "StyleGAN2 FFHQ portrait (non-commercial)",
                             KIND_PORTRAIT, None))
    for model_id, folder in trained_models().items():
        try:
            name = json.loads((folder / "model.json").read_text("utf-8")).get("name") or model_id
        except (OSError, ValueError, AttributeError):
            name = model_id
        out.append(ModelInfo(model_id, f"{name} (trained)", KIND_VAE, None))
    return out


def trained_models() -> dict[str, Any]:
    """Model folders the user trained (Filter ▸ Train Latent Model…, ``retouch train``),
    by id (the folder name); a folder without a finished model is left out."""
    root = trained_models_dir()
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir())
            if (p / "model.json").is_file() and (p / "model.safetensors").is_file()
            and p.name not in (VAE_ID, FACE_SHAPE_ID)}


_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str], Any] = {}


def load_model(model_id: str, device: str = "cpu") -> Any:
    """The model ``model_id`` on ``device``, loaded once (worker side: may take seconds).
    EngineUnavailable when it cannot be loaded, EngineError for an unknown id."""
    from ml.devices import resolve_device

    dev = resolve_device(device) if device == "auto" else device
    with _LOCK:
        key = (model_id, dev)
        if key not in _MODELS:
            if model_id == VAE_ID:
                from ml.latent.builtin import load_builtin

                _MODELS[key] = load_builtin(dev)
            elif model_id == FACE_SHAPE_ID:
                from ml.face.shape import FaceShapeModel

                _MODELS[key] = FaceShapeModel()
            elif model_id == PORTRAIT_ID:
                return jp.load_portrait_model(dev)  # cached (and refreshed) by ml
            elif model_id in trained_models():
                from ml.latent.io import load_latent_model

                _MODELS[key] = load_latent_model(trained_models()[model_id], dev)
            else:
                raise EngineError(f"unknown latent model {model_id!r}")
        return _MODELS[key]


def model_kind(model_id: str) -> str:
    if model_id == FACE_SHAPE_ID:
        return KIND_FACE
    if model_id == PORTRAIT_ID:
        return KIND_PORTRAIT
    if model_id == VAE_ID or model_id in trained_models():
        return KIND_VAE
    raise EngineError(f"unknown latent model {model_id!r}")


def _info(d: Any, kind: str) -> DirectionInfo:
    return DirectionInfo(d.name, d.title, np.asarray(d.vector, np.float32), float(d.scale), kind)


def model_spec(model_id: str, device: str = "cpu") -> LatentSpec:
    """Describe ``model_id`` (loads it: worker side)."""
    model = load_model(model_id, device)
    if model_kind(model_id) == KIND_FACE:
        n = model.latent_size
        dirs = []
        for i, d in enumerate(model.directions):
            v = np.zeros(n, np.float32)
            v[i] = 1.0
            dirs.append(DirectionInfo(d.name, d.label, v, 1.0, "attribute", float(d.minimum),
                                      float(d.maximum), d.description))
        return LatentSpec(model.id, model.name, KIND_FACE, n, 0, tuple(dirs), (),
                          tuple(d.name for d in model.directions))
    if model_kind(model_id) == KIND_PORTRAIT:
        parts = jp.spec_parts(model)
        return LatentSpec(PORTRAIT_ID, parts["name"], KIND_PORTRAIT, parts["latent_dim"],
                          parts["resolution"],
                          tuple(_info(d, "attribute") for d in parts["directions"]), (),
                          (), tuple(parts["skipped"]))
    return LatentSpec(
        model.id, model.name, KIND_VAE, int(model.latent_dim), int(model.resolution),
        tuple(_info(d, "attribute") for d in model.directions.values()),
        tuple(_info(d, "principal") for d in model.principal[:PRINCIPAL_SLIDERS]),
        tuple(f"z{i}" for i in range(model.latent_dim)),
    )


# --- VAE ------------------------------------------------------------------------------


def rgb_float(pixels: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8/uint16 → float32 RGB in [0, 1] over white (transparent pixels
    are not black to the model)."""
    a = np.asarray(pixels)
    top = 65535.0 if a.dtype == np.uint16 else 255.0
    f = a.astype(np.float32) / top
    if f.shape[-1] == 4:
        alpha = f[..., 3:4]
        return (f[..., :3] * alpha + (1.0 - alpha)).astype(np.float32)
    return f[..., :3].astype(np.float32)


def resize_rgb(image: np.ndarray, h: int, w: int) -> np.ndarray:
    """Area when shrinking, cubic when growing (float32 RGB)."""
    import cv2

    if image.shape[:2] == (h, w):
        return np.asarray(image, np.float32)
    shrink = h < image.shape[0] or w < image.shape[1]
    out = cv2.resize(np.asarray(image, np.float32), (w, h),
                     interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return np.clip(out, 0, 1).astype(np.float32)


def encode_region(model_id: str, pixels: np.ndarray, ctx: RunContext) -> np.ndarray:
    """The latent ``(d,)`` of RGBA ``pixels`` resized (not cropped) to the model's
    resolution."""
    model = load_model(model_id, ctx.device)
    ctx.report(0.2, "encoding")
    s = model.resolution
    z = model.encode(resize_rgb(rgb_float(pixels), s, s)[None], ctx)
    ctx.report(1.0, "encoding")
    return np.asarray(z[0], np.float32)


def sample_latent(model_id: str, seed: int, ctx: RunContext) -> np.ndarray:
    """A latent ``(d,)`` from the model's prior, the same for the same seed."""
    model = load_model(model_id, ctx.device)
    ctx.cancel.check()
    return np.asarray(model.sample(1, int(seed))[0], np.float32)


def decode_latent(model_id: str, z: np.ndarray, ctx: RunContext) -> np.ndarray:
    """The decoded image of ``z``: uint8 RGB ``(S, S, 3)``."""
    model = load_model(model_id, ctx.device)
    ctx.cancel.check()
    img = model.decode(np.asarray(z, np.float32))[0]
    return np.rint(np.clip(img, 0, 1) * 255).astype(np.uint8)


def replace_region(model_id: str, pixels: np.ndarray, z: np.ndarray, mask: np.ndarray | None,
                   feather: float, ctx: RunContext, base: np.ndarray | None = None
                   ) -> np.ndarray:
    """The decoded ``z`` resized over RGBA ``pixels`` (``apply_replace``), blended in
    through the feathered ``mask`` (uint8 ``(h, w)``; None: the whole region with a soft
    edge ``feather`` px inside its border). Returns RGBA of ``pixels``' dtype: the result
    where the feathered mask is above 0 (with the original alpha), transparent elsewhere.

    A model the user trained on photos, given the ``base`` latent the region encoded to,
    is applied as the low-frequency change ``D(z) − D(base)`` on top of the photo
    (``apply_delta``), so the photo keeps its own detail; the built-in cartoon model
    replaces the region with its drawing."""
    from ml.latent.apply import apply_delta, apply_replace, feather_mask

    model = load_model(model_id, ctx.device)
    ctx.report(0.1, "decoding")
    px = np.asarray(pixels)
    h, w = px.shape[:2]
    if mask is None:
        m = np.zeros((h, w), np.float32)
        b = int(min(max(1, round(feather)), h // 4, w // 4))
        m[b:h - b, b:w - b] = 1.0 if b > 0 else 0.0
        if b == 0:
            m[:] = 1.0
    else:
        m = (np.asarray(mask) > 0).astype(np.float32)
    soft = feather_mask(m, feather)
    if base is not None and model_id != VAE_ID:
        out = apply_delta(rgb_float(px), model, np.asarray(base, np.float32),
                          np.asarray(z, np.float32), m, feather)
    else:
        out = apply_replace(rgb_float(px), model, np.asarray(z, np.float32), m, feather)
    top = 65535 if px.dtype == np.uint16 else 255
    res = np.zeros_like(px)
    res[..., :3] = np.rint(out * top).astype(px.dtype)
    res[..., 3] = np.where(soft > 0, px[..., 3] if px.shape[-1] == 4 else top, 0)
    res[res[..., 3] == 0] = 0
    ctx.report(1.0, "decoding")
    return res


# --- face shape -----------------------------------------------------------------------


def shrink_pixels(pixels: np.ndarray, scale: float) -> np.ndarray:
    """``pixels`` resized by ``scale`` (area filter) to ``round(h·scale) × round(w·scale)``,
    the size :func:`warp_face` expects at that scale."""
    import cv2

    a = np.asarray(pixels)
    h, w = a.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(a, size, interpolation=cv2.INTER_AREA)

_SHAPES: dict[str, Any] = {}


def _scaled_meta(meta: dict, s: float) -> dict:
    if s == 1.0:
        return meta
    h, w = meta["image_size"]
    return {"box": [v * s for v in meta["box"]], "score": meta["score"],
            "points": (np.asarray(meta["points"], np.float64) * s).tolist(),
            "image_size": [max(1, round(h * s)), max(1, round(w * s))]}


def _shape(meta: dict, scale: float = 1.0) -> Any:
    """The face analysis for ``meta`` (``FaceShape.to_metadata``) at ``scale``, cached
    (its warp basis is built once per face and size)."""
    model = load_model(FACE_SHAPE_ID)
    key = json.dumps([meta, scale], sort_keys=True)
    with _LOCK:
        shape = _SHAPES.get(key)
    if shape is None:
        shape = model.from_metadata(_scaled_meta(meta, scale))
        with _LOCK:
            if len(_SHAPES) > 16:
                _SHAPES.clear()
            _SHAPES[key] = shape
    return shape


def analyse_face(pixels: np.ndarray, ctx: RunContext) -> dict:
    """Detect the face in ``pixels`` (the active layer) and return its
    ``FaceShape.to_metadata()`` plus ``"region"`` ``[x0, y0, x1, y1]`` (layer pixels).
    Raises the detector's FaceNotFound / FaceTooSmall (EngineErrors with user text)."""
    model = load_model(FACE_SHAPE_ID)
    shape = model.analyse(pixels, device=ctx.device, ctx=ctx)
    meta = shape.to_metadata()
    meta["region"] = [int(v) for v in shape.region]
    return meta


def warp_face(pixels: np.ndarray, face: dict, values: dict[str, float], ctx: RunContext,
              scale: float = 1.0) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]:
    """The face-shape edit ``values`` of ``pixels`` (the layer the face was found in, or
    it resized by ``scale`` for a quick preview): ``(region (x0, y0, x1, y1), patch,
    mask)`` — only the face box, ``patch`` of ``pixels``' dtype, ``mask`` float32 the
    warp's feathered face mask over the box."""
    model = load_model(FACE_SHAPE_ID)
    face = {k: face[k] for k in ("box", "score", "points", "image_size")}
    shape = _shape(face, scale)
    px = np.asarray(pixels)
    if tuple(px.shape[:2]) != tuple(shape.image_size):
        raise EngineError(f"the face was found in a {shape.image_size[1]}×{shape.image_size[0]} "
                          f"image, these pixels are {px.shape[1]}×{px.shape[0]}")
    ctx.cancel.check()
    region, patch = model.apply_region(px, shape, values)
    return tuple(int(v) for v in region), patch, shape.region_mask()


__all__ = [
    "FACE_SHAPE_ID",
    "KIND_FACE",
    "KIND_PORTRAIT",
    "KIND_VAE",
    "PORTRAIT_ID",
    "PRINCIPAL_SLIDERS",
    "VAE_ID",
    "DirectionInfo",
    "EngineError",
    "EngineUnavailable",
    "LatentSpec",
    "ModelInfo",
    "analyse_face",
    "decode_latent",
    "encode_region",
    "list_models",
    "load_model",
    "model_kind",
    "model_spec",
    "replace_region",
    "resize_rgb",
    "rgb_float",
    "sample_latent",
    "shrink_pixels",
    "warp_face",
]


# --- training (the background lane) ----------------------------------------------------


@dataclass(frozen=True)
class TrainRequest:
    """A training run the editor starts: ``kind`` "vae" or "gan", the image folder, the
    model name (its folder under the trained-models dir), size, latent size, epochs."""

    kind: str
    data: str
    name: str
    size: int = 64
    latent: int = 32
    epochs: int = 10
    batch: int = 32
    base: int = 32
    report_every: int = 20


def trained_models_dir() -> Any:
    """The folder trained latent models are written to (and found in)."""
    from ml.engines.latent import latent_models_dir

    return latent_models_dir()


def run_training(req: TrainRequest, ctx: RunContext) -> str:
    """Worker side: train (or resume) the model folder; progress payloads carry the
    epoch, step, losses and a sample grid. Returns the model folder."""
    import re

    from ml.train.latent import LatentTrainConfig, train_gan, train_vae

    name = re.sub(r"[^A-Za-z0-9._-]+", "-", req.name.strip()).strip("-.")
    if not name:
        raise EngineError("give the model a name (letters, digits, - and _)")
    out = trained_models_dir() / name
    config = LatentTrainConfig(size=req.size, latent=req.latent, epochs=req.epochs,
                               batch=req.batch, base=req.base, report_every=req.report_every,
                               model_id=name, name=req.name.strip())
    trainer = train_vae if req.kind == "vae" else train_gan
    trainer(req.data, out, config, ctx)
    with _LOCK:  # a retrained model must not be served from the cache
        for key in [k for k in _MODELS if k[0] == name]:
            del _MODELS[key]
    from ml.engines.latent import register_trained

    register_trained()
    return str(out)


@dataclass(frozen=True)
class DirectionRequest:
    """Learn one named direction of a trained model from two folders of images: with the
    attribute and without it; stored in the model (its sliders show it from then on)."""

    model_id: str
    name: str
    with_folder: str
    without_folder: str


def run_learn_direction(req: DirectionRequest, ctx: RunContext) -> dict[str, Any]:
    """Worker side: encode both groups, take the difference of their mean latents
    (:func:`ml.train.directions.direction_from_groups`), save it into the model folder.
    Returns ``{"name", "fit_accuracy", "with", "without"}``."""
    import re

    from ml.data.image_folder import load_image_folder
    from ml.latent.io import load_latent_model, save_latent_model
    from ml.train.directions import direction_from_groups

    name = re.sub(r"[^a-z0-9_]+", "_", req.name.strip().lower()).strip("_")
    if not name:
        raise EngineError("name the attribute (letters, digits and _)")
    folder = trained_models().get(req.model_id)
    if folder is None:
        raise EngineError(f"{req.model_id!r} is not a model you trained; directions are "
                          "learned for trained models")
    model = load_latent_model(folder, ctx.device)
    ctx.report(0.1, "reading the images")
    with_imgs = load_image_folder(req.with_folder, model.resolution, min_images=2)
    without = load_image_folder(req.without_folder, model.resolution, min_images=2)
    ctx.report(0.3, "encoding both groups")
    d = direction_from_groups(model, with_imgs, without, name, ctx)
    model.set_directions({**model.directions, name: d})
    save_latent_model(model, folder, half=True)
    with _LOCK:
        for key in [k for k in _MODELS if k[0] == req.model_id]:
            del _MODELS[key]
    ctx.report(1.0, "saved")
    return {"name": name, **{k: float(v) for k, v in d.metrics.items()}}
