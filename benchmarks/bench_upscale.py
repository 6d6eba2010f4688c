"""Upscale throughput per built-in engine vs PIL bicubic, and peak memory of a big 4× job.

Throughput rows: a 512×512 photo-like input (RETOUCH_BENCH_UPSCALE_SIZE overrides), each
engine at 2× and 4× against PIL bicubic (uint8 RGB, the usual fast path) at the same scale
in the same run; notes give input megapixels per second.

1-MP rows: 4× of a 1000×1000 input (the built-in upscaler's speed target: ≤ 10 s on a
2-core CPU) with sr-res, against PIL bicubic and against sr-small in the same run
(RETOUCH_BENCH_UPSCALE_1MP=0 skips them).

Peak-memory row: a 4000×3000 uint8 RGBA image upscaled 4× with the tiled sr-small through
ml.runtime (the editor's path), in a fresh child process that resets its peak-RSS counter
after loading (like bench_tiling); the 16000×12000 float32 result alone is 2.15 GiB, tiling
bounds everything else. RETOUCH_BENCH_BIG_ENGINE=lanczos picks the other built-in engine;
RETOUCH_BENCH_BIG=0 skips the row (it takes a few minutes on a 2-core CPU).
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

    from benchmarks.common import median_time, row
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
        for engine_id in BUILTIN_IDS:
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
    if os.environ.get("RETOUCH_BENCH_UPSCALE_1MP", "1") != "0":
        out.extend(_one_megapixel_rows(ctx, device))
    if os.environ.get("RETOUCH_BENCH_BIG", "1") != "0":
        engine_id = os.environ.get("RETOUCH_BENCH_BIG_ENGINE", "sr-small")
        seconds, peak, result_bytes = _big_measure(engine_id)
        untiled = _untiled_estimate(engine_id)
        out.append(
            row(
                f"{engine_id} 4x 4000x3000 RGBA uint8 (tiled, editor path) peak memory",
                seconds,
                notes=(
                    f"peak RSS growth {peak / 2**30:.2f} GiB in a fresh child process, of "
                    f"which the float32 RGB result alone is {result_bytes / 2**30:.2f} GiB"
                    f"{untiled}; {12 / seconds:.2f} MP/s in, cpu"
                ),
                peak_gib=round(peak / 2**30, 2),
            )
        )
    return out


BUILTIN_IDS = ("lanczos", "sr-res", "sr-small")


def _one_megapixel_rows(ctx, device: str) -> list[dict]:
    """4× of a 1000×1000 input: PIL bicubic, sr-res against it and against sr-small."""
    from PIL import Image

    from benchmarks.common import median_time, row
    from ml.engines import get

    image = _photo(1000, 1000)
    pil = Image.fromarray((image * 255 + 0.5).astype(np.uint8))
    base = median_time(lambda: pil.resize((4000, 4000), Image.BICUBIC), repeat=3)
    # a shared machine's load changes every time here: the notes say what it was
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    out = [row("PIL bicubic 4x 1000² (1 MP)", base, notes=f"16 MP out, {load}")]
    times = {}
    for engine_id in ("sr-small", "sr-res"):
        engine = get(engine_id, "upscale")
        if engine.available() is not None:
            continue
        times[engine_id] = median_time(
            lambda e=engine: e.upscale(image, 4, ctx), repeat=1, warmup=0
        )
        out.append(row(f"{engine_id} 4x 1000² (1 MP)", times[engine_id], "PIL bicubic 4x 1 MP",
                       base, notes=f"target ≤ 10 s, {device}, {load}"))
    if len(times) == 2:
        out.append(row("sr-res 4x 1000² (1 MP) vs sr-small", times["sr-res"],
                       "sr-small 4x 1 MP", times["sr-small"], notes=f"same run, {device}"))
    return out


def _untiled_estimate(engine_id: str) -> str:
    from ml.engines import get
    from ml.engines.upscale import BuiltinSREngine, builtin_tile_bytes

    engine = get(engine_id, "upscale")
    if not isinstance(engine, BuiltinSREngine):
        return ""
    # what one untiled pass would need by the tiler's own estimate (not run: it does not fit
    # comfortably next to the other benchmarks on this machine)
    bpp = builtin_tile_bytes(engine.feature_maps * engine.channels, 4)
    return f"; an untiled pass would need ≈ {12e6 * bpp / 2**30:.0f} GiB more (estimate)"


def _big_child(engine_id: str) -> None:
    """In a fresh process: upscale a 4000×3000 uint8 RGBA image 4× through ml.runtime
    (what the editor runs: ints in and out, alpha resized separately), print JSON."""
    import json
    import sys
    import time

    from benchmarks.common import _rss_bytes, peak_rss_bytes, reset_peak_rss
    from ml.engines import get
    from ml.runtime import run_task
    from ml.types import RunContext

    engine = get(engine_id, "upscale")
    ctx = RunContext(device="cpu")
    rgb = (_photo(3000, 4000) * 255 + 0.5).astype(np.uint8)
    pixels = np.concatenate([rgb, np.full((3000, 4000, 1), 255, np.uint8)], axis=2)
    del rgb
    # load weights and kernels first
    run_task("upscale", engine, ctx, image=pixels[:64, :64], scale=4)
    reset_peak_rss()
    base = _rss_bytes()
    start = time.perf_counter()
    out = run_task("upscale", engine, ctx, image=pixels, scale=4)
    seconds = time.perf_counter() - start
    assert out.shape == (12000, 16000, 4)
    sys.stdout.write(json.dumps({"s": seconds, "peak": peak_rss_bytes() - base}) + "\n")


def _big_measure(engine_id: str) -> tuple[float, int, int]:
    import json
    import subprocess
    import sys

    code = f"from benchmarks.bench_upscale import _big_child; _big_child({engine_id!r})"
    env = dict(os.environ, RETOUCH_DEVICE="cpu")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["s"], data["peak"], 16000 * 12000 * 3 * 4
