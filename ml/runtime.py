"""Run engines on document pixels: int RGB(A) in, int RGB(A) of the same dtype out.

This is the one place that turns 8/16-bit straight-alpha pixels into the engine
convention and back (see :mod:`ml.imageconv`): engines never see ints or alpha. Alpha is
carried through unchanged (inpaint) or resized separately with Lanczos (upscale, and any
engine that returns a different size). 16-bit input stays 16-bit.

It is also where every engine is run, for the editor and the CLI alike, so device
out-of-memory is handled here once: on CUDA/MPS out-of-memory the device cache is freed,
the stage "out of GPU memory — running on the CPU" is reported, and the engine runs again
on the CPU (tiled engines first retry smaller tiles themselves). Out of memory on the CPU
is an :class:`EngineError` with a message, never a crash.
"""

from __future__ import annotations

import numpy as np

from ml.engines import Engine, InpaintEngine, StyleEngine, UpscaleEngine
from ml.imageconv import from_engine, mask_to_engine, resize_plane, to_engine
from ml.types import EngineError, EngineUnavailable, RunContext

#: the progress stage reported when a run moves from the GPU to the CPU
CPU_FALLBACK_STAGE = "out of GPU memory — running on the CPU"


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


def _run_with_fallback(engine: Engine, ctx: RunContext, call):
    """``call(ctx)``; on GPU out-of-memory free the cache and ``call`` again on the CPU."""
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


def _check_engine(engine: Engine, kind: type, task: str) -> None:
    if not isinstance(engine, kind):
        raise EngineError(f"engine {engine.id!r} is a {engine.task} engine, not {task}")
    reason = engine.available()
    if reason is not None:
        raise EngineUnavailable(f"engine {engine.id!r} is not available: {reason}")


def _channels(pixels: np.ndarray) -> int:
    # keep RGB as RGB and everything with alpha (or gray+alpha) as RGBA
    return 4 if pixels.ndim == 3 and pixels.shape[2] in (2, 4) else 3


def _check_result(engine: Engine, out: np.ndarray) -> np.ndarray:
    out = np.asarray(out)
    if out.ndim != 3 or out.shape[2] != 3 or not np.issubdtype(out.dtype, np.floating):
        raise EngineError(
            f"engine {engine.id!r} returned {out.dtype} {out.shape}, expected float HxWx3"
        )
    return out.astype(np.float32, copy=False)


#: rows converted back to ints per step: keeps float temporaries to a few tens of MB even
#: for a 16000x12000 result (a whole-image conversion needs several result-sized copies)
_BAND_PIXELS = 1 << 22


def _resize_alpha(alpha: np.ndarray | None, width: int, height: int) -> np.ndarray | None:
    """Alpha at the output size; None for "fully opaque" (exact, and no full-size plane)."""
    if alpha is None or alpha.shape == (height, width):
        return alpha
    if float(alpha.min()) >= 1.0:
        return None
    return resize_plane(alpha, width, height)


def _finish(rgb: np.ndarray, alpha: np.ndarray | None, pixels: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    channels = _channels(pixels)
    if channels == 3:
        alpha = None
    elif alpha is not None and alpha.shape != (h, w):
        alpha = _resize_alpha(alpha, w, h)
    out = np.empty((h, w, channels), dtype=pixels.dtype)
    band = max(1, _BAND_PIXELS // max(1, w))
    for y in range(0, h, band):
        a = None if alpha is None else alpha[y : y + band]
        out[y : y + band] = from_engine(rgb[y : y + band], a, pixels.dtype, channels)
    return out


def run_upscale(
    engine: UpscaleEngine, pixels: np.ndarray, scale: int, ctx: RunContext, **params
) -> np.ndarray:
    """Upscale int pixels by ``scale``; alpha is Lanczos-resized on its own."""
    _check_engine(engine, UpscaleEngine, "upscale")
    if scale not in engine.scales:
        supported = ", ".join(str(s) for s in engine.scales)
        raise EngineError(f"engine {engine.id!r} supports scale {supported}, not {scale}")
    rgb, alpha = to_engine(pixels)
    resolved = engine.resolve_params(params)
    h, w = rgb.shape[:2]
    # resize alpha before the engine's result exists: the two never peak together
    alpha = _resize_alpha(alpha, w * scale, h * scale)
    out = _check_result(engine, _run_with_fallback(
        engine, ctx, lambda c, rgb=rgb: engine.upscale(rgb, scale, c, **resolved)))
    if out.shape[:2] != (h * scale, w * scale):
        raise EngineError(
            f"engine {engine.id!r} returned {out.shape[1]}x{out.shape[0]}, "
            f"expected {w * scale}x{h * scale}"
        )
    del rgb
    return _finish(out, alpha, pixels)


def run_inpaint(
    engine: InpaintEngine, pixels: np.ndarray, mask: np.ndarray, ctx: RunContext, **params
) -> np.ndarray:
    """Fill the masked region (mask: bool or 0..255, non-zero = fill); alpha carried through.

    Pixels outside the mask are returned exactly as given, whatever the engine did there.
    """
    _check_engine(engine, InpaintEngine, "inpaint")
    rgb, alpha = to_engine(pixels)
    m = mask_to_engine(mask)
    if m.shape != rgb.shape[:2]:
        raise EngineError(
            f"mask is {m.shape[1]}x{m.shape[0]} but the image is {rgb.shape[1]}x{rgb.shape[0]}"
        )
    resolved = engine.resolve_params(params)
    out = _check_result(engine, _run_with_fallback(
        engine, ctx, lambda c: engine.inpaint(rgb, m, c, **resolved)))
    if out.shape != rgb.shape:
        raise EngineError(f"engine {engine.id!r} changed the image size during inpainting")
    # soft mask edges blend; fully kept pixels stay bit-exact after conversion back
    blended = rgb + (out - rgb) * m[:, :, None]
    result = _finish(blended, alpha, pixels)
    keep = m <= 0.0
    result[keep] = _as_channels(pixels, result.shape[2])[keep]
    return result


def _as_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
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


def run_style(
    engine: StyleEngine,
    content: np.ndarray,
    style: np.ndarray | None,
    ctx: RunContext,
    **params,
) -> np.ndarray:
    """Stylise ``content`` (with ``style`` ints, or None for preset engines).

    The result has the engine's output size (an engine may work at a smaller size and
    say so via a ``max_size`` parameter); alpha follows, resized where needed.
    """
    _check_engine(engine, StyleEngine, "style")
    rgb, alpha = to_engine(content)
    style_rgb = None
    if style is not None:
        style_rgb, _ = to_engine(style)
    elif engine.needs_style_image:
        raise EngineError(f"engine {engine.id!r} needs a style image")
    resolved = engine.resolve_params(params)
    out = _check_result(engine, _run_with_fallback(
        engine, ctx, lambda c: engine.stylize(rgb, style_rgb, c, **resolved)))
    return _finish(out, alpha, content)
