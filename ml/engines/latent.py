"""The ``latent`` task: edit an image along named directions of a latent model.

``LatentEngine.edit(image, mask, ctx, **params) -> image``; ``mask`` is float32 HW
(1 = edit) or None (the whole image). Every direction the engine knows is one float
parameter (−3..3, in the direction's own steps), so ``retouch edit IN OUT --model ID
--set smile=1.5`` and the UI build from :attr:`Engine.params` as for any other task.

Engines:

* ``cartoon-faces-vae`` — the built-in cartoon-face VAE (:mod:`ml.latent.builtin`):
  the region (the mask's bounding box, or the whole image) is encoded, moved along the
  directions and decoded back with :func:`ml.latent.apply.apply_replace`;
* ``face-shape`` — the built-in face-shape warp (:class:`ml.face.shape.FaceShapeModel`):
  the face (inside the mask's bounding box, if any) is analysed and warped;
* ``stylegan2-ffhq-1024`` — the portrait pack (:mod:`ml.portrait`), when its StyleGAN2
  generator is installed in the model store (non-commercial licence): the face (the
  largest, or the one inside the mask's bounding box) is aligned, inverted into W+ (e4e
  when installed, else optimisation), moved along the InterFaceGAN/GANSpace directions and
  pasted back through a feathered face mask;
* one engine per model the user trained, found in :func:`latent_models_dir` (every
  sub-folder holding a ``model.json``), applied with :func:`ml.latent.apply.apply_delta`
  (only the low-frequency change the model makes is added to the photo).

Importing this module reads no file: the built-in VAE's direction names are read from
its ``model.json`` the first time its parameters are asked for, and trained models are
found by the spec's ``discover`` hook.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ml.engines import Engine, TaskInput, TaskSpec, add_task, register
from ml.modelcache import MODELS, file_version
from ml.taskspec import CliSpec
from ml.types import EngineError, EngineUnavailable, Param, RunContext

#: sub-folder of the user data dir that holds trained latent models
MODELS_FOLDER = "latent-models"
#: the range of every direction parameter (steps / standard deviations)
AMOUNT_RANGE = (-3.0, 3.0)


def latent_models_dir() -> Path:
    """Where trained latent models live: ``$RETOUCH_DATA_DIR/latent-models``, else the
    per-user data dir's ``latent-models`` (the data-dir rule of :func:`ml.store.default_root`)."""
    from ml.store import DATA_ENV_VAR

    data = os.environ.get(DATA_ENV_VAR)
    if data:
        return Path(data).expanduser() / MODELS_FOLDER
    from platformdirs import user_data_dir

    return Path(user_data_dir("Retouch", appauthor=False)) / MODELS_FOLDER


def direction_param(name: str, label: str = "", help: str = "") -> Param:
    """The float parameter of one direction (−3..3, default 0)."""
    return Param(name, label or name.replace("_", " ").capitalize(), "float", 0.0,
                 minimum=AMOUNT_RANGE[0], maximum=AMOUNT_RANGE[1], help=help)


