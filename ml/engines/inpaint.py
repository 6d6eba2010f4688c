"""Inpainting engines: OpenCV Telea / Navier-Stokes, xphoto FSR, and LaMa from the store.

Registered engines (ids), the default first:

* ``patchmatch`` -- the built-in content-aware fill (:mod:`ml.fill.patchmatch`): copies
  texture and continues edges from around the hole, smooth where the surroundings are;
  the default when no engine is named;
* ``telea`` and ``navier-stokes`` -- :func:`cv2.inpaint`, the "quick" fills (smooth
  smears; fine for small blemishes);
* ``fsr`` -- opencv-contrib's frequency-selective reconstruction
  (:func:`cv2.xphoto.inpaint`, ``fast`` or ``best``): plausible texture, the better
  built-in; slower, so it works on a smaller crop;
* ``lama`` -- big-lama from the model store (TorchScript file, read only for its weights
  and rebuilt through spandrel's LaMa architecture): large-mask inpainting;
* ``migan`` -- MI-GAN 512 from the model store (the traced TorchScript module IOPaint
  publishes; not in spandrel): a small, fast GAN fill at 512²;
* imported inpainting checkpoints (a LaMa state dict the user imported, or any inpainting
  architecture spandrel detects): one engine each, id = the store id, run like ``lama``;
  found by :data:`SPEC`'s ``discover`` hook when the registry is first asked for inpaint
  engines (importing this module reads no file).

Every engine goes through :func:`fill_patch` (:class:`RegionInpaintEngine`), which crops the mask's bounding box plus a
context margin (:meth:`~ml.engines.InpaintEngine.context_margin` is the same rule for
callers that crop first), downsizes that crop when it is large (classic methods ≤ 1024 px on the
long side, LaMa and MI-GAN 512), fills it, upsamples the fill and pastes it back only where the mask
is set. A small blemish on a 24 MP photo therefore costs about what it costs on a 1 MP one,
and pixels outside the mask never change. ``engine.inpaint_patch(image, mask, ctx)``
returns only the changed region ``(x, y, patch)`` for callers that paste patches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ml.engines import CliSpec, InpaintEngine, TaskInput, TaskSpec, add_task, register
from ml.imageconv import mask_bbox
from ml.modelcache import MODELS, file_version
from ml.types import EngineError, EngineUnavailable, Param, RunContext

#: a fill function: (image crop float32 HWC, hole mask bool HW, ctx) -> filled crop
FillFn = Callable[[np.ndarray, np.ndarray, RunContext], np.ndarray]


def context_box(
    bbox: tuple[int, int, int, int],
    width: int,
    height: int,
    margin: float = 0.5,
    min_margin: int = 32,
) -> tuple[int, int, int, int]:
    """The bbox grown by ``margin`` × its larger side (at least ``min_margin`` px), clipped."""
    x0, y0, x1, y1 = bbox
    pad = max(min_margin, round(margin * max(x1 - x0, y1 - y0)))
    return max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)


def _resize(img: np.ndarray, width: int, height: int, shrink: bool) -> np.ndarray:
    import cv2

    interp = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    return cv2.resize(img, (width, height), interpolation=interp)


def fill_patch(
    image: np.ndarray,
    mask: np.ndarray,
    fill: FillFn,
    ctx: RunContext,
    max_side: int = 1024,
    margin: float = 0.5,
    min_margin: int = 32,
) -> tuple[int, int, np.ndarray] | None:
    """Inpaint around the mask only: crop, downsize, ``fill``, upsample, blend in the mask.

    Returns ``(x, y, patch)``: the changed region (the mask's bounding box plus context,
    float32 HWC) and its top-left corner in ``image``, or None for an empty mask. Inside the
    patch, pixels whose mask is 0 are exactly those of ``image``. Costs nothing that grows
    with the whole image beyond one scan of the mask, so callers that paste patches (e.g.
    ``Document.apply_patch``) pay the same for a blemish on 1 MP and on 24 MP.

    ``mask`` is float HW (1 = fill; soft values blend the fill in). The fill function sees
    a crop whose long side is at most ``max_side`` and a boolean hole mask.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise EngineError(f"inpainting expects an HxWx3 image, got shape {image.shape}")
    if mask.shape != image.shape[:2]:
        raise EngineError(
            f"mask is {mask.shape[1]}x{mask.shape[0]}, image is {image.shape[1]}x{image.shape[0]}"
        )
    ctx.cancel.check()
    bbox = mask_bbox(mask)
    if bbox is None:
        ctx.report(1.0, "nothing to fill")
        return None
    h, w = image.shape[:2]
    x0, y0, x1, y1 = context_box(bbox, w, h, margin, min_margin)
    crop = np.array(image[y0:y1, x0:x1], dtype=np.float32)  # a copy: becomes the patch
    soft = mask[y0:y1, x0:x1].astype(np.float32)
    ch, cw = crop.shape[:2]
    factor = min(1.0, max_side / max(ch, cw))
    tw, th = max(1, round(cw * factor)), max(1, round(ch * factor))
    resized = (tw, th) != (cw, ch)
    small = _resize(crop, tw, th, shrink=True) if resized else crop
    if resized:
        # any trace of mask inside a downsized pixel makes it a hole: nothing masked leaks
        hole = _resize((soft > 0).astype(np.float32), tw, th, shrink=True) > 1e-3
    else:
        hole = soft > 0
    ctx.report(0.05, f"filling {tw}x{th}" + (f" (from {cw}x{ch})" if resized else ""))
    filled = fill(np.clip(small, 0.0, 1.0), hole, ctx.sub(0.05, 0.95))
    ctx.cancel.check()
    if filled.shape != small.shape:
        raise EngineError(f"fill returned {filled.shape}, expected {small.shape}")
    if resized:
        filled = _resize(np.ascontiguousarray(filled, dtype=np.float32), cw, ch, shrink=False)
    filled = np.clip(filled, 0.0, 1.0)
    inside = soft > 0
    m = soft[inside][:, None]
    crop[inside] = crop[inside] * (1.0 - m) + filled[inside] * m
    ctx.report(1.0, "done")
    return x0, y0, crop


