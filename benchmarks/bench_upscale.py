"""Upscale throughput per built-in engine vs PIL bicubic, and peak memory of a big 4× job.

Throughput rows: a 512×512 photo-like input (RETOUCH_BENCH_UPSCALE_SIZE overrides), each
engine at 2× and 4× against PIL bicubic (uint8 RGB, the usual fast path) at the same scale
in the same run; notes give input megapixels per second.

Peak-memory row: a 4000×3000 input upscaled 4× with the tiled sr-small (RSS growth while it
runs; the 16000×12000 float32 result alone is 2.3 GB, tiling bounds everything else).
Set RETOUCH_BENCH_BIG=0 to skip it (it takes minutes on a 2-core CPU).
"""

from __future__ import annotations

import os

import numpy as np


def _photo(h: int, w: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([np.sin(xx / 11), np.cos(yy / 7), np.sin((xx + yy) / 23)], axis=2)
    return np.clip(0.5 + 0.3 * base + 0.05 * rng.standard_normal((h, w, 3)), 0, 1).astype(
        np.float32
    )


def rows() -> list[dict]:
    from PIL import Image

    from benchmarks.common import median_time, row, rss_peak_bytes
    from ml.devices import resolve_device
    from ml.engines import get
    from ml.types import RunContext

    device = resolve_device(os.environ.get("RETOUCH_DEVICE") or None)
    size = int(os.environ.get("RETOUCH_BENCH_UPSCALE_SIZE", "512"))
    image = _photo(size, size)
    pil = Image.fromarray((image * 255 + 0.5).astype(np.uint8))
    mp = size * size / 1e6
    ctx = RunContext(device=device)
    out: list[dict] = []
    for scale in (2, 4):
        base = median_time(
            lambda s=scale: pil.resize((size * s, size * s), Image.BICUBIC), repeat=3
        )
        out.append(row(f"PIL bicubic {scale}x {size}²", base, notes=f"{mp / base:.1f} MP/s in"))
        for engine_id in ("lanczos", "sr-small"):
            engine = get(engine_id, "upscale")
            if engine.available() is not None:
                continue
            t = median_time(lambda e=engine, s=scale: e.upscale(image, s, ctx), repeat=3)
            out.append(
                row(
                    f"{engine_id} {scale}x {size}²",
                    t,
                    f"PIL bicubic {scale}x",
                    base,
                    notes=f"{mp / t:.2f} MP/s in, {device}",
                )
            )
    if os.environ.get("RETOUCH_BENCH_BIG", "1") != "0":
        engine = get("sr-small", "upscale")
        big = _photo(3000, 4000)
        timing: list[float] = []

        def job() -> None:
            timing.append(median_time(lambda: engine.upscale(big, 4, ctx), repeat=1, warmup=0))

        peak = rss_peak_bytes(job)
        out.append(
            row(
                "sr-small 4x 4000x3000 (tiled) peak memory",
                timing[0],
                notes=(
                    f"peak RSS growth {peak / 2**30:.2f} GiB incl. the 2.15 GiB float32 "
                    f"16000x12000 result; {12 / timing[0]:.2f} MP/s in, {device}"
                ),
            )
        )
    return out
