"""Tiled vs untiled inference of a Real-ESRGAN-compact-sized model, and tile-size scaling.

Model: SRVGGNetCompact nf64 nc32 x4 (the realesr-general-x4v3 shape, 1.2M params), random
weights, built from spandrel's architecture class. Input 1024² (about 30 s per pass on a
2-core CPU, so ``make bench`` stays within its 15 minutes; RETOUCH_BENCH_SIZE=2048 for the
bigger case, 256 for a quick look); RETOUCH_BENCH_TILES="64,128"
picks other tile sizes. Each row compares against the untiled pass measured in
the same run.

Peak memory: on CUDA, torch's max_memory_allocated; on the CPU every pass runs in a fresh
child process that resets its peak-RSS counter after setup and reports the growth (an
allocator that already holds freed memory from an earlier pass would hide it otherwise).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np


def _setup(device: str, size: int):
    import torch
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(0)
    model = Compact(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=32, upscale=4).eval()
    image = np.random.default_rng(0).random((size, size, 3), dtype=np.float32)
    return model.to(device), image


def _pass(model, image, device: str, tile: int):
    import torch

    from ml.tiling import tiled_apply
    from ml.types import RunContext

    if tile == 0:
        with torch.inference_mode():
            t = torch.from_numpy(image.transpose(2, 0, 1).copy())[None].to(device)
            return model(t)[0].float().cpu().numpy().transpose(1, 2, 0)
    return tiled_apply(model, image, 4, RunContext(device=device), tile=tile, overlap=16)


def _child(size: int, tile: int) -> None:
    """Run one CPU pass in this (fresh) process; print {"s": seconds, "peak": bytes}."""
    from benchmarks.common import _rss_bytes, peak_rss_bytes, reset_peak_rss

    model, image = _setup("cpu", size)
    _pass(model, image[:32, :32], "cpu", 0)  # load kernels before measuring
    reset_peak_rss()
    base = _rss_bytes()
    start = time.perf_counter()
    _pass(model, image, "cpu", tile)
    seconds = time.perf_counter() - start
    sys.stdout.write(json.dumps({"s": seconds, "peak": peak_rss_bytes() - base}) + "\n")


def _cpu_measure(size: int, tile: int) -> tuple[float, int]:
    code = f"from benchmarks.bench_tiling import _child; _child({size}, {tile})"
    env = dict(os.environ, RETOUCH_DEVICE="cpu")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["s"], data["peak"]


def rows() -> list[dict]:
    import torch

    from benchmarks.common import cuda_peak_bytes, median_time, row
    from ml.devices import resolve_device

    device = resolve_device(os.environ.get("RETOUCH_DEVICE") or None)
    on_gpu = device != "cpu"
    size = int(os.environ.get("RETOUCH_BENCH_SIZE", "1024"))
    tiles = (256, 512, 1024) if on_gpu else (256, 512)
    if os.environ.get("RETOUCH_BENCH_TILES"):  # e.g. "64,128" for a small input
        tiles = tuple(int(t) for t in os.environ["RETOUCH_BENCH_TILES"].split(","))

    if on_gpu:
        model, image = _setup(device, size)

        def measure(tile: int) -> tuple[float, int]:
            fn = lambda: _pass(model, image, device, tile)
            fn()  # warm-up (cuDNN autotune, allocator)
            mem = cuda_peak_bytes(fn, device)
            return median_time(fn, repeat=3, warmup=0), mem
    else:
        def measure(tile: int) -> tuple[float, int]:
            return _cpu_measure(size, tile)

    where = f"{device}, {size}x{size} -> x4"
    mem_kind = "GPU allocated" if on_gpu else "RSS growth"

    try:
        base_s, base_mem = measure(0)
        base_note = ""
    except torch.cuda.OutOfMemoryError:
        base_s, base_mem, base_note = None, None, "untiled pass ran out of GPU memory"

    out: list[dict] = []
    if base_s is not None:
        out.append(row("tiling: untiled pass (baseline)", base_s, "untiled", base_s,
                       notes=f"{where}; peak {mem_kind} {base_mem / 2**20:.0f} MiB",
                       peak_mib=round(base_mem / 2**20, 1)))
    for tile in tiles:
        t_s, t_mem = measure(tile)
        mem_ratio = f" ({base_mem / t_mem:.1f}x less)" if base_mem and t_mem > 0 else ""
        out.append(row(
            f"tiling: tiled {tile}px tiles, overlap 16", t_s, "untiled", base_s,
            notes=f"{where}; peak {mem_kind} {t_mem / 2**20:.0f} MiB{mem_ratio}"
                  f"{'; ' + base_note if base_note else ''}",
            peak_mib=round(t_mem / 2**20, 1),
            baseline_peak_mib=round(base_mem / 2**20, 1) if base_mem else None,
        ))
    return out
