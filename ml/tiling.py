"""Tiled inference for image-to-image torch models, with feathered blending.

:func:`tiled_apply` cuts an image (engine convention, float32 HWC numpy on the CPU) into
overlapping tiles, runs each tile on the device, and blends the results into a float32
output assembled on the CPU, so an 8000×8000 input never has to fit on the GPU.

* Overlapping tiles are cross-faded with linear ramps and normalised by the summed
  weights, so the result has no seams.
* The tile size comes from a memory estimate (free CUDA memory, or a fixed CPU budget),
  rounded to the model's size multiple; images smaller than a tile are padded (reflect)
  to that multiple and cropped back.
* Cancel is checked, and progress reported, between tiles; a ``torch.nn.Module`` (or
  spandrel descriptor) also checks it before every layer (:func:`ml.torch_helpers.
  cancellable`), so one slow tile does not delay a cancel.
* CUDA out-of-memory halves the tile and starts again, down to a floor, then falls back
  to the CPU; each step is reported as a progress stage and appended to ``notes``. Pass a
  module, not a lambda around one: only a module's weights can follow the tiles to the
  device (and back to the CPU on fallback).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ml.devices import free_memory_bytes
from ml.types import EngineError, RunContext

#: smallest tile tried after out-of-memory before giving up on the device
MIN_TILE = 64
#: CPU budget for one tile's activations: tiling on the CPU keeps peak RAM bounded
CPU_BUDGET_BYTES = 768 * 2**20


def default_bytes_per_pixel(scale: int, features: int = 64) -> int:
    """Rough device bytes needed per input pixel for a conv SR net (fp32, no grad)."""
    # a few live feature maps at LR plus the HR output and its upsampling intermediates
    return 4 * (4 * features + 6 * 3 * scale * scale)


def estimate_tile(
    device: str,
    scale: int,
    bytes_per_pixel: int | None = None,
    multiple: int = 1,
    maximum: int = 1024,
) -> int:
    """A square tile edge (input pixels) that should fit the device's memory budget."""
    bpp = bytes_per_pixel or default_bytes_per_pixel(scale)
    free = free_memory_bytes(device)
    budget = CPU_BUDGET_BYTES if free is None else int(free * 0.5)
    edge = int(math.sqrt(max(budget, 1) / bpp))
    edge = max(MIN_TILE, min(maximum, edge))
    return _round_to(edge, multiple)


