"""Render docs/style/contact_sheet.png: content, style, and the result of each built-in engine.

Run from the repository root: ``.venv/bin/python docs/style/make_contact_sheet.py``.

* Content: photos that scikit-image ships (``skimage.data``): ``astronaut`` (Eileen
  Collins, NASA, public domain) and ``coffee`` (Rachel Michetti, CC0); synthetic scenes
  when scikit-image is missing.
* Styles: procedural "painterly" images drawn by this script (random curved strokes from
  a small palette; no third-party artwork, no internet needed).
* Columns: content, style, ``color-transfer`` (mean-std), ``color-transfer`` (histogram),
  ``gatys`` with its default settings (random-feature network unless a VGG-19 is
  installed: the label says which), and the same Gatys result with keep-colours
  (luminance-only, exactly what ``keep_colors=True`` applies to the engine's result).
* The store engines (fast presets, AdaIN) are left out: without their downloaded weights
  their pictures would be meaningless.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ml import style_ops
from ml.engines import get
from ml.types import RunContext

CELL = 216
CREDIT = ("Content: skimage.data astronaut (NASA, public domain), coffee (R. Michetti, CC0). "
          "Styles: procedural strokes drawn by docs/style/make_contact_sheet.py. "
          "Fast presets, AdaIN and Gatys+VGG-19 need downloaded weights: not shown.")
OUT = Path(__file__).resolve().parent / "contact_sheet.png"


def painterly(seed: int, palette: list[tuple[int, int, int]], size: int = 384,
              strokes: int = 900) -> np.ndarray:
    """Bold curved strokes from ``palette`` (first colour = ground), float RGB [0, 1]."""
    rng = np.random.default_rng(seed)
    pal = np.array(palette, np.int64)
    img = np.zeros((size, size, 3), np.uint8)
    img[:] = pal[0]
    for _ in range(strokes):
        c = np.clip(pal[rng.integers(len(pal))] + rng.integers(-25, 25, 3), 0, 255)
        x, y = rng.uniform(0, size, 2)
        ang, length, curv = rng.uniform(0, np.pi), rng.uniform(10, 45), rng.uniform(-.08, .08)
        pts = [(x + t * np.cos(ang + curv * t), y + t * np.sin(ang + curv * t))
               for t in np.linspace(-length / 2, length / 2, 8)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, tuple(int(v) for v in c),
                      thickness=int(rng.integers(4, 10)), lineType=cv2.LINE_AA)
    return img.astype(np.float32) / 255.0


STYLES = [
    ("strokes: night", painterly(1, [(20, 40, 110), (40, 90, 170), (250, 210, 60),
                                      (240, 150, 30), (230, 240, 250), (30, 140, 120)])),
    ("strokes: autumn", painterly(7, [(90, 30, 20), (200, 80, 30), (240, 190, 90),
                                       (120, 130, 40), (40, 30, 30), (250, 240, 210)])),
]


def contents() -> list[tuple[str, np.ndarray]]:
    try:
        from skimage import data

        return [("astronaut (skimage)", data.astronaut()), ("coffee (skimage)", data.coffee())]
    except ImportError:
        yy, xx = np.mgrid[0:384, 0:512].astype(np.float32)
        scene = np.stack([0.5 + 0.4 * np.sin(xx / 60), 0.4 + 0.3 * (yy / 384),
                          0.6 - 0.3 * np.cos(yy / 40)], -1)
        cv2.circle(scene, (256, 192), 90, (0.9, 0.8, 0.2), -1)
        return [("synthetic scene", (scene * 255).astype(np.uint8))]


def _u8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def _cell(img: np.ndarray, label: str) -> np.ndarray:
    h, w = img.shape[:2]
    f = CELL / max(h, w)
    small = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    canvas = np.full((CELL + 22, CELL, 3), 255, np.uint8)
    y0, x0 = (CELL - small.shape[0]) // 2 + 22, (CELL - small.shape[1]) // 2
    canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = _u8(small)
    cv2.putText(canvas, label, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                cv2.LINE_AA)
    return canvas


def main() -> int:
    gatys = get("gatys")
    net = gatys.network_name()
    rows = []
    for (cname, cimg), (sname, style) in zip(contents(), STYLES):
        content = cimg.astype(np.float32) / 255.0
        cells = [_cell(content, cname), _cell(style, sname)]
        ct = get("color-transfer")
        cells.append(_cell(ct.stylize(content, style, RunContext()), "colour transfer: mean-std"))
        cells.append(_cell(ct.stylize(content, style, RunContext(), method="histogram"),
                           "colour transfer: histogram"))
        start = time.perf_counter()
        result = gatys.stylize(content, style, RunContext())
        secs = time.perf_counter() - start
        cells.append(_cell(result, f"gatys ({net}) {secs:.0f}s"))
        cells.append(_cell(style_ops.luminance_only(content, result), "gatys + keep colours"))
        rows.append(np.concatenate(cells, axis=1))
    sheet = np.concatenate(rows, axis=0)
    footer = np.full((24, sheet.shape[1], 3), 255, np.uint8)
    cv2.putText(footer, CREDIT, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (60, 60, 60), 1,
                cv2.LINE_AA)
    sheet = np.concatenate([sheet, footer], axis=0)
    cv2.imwrite(str(OUT), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    sys.stdout.write(f"{OUT} {OUT.stat().st_size / 1e6:.2f} MB\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
