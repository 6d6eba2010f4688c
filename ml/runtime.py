"""Run engines on document pixels: int RGB(A) in, int RGB(A) of the same dtype out.

:func:`run_task` is the one entry for every task, for the editor and the CLI alike: it
looks up the task's :class:`~ml.taskspec.TaskSpec`, checks the named inputs and calls
the spec's int-pixels runner (declared in the task module). The runners are built from
the helpers here, the one place that turns 8/16-bit straight-alpha pixels into the
engine convention and back (see :mod:`ml.imageconv`): engines never see ints or alpha.
Alpha is carried through unchanged (inpaint) or resized separately with Lanczos
(upscale, and any engine that returns a different size). 16-bit input stays 16-bit.

Every engine call goes through :func:`run_with_fallback`, so device out-of-memory is
handled once: on CUDA/MPS out-of-memory the engine's cached weights and the device cache
are freed, the stage "out of GPU memory — running on the CPU" is reported, and the
engine runs again on the CPU (tiled engines first retry smaller tiles themselves). Out
of memory on the CPU is an :class:`EngineError` with a message, never a crash.

A task is named, never wrapped: ``run_task("upscale", engine, ctx, image=px, scale=2)``,
``run_task("inpaint", engine, ctx, image=px, mask=m)``, ``run_task("style", engine, ctx,
image=px, style=other)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ml.engines import REGISTRY, Engine
from ml.imageconv import from_engine, mask_bbox, mask_to_engine, resize_plane, to_engine
from ml.taskspec import TaskSpec
from ml.types import EngineError, EngineUnavailable, RunContext

#: the progress stage reported when a run moves from the GPU to the CPU
CPU_FALLBACK_STAGE = "out of GPU memory — running on the CPU"

__all__ = [
    "CPU_FALLBACK_STAGE",
    "as_channels",
    "check_engine",
    "check_result",
    "finish",
    "paste_patch",
    "resize_alpha",
    "restrict_to_mask",
    "run_image",
    "run_masked_region",
    "run_task",
    "run_task_patch",
    "run_with_fallback",
]


def _out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    if not isinstance(exc, RuntimeError):  # torch's OOM errors are RuntimeErrors
        return False
    from ml.torch_helpers import is_oom

    return is_oom(exc)


def _cpu_oom_error(engine: Engine) -> EngineError:
    return EngineError(
        f"{engine.name or engine.id} ran out of memory; close other programs, or work on a "
        "smaller image or selection"
    )


def run_with_fallback(engine: Engine, ctx: RunContext, call: Callable[[RunContext], Any]):
    """``call(ctx)``; on GPU out-of-memory release the engine's weights on that device,
    free its cache and ``call`` again with a CPU context."""
    try:
        return call(ctx)
    except Exception as exc:
        if not _out_of_memory(exc):
            raise
        if ctx.device == "cpu":
            raise _cpu_oom_error(engine) from None
        failed_device = ctx.device
    # outside the except block: the traceback (and the tensors its frames hold on the
    # device) is released before the cache is emptied
    from ml.torch_helpers import free_cache

    engine.release(failed_device)
    free_cache(failed_device)
    ctx.report(0.0, CPU_FALLBACK_STAGE)
    cpu = RunContext(progress=ctx.progress, cancel=ctx.cancel, device="cpu")
    try:
        return call(cpu)
    except Exception as exc:
        if _out_of_memory(exc):
            raise _cpu_oom_error(engine) from None
        raise
    finally:
        # weights the CPU run moved off the device leave cached blocks behind
        free_cache(failed_device)


def check_engine(engine: Engine, spec: TaskSpec | str) -> TaskSpec:
    """The task's spec, after checking that ``engine`` is one of its engines and can run
    (EngineError / EngineUnavailable with the reason otherwise)."""
    spec = REGISTRY.spec(spec)
    if not isinstance(engine, spec.engine_class):
        raise EngineError(f"engine {engine.id!r} is a {engine.task} engine, not {spec.name}")
    reason = engine.available()
    if reason is not None:
        raise EngineUnavailable(f"engine {engine.id!r} is not available: {reason}")
    return spec


def channels_of(pixels: np.ndarray) -> int:
    """3 for RGB (or gray) pixels, 4 for everything with alpha (gray+alpha included)."""
    return 4 if pixels.ndim == 3 and pixels.shape[2] in (2, 4) else 3


def check_result(engine: Engine, out: Any) -> np.ndarray:
    """The engine's result as float32 HxWx3; EngineError when it is anything else."""
    out = np.asarray(out)
    if out.ndim != 3 or out.shape[2] != 3 or not np.issubdtype(out.dtype, np.floating):
        raise EngineError(
            f"engine {engine.id!r} returned {out.dtype} {out.shape}, expected float HxWx3"
        )
    return out.astype(np.float32, copy=False)