def fill_region(image: np.ndarray, mask: np.ndarray, fill: FillFn, ctx: RunContext,
                *crop: Any, **crop_kw: Any) -> np.ndarray:
    """:func:`fill_patch` pasted into a copy of the whole image (pixels outside the mask
    never change); ``crop``/``crop_kw`` are fill_patch's ``max_side``, ``margin`` and
    ``min_margin``."""
    out = image.copy()
    result = fill_patch(image, mask, fill, ctx, *crop, **crop_kw)
    if result is not None:
        x, y, patch = result
        out[y : y + patch.shape[0], x : x + patch.shape[1]] = patch
    return out


class RegionInpaintEngine(InpaintEngine):
    """An inpaint engine built from a fill function run on the mask's neighbourhood.

    Subclasses implement :meth:`make_fill` (and may override :meth:`max_side`). Besides
    the task method :meth:`inpaint` (whole image in, whole image out) it offers
    :meth:`inpaint_patch`, which returns only the changed region.
    """

    def make_fill(self, params: dict) -> FillFn:
        raise NotImplementedError

    def max_side(self, params: dict) -> int:
        return int(params.get("max_size", 1024))

    def inpaint_patch(
        self, image: np.ndarray, mask: np.ndarray, ctx: RunContext, **params
    ) -> tuple[int, int, np.ndarray] | None:
        """``(x, y, patch)`` of the filled region, or None when the mask is empty."""
        params = self.resolve_params(params)
        return fill_patch(image, mask, self.make_fill(params), ctx, self.max_side(params),
                          self.context_fraction, self.min_context)

    def inpaint(self, image: np.ndarray, mask: np.ndarray, ctx: RunContext, **params):
        params = self.resolve_params(params)
        return fill_region(image, mask, self.make_fill(params), ctx, self.max_side(params),
                           self.context_fraction, self.min_context)


