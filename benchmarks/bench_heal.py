"""Healing brush per-dab cost on a 24 MP photo, with the clone stamp as the baseline.

A 6000×4000 8-bit document (photo-like: smooth gradients plus noise texture). One stroke of
200 dabs (60 px, hardness 0.5) drawn along a wavy line, each dab timed on its own (the
dab's pixels and the stroke's bookkeeping; the composite update is the compositor's
business, see bench_composite). Rows (ratio = baseline / this; < 1: slower than clone):

* heal stroke (Poisson solve of each dab box) vs clone stroke, p50 per dab (p95 in notes);
* heal sampling the merged image (3 layers) vs clone sampling the layer;
* spot heal of a 60 px blemish stroke (numpy diffusion fill) vs clone stroke of the same dabs;
* spot heal with the proximity-match fill (the tool's default) vs the diffusion fill.

Run alone with ``python -m benchmarks.bench_heal``.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from editor.document import Document
from editor.document.heal import (
    CloneSettings,
    CloneSource,
    SpotHealStroke,
    begin_clone_stroke,
    spot_heal,
)
from editor.document.spot_fill import proximity_fill

WIDTH, HEIGHT = 6000, 4000
DABS = 200
SIZE = 60.0


def _photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:HEIGHT:8, 0:WIDTH:8].astype(np.float32)
    base = np.stack(
        [
            0.5 + 0.3 * np.sin(xx / 900),
            0.4 + 0.3 * np.cos(yy / 700),
            0.3 + 0.2 * np.sin((xx + yy) / 1500),
        ],
        axis=2,
    )
    base = np.repeat(np.repeat(base, 8, axis=0), 8, axis=1)[:HEIGHT, :WIDTH]
    noise = rng.normal(0, 0.04, (512, 512, 3)).astype(np.float32)
    noise = np.tile(noise, (-(-HEIGHT // 512), -(-WIDTH // 512), 1))[:HEIGHT, :WIDTH]
    px = np.empty((HEIGHT, WIDTH, 4), np.uint8)
    px[..., :3] = np.rint(np.clip(base + noise, 0, 1) * 255)
    px[..., 3] = 255
    return px


def _path() -> list[tuple[float, float]]:
    return [(2500.0 + 6.0 * i, 2000.0 + 80.0 * math.sin(i / 15.0)) for i in range(DABS)]


def _stroke_times(doc: Document, settings: CloneSettings) -> list[float]:
    stroke = begin_clone_stroke(doc, CloneSource(1500, 1200), settings)
    times = []
    for x, y in _path():
        t = time.perf_counter()
        stroke.dab_at(x, y)
        times.append(time.perf_counter() - t)
    stroke.abort()
    return times


def _p(times: list[float], q: float) -> float:
    return float(np.percentile(times, q))


def rows() -> list[dict]:
    out: list[dict] = []
    doc = Document.from_pixels(_photo())
    label = f"{WIDTH}x{HEIGHT} (24 MP) 8-bit, {DABS} dabs of {SIZE:g} px, CPU"
    clone = _stroke_times(doc, CloneSettings(size=SIZE, hardness=0.5))
    heal = _stroke_times(doc, CloneSettings(size=SIZE, hardness=0.5, mode="heal"))
    c50, h50 = statistics.median(clone), statistics.median(heal)
    out.append(
        {
            "name": "healing brush: per dab (p50)",
            "median_s": h50,
            "baseline": "clone stamp per dab (p50)",
            "baseline_median_s": c50,
            "ratio": c50 / h50,
            "p95_s": _p(heal, 95),
            "baseline_p95_s": _p(clone, 95),
            "notes": (
                f"{label}; p95 heal {_p(heal, 95) * 1e3:.2f} ms, clone {_p(clone, 95) * 1e3:.2f} ms; "
                "exact DST Poisson solve per dab box"
            ),
        }
    )

    rng = np.random.default_rng(1)
    for i in range(2):
        top = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
        top[1000:3000, 1000:5000] = rng.integers(0, 256, 4, dtype=np.int64).astype(np.uint8)
        top[..., 3] //= 2
        doc.add_layer(f"tint {i}", top, blend_mode="svg:multiply" if i else "svg:screen")
    doc.active_index = 0
    doc.undo.clear()
    merged = _stroke_times(
        doc, CloneSettings(size=SIZE, hardness=0.5, mode="heal", sample="merged")
    )
    m50 = statistics.median(merged)
    out.append(
        {
            "name": "healing brush, merged sample (3 layers): per dab (p50)",
            "median_s": m50,
            "baseline": "clone stamp per dab (p50)",
            "baseline_median_s": c50,
            "ratio": c50 / m50,
            "p95_s": _p(merged, 95),
            "notes": f"{label}; p95 {_p(merged, 95) * 1e3:.2f} ms; pre-stroke composite taken lazily in 64² tiles",
        }
    )

    spot = SpotHealStroke(size=SIZE, hardness=0.8)
    for x, y in _path()[:20]:
        spot.stroke_to(x, y)
    t = time.perf_counter()
    spot_heal(doc, spot)
    t_spot = time.perf_counter() - t
    doc.undo.undo()
    t = time.perf_counter()
    spot_heal(doc, spot, proximity_fill, margin=round(2 * SIZE) + 8)
    t_prox = time.perf_counter() - t
    doc.undo.undo()
    clone20 = sum(clone[:20])
    out.append(
        {
            "name": "spot heal: 20-dab stroke, diffusion fill",
            "median_s": t_spot,
            "baseline": "clone stamp, same 20 dabs",
            "baseline_median_s": clone20,
            "ratio": clone20 / t_spot,
            "notes": f"{WIDTH}x{HEIGHT} 8-bit, one run; fill of the painted box plus one brush size of context",
        }
    )
    out.append(
        {
            "name": "spot heal: 20-dab stroke, proximity match (the tool's default)",
            "median_s": t_prox,
            "baseline": "spot heal, diffusion fill",
            "baseline_median_s": t_spot,
            "ratio": t_spot / t_prox,
            "notes": (f"{WIDTH}x{HEIGHT} 8-bit, one run; two brush sizes of context, patch "
                      "search + gradient-domain blend on the hole's shape"),
        }
    )
    return out


if __name__ == "__main__":
    for r in rows():
        print(
            f"{r['name']:<56} {r['median_s'] * 1e3:9.2f} ms   "
            f"baseline {r['baseline_median_s'] * 1e3:9.2f} ms   ratio {r['ratio']:6.2f}x   {r['notes']}"
        )
