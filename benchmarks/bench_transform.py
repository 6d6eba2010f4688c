"""Free transform (Edit ▸ Free Transform) of a 12 MP layer: the OpenCV resampling of
``editor.document.transform.affine_rgba`` against the numpy paths the document had.

Rows (ratio = baseline / this; > 1: faster than the baseline):

* rotate 10° (bicubic warp, premultiplied) vs the numpy bilinear warp that Straighten
  uses (``transform._warp``), same layer, same output box;
* scale ×1.5 (bicubic resize) vs ``resample.resize_rgba`` (Pillow Lanczos per plane, what
  Image ▸ Scale Image uses), same output size.

Run alone with ``python -m benchmarks.bench_transform``.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.common import median_time
from editor.document.resample import resize_rgba
from editor.document.transform import _warp, affine_bounds, affine_rgba

WIDTH, HEIGHT = 4000, 3000


def _layer() -> np.ndarray:
    rng = np.random.default_rng(0)
    px = rng.integers(0, 256, (HEIGHT, WIDTH, 4), dtype=np.uint8)
    px[..., 3] = 255
    return px


def rows() -> list[dict]:
    px = _layer()
    label = f"{WIDTH}x{HEIGHT} (12 MP) 8-bit layer, CPU, one run each"
    a = math.radians(10)
    rot = np.array([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]])
    x, y, bw, bh = affine_bounds(rot, 0, 0, WIDTH, HEIGHT)
    inv = np.linalg.inv(rot[:, :2])
    shift = inv @ np.array([x, y], np.float64)
    t_new = median_time(lambda: affine_rgba(px, (0, 0), rot), repeat=1, warmup=0)
    t_old = median_time(lambda: _warp(px, (0, 0), (bw, bh), inv, shift, "rgba"),
                        repeat=1, warmup=0)
    out = [{
        "name": "free transform: rotate 10° (OpenCV bicubic)",
        "median_s": t_new,
        "baseline": "numpy bilinear warp (Straighten's)",
        "baseline_median_s": t_old,
        "ratio": t_old / t_new,
        "notes": f"{label}; output {bw}x{bh}",
    }]
    scale = np.array([[1.5, 0.0, 0.0], [0.0, 1.5, 0.0]])
    t_new = median_time(lambda: affine_rgba(px, (0, 0), scale), repeat=1, warmup=0)
    t_old = median_time(lambda: resize_rgba(px, 6000, 4500, "lanczos"), repeat=1, warmup=0)
    out.append({
        "name": "free transform: scale ×1.5 (OpenCV bicubic)",
        "median_s": t_new,
        "baseline": "resample.resize_rgba (Pillow Lanczos)",
        "baseline_median_s": t_old,
        "ratio": t_old / t_new,
        "notes": f"{label}; output 6000x4500",
    })
    return out


if __name__ == "__main__":
    for row in rows():
        print(f"{row['name']}: {row['median_s']:.2f} s vs {row['baseline']} "
              f"{row['baseline_median_s']:.2f} s (ratio {row['ratio']:.1f})")
