"""Composite update after a brush-sized change: dirty-tile cache vs full recomposite.

A 3840×2160 8-bit document with 10 layers of noise (mixed blend modes, partial alpha).
Rows (medians; ratio = baseline / this, > 1 = faster):

* dirty-rect composite of a 64×64 brush area (cache invalidated for that area only)
  vs invalidating and recompositing the whole document;
* a full brush dab (paint + composite of its rect) vs dab + full recomposite;
* 16-bit variant of the dirty-rect row on a smaller stack.

Run alone with ``python -m benchmarks.bench_composite``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from editor.document import BrushSettings, Document, Rect

WIDTH, HEIGHT, LAYERS = 3840, 2160, 10
MODES = [
    "svg:src-over",
    "svg:multiply",
    "svg:screen",
    "svg:overlay",
    "svg:soft-light",
    "svg:color",
    "svg:src-over",
    "svg:darken",
    "svg:hue",
    "svg:src-over",
]


def _document(depth: int = 8, layers: int = LAYERS) -> Document:
    rng = np.random.default_rng(0)
    dtype = np.uint16 if depth == 16 else np.uint8
    maxv = np.iinfo(dtype).max
    doc = Document(WIDTH, HEIGHT, depth)
    # Noise tiled from a 512² block keeps set-up fast but every pixel still composites.
    for i in range(layers):
        block = rng.integers(0, maxv + 1, size=(512, 512, 4), dtype=np.int64).astype(dtype)
        block[..., 3] = np.clip(block[..., 3], maxv // 4, maxv)
        px = np.tile(block, (-(-HEIGHT // 512), -(-WIDTH // 512), 1))[:HEIGHT, :WIDTH]
        doc.add_layer(f"L{i}", px, blend_mode=MODES[i % len(MODES)], opacity=0.6 if i % 3 else 1.0)
    doc.undo.clear()
    doc.composite()
    return doc


def _median(fn: Callable[[], None], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rows() -> list[dict]:
    out: list[dict] = []
    doc = _document()
    comp = doc.compositor
    brush = Rect(1900, 1100, 64, 64)  # inside one 256² tile

    def dirty() -> None:
        comp.invalidate(brush)
        doc.composite(brush)

    def full() -> None:
        comp.invalidate(None)
        doc.composite()

    before = comp.tiles_composited
    dirty()
    tiles_per_update = comp.tiles_composited - before
    t_dirty = _median(dirty, 30)
    t_full = _median(full, 3)
    label = f"{WIDTH}x{HEIGHT}, {LAYERS} layers, 8-bit, CPU"
    out.append(
        {
            "name": "composite: 64x64 brush rect, dirty tiles",
            "median_s": t_dirty,
            "baseline": "full recomposite",
            "baseline_median_s": t_full,
            "ratio": t_full / t_dirty,
            "notes": f"{label}; {tiles_per_update} tile(s) of 256² recomposited per update",
        }
    )

    settings = BrushSettings(size=40, hardness=0.7, color=(0.9, 0.2, 0.1), opacity=0.8)

    def dab_times(recomposite_all: bool, reps: int) -> float:
        times = []
        for i in range(reps):
            t = time.perf_counter()
            doc.begin_stroke("pixels", settings, layer_index=5)
            r = doc.dab(1100.0 + 3.0 * i, 1150.0)
            if recomposite_all:
                comp.invalidate(None)
                doc.composite()
            else:
                doc.composite(r)
            times.append(time.perf_counter() - t)
            doc.abort_stroke()  # untimed: put the layer and the cache back
            doc.composite(r)
        return statistics.median(times)

    t_dab = dab_times(False, 20)
    t_dab_full = dab_times(True, 3)
    out.append(
        {
            "name": "brush dab (40 px) + composite update",
            "median_s": t_dab,
            "baseline": "brush dab + full recomposite",
            "baseline_median_s": t_dab_full,
            "ratio": t_dab_full / t_dab,
            "notes": f"{label}; begin stroke + one dab + composite of what changed",
        }
    )

    doc16 = _document(depth=16, layers=4)
    comp16 = doc16.compositor

    def dirty16() -> None:
        comp16.invalidate(brush)
        doc16.composite(brush)

    def full16() -> None:
        comp16.invalidate(None)
        doc16.composite()

    t16 = _median(dirty16, 30)
    t16_full = _median(full16, 3)
    out.append(
        {
            "name": "composite 16-bit: 64x64 brush rect, dirty tiles",
            "median_s": t16,
            "baseline": "full recomposite (16-bit)",
            "baseline_median_s": t16_full,
            "ratio": t16_full / t16,
            "notes": f"{WIDTH}x{HEIGHT}, 4 layers, 16-bit, CPU; output stays uint16",
        }
    )
    return out


if __name__ == "__main__":
    for row in rows():
        print(
            f"{row['name']:<50} {row['median_s'] * 1e3:9.2f} ms   "
            f"baseline {row['baseline_median_s'] * 1e3:9.1f} ms   "
            f"ratio {row['ratio']:7.1f}x   {row['notes']}"
        )
