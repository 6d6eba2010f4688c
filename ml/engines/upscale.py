"""Super-resolution engines: Lanczos, the built-in CNNs (sr-res, sr-small), spandrel models.

Registered engines (ids):

* ``lanczos`` -- PIL Lanczos on float planes (no model, any scale);
* ``sr-res`` -- our residual-block CNN (:mod:`ml.archs.sr_res`, weights shipped in
  ``resources/models/sr-res/sr-res-x{2,4}.safetensors``, provenance in
  ``resources/models/PROVENANCE.md``): the stronger built-in, listed before sr-small;
* ``sr-small`` -- our first, smaller CNN (:mod:`ml.archs.sr_small`, weights shipped in
  ``resources/models/sr-small-x{2,4}.safetensors``). For both built-ins ×3 runs the ×4
  net and resamples the result down with Lanczos (antialiased), which beats ×2 + upsampling
  and needs no third weights file;
* one engine per catalog ``upscale`` entry (``realesrgan-x4plus``, ``swinir-m-real-x4-gan``,
  ...), loaded through spandrel from the model store; ``available()`` names the install
  command when the file is missing. A model's native scale is its largest supported scale;
  smaller integer scales run the model and resample down with Lanczos;
* imported models: one engine for each SR checkpoint the user imported into the store
  (any architecture spandrel loads: HAT, DAT, SPAN, ...), and :class:`FileSREngine` runs a
  checkpoint straight from a path (CLI ``--model FILE``).

Catalog and imported engines are found by :data:`SPEC`'s ``discover`` hook when the
registry is first asked for upscale engines; importing this module reads no file.
:data:`SPEC` also declares the task's inputs (``image``, ``scale``), its int-pixels
runner (:func:`run_upscale_pixels`) and the ``retouch upscale`` subcommand. Each engine
estimates its memory (:meth:`~ml.engines.UpscaleEngine.working_bytes`) with the same
per-pixel figures its tiles are sized with.

Everything model-based runs through :func:`ml.tiling.tiled_apply` on ``ctx.device`` (fp16 on
CUDA when spandrel says the architecture supports it), so large photos never have to fit
in memory at once; cancel is checked and progress reported between tiles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.engines import (
    CliOption,
    CliSpec,
    TaskInput,
    TaskSpec,
    UpscaleEngine,
    add_task,
    model_bytes_per_pixel,
    register,
)
from ml.imageconv import resize_plane
from ml.modelcache import MODELS, file_version
from ml.types import EngineError, EngineUnavailable, Param, RunContext

SR_SMALL_SCALES = (2, 4)


def lanczos_resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize a float32 HWC image with Lanczos per channel, full float precision."""
    if image.shape[:2] == (height, width):
        return image.astype(np.float32, copy=False)
    planes = [resize_plane(image[:, :, c], width, height) for c in range(image.shape[2])]
    return np.stack(planes, axis=2)


class LanczosEngine(UpscaleEngine):
    """Classic Lanczos resampling: the fast, model-free baseline."""

    id = "lanczos"
    name = "Lanczos"
    description = "Classic Lanczos resampling: fast, no model, no invented detail."
    scales = (2, 3, 4)
    device_policy = "cpu"

    def upscale(self, image: np.ndarray, scale: int, ctx: RunContext, **params) -> np.ndarray:
        h, w = image.shape[:2]
        planes = []
        for c in range(image.shape[2]):
            ctx.report(c / image.shape[2], "Lanczos")
            planes.append(resize_plane(image[:, :, c], w * scale, h * scale))
        ctx.report(1.0, "Lanczos")
        return np.stack(planes, axis=2)

    def working_bytes(self, in_w: int, in_h: int, scale: int, alpha: bool = False) -> int:
        """Float32 RGB + alpha of the output and the int conversion, one layer at a time
        (measured: 900×600 4× 277 MB peak, estimated 290)."""
        in_px = int(in_w) * int(in_h)
        return int(in_px * scale * scale * (3 + 1 + 3) * 4 + in_px * 4 * 4)


_TILE_PARAM = Param(
    "tile",
    "Tile size",
    "int",
    0,
    minimum=0,
    maximum=4096,
    help="input tile edge in pixels; 0 = chosen from the free memory",
    special="Auto",
)


