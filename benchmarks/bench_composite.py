"""Compositing: painting latency and full recomposites, against today's method.

A 3840×2160 8-bit document with 10 layers of noise (mixed blend modes, partial alpha).
The baseline of every row is the compositor as it was before the planar kernels
(:mod:`benchmarks.reference_composite`: interleaved float32, 256² tiles, one thread),
measured in the same run. Rows (ratio = baseline / this, > 1 = faster):

* a 200-dab brush stroke on the middle layer (5 of 0..9): each dab + the composite update of what it changed,
  p50 and p95 over the dabs (baseline: the same dabs with the old 256²-tile update);
* a full recomposite (median; the new one spreads bands over the cores);
* a 64×64 dirty rect, and the 16-bit variants on a 4-layer stack.

Run alone with ``python -m benchmarks.bench_composite``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks.reference_composite import ReferenceCompositor
from editor.document import BrushSettings, Document, Rect

WIDTH, HEIGHT, LAYERS = 3840, 2160, 10
STROKE_DABS = 200
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


def _stroke_path(n: int, spacing: float) -> list[tuple[float, float, float]]:
    """``n`` dab positions ``spacing`` apart along a wavy line, with varying pressure."""
    out = []
    x, y = 900.0, 1100.0
    for i in range(n):
        a = math.sin(i / 23.0) * 0.9
        x += spacing * math.cos(a)
        y += spacing * math.sin(a)
        out.append((x, y, 0.6 + 0.4 * math.sin(i / 11.0) ** 2))
    return out


def _percentile(times: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(times), q))


def _stroke_times(doc: Document, settings: BrushSettings, update: Callable[[Rect], None],
                  path: list[tuple[float, float, float]]) -> list[float]:
    """Per-dab seconds of ``dab + update(rect)`` over one stroke; the stroke is then
    aborted (untimed) and the composite brought back."""
    times = []
    doc.begin_stroke("pixels", settings, layer_index=len(doc.layers) // 2)
    for x, y, p in path:
        t = time.perf_counter()
        r = doc.dab(x, y, p)
        if r is not None:
            update(r)
        times.append(time.perf_counter() - t)
    doc.abort_stroke()
    doc.composite()
    return times


def _stroke_rows(doc: Document, label: str, depth_note: str = "") -> list[dict]:
    settings = BrushSettings(size=40, hardness=0.7, color=(0.9, 0.2, 0.1), opacity=0.8)
    path = _stroke_path(STROKE_DABS, settings.spacing * settings.size)
    ref = ReferenceCompositor(doc)
    ref.composite()

    def new_update(r: Rect) -> None:
        doc.composite(r)

    def ref_update(r: Rect) -> None:
        ref.invalidate(r)
        ref.composite(r)

    new: list[float] = []
    old: list[float] = []
    for _ in range(2):  # interleaved rounds: machine load affects both alike
        new += _stroke_times(doc, settings, new_update, path)
        old += _stroke_times(doc, settings, ref_update, path)
    rows = []
    for q, tag in ((50, "p50"), (95, "p95")):
        t_new, t_old = _percentile(new, q), _percentile(old, q)
        rows.append(
            {
                "name": f"brush stroke: dab (40 px) + composite update, {tag}{depth_note}",
                "median_s": t_new,
                "baseline": f"today's method (256² tile update), {tag}",
                "baseline_median_s": t_old,
                "ratio": t_old / t_new,
                "notes": f"{label}; {STROKE_DABS}-dab stroke on layer {len(doc.layers) // 2}, "
                f"x2 rounds; target p50 <= 8 ms, p95 <= 16 ms",
            }
        )
    return rows


def _display_rows(doc: Document, label: str) -> list[dict]:
    """Dab + composite + the canvas's display conversion (editor.ui.canvas_tiles) of what
    it changed: the stale box of each display tile, against reconverting the dab's whole
    256² display tiles (the canvas before)."""
    from editor.ui.canvas_tiles import TILE, _TileBuffer, refresh_display

    settings = BrushSettings(size=40, hardness=0.7, color=(0.2, 0.4, 0.9), opacity=0.8)
    path = _stroke_path(STROKE_DABS, settings.spacing * settings.size)
    shown = _TileBuffer(doc.width, doc.height)
    refresh_display(shown, doc, doc.rect)

    def dirty_rect(r: Rect) -> None:
        shown.invalidate(r)
        refresh_display(shown, doc, doc.rect)

    def whole_tiles(r: Rect) -> None:
        x0, y0 = r.x // TILE * TILE, r.y // TILE * TILE
        shown.invalidate(Rect(x0, y0, -(-r.right // TILE) * TILE - x0,
                              -(-r.bottom // TILE) * TILE - y0))
        refresh_display(shown, doc, doc.rect)

    new: list[float] = []
    old: list[float] = []
    for _ in range(2):
        new += _stroke_times(doc, settings, dirty_rect, path)
        old += _stroke_times(doc, settings, whole_tiles, path)
    return [{
        "name": f"brush stroke: dab + composite + display conversion (canvas), {tag}",
        "median_s": _percentile(new, q),
        "baseline": f"the same, whole 256² display tiles reconverted, {tag}",
        "baseline_median_s": _percentile(old, q),
        "ratio": _percentile(old, q) / _percentile(new, q),
        "notes": f"{label}; {STROKE_DABS}-dab stroke, x2 rounds; the stale box of each "
                 "display tile is converted (editor.ui.canvas_tiles.refresh_display)",
    } for q, tag in ((50, "p50"), (95, "p95"))]


def _full_row(doc: Document, label: str, reps: int, name: str) -> dict:
    comp = doc.compositor
    ref = ReferenceCompositor(doc)

    def full() -> None:
        comp.invalidate(None)
        doc.composite()

    def full_ref() -> None:
        ref.invalidate(None)
        ref.composite()

    full()  # warm up (thread pool, page faults of the cache)
    t_new, t_old = [], []
    for _ in range(reps):  # interleaved, as above
        t_new.append(_median(full, 1))
        t_old.append(_median(full_ref, 1))
    assert np.abs(doc.composite().astype(np.int32) - ref.composite().astype(np.int32)).max() <= 1
    new, old = statistics.median(t_new), statistics.median(t_old)
    return {
        "name": name,
        "median_s": new,
        "baseline": "today's method (256² tiles, interleaved, 1 thread)",
        "baseline_median_s": old,
        "ratio": old / new,
        "notes": f"{label}; target ratio >= 3; output within 1 level of the baseline's",
    }


def _rows8() -> list[dict]:
    out: list[dict] = []
    doc = _document()
    label = f"{WIDTH}x{HEIGHT}, {LAYERS} layers, 8-bit, CPU"
    out += _stroke_rows(doc, label)
    out += _display_rows(doc, label)
    out.append(_full_row(doc, label, 3, "full recomposite"))

    comp = doc.compositor
    brush = Rect(1900, 1100, 64, 64)

    def dirty() -> None:
        comp.invalidate(brush)
        doc.composite(brush)

    ref = ReferenceCompositor(doc)
    ref.composite()

    def dirty_ref() -> None:
        ref.invalidate(brush)
        ref.composite(brush)

    before = comp.tiles_composited
    dirty()
    cells = comp.tiles_composited - before
    t_dirty, t_ref = _median(dirty, 30), _median(dirty_ref, 15)
    out.append(
        {
            "name": "composite: 64x64 dirty rect",
            "median_s": t_dirty,
            "baseline": "today's method (its 256² tile)",
            "baseline_median_s": t_ref,
            "ratio": t_ref / t_dirty,
            "notes": f"{label}; {cells} cell(s) of {comp.tile}² recomposited, below cache "
            "invalidated too",
        }
    )
    return out


def rows() -> list[dict]:
    out = _rows8()  # its documents are freed before the 16-bit one is made
    doc16 = _document(depth=16, layers=4)
    label16 = f"{WIDTH}x{HEIGHT}, 4 layers, 16-bit, CPU"
    out += [r for r in _stroke_rows(doc16, label16, " (16-bit)") if "p50" in r["name"]]
    out.append(_full_row(doc16, label16, 3, "full recomposite (16-bit)"))
    return out


if __name__ == "__main__":
    for row in rows():
        print(
            f"{row['name']:<62} {row['median_s'] * 1e3:9.2f} ms   "
            f"baseline {row['baseline_median_s'] * 1e3:9.1f} ms   "
            f"ratio {row['ratio']:7.2f}x   {row['notes']}"
        )