# --- classic OpenCV fills ------------------------------------------------------------------


def _cv_fill(flag: int, radius: int) -> FillFn:
    def fill(img: np.ndarray, hole: np.ndarray, ctx: RunContext) -> np.ndarray:
        import cv2

        m8 = hole.astype(np.uint8) * 255
        planes = []
        # cv2.inpaint takes float only as one channel (three passes keep 16-bit precision),
        # and Telea's float path assumes the 0..255 range
        for c in range(3):
            ctx.report(c / 3, "inpainting")
            plane = np.ascontiguousarray(img[:, :, c] * np.float32(255.0))
            planes.append(cv2.inpaint(plane, m8, radius, flag) / np.float32(255.0))
        return np.stack(planes, axis=2)

    return fill


_RADIUS = Param(
    "radius",
    "Radius",
    "int",
    5,
    minimum=1,
    maximum=50,
    help="neighbourhood considered around each filled pixel",
)


class TeleaEngine(RegionInpaintEngine):
    """OpenCV Telea fast marching: quick, smooth, good for small blemishes."""

    id = "telea"
    name = "Quick (Telea)"
    description = "OpenCV Telea fast-marching fill: instant; smooth smear, best for small spots."
    device_policy = "cpu"
    params = (_RADIUS,)
    _flag_name = "INPAINT_TELEA"

    def make_fill(self, params: dict) -> FillFn:
        import cv2

        return _cv_fill(getattr(cv2, self._flag_name), int(params["radius"]))


class NavierStokesEngine(TeleaEngine):
    """OpenCV Navier-Stokes based fill: quick, follows edges a little better than Telea."""

    id = "navier-stokes"
    name = "Quick (Navier-Stokes)"
    description = "OpenCV Navier-Stokes fill: instant; continues edges into the hole."
    _flag_name = "INPAINT_NS"


class FSREngine(RegionInpaintEngine):
    """Frequency-selective reconstruction (opencv-contrib xphoto): textured, offline."""

    id = "fsr"
    name = "Texture fill (FSR)"
    description = (
        "Frequency-selective reconstruction (OpenCV xphoto): plausible texture, no download."
    )
    device_policy = "cpu"
    #: parameters the editor's dialogs leave out (the CLI still takes them). Measured on
    #: six 93x90 holes in scikit-image's coffee, astronaut and chelsea photos, xphoto's
    #: "best" took 13-100x (median 27x) the time of "fast" (benchmarks/bench_inpaint.py,
    #: fsr_quality_rows: 84 s against 3.9 s on a busy CPU) for no better fill: masked
    #: PSNR 16.8 against 17.1 dB, SSIM 0.594 against 0.593, equally soft and blotchy. So
    #: the dialog offers no quality choice.
    ui_hidden_params = ("quality",)
    params = (
        Param(
            "quality",
            "Quality",
            "choice",
            "fast",
            choices=("fast", "best"),
            help="best: 13-100x slower than fast (a minute or more for a 90 px hole) and "
                 "no better in our measurements; the editor offers fast only",
        ),
        Param(
            "max_size",
            "Work size",
            "int",
            512,
            minimum=64,
            maximum=2048,
            help="long side of the crop it works on; larger is sharper and slower",
        ),
    )

    def available(self) -> str | None:
        try:
            import cv2

            cv2.xphoto.INPAINT_FSR_FAST  # noqa: B018 - probing the contrib module
        except (ImportError, AttributeError):
            return "needs opencv-contrib-python(-headless) (cv2.xphoto missing)"
        return None

    def make_fill(self, params: dict) -> FillFn:
        import cv2

        flag = (
            cv2.xphoto.INPAINT_FSR_BEST
            if params.get("quality") == "best"
            else cv2.xphoto.INPAINT_FSR_FAST
        )

        def fill(img: np.ndarray, hole: np.ndarray, sub: RunContext) -> np.ndarray:
            sub.report(0.0, "frequency-selective reconstruction")
            # FSR reads 8-bit only; xphoto's mask is inverted: non-zero = KNOWN pixels
            src = (img * 255.0 + 0.5).astype(np.uint8)
            known = np.where(hole, 0, 255).astype(np.uint8)
            dst = np.zeros_like(src)
            cv2.xphoto.inpaint(src, known, dst, flag)
            return dst.astype(np.float32) / 255.0

        return fill