class BuiltinSREngine(UpscaleEngine):
    """A built-in CNN trained by ``ml.train.sr`` (see resources/models/PROVENANCE.md):
    weights ``<subdir>/<id>-x{2,4}.safetensors`` under the models resource folder."""

    id = ""
    arch = ""  # the architecture its files must hold (ml.archs.sr_small.sr_arch)
    subdir = ""  # folder of its weights under resources/models ("" = that folder)
    #: feature maps alive at once per input pixel (sizes the tiles, see builtin_tile_bytes)
    feature_maps = 4
    channels = 48  # width of the shipped nets (for estimates before one is loaded)
    scales = (2, 3, 4)
    params = (_TILE_PARAM,)

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    def weights_path(self, scale: int) -> Path:
        """The shipped weights file of the ×``scale`` net (2 or 4)."""
        from ml.resources import resource_path

        folder = self._folder or resource_path("models") / self.subdir
        return Path(folder) / f"{self.id}-x{scale}.safetensors"

    def available(self) -> str | None:
        missing = [p.name for s in SR_SMALL_SCALES if not (p := self.weights_path(s)).is_file()]
        if missing:
            return f"built-in weights missing: {', '.join(missing)} (broken installation)"
        return None

    def model(self, scale: int, device: str = "cpu"):
        """The ×``scale`` net (2 or 4) for a run on ``device``, loaded once and cached
        (:data:`ml.modelcache.MODELS`; the tiler moves it to the device)."""
        from ml.archs.sr_small import SRSmallFileError, load_sr_model

        path = self.weights_path(scale)

        def build():
            try:
                return load_sr_model(path, self.arch)
            except SRSmallFileError as exc:
                raise EngineUnavailable(str(exc)) from None

        return MODELS.get(f"{self.id}-x{scale}", device, build, version=file_version(path))

    def native_scale_for(self, scale: int) -> int:
        return scale if scale in SR_SMALL_SCALES else 4  # 3x runs the 4x net

    def activation_bytes(self, in_pixels: int, native: int) -> int:
        """The tile-sizing figure (:func:`builtin_tile_bytes`) per input pixel, at most
        one CPU budget (tiles are capped by it)."""
        from ml.tiling import CPU_BUDGET_BYTES

        per_px = builtin_tile_bytes(self.feature_maps * self.channels, native)
        return min(CPU_BUDGET_BYTES, in_pixels * per_px)

    def upscale(self, image: np.ndarray, scale: int, ctx: RunContext, **params) -> np.ndarray:
        from ml.devices import half_ok
        from ml.tiling import tiled_apply
        from ml.torch_helpers import Clamped

        if scale not in self.scales:
            raise EngineError(f"{self.id} supports scales 2, 3, 4, not {scale}")
        native = self.native_scale_for(scale)
        net = self.model(native, ctx.device)
        work = ctx if native == scale else ctx.sub(0.0, 0.9)
        # the net's output is not clamped (it is a residual over bicubic): clamp per tile.
        # A module, not a lambda: the tiler moves its weights to the device (fp16 on CUDA:
        # plain convs, ReLU and bicubic, all fine in half) and back to the CPU on fallback
        out = tiled_apply(
            Clamped(net),
            image,
            native,
            work,
            tile=params.get("tile") or None,
            overlap=16,
            half=half_ok(ctx.device),
            bytes_per_pixel=builtin_tile_bytes(self.feature_maps * net.channels, native),
        )
        if native != scale:
            h, w = image.shape[:2]
            ctx.report(0.9, "resampling to 3x")
            out = lanczos_resize(out, w * scale, h * scale)
            ctx.report(1.0, "done")
        return out


class SRResEngine(BuiltinSREngine):
    """The stronger built-in: residual blocks (:class:`ml.archs.sr_res.SRRes`)."""

    id = "sr-res"
    arch = "sr-res"
    subdir = "sr-res"
    feature_maps = 5  # head output, block input/temporary/output, fuse
    name = "Built-in CNN (sr-res)"
    description = (
        "Residual super-resolution CNN trained by the Retouch project: sharper than "
        "sr-small, fast on a CPU, no download. 3x runs the 4x net and resamples down."
    )


class SRSmallEngine(BuiltinSREngine):
    """The first built-in CNN (:class:`ml.archs.sr_small.SRSmall`)."""

    id = "sr-small"
    arch = "sr-small"
    name = "Built-in CNN (sr-small)"
    description = (
        "Small super-resolution CNN trained by the Retouch project: sharper than Lanczos, "
        "fast on a CPU, no download. 3x runs the 4x net and resamples down."
    )

    def activation_bytes(self, in_pixels: int, native: int) -> int:
        """Measured with ru_maxrss on 900×600 and 2000×1500 images: about
        ``4 * (120 + 2 * n²)`` bytes per input pixel for the ×n net, never above
        :data:`SR_SMALL_CAP_BYTES` for one tile (its tiles are sized against the CPU
        budget with the larger :func:`builtin_tile_bytes` figure). Whole estimates:
        900×600 2× 266 MB measured / 311 estimated, 4× 429 / 472, 3× 429 / 506;
        2000×1500 2× 708 / 763, 4× 920 / 1381."""
        return min(SR_SMALL_CAP_BYTES, in_pixels * 4 * (120 + 2 * native * native))


