"""Render docs/fill/contact_sheet.png: before/after of Telea, FSR and PatchMatch.

Run from the repository root: ``.venv/bin/python docs/fill/make_contact_sheet.py``.

Photos: the CC0 / public-domain photos scikit-image ships (see
``benchmarks.bench_fill.PHOTOS`` for the licences), long side 512 px, with the same
synthetic masks and seeds as the quality table (``docs/fill/quality.md``). Each row shows
the mask's neighbourhood (its bounding box plus half its size around it), enlarged:
the original, the hole (magenta: what every engine gets), then the three fills with the
masked-region PSNR of each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_fill import MASK_KINDS, METHODS, fill_fn, photos, psnr, synthetic_mask
from ml.engines.inpaint import context_box, mask_bbox

OUT = Path(__file__).resolve().parent / "contact_sheet.png"
CELL = 200
#: (photo, mask kind) rows; the seeds match benchmarks.bench_fill.evaluate
ROWS = (("astronaut", "object"), ("chelsea", "object"), ("coffee", "object"),
        ("rocket", "object"), ("camera", "object"), ("brick", "object"),
        ("gravel", "object"), ("coins", "lines"), ("brick", "lines"), ("astronaut", "blobs"))
CREDIT = ("Photos: scikit-image data (astronaut/rocket/hubble public domain; chelsea, coffee, "
          "camera, brick, gravel CC0; coins Brooklyn Museum). Magenta = the hole.")


def _cell(img: np.ndarray, label: str) -> np.ndarray:
    h, w = img.shape[:2]
    f = CELL / max(h, w)
    small = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_NEAREST
                       if f > 1 else cv2.INTER_AREA)
    canvas = np.full((CELL + 20, CELL, 3), 255, np.uint8)
    y0, x0 = (CELL - small.shape[0]) // 2 + 20, (CELL - small.shape[1]) // 2
    canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = (
        np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)
    cv2.putText(canvas, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                cv2.LINE_AA)
    return canvas


def main() -> int:
    images = {name: (i, img) for i, (name, _, img) in enumerate(photos())}
    if not images:
        sys.stderr.write("scikit-image's photos are not installed\n")
        return 1
    fills = {m: fill_fn(m) for m in METHODS}
    rows = []
    for name, kind in ROWS:
        index, image = images[name]
        h, w = image.shape[:2]
        mask = synthetic_mask(kind, h, w, seed=100 * index + MASK_KINDS.index(kind))
        where = mask > 0
        damaged = image.copy()
        damaged[where] = [1.0, 0.0, 1.0]
        x0, y0, x1, y1 = context_box(mask_bbox(mask), w, h, margin=0.25, min_margin=16)
        cells = [_cell(image[y0:y1, x0:x1], f"{name}: original"),
                 _cell(damaged[y0:y1, x0:x1], f"{kind} mask")]
        for method, fn in fills.items():
            out = fn(damaged, mask)
            cells.append(_cell(out[y0:y1, x0:x1],
                               f"{method} {psnr(out, image, where):.1f} dB"))
        rows.append(np.concatenate(cells, axis=1))
    sheet = np.concatenate(rows, axis=0)
    footer = np.full((22, sheet.shape[1], 3), 255, np.uint8)
    cv2.putText(footer, CREDIT, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (60, 60, 60), 1,
                cv2.LINE_AA)
    sheet = np.concatenate([sheet, footer], axis=0)
    cv2.imwrite(str(OUT), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    sys.stdout.write(f"{OUT} {OUT.stat().st_size / 1e6:.2f} MB\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