# --- LaMa -------------------------------------------------------------------------------------


def load_lama(path: Path, device: str = "cpu", model_id: str | None = None):
    """spandrel's LaMa descriptor for a big-lama file (TorchScript or plain weights),
    cached for runs on ``device`` (:data:`ml.modelcache.MODELS`)."""
    from ml.loading import ModelFileError, load_spandrel

    path = Path(path)

    def build():
        torchscript = path.suffix.lower() == ".pt"
        try:
            descriptor = load_spandrel(path, allow_torchscript=torchscript)
        except ModelFileError:
            if not torchscript:
                raise
            descriptor = load_spandrel(path)  # a .pt that is a plain state dict
        if str(descriptor.purpose) != "Inpainting":
            raise EngineError(f"{path}: a {descriptor.purpose} model, not inpainting")
        return descriptor

    return MODELS.get(model_id or f"file:{path}", device, build, version=file_version(path))


def run_lama(descriptor, img: np.ndarray, hole: np.ndarray, ctx: RunContext) -> np.ndarray:
    """One LaMa pass on a crop, padded (reflect) to LaMa's size rules; fp32 (no fp16)."""
    import torch

    h, w = hole.shape
    req = descriptor.size_requirements
    multiple = max(1, int(req.multiple_of or 1))
    ph = max(int(req.minimum or 0), -(-h // multiple) * multiple) - h
    pw = max(int(req.minimum or 0), -(-w // multiple) * multiple) - w
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "edge"
        img = np.pad(img, ((0, ph), (0, pw), (0, 0)), mode=mode)
        hole = np.pad(hole, ((0, ph), (0, pw)), mode="edge")
    from ml.torch_helpers import cancellable

    device = ctx.device
    descriptor.to(device)
    descriptor.float()
    ctx.report(0.1, "LaMa")
    # one LaMa pass is one long forward: check cancel between its layers
    with torch.inference_mode(), cancellable(descriptor, ctx.cancel):
        x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None].to(device)
        m = torch.from_numpy(hole.astype(np.float32))[None, None].to(device)
        y = descriptor(x, m)
    ctx.report(0.95, "LaMa")
    return y[0].float().clamp(0, 1).cpu().numpy().transpose(1, 2, 0)[:h, :w]


class StoreInpaintEngine(RegionInpaintEngine):
    """An inpaint engine whose weights come from the model store (``model_id``; the
    base :meth:`~ml.engines.Engine.available` says how to install it)."""

    model_id = ""
    device_policy = "gpu-preferred"

    def _store(self):
        from ml.store import ModelStore

        return ModelStore()


class LamaEngine(StoreInpaintEngine):
    """big-lama through spandrel: large-mask inpainting from the model store."""

    id = "lama"
    name = "LaMa (big-lama)"
    description = "LaMa big: fills large holes with plausible structure (model download, 206 MB)."
    model_id = "big-lama"
    params = (
        Param(
            "max_size",
            "Work size",
            "int",
            512,
            minimum=128,
            maximum=2048,
            help="long side of the crop LaMa sees (it was trained at 512)",
        ),
    )

    def make_fill(self, params: dict) -> FillFn:
        path = self._store().path(self.model_id)

        def fill(img: np.ndarray, hole: np.ndarray, sub: RunContext) -> np.ndarray:
            try:
                descriptor = load_lama(path, sub.device, self.model_id)
            except EngineError as exc:
                raise EngineUnavailable(str(exc)) from None
            return run_lama(descriptor, img, hole, sub)

        return fill


class ImportedInpaintEngine(LamaEngine):
    """An inpainting checkpoint the user imported (spandrel detected it, e.g. a LaMa state
    dict): run exactly like big-lama -- same loader, crop/downsize, padding and fill."""

    def __init__(self, model_id: str, architecture: str, licence: str = "") -> None:
        self.id = model_id
        self.model_id = model_id
        self.name = f"{model_id} ({architecture})"
        self.description = f"imported {architecture} inpainting model" + (
            f" ({licence})" if licence else "")


def imported_engines() -> list[InpaintEngine]:
    """One engine per inpainting model the user imported into the store (not registered);
    the ``discover`` hook of :data:`SPEC`."""
    from ml.engines import imported_records

    return [ImportedInpaintEngine(model_id, str(rec.get("architecture", "?")),
                                  str(rec.get("licence", "")))
            for model_id, rec in imported_records("inpaint").items()]


def register_imported() -> list[InpaintEngine]:
    """Look in the store again for inpainting models (call after ``ModelStore.import_file``
    so a new import shows up without a restart); returns the engines found."""
    from ml.engines import REGISTRY

    return REGISTRY.rediscover("inpaint")  # type: ignore[return-value]


# --- MI-GAN ---------------------------------------------------------------------------------

#: MI-GAN's traced module works on exactly this square size
MIGAN_SIZE = 512


def load_migan(path: Path, device: str = "cpu", model_id: str | None = None):
    """The traced MI-GAN module (TorchScript, as the catalog entry says), cached for
    runs on ``device`` (:data:`ml.modelcache.MODELS`)."""
    from ml.loading import load_torchscript

    path = Path(path)
    return MODELS.get(model_id or f"file:{path}", device,
                      lambda: load_torchscript(path, "cpu", allow_torchscript=True),
                      version=file_version(path))


def run_migan(module, img: np.ndarray, hole: np.ndarray, ctx: RunContext) -> np.ndarray:
    """One MI-GAN pass: the crop (long side ≤ 512) padded to 512², in the published input
    convention -- ``cat(0.5 - mask, image * (1 - mask))`` with the image in [-1, 1] and
    mask 1 = hole -- and the output mapped back from [-1, 1]."""
    import torch

    h, w = hole.shape
    if max(h, w) > MIGAN_SIZE:
        raise EngineError(f"MI-GAN works on at most {MIGAN_SIZE}², got {w}x{h}")
    ph, pw = MIGAN_SIZE - h, MIGAN_SIZE - w
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "edge"
        img = np.pad(img, ((0, ph), (0, pw), (0, 0)), mode=mode)
        hole = np.pad(hole, ((0, ph), (0, pw)))  # the padding is known content, not hole
    device = ctx.device
    module.to(device)
    ctx.report(0.1, "MI-GAN")
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None].to(device)
        m = torch.from_numpy(hole.astype(np.float32))[None, None].to(device)
        x = x.float() * 2.0 - 1.0
        y = module(torch.cat([0.5 - m, x * (1.0 - m)], dim=1))
    ctx.report(0.95, "MI-GAN")
    out = (y[0].float() * 0.5 + 0.5).clamp(0, 1).cpu().numpy().transpose(1, 2, 0)
    return out[:h, :w]


class MiganEngine(StoreInpaintEngine):
    """MI-GAN (Picsart, MIT): a mobile-sized GAN inpainter, fast even on a CPU."""

    id = "migan"
    name = "MI-GAN (fast)"
    description = "MI-GAN 512: quick GAN fill for small and medium objects (model download, 27 MB)."
    model_id = "migan-512"

    def max_side(self, params: dict) -> int:
        return MIGAN_SIZE

    def make_fill(self, params: dict) -> FillFn:
        path = self._store().path(self.model_id)

        def fill(img: np.ndarray, hole: np.ndarray, sub: RunContext) -> np.ndarray:
            try:
                module = load_migan(path, sub.device, self.model_id)
            except EngineError as exc:  # includes ModelFileError
                raise EngineUnavailable(str(exc)) from None
            return run_migan(module, img, hole, sub)

        return fill


# --- the task -------------------------------------------------------------------------------


def run_inpaint_patch(engine: InpaintEngine, ctx: RunContext, image: np.ndarray,
                      mask: np.ndarray, **params) -> tuple[int, int, np.ndarray] | None:
    """The changed region of a fill of int ``image`` where ``mask`` is set (bool or 0..255,
    non-zero = fill; soft values blend): ``(x, y, patch)`` of the mask's bounding box at
    the image's depth (alpha and unmasked pixels exactly as given), or None for an empty
    mask. Only the box plus the engine's context margin is converted to floats."""
    from ml.runtime import check_engine, run_masked_region

    check_engine(engine, SPEC)
    resolved = engine.resolve_params(params)
    return run_masked_region(engine, ctx, image, mask, engine.context_margin,
                             lambda rgb, m, c: engine.inpaint(rgb, m, c, **resolved))


def run_inpaint_pixels(engine: InpaintEngine, ctx: RunContext, image: np.ndarray,
                       mask: np.ndarray, **params) -> np.ndarray:
    """The task runner: :func:`run_inpaint_patch` pasted into a copy of ``image`` (RGB or
    RGBA like the input). Pixels outside the mask come back exactly as given."""
    from ml.runtime import as_channels, channels_of, paste_patch

    patch = run_inpaint_patch(engine, ctx, image, mask, **params)
    out = np.array(as_channels(image, channels_of(image)), copy=True)
    return paste_patch(out, patch)


SPEC = add_task(TaskSpec(
    name="inpaint",
    title="Remove / Inpaint",
    engine_class=InpaintEngine,
    method="inpaint",
    description="fill the masked area",
    inputs=(
        TaskInput("image", "image", "IN", "the image to fill"),
        TaskInput("mask", "mask", "MASK", "white/non-zero = fill", purpose="fill"),
    ),
    run=run_inpaint_pixels,
    run_patch=run_inpaint_patch,
    cli=CliSpec(
        command="inpaint",
        help="fill the masked area (MASK: white/non-zero = fill)",
        summary="{out}: filled {mask_pixels} pixels ({engine})",
    ),
    discover=imported_engines,
))

class PatchMatchEngine(RegionInpaintEngine):
    """Multi-scale PatchMatch completion (:mod:`ml.fill.patchmatch`): built in, copies
    texture and continues straight structure (brick, mortar lines, rims) where the
    diffusion fills smear."""

    id = "patchmatch"
    name = "Content-aware fill (PatchMatch)"
    description = ("patch-based completion (Wexler et al. / PatchMatch), coarse to fine: "
                   "continues edges and textures; best on regular structure")
    device_policy = "cpu"
    params = (
        Param("max_size", "Work size", "int", 768, minimum=128, maximum=2048,
              help="long side of the crop it works on; cost grows with the hole's area"),
        Param("keep_grain", "Keep fine grain", "bool", False,
              help="take fine detail from the best-matching patch (gravel, grass, film "
                   "grain) instead of the smoother average; scores a little lower on "
                   "photos (docs/fill/quality.md)"),
    )

    def make_fill(self, params: dict) -> FillFn:
        from ml.fill.patchmatch import make_patchmatch_fill, patchmatch_fill

        if params.get("keep_grain"):
            return make_patchmatch_fill(final_vote="detail", vote_percentile=75.0)
        return patchmatch_fill


# the first registered engine that can run is the default (``retouch inpaint`` without
# --engine, a fresh Remove / Inpaint dialog): the built-in content-aware fill, which
# needs no download and scores above FSR and Telea (docs/fill/quality.md)
register(PatchMatchEngine())
register(TeleaEngine())
register(NavierStokesEngine())
register(FSREngine())
register(LamaEngine())
register(MiganEngine())