#: one sr-small tile's activations are never above this (see SRSmallEngine.activation_bytes)
SR_SMALL_CAP_BYTES = 500 * 2**20


def builtin_tile_bytes(feature_channels: int, native: int) -> int:
    """Bytes per input pixel a built-in CNN's tiles are sized with (a safe upper bound):
    ``feature_channels`` float feature maps alive at once on the input grid, plus six
    RGB planes at the output scale (bicubic base, tail output, shuffle, sum, clamp)."""
    return 4 * (feature_channels + 6 * 3 * native * native)



# --- spandrel models ---------------------------------------------------------------------


def load_descriptor(path: Path, device: str = "cpu", model_id: str | None = None):
    """A spandrel ImageModelDescriptor for ``path``, cached for runs on ``device``
    (:data:`ml.modelcache.MODELS`, under ``model_id`` or the path; a changed file is
    loaded again)."""
    from ml.loading import load_spandrel

    path = Path(path)

    def build():
        descriptor = load_spandrel(path)
        if str(descriptor.purpose) not in ("SR", "Restoration") or not hasattr(
            descriptor, "scale"
        ):
            raise EngineError(
                f"{path}: a {descriptor.purpose} model, not a super-resolution model"
            )
        return descriptor

    return MODELS.get(model_id or f"file:{path}", device, build, version=file_version(path))


def run_descriptor(
    descriptor, image: np.ndarray, scale: int, ctx: RunContext, tile: int | None = None
) -> np.ndarray:
    """Upscale with a spandrel SR descriptor by ``scale`` (≤ its native scale), tiled.

    Tiles are padded to the architecture's size multiple (SwinIR: 8, ...); images smaller
    than its minimum size are edge-padded and cropped back. fp16 on CUDA when supported.
    """
    from ml.tiling import tiled_apply

    native = int(descriptor.scale)
    if scale > native or scale < 1:
        raise EngineError(f"this model upscales {native}x; it cannot produce {scale}x")
    req = descriptor.size_requirements
    multiple = max(1, int(getattr(req, "multiple_of", 1) or 1))
    minimum = int(getattr(req, "minimum", 0) or 0)
    h, w = image.shape[:2]
    src = image
    if h < minimum or w < minimum:
        src = np.pad(
            image, ((0, max(0, minimum - h)), (0, max(0, minimum - w)), (0, 0)), mode="edge"
        )
    if src.shape[2] != descriptor.input_channels:
        if descriptor.input_channels == 1:
            src = src.mean(axis=2, keepdims=True)
        else:
            raise EngineError(
                f"model expects {descriptor.input_channels} input channels, not {src.shape[2]}"
            )
    half = bool(descriptor.supports_half) and ctx.device.startswith("cuda")
    work = ctx if native == scale else ctx.sub(0.0, 0.9)
    out = tiled_apply(
        descriptor,
        src,
        native,
        work,
        tile=tile,
        overlap=16,
        multiple=multiple,
        half=half,
        bytes_per_pixel=model_bytes_per_pixel(native),
    )
    out = out[: h * native, : w * native]
    if out.shape[2] == 1:
        out = np.repeat(out, 3, axis=2)
    if native != scale:
        ctx.report(0.9, f"resampling {native}x to {scale}x")
        out = lanczos_resize(out, w * scale, h * scale)
        ctx.report(1.0, "done")
    return np.clip(out, 0.0, 1.0)


class StoreSREngine(UpscaleEngine):
    """A super-resolution model from the store (catalog entry or user import)."""

    device_policy = "gpu-preferred"
    params = (_TILE_PARAM,)

    def __init__(self, model_id: str, name: str, description: str, scale: int) -> None:
        self.id = model_id
        self.model_id = model_id
        self.name = name
        self.description = description
        self.native_scale = int(scale)
        self.scales = tuple(s for s in (2, 3, 4) if s <= self.native_scale)

    def _store(self):
        from ml.store import ModelStore

        return ModelStore()

    def upscale(self, image: np.ndarray, scale: int, ctx: RunContext, **params) -> np.ndarray:
        path = self._store().path(self.model_id)
        ctx.report(0.0, f"loading {self.model_id}")
        descriptor = load_descriptor(path, ctx.device, self.model_id)
        return run_descriptor(descriptor, image, scale, ctx, tile=params.get("tile") or None)