#: rows converted back to ints per step: keeps float temporaries to a few tens of MB even
#: for a 16000x12000 result (a whole-image conversion needs several result-sized copies)
_BAND_PIXELS = 1 << 22


def resize_alpha(alpha: np.ndarray | None, width: int, height: int) -> np.ndarray | None:
    """Alpha at the output size; None for "fully opaque" (exact, and no full-size plane)."""
    if alpha is None or alpha.shape == (height, width):
        return alpha
    if float(alpha.min()) >= 1.0:
        return None
    return resize_plane(alpha, width, height)


def finish(rgb: np.ndarray, alpha: np.ndarray | None, pixels: np.ndarray) -> np.ndarray:
    """Engine float RGB (+ alpha, resized to it if needed) back to ints shaped like
    ``pixels`` (its dtype; 3 or 4 channels), converted in bands."""
    h, w = rgb.shape[:2]
    channels = channels_of(pixels)
    if channels == 3:
        alpha = None
    elif alpha is not None and alpha.shape != (h, w):
        alpha = resize_alpha(alpha, w, h)
    out = np.empty((h, w, channels), dtype=pixels.dtype)
    band = max(1, _BAND_PIXELS // max(1, w))
    for y in range(0, h, band):
        a = None if alpha is None else alpha[y : y + band]
        out[y : y + band] = from_engine(rgb[y : y + band], a, pixels.dtype, channels)
    return out


def as_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    """Int ``pixels`` (gray, gray+alpha, RGB or RGBA) as 3 or 4 channels, same dtype."""
    arr = pixels if pixels.ndim == 3 else pixels[:, :, None]
    if arr.shape[2] == channels:
        return arr
    top = int(np.iinfo(arr.dtype).max)
    gray = arr.shape[2] in (1, 2)
    colour = np.repeat(arr[:, :, :1], 3, axis=2) if gray else arr[:, :, :3]
    if channels == 3:
        return colour
    alpha = arr[:, :, -1:] if arr.shape[2] in (2, 4) else np.full_like(arr[:, :, :1], top)
    return np.concatenate([colour, alpha], axis=2)


def restrict_to_mask(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The result where the mask is set (blended where it is soft), ``original`` exactly
    where it is 0; a mask and original of another size are resized to the result's."""
    from ml.imageconv import mask_to_engine

    m = mask_to_engine(mask)
    original = as_channels(original, result.shape[2])
    if result.shape[:2] != m.shape:
        from PIL import Image

        size = (result.shape[1], result.shape[0])
        m = np.asarray(Image.fromarray(m).resize(size, Image.Resampling.NEAREST))
        original = np.stack([
            np.asarray(Image.fromarray(np.ascontiguousarray(original[..., c]))
                       .resize(size, Image.Resampling.BILINEAR))
            for c in range(original.shape[2])], axis=2)
    out = result.copy()
    soft = (m > 0.0) & (m < 1.0)
    if soft.any():
        a = m[soft][:, None]
        out[soft] = np.round(original[soft] * (1.0 - a) + result[soft] * a).astype(out.dtype)
    keep = m <= 0.0
    out[keep] = original[keep]
    return out


def run_image(
    engine: Engine,
    pixels: np.ndarray,
    ctx: RunContext,
    call: Callable[[np.ndarray, RunContext], np.ndarray],
) -> np.ndarray:
    """The common image-to-image runner: ``pixels`` to engine floats, ``call(rgb, ctx)``
    through :func:`run_with_fallback`, the result checked and back to ints of ``pixels``'
    dtype (alpha carried, Lanczos-resized when the result has another size)."""
    rgb, alpha = to_engine(pixels)
    out = check_result(engine, run_with_fallback(engine, ctx, lambda c: call(rgb, c)))
    return finish(out, alpha, pixels)


def run_masked_region(
    engine: Engine,
    ctx: RunContext,
    image: np.ndarray,
    mask: np.ndarray,
    margin: Callable[[int, int], int],
    call: Callable[[np.ndarray, np.ndarray, RunContext], np.ndarray],
) -> tuple[int, int, np.ndarray] | None:
    """Run an engine on the mask's neighbourhood only, at the image's own depth outside it.

    The mask's bounding box grown by ``margin(box_w, box_h)`` pixels (the engine's rule of
    how much context it reads, e.g. :meth:`~ml.engines.InpaintEngine.context_margin`) is
    the only part of ``image`` converted to engine floats; ``call(rgb, mask, ctx)`` gets
    that crop (float32 RGB and float32 HW mask, 1 = change) through
    :func:`run_with_fallback` and returns float RGB of the same size, blended in where
    the mask is soft. Returns ``(x, y, patch)``: the mask's bounding box in ``image``
    as int pixels of ``image``'s dtype and channels, exactly ``image`` where the mask is
    0 and with ``image``'s alpha untouched; None when the mask is empty. The rest of the
    image is never copied, so a small mask costs the same on 1 MP and on 24 MP (one scan
    of the mask).
    """
    m = np.asarray(mask)
    h, w = image.shape[:2]
    if m.shape[:2] != (h, w):
        raise EngineError(f"mask is {m.shape[1]}x{m.shape[0]} but the image is {w}x{h}")
    if m.ndim != 2:  # a colour mask's rule looks at the whole mask (see mask_to_engine)
        m = mask_to_engine(m)
    box = mask_bbox(m)
    if box is None:
        ctx.report(1.0, "nothing to change")
        return None
    x0, y0, x1, y1 = box
    pad = max(0, int(margin(x1 - x0, y1 - y0)))
    cx0, cy0, cx1, cy1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    crop = image[cy0:cy1, cx0:cx1]
    rgb, _ = to_engine(crop)
    soft = mask_to_engine(m[cy0:cy1, cx0:cx1])
    out = check_result(engine, run_with_fallback(engine, ctx, lambda c: call(rgb, soft, c)))
    if out.shape != rgb.shape:
        raise EngineError(f"engine {engine.id!r} returned {out.shape[1]}x{out.shape[0]} "
                          f"for a {rgb.shape[1]}x{rgb.shape[0]} region")
    inner = (slice(y0 - cy0, y1 - cy0), slice(x0 - cx0, x1 - cx0))
    rgb, out, soft = rgb[inner], out[inner], soft[inner]
    patch = np.array(as_channels(crop[inner], channels_of(image)), copy=True)
    inside = soft > 0.0
    # soft mask edges blend; kept pixels (mask 0) and alpha are the input's own ints
    blended = rgb + (out - rgb) * soft[:, :, None]
    patch[..., :3][inside] = from_engine(blended, None, image.dtype, 3)[inside]
    return x0, y0, patch


def paste_patch(target: np.ndarray, patch: tuple[int, int, np.ndarray] | None) -> np.ndarray:
    """Write ``(x, y, pixels)`` (from :func:`run_masked_region`) into ``target`` in place;
    returns ``target``."""
    if patch is not None:
        x, y, px = patch
        target[y : y + px.shape[0], x : x + px.shape[1]] = px
    return target


def _task_call(task: str | TaskSpec, engine: Engine | str,
               inputs_and_params: dict[str, Any]) -> tuple[TaskSpec, Engine, dict[str, Any]]:
    """The spec, the engine and the named inputs (checked) of one run; what is left in
    ``inputs_and_params`` is engine parameters."""
    spec = REGISTRY.spec(task)
    if isinstance(engine, str):
        engine = REGISTRY.get(engine, spec.name)
    inputs = {}
    for item in spec.inputs:
        value = inputs_and_params.pop(item.name, None)
        if value is None and item.required:
            raise EngineError(f"{spec.name}: the input {item.name!r} is missing")
        inputs[item.name] = value
    return spec, engine, inputs


def run_task(task: str | TaskSpec, engine: Engine | str, ctx: RunContext,
             **inputs_and_params: Any) -> np.ndarray:
    """Run one engine of ``task`` on int pixels: the task's inputs by name (see its
    :class:`~ml.taskspec.TaskSpec`, e.g. ``image=``, ``mask=``, ``scale=``, ``style=``),
    everything else is an engine parameter. ``engine`` is an Engine or a registered id.

    Returns int pixels of the first image input's dtype. EngineError for a missing
    required input or an engine of another task; EngineUnavailable when it cannot run.
    """
    spec, engine, inputs = _task_call(task, engine, inputs_and_params)
    return spec.run(engine, ctx, **inputs, **inputs_and_params)


def run_task_patch(task: str | TaskSpec, engine: Engine | str, ctx: RunContext,
                   **inputs_and_params: Any) -> tuple[int, int, np.ndarray] | None:
    """Like :func:`run_task` for a task with a ``run_patch`` runner (inpaint): only the
    changed region, ``(x, y, int pixels)``, or None when nothing changes; paste it with
    :func:`paste_patch`. EngineError for a task without one."""
    spec, engine, inputs = _task_call(task, engine, inputs_and_params)
    if spec.run_patch is None:
        raise EngineError(f"{spec.name}: the task returns whole images, not patches")
    return spec.run_patch(engine, ctx, **inputs, **inputs_and_params)

