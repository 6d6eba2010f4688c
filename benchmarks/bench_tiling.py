"""Tiled vs untiled inference of a Real-ESRGAN-compact-sized model, and tile-size scaling.

Model: SRVGGNetCompact nf64 nc32 x4 (the realesr-general-x4v3 shape, 1.2M params), random
weights, built from spandrel's architecture class. Input 2048² on a GPU; on a CPU the
input is 256² (a 2048² pass takes many minutes on 2 shared cores) unless
RETOUCH_BENCH_SIZE says otherwise. Each row compares against the untiled pass measured in
the same run; peak memory is sampled during the timed runs.
"""

from __future__ import annotations

import os

import numpy as np


def rows() -> list[dict]:
    import torch
    from spandrel.architectures.Compact import Compact

    from benchmarks.common import cuda_peak_bytes, median_time, row, rss_peak_bytes
    from ml.devices import resolve_device
    from ml.tiling import tiled_apply
    from ml.types import RunContext

    device = resolve_device(os.environ.get("RETOUCH_DEVICE") or None)
    on_gpu = device != "cpu"
    size = int(os.environ.get("RETOUCH_BENCH_SIZE", "2048" if on_gpu else "256"))
    tiles = (256, 512, 1024) if on_gpu else (64, 128, 192)
    repeat = 3 if on_gpu else 1
    torch.manual_seed(0)
    model = Compact(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=32, upscale=4).eval()
    model = model.to(device)
    rng = np.random.default_rng(0)
    image = rng.random((size, size, 3), dtype=np.float32)
    ctx = RunContext(device=device)

    def untiled() -> np.ndarray:
        with torch.inference_mode():
            t = torch.from_numpy(image.transpose(2, 0, 1).copy())[None].to(device)
            out = model(t)[0].float().cpu().numpy().transpose(1, 2, 0)
        return out

    def tiled(tile: int):
        return lambda: tiled_apply(model, image, 4, ctx, tile=tile, overlap=16)

    def measure(fn) -> tuple[float, int]:
        if on_gpu:
            fn()  # warm-up (cuDNN autotune, allocator)
            mem = cuda_peak_bytes(fn, device)
            return median_time(fn, repeat=repeat, warmup=0), mem
        timing: list[float] = []
        mem = rss_peak_bytes(lambda: timing.append(median_time(fn, repeat=1, warmup=0)))
        return timing[0], mem

    where = f"{device}, {size}x{size} -> x4"
    if not on_gpu and size < 2048:
        where += f" (CPU: {size}² instead of 2048², which takes many minutes on 2 cores)"
    mem_kind = "GPU allocated" if on_gpu else "RSS growth"

    try:
        base_s, base_mem = measure(untiled)
        base_note = ""
    except torch.cuda.OutOfMemoryError:
        base_s, base_mem, base_note = None, None, "untiled pass ran out of GPU memory"

    out: list[dict] = []
    if base_s is not None:
        out.append(row("tiling: untiled pass (baseline)", base_s, "untiled", base_s,
                       notes=f"{where}; peak {mem_kind} {base_mem / 2**20:.0f} MiB",
                       peak_mib=round(base_mem / 2**20, 1)))
    for tile in tiles:
        t_s, t_mem = measure(tiled(tile))
        mem_ratio = f", memory {base_mem / t_mem:.1f}x lower" if base_mem and t_mem else ""
        out.append(row(
            f"tiling: tiled {tile}px tiles, overlap 16", t_s, "untiled", base_s,
            notes=f"{where}; peak {mem_kind} {t_mem / 2**20:.0f} MiB{mem_ratio}"
                  f"{'; ' + base_note if base_note else ''}",
            peak_mib=round(t_mem / 2**20, 1),
            baseline_peak_mib=round(base_mem / 2**20, 1) if base_mem else None,
        ))
    return out