def _round_to(value: int, multiple: int) -> int:
    return max(multiple, (value // multiple) * multiple)


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Evenly spaced starts of tiles of ``tile`` covering ``length`` with ≥ ``overlap``."""
    if length <= tile:
        return [0]
    n = math.ceil((length - overlap) / (tile - overlap))
    return [round(i * (length - tile) / (n - 1)) for i in range(n)]


def fit_tile(length: int, tile: int, overlap: int, multiple: int = 1) -> int:
    """The smallest tile (≤ ``tile``, a multiple) giving the same tile count along an axis.

    Evenly spaced tiles of the nominal size can overlap far more than needed (a 256 px
    axis in two 192 px tiles overlaps by 128 px); shrinking them saves that compute.
    """
    if length <= tile:
        return length
    n = math.ceil((length - overlap) / (tile - overlap))
    t = math.ceil((length + (n - 1) * overlap) / n)
    t = math.ceil(t / multiple) * multiple
    return min(max(t, overlap * 2 + 1), tile)


def _ramp(length: int, starts: list[int], index: int, tile: int, scale: int) -> np.ndarray:
    """1-D weights for tile ``index`` in output pixels: linear in/out over the overlaps."""
    size = min(tile, length) * scale
    w = np.ones(size, dtype=np.float32)
    if index > 0:
        ov = (starts[index - 1] + tile - starts[index]) * scale
        if ov > 0:
            w[:ov] = (np.arange(ov, dtype=np.float32) + 0.5) / ov
    if index < len(starts) - 1:
        ov = (starts[index] + tile - starts[index + 1]) * scale
        if ov > 0:
            w[size - ov :] = np.minimum(
                w[size - ov :], (np.arange(ov, 0, -1, dtype=np.float32) - 0.5) / ov
            )
    return w


def _movable(fn: Any) -> bool:
    return hasattr(fn, "to") and callable(fn)


def _place(fn: Any, device: str, half: bool) -> Any:
    """Move a module / spandrel descriptor to the device (fp16 on CUDA when allowed)."""
    if not _movable(fn):
        return fn
    moved = fn.to(device)
    moved = moved if moved is not None else fn
    if half and device.startswith("cuda"):
        moved = moved.half()
    elif hasattr(moved, "float"):
        moved = moved.float()
    return moved


def _pad_to_multiple(x, multiple: int):
    """Reflect-pad a (1,C,h,w) tensor on the bottom/right to a multiple; return pads too."""
    import torch.nn.functional as F

    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return x, 0, 0
    mode = "reflect" if ph < h and pw < w else "replicate"
    return F.pad(x, (0, pw, 0, ph), mode=mode), ph, pw


def tiled_apply(
    fn: Callable,
    image: np.ndarray,
    scale: int,
    ctx: RunContext,
    tile: int | None = None,
    overlap: int = 16,
    multiple: int = 1,
    half: bool = False,
    bytes_per_pixel: int | None = None,
    notes: list[str] | None = None,
) -> np.ndarray:
    """Run ``fn`` over ``image`` in overlapping tiles and return the blended result.

    ``fn`` maps a ``(1, C, h, w)`` tensor on ``ctx.device`` to ``(1, C', h·scale,
    w·scale)``; a ``torch.nn.Module`` or spandrel descriptor is moved to the device (and
    to fp16 when ``half`` and on CUDA, fp32 otherwise), and checks the cancel token before
    each of its layers. A plain function must bring its own weights along and accept CPU
    tensors after a fallback: engines pass modules (see :mod:`ml.torch_helpers`).
    ``image`` is float32 HWC on the CPU; the result is float32 HWC on the CPU. ``tile`` is the input tile edge (None = from a memory
    estimate); ``multiple`` is the model's size multiple. Messages about OOM retries and
    CPU fallback are appended to ``notes`` and reported as progress stages.
    """
    if image.ndim != 3:
        raise EngineError(f"tiled_apply expects an HxWxC image, got shape {image.shape}")
    device = ctx.device
    size = tile or estimate_tile(device, scale, bytes_per_pixel, multiple)
    size = _round_to(max(size, multiple), multiple)
    notes = notes if notes is not None else []
    from ml.torch_helpers import free_cache, is_oom

    while True:
        try:
            return _run_tiles(_place(fn, device, half), image, scale, ctx, size, overlap,
                              multiple, device, half)
        except Exception as exc:
            if not is_oom(exc):
                raise
            free_cache(device)
            if size // 2 >= MIN_TILE:
                size = _round_to(size // 2, multiple)
                msg = f"out of memory on {device}: retrying with {size}px tiles"
            elif device != "cpu":
                # a plain function is expected to accept CPU tensors too
                msg = f"out of memory on {device} even with {size}px tiles: falling back to CPU"
                device = "cpu"
            else:
                raise EngineError(
                    f"out of memory even with {size}px tiles; close other programs "
                    "or use a smaller image"
                ) from exc
            notes.append(msg)
            ctx.report(0.0, msg)


def _run_tiles(fn, image, scale, ctx, size, overlap, multiple, device, half) -> np.ndarray:
    import torch

    h, w, _c = image.shape
    ov = max(0, min(overlap, size // 2 - 1))
    th, tw = fit_tile(h, size, ov, multiple), fit_tile(w, size, ov, multiple)
    ys, xs = tile_starts(h, th, ov), tile_starts(w, tw, ov)
    total = len(ys) * len(xs)
    out: np.ndarray | None = None
    dtype = torch.float16 if half and device.startswith("cuda") else torch.float32
    # weights are separable (wy * wx), so their sum over the grid is sum(wy) * sum(wx):
    # two 1-D arrays instead of a full-size weight image
    sum_y = np.zeros(h * scale, dtype=np.float32)
    sum_x = np.zeros(w * scale, dtype=np.float32)
    for i, y in enumerate(ys):
        sum_y[y * scale : (y + th) * scale] += _ramp(h, ys, i, th, scale)
    for i, x in enumerate(xs):
        sum_x[x * scale : (x + tw) * scale] += _ramp(w, xs, i, tw, scale)
    done = 0
    from ml.torch_helpers import cancellable

    with torch.inference_mode(), cancellable(fn, ctx.cancel):
        for iy, y in enumerate(ys):
            wy = _ramp(h, ys, iy, th, scale)
            for ix, x in enumerate(xs):
                ctx.cancel.check()
                crop = np.ascontiguousarray(image[y : y + th, x : x + tw].transpose(2, 0, 1))
                t = torch.from_numpy(crop)[None].to(device=device, dtype=dtype)
                t, _ph, _pw = _pad_to_multiple(t, multiple)
                r = fn(t)
                r = r[..., : th * scale, : tw * scale]
                if r.shape[-2:] != (th * scale, tw * scale):
                    raise EngineError(
                        f"model returned {tuple(r.shape[-2:])} for a {th}x{tw} tile at "
                        f"scale {scale}"
                    )
                res = r[0].float().cpu().numpy().transpose(1, 2, 0)
                del r, t
                if out is None:
                    out = np.zeros((h * scale, w * scale, res.shape[2]), dtype=np.float32)
                wx = _ramp(w, xs, ix, tw, scale)
                weight = wy[:, None, None] * wx[None, :, None]
                oy, ox = y * scale, x * scale
                out[oy : oy + th * scale, ox : ox + tw * scale] += res * weight
                done += 1
                ctx.report(done / total, f"tile {done}/{total}")
    assert out is not None
    out /= sum_y[:, None, None]
    out /= sum_x[None, :, None]
    return out