class FileSREngine(UpscaleEngine):
    """Any SR checkpoint spandrel loads, run straight from a file (not registered)."""

    device_policy = "gpu-preferred"
    params = (_TILE_PARAM,)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.id = f"file:{self.path.name}"
        self.name = self.path.name
        self.description = f"model file {self.path}"
        descriptor = load_descriptor(self.path) if self.path.is_file() else None
        if descriptor is None:
            raise EngineError(f"{self.path}: model file not found")
        self.native_scale = int(descriptor.scale)
        self.scales = tuple(s for s in (1, 2, 3, 4) if s <= self.native_scale) or (1,)

    def upscale(self, image: np.ndarray, scale: int, ctx: RunContext, **params) -> np.ndarray:
        descriptor = load_descriptor(self.path, ctx.device)
        return run_descriptor(descriptor, image, scale, ctx, tile=params.get("tile") or None)


def catalog_engines() -> list[UpscaleEngine]:
    """One engine per ``upscale`` catalog entry (not registered)."""
    from ml.store import ModelStore, StoreError

    try:
        entries = ModelStore().catalog()
    except StoreError:
        return []  # a broken catalog is reported by `retouch models`; built-ins still work
    out: list[UpscaleEngine] = []
    for entry in entries:
        if entry.task != "upscale" or entry.scale < 2:
            continue
        licence = entry.licence + ("" if entry.commercial_use else ", non-commercial")
        out.append(StoreSREngine(entry.id, entry.id, f"{entry.description} ({licence})",
                                 entry.scale))
    return out


def imported_engines() -> list[UpscaleEngine]:
    """One engine per SR model the user imported into the store (not registered)."""
    from ml.engines import imported_records

    out: list[UpscaleEngine] = []
    for model_id, rec in imported_records("upscale").items():
        scale = int(rec.get("scale") or 1)
        if scale < 2:
            continue
        arch = rec.get("architecture", "?")
        out.append(StoreSREngine(
            model_id,
            f"{model_id} ({arch})",
            f"imported {arch} model, {scale}x ({rec.get('licence', '')})",
            scale,
        ))
    return out


def discover() -> list[UpscaleEngine]:
    """The store's upscale engines: catalog entries, then the user's imports."""
    return catalog_engines() + imported_engines()


def register_imported() -> list[UpscaleEngine]:
    """Look in the store again for upscale models (call after ``ModelStore.import_file``
    so a new import shows up without a restart); returns the engines found."""
    from ml.engines import REGISTRY

    return REGISTRY.rediscover("upscale")  # type: ignore[return-value]


def run_upscale_pixels(engine: UpscaleEngine, ctx: RunContext, image: np.ndarray,
                       scale: int, **params) -> np.ndarray:
    """The task runner: int pixels upscaled by ``scale``; alpha Lanczos-resized on its
    own (before the engine's result exists, so the two never peak together)."""
    from ml.imageconv import to_engine
    from ml.runtime import check_engine, check_result, finish, resize_alpha, run_with_fallback

    check_engine(engine, SPEC)
    scale = int(scale)
    if scale not in engine.scales:
        supported = ", ".join(str(s) for s in engine.scales)
        raise EngineError(f"engine {engine.id!r} supports scale {supported}, not {scale}")
    rgb, alpha = to_engine(image)
    resolved = engine.resolve_params(params)
    h, w = rgb.shape[:2]
    alpha = resize_alpha(alpha, w * scale, h * scale)
    out = check_result(engine, run_with_fallback(
        engine, ctx, lambda c, rgb=rgb: engine.upscale(rgb, scale, c, **resolved)))
    if out.shape[:2] != (h * scale, w * scale):
        raise EngineError(
            f"engine {engine.id!r} returned {out.shape[1]}x{out.shape[0]}, "
            f"expected {w * scale}x{h * scale}"
        )
    del rgb
    return finish(out, alpha, image)


SPEC = add_task(TaskSpec(
    name="upscale",
    title="Upscale",
    engine_class=UpscaleEngine,
    method="upscale",
    description="enlarge an image",
    inputs=(
        TaskInput("image", "image", "IN", "the image to enlarge"),
        TaskInput("scale", "int", "scale", "enlargement factor", required=True,
                  flag="--scale", choices=(2, 3, 4), engine_values="scales"),
    ),
    run=run_upscale_pixels,
    cli=CliSpec(
        command="upscale",
        help="enlarge an image",
        options=(CliOption("--tile", "tile", "int", "N", "tile size in input pixels",
                           ignored="engine {engine!r} does not tile; {flag} ignored"),),
        summary="{out}: {width}x{height} ({engine}, x{scale})",
    ),
    discover=discover,
))

register(LanczosEngine())
register(SRResEngine())
register(SRSmallEngine())