def _params_from_meta(meta_path: Path) -> tuple[Param, ...]:
    """One parameter per named and principal direction listed in a model.json."""
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
        entries = list(data.get("directions", [])) + list(data.get("principal", []))
        out, seen = [], set()
        for d in entries:
            name = str(d["name"])
            if name not in seen:
                seen.add(name)
                out.append(direction_param(name, str(d.get("label", "")),
                                           f"{d.get('kind', 'attribute')} direction"))
        return tuple(out)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return ()


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` of the non-zero part of ``mask``; None when empty."""
    ys, xs = np.nonzero(mask > 0)
    if ys.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _face_region(mask: np.ndarray | None) -> tuple[bool, tuple[float, ...] | None]:
    """``(empty, region)``: where to look for the face — the mask's bounding box, or None
    (the whole image); ``empty`` when the mask selects nothing."""
    if mask is None:
        return False, None
    box = _bbox(mask)
    return box is None, None if box is None else tuple(float(v) for v in box)


def _amounts(params: dict) -> dict[str, float]:
    return {k: float(v) for k, v in params.items() if v}


class LatentEngine(Engine):
    """Base of the ``latent`` task's engines: :meth:`edit` moves the image (inside
    ``mask``, float32 HW 1 = edit, or everywhere when None) along the directions given as
    parameters (name → amount)."""

    task = "latent"
    #: soft-edge radius (px) where the edit is blended into the photo
    feather: float = 4.0

    def needs_input(self, name: str) -> bool:
        return name != "mask"

    @property
    def direction_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def edit(self, image: np.ndarray, mask: np.ndarray | None, ctx: RunContext,
             **params) -> np.ndarray:
        raise NotImplementedError


class _ModelLatentEngine(LatentEngine):
    """An engine backed by a :class:`ml.latent.base.LatentModel` folder."""

    device_policy = "any"
    #: "replace" (decoded image blended in) or "delta" (low-frequency change added)
    mode = "delta"
    lowpass_sigma = 2.0

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._params: tuple[Param, ...] | None = None

    @property
    def params(self) -> tuple[Param, ...]:  # type: ignore[override]
        if self._params is None:
            self._params = _params_from_meta(self.folder / "model.json")
        return self._params

    def available(self) -> str | None:
        if not (self.folder / "model.json").is_file() \
                or not (self.folder / "model.safetensors").is_file():
            return f"the latent model is missing from {self.folder}"
        return None

    def model(self, device: str):
        from ml.latent.io import load_latent_model

        weights = self.folder / "model.safetensors"

        def build():
            try:
                return load_latent_model(self.folder, device="cpu")
            except EngineError as exc:
                raise EngineUnavailable(str(exc)) from None

        model = MODELS.get(f"latent:{self.folder}", device, build, version=file_version(weights))
        if model.device != device:
            model.to(device)
        return model

    def edit(self, image: np.ndarray, mask: np.ndarray | None, ctx: RunContext,
             **params) -> np.ndarray:
        from ml.latent.apply import apply_delta, apply_replace

        amounts = _amounts(params)
        h, w = image.shape[:2]
        box = (0, 0, w, h) if mask is None else _bbox(mask)
        if box is None:
            return image
        x0, y0, x1, y1 = box
        region = image[y0:y1, x0:x1]
        sub_mask = None if mask is None else mask[y0:y1, x0:x1]
        ctx.report(0.05, f"loading {self.id}")
        model = self.model(ctx.device)
        ctx.report(0.2, "encoding")
        z = model.encode(region[None], ctx.sub(0.2, 0.8))
        try:
            z_edit = model.edit(z, amounts)
        except EngineError as exc:
            raise EngineError(f"engine {self.id!r}: {exc}") from None
        ctx.report(0.85, "decoding")
        if self.mode == "replace":
            edited = apply_replace(region, model, z_edit, sub_mask, self.feather)
        else:
            edited = apply_delta(region, model, z, z_edit, sub_mask, self.feather,
                                 self.lowpass_sigma)
        out = np.array(image, dtype=np.float32, copy=True)
        out[y0:y1, x0:x1] = edited
        ctx.report(1.0, "done")
        return out


class CartoonVAEEngine(_ModelLatentEngine):
    """The built-in cartoon-face VAE: the region is replaced by its edited decoding."""

    id = "cartoon-faces-vae"
    name = "Cartoon faces (built-in VAE)"
    description = ("Small VAE trained on synthetic cartoon faces: smile, glasses, hair, eye "
                   "size, face width, skin, background. Cartoon faces only; the region is "
                   "redrawn by the model.")
    mode = "replace"
    feather = 2.0

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._params = None

    @property
    def folder(self) -> Path:  # type: ignore[override]
        if self._folder is None:
            from ml.latent.builtin import builtin_path

            self._folder = builtin_path()
        return self._folder

    def available(self) -> str | None:
        from ml.latent.builtin import builtin_available

        return builtin_available()


class TrainedLatentEngine(_ModelLatentEngine):
    """A model the user trained (a folder in :func:`latent_models_dir`), applied as the
    low-frequency change it makes, so the photo's own detail survives."""

    mode = "delta"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.id = self.folder.name
        meta = {}
        try:
            meta = json.loads((self.folder / "model.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            pass
        arch = meta.get("arch", "latent model") if isinstance(meta, dict) else "latent model"
        self.name = (meta.get("name") if isinstance(meta, dict) else "") or self.folder.name
        self.description = f"trained {arch} in {self.folder} (adds the low-frequency change)"


class FaceShapeEngine(LatentEngine):
    """The built-in face-shape warp: moves the photo's own pixels (smile, jaw, ...)."""

    id = "face-shape"
    name = "Face shape (built-in warp)"
    description = ("Geometric face edits of a photo (smile, mouth and eye size, nose and face "
                   "width, jaw, chin, head roll) as a smooth local warp; only the face moves.")

    @property
    def params(self) -> tuple[Param, ...]:  # type: ignore[override]
        from ml.face.shape import DIRECTIONS

        return tuple(
            Param(d.name, d.label, "float", float(d.default), minimum=float(d.minimum),
                  maximum=float(d.maximum), help=d.description)
            for d in DIRECTIONS)

    def available(self) -> str | None:
        return None

    def edit(self, image: np.ndarray, mask: np.ndarray | None, ctx: RunContext,
             **params) -> np.ndarray:
        from ml.face.shape import FaceShapeModel

        amounts = _amounts(params)
        if not amounts:
            return image  # every direction at 0: the warp moves nothing, no face needed
        model = FaceShapeModel()
        empty, region = _face_region(mask)
        if empty:
            return image
        ctx.report(0.1, "finding the face")
        shape = model.analyse(image, region, device=ctx.device, ctx=ctx)
        ctx.report(0.6, "warping")
        out = model.apply(image.astype(np.float32, copy=False), shape, amounts)
        ctx.report(1.0, "done")
        return out


class PortraitEngine(LatentEngine):
    """StyleGAN2 FFHQ on the photo's face: detect, align, invert, edit, paste back."""

    id = "stylegan2-ffhq-1024"
    name = "StyleGAN2 FFHQ portrait (non-commercial)"
    description = ("Edits a real face (age, smile, pose, GANSpace edits) through StyleGAN2 "
                   "FFHQ: the face is aligned, inverted into W+ and the change pasted back. "
                   "Needs the non-commercial StyleGAN2 weights from the model store.")
    model_id = "stylegan2-ffhq-1024"
    device_policy = "gpu-preferred"

    @property
    def uses(self) -> tuple[str, ...]:
        """Every store model this engine uses when installed (the generator is required;
        the encoder and direction files are optional)."""
        from ml.portrait.model import PACK_IDS

        return PACK_IDS

    @property
    def params(self) -> tuple[Param, ...]:  # type: ignore[override]
        from ml.portrait.directions import GANSPACE_LABELS, INTERFACEGAN_LABELS

        dirs = tuple(direction_param(n, label, "portrait direction") for n, label in
                     {**INTERFACEGAN_LABELS, **GANSPACE_LABELS}.items())
        return dirs + (
            Param("mode", "Mode", "choice", "delta", choices=("delta", "replace"),
                  help="delta: add the generator's change to the photo (keeps its detail); "
                       "replace: paste the colour-matched generated face"),
            Param("steps", "Inversion steps", "int", 100, minimum=1, maximum=2000,
                  help="optimisation steps when no e4e encoder is installed"),
        )

    @property
    def direction_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.kind == "float")

    def model(self, device: str):
        from ml.portrait.model import load_from_store
        from ml.store import ModelStore

        store = ModelStore()
        version = tuple(file_version(store.path(m)) for m in self.uses if store.installed(m))
        model = MODELS.get(f"portrait:{self.id}", device, lambda: load_from_store("cpu", store),
                           version=version)
        if model.device != device:
            model.to(device)
        return model

    def edit(self, image: np.ndarray, mask: np.ndarray | None, ctx: RunContext,
             **params) -> np.ndarray:
        from ml.portrait import pipeline as pp

        amounts = {k: float(v) for k, v in params.items() if k in self.direction_names and v}
        empty, region = _face_region(mask)
        if empty:
            return image
        ctx.report(0.02, "finding the face")
        found = pp.find_face(image, region, device=ctx.device, ctx=ctx.sub(0.02, 0.1))
        model = self.model(ctx.device)
        missing = [n for n in amounts if n not in model.directions]
        if missing:
            raise EngineError(f"direction(s) {', '.join(missing)} not installed (the model "
                              f"has: {', '.join(model.directions) or 'none'})")
        aligned = pp.align(image, found.face, model.resolution)
        z = model.encode(pp.rgb_float(aligned.crop)[None], ctx.sub(0.1, 0.85),
                         steps=int(params.get("steps", 100)))[0]
        z_edit = model.edit(z, amounts)[0]
        ctx.report(0.9, "pasting the face back")
        box, patch = pp.paste(image, aligned, found.face, model, z, z_edit,
                              str(params.get("mode", "delta")))
        x0, y0, x1, y1 = box
        out = np.array(image, dtype=np.float32, copy=True)
        out[y0:y1, x0:x1] = patch
        ctx.report(1.0, found.note or "done")
        return out


def discover() -> list[LatentEngine]:
    """One engine per trained model folder in :func:`latent_models_dir` (sorted by name)."""
    root = latent_models_dir()
    if not root.is_dir():
        return []
    out: list[LatentEngine] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if (folder / "model.json").is_file():
            out.append(TrainedLatentEngine(folder))
    return out


def register_trained() -> list[LatentEngine]:
    """Look in :func:`latent_models_dir` again (after a training run finished)."""
    from ml.engines import REGISTRY

    return REGISTRY.rediscover("latent")  # type: ignore[return-value]


def run_latent_pixels(engine: LatentEngine, ctx: RunContext, image: np.ndarray,
                      mask: np.ndarray | None = None, **params) -> np.ndarray:
    """The task runner: int ``image`` edited by the direction amounts in ``params``, inside
    ``mask`` (bool or 0..255, non-zero = edit) or wherever the engine edits when None.
    Pixels outside the mask come back exactly as given; alpha is carried through."""
    from ml.imageconv import mask_to_engine, to_engine
    from ml.runtime import as_channels, check_engine, check_result, finish, run_with_fallback

    check_engine(engine, SPEC)
    rgb, alpha = to_engine(image)
    m = None
    if mask is not None:
        m = mask_to_engine(mask)
        if m.shape != rgb.shape[:2]:
            raise EngineError(f"mask is {m.shape[1]}x{m.shape[0]} but the image is "
                              f"{rgb.shape[1]}x{rgb.shape[0]}")
    resolved = engine.resolve_params(params)
    out = check_result(engine, run_with_fallback(
        engine, ctx, lambda c: engine.edit(rgb, m, c, **resolved)))
    if out.shape != rgb.shape:
        raise EngineError(f"engine {engine.id!r} changed the image size")
    if m is not None:
        out = rgb + (out - rgb) * m[:, :, None]
    result = finish(out, alpha, image)
    if m is not None:
        keep = m <= 0.0
        result[keep] = as_channels(image, result.shape[2])[keep]
    return result


SPEC = add_task(TaskSpec(
    name="latent",
    title="Latent Edit",
    engine_class=LatentEngine,
    method="edit",
    description="move an image along named directions of a latent model",
    inputs=(
        TaskInput("image", "image", "IN", "the image to edit"),
        TaskInput("mask", "mask", "MASK", "white/non-zero = edit (default: the whole "
                  "image, or the face)", required=False, flag="--mask", purpose="edit"),
    ),
    run=run_latent_pixels,
    cli=CliSpec(
        command="edit",
        help="edit along latent directions (--model ID --set NAME=VALUE ...)",
        summary="{out}: {width}x{height} ({engine})",
        engine_aliases=("--model",),
        set_params=True,
    ),
    discover=discover,
))

register(CartoonVAEEngine())
register(FaceShapeEngine())
register(PortraitEngine())
