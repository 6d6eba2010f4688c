"""Render docs/style/contact_sheet.png (and contact_sheet_crops.png): the built-in style
engines before and after issue 17's rework, on real photos.

Run from the repository root: ``.venv/bin/python docs/style/make_contact_sheet.py``
(about 10 minutes on a 2-core CPU: Gatys runs twice per photo).

* Content: photos that scikit-image ships (``skimage.data``), each resized to 600 px
  wide like the photo in the issue: ``astronaut`` (NASA, public domain), ``coffee``
  (Rachel Michetti, CC0), ``chelsea`` (Stéfan van der Walt, CC0) and ``rocket`` (SpaceX,
  CC0).
* Styles: procedural paintings drawn by this script (curved strokes or short dabs from a
  small palette): our own, no third-party artwork, no download.
* "before" columns run the engines as they were at :data:`BEFORE` (the commit before
  the rework): that revision's ``ml/`` is exported with ``git archive`` into a temporary
  folder and run in a subprocess, so the old code need not stay in the product.
* Columns: content | style | colour transfer before (CIELAB mean-std) | after (Oklab
  mean-std) | after (histogram) | Gatys before (random features, defaults) | Gatys after
  (defaults; only on the rows in :data:`GATYS_AFTER`, to keep the run short) |
  painting (``paint``, defaults). Labels carry the seconds each took.
* The crops sheet shows the same Gatys/painting results 1:1 (200×200 px) so speckle,
  blur and ringing can be judged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent
OUT = HERE / "contact_sheet.png"
OUT_CROPS = HERE / "contact_sheet_crops.png"
#: photos that also get the reworked Gatys (minutes each on a shared 2-core CPU)
GATYS_AFTER = (0,)
#: the last commit before the colour transfer / painting rework
BEFORE = "515490d"
WIDTH = 600
CELL = 250
CREDIT = ("Content: skimage.data astronaut (NASA, PD), coffee (R. Michetti, CC0), chelsea "
          "(S. van der Walt, CC0), rocket (SpaceX, CC0), at 600 px wide. Styles: procedural, "
          "drawn by docs/style/make_contact_sheet.py. 'before' = commit " + BEFORE + ".")


def painterly(seed: int, palette: list[tuple[int, int, int]], size: int = 384,
              strokes: int = 900, dabs: bool = False) -> np.ndarray:
    """Bold curved strokes (or short thick dabs) from ``palette`` (first colour =
    ground), float RGB [0, 1]."""
    rng = np.random.default_rng(seed)
    pal = np.array(palette, np.int64)
    img = np.zeros((size, size, 3), np.uint8)
    img[:] = pal[0]
    for _ in range(strokes):
        c = np.clip(pal[rng.integers(len(pal))] + rng.integers(-25, 25, 3), 0, 255)
        x, y = rng.uniform(0, size, 2)
        ang = rng.uniform(0, np.pi)
        length = rng.uniform(6, 14) if dabs else rng.uniform(10, 45)
        curv = 0.0 if dabs else rng.uniform(-.08, .08)
        pts = [(x + t * np.cos(ang + curv * t), y + t * np.sin(ang + curv * t))
               for t in np.linspace(-length / 2, length / 2, 8)]
        width = int(rng.integers(7, 13)) if dabs else int(rng.integers(4, 10))
        cv2.polylines(img, [np.array(pts, np.int32)], False, tuple(int(v) for v in c),
                      thickness=width, lineType=cv2.LINE_AA)
    return img.astype(np.float32) / 255.0


def styles() -> list[tuple[str, np.ndarray]]:
    return [
        ("strokes: night", painterly(1, [(20, 40, 110), (40, 90, 170), (250, 210, 60),
                                          (240, 150, 30), (230, 240, 250), (30, 140, 120)])),
        ("strokes: autumn", painterly(7, [(90, 30, 20), (200, 80, 30), (240, 190, 90),
                                           (120, 130, 40), (40, 30, 30), (250, 240, 210)])),
        ("dabs: pastel", painterly(3, [(235, 225, 205), (150, 190, 210), (230, 160, 150),
                                        (160, 180, 120), (90, 100, 140), (250, 220, 120)],
                                   strokes=1400, dabs=True)),
    ]


def contents() -> list[tuple[str, np.ndarray]]:
    from skimage import data

    out = []
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        img = getattr(data, name)().astype(np.float32) / 255.0
        h, w = img.shape[:2]
        img = cv2.resize(img, (WIDTH, round(h * WIDTH / w)), interpolation=cv2.INTER_AREA)
        out.append((name, np.ascontiguousarray(img)))
    return out


def pairs() -> list[tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]]:
    st = styles()
    return [(c, st[i % len(st)]) for i, c in enumerate(contents())]


# ----------------------------------------------------------------------------- before

_OLD_RUNNER = r"""
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
import torch
torch.set_num_threads(2)
from ml.engines import get
from ml.types import RunContext
data = np.load(sys.argv[2])
out, secs = {}, {}
runs = (("ct", "color-transfer", {}), ("gatys", "gatys", {}))[:int(sys.argv[4])]
for i in range(int(data["n"])):
    c, s = data[f"c{i}"], data[f"s{i}"]
    for key, engine, kw in runs:
        t = time.perf_counter()
        out[f"{key}{i}"] = get(engine).stylize(c, s, RunContext(), **kw)
        secs[f"{key}{i}"] = time.perf_counter() - t
np.savez_compressed(sys.argv[3], **out)
print(json.dumps(secs))
"""


def render_before(items, gatys: bool = True) -> tuple[dict, dict]:
    """The old engines' results (colour transfer mean-std, Gatys defaults unless
    ``gatys`` is False) and seconds, run from ``git archive BEFORE ml`` in a subprocess;
    cached under the temp folder."""
    cache = Path(tempfile.gettempdir()) / f"retouch-style-before-{BEFORE}-{int(gatys)}.npz"
    times = cache.with_suffix(".json")
    if not (cache.exists() and times.exists()):
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, "ml"],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            inputs = Path(tmp) / "inputs.npz"
            arrays = {"n": np.array(len(items))}
            for i, ((_, c), (_, s)) in enumerate(items):
                arrays[f"c{i}"], arrays[f"s{i}"] = c, s
            np.savez(inputs, **arrays)
            res = subprocess.run([sys.executable, "-c", _OLD_RUNNER, tmp, str(inputs),
                                  str(cache), "2" if gatys else "1"], check=True, capture_output=True, text=True,
                                 cwd=tmp)
            times.write_text(res.stdout.strip().splitlines()[-1])
    loaded = np.load(cache)
    return {k: loaded[k] for k in loaded.files}, json.loads(times.read_text())


# ----------------------------------------------------------------------------- sheet

def _u8(img: np.ndarray) -> np.ndarray:
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def _label(canvas: np.ndarray, text: str) -> None:
    cv2.putText(canvas, text, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                cv2.LINE_AA)


def _cell(img: np.ndarray, label: str) -> np.ndarray:
    h, w = img.shape[:2]
    f = CELL / max(h, w)
    small = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    canvas = np.full((CELL + 22, CELL + 4, 3), 255, np.uint8)
    y0, x0 = (CELL - small.shape[0]) // 2 + 22, (CELL + 4 - small.shape[1]) // 2
    canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = _u8(small)
    _label(canvas, label)
    return canvas


def _crop(img: np.ndarray, label: str, y: int, x: int, size: int = 200) -> np.ndarray:
    canvas = np.full((size + 22, size + 4, 3), 255, np.uint8)
    canvas[22:22 + size, 2:2 + size] = _u8(img[y:y + size, x:x + size])
    _label(canvas, label)
    return canvas


def _footer(width: int) -> np.ndarray:
    footer = np.full((24, width, 3), 255, np.uint8)
    cv2.putText(footer, CREDIT, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (60, 60, 60), 1,
                cv2.LINE_AA)
    return footer


def _save(path: Path, sheet: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    sys.stdout.write(f"{path} {path.stat().st_size / 1e6:.2f} MB\n")


#: where the 1:1 crops sit (top-left, in the 600-px-wide photo): faces and edges
CROPS = {"astronaut": (60, 150), "coffee": (60, 180), "chelsea": (100, 120),
         "rocket": (150, 200)}


def _code_key() -> str:
    """A hash of the engine sources: cached "after" results are only reused for them."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted([*(ROOT / "ml" / "style").glob("*.py"), ROOT / "ml" / "style_ops.py",
                        ROOT / "ml" / "engines" / "style.py"]):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def render_after(i: int, content: np.ndarray, style: np.ndarray) -> dict:
    """This checkout's results for photo ``i`` (cached per photo under the temp folder)."""
    from ml.engines import get
    from ml.types import RunContext

    cache = Path(tempfile.gettempdir()) / f"retouch-style-after-{_code_key()}-{i}.npz"
    if cache.exists():
        data = np.load(cache)
        return {k: (data[k], float(data[f"{k}_s"])) for k in data.files if k + "_s" in data}
    results = {}
    runs = [("ct", "color-transfer", {}), ("hist", "color-transfer", {"method": "histogram"}),
            ("paint", "paint", {})]
    if i in GATYS_AFTER:
        runs.append(("gatys", "gatys", {}))
    for key, engine, kw in runs:
        t = time.perf_counter()
        results[key] = (get(engine).stylize(content, style, RunContext(), **kw),
                        time.perf_counter() - t)
    arrays = {k: v[0] for k, v in results.items()}
    arrays.update({f"{k}_s": np.array(v[1]) for k, v in results.items()})
    np.savez_compressed(cache, **arrays)
    return results


def main() -> int:
    import torch

    torch.set_num_threads(2)
    items = pairs()
    if "--after-only" in sys.argv:  # fill the cache of this checkout's results
        for i, ((_, content), (_, style)) in enumerate(items):
            render_after(i, content, style)
        return 0
    # --quick: the old Gatys is left out (minutes per photo on a shared CPU)
    quick = "--quick" in sys.argv
    before, before_secs = render_before(items, gatys=not quick)
    rows, crop_rows = [], []
    for i, ((cname, content), (sname, style)) in enumerate(items):
        results = render_after(i, content, style)
        cells = [
            _cell(content, f"{cname} (skimage)"), _cell(style, sname),
            _cell(before[f"ct{i}"], "colour: before (Lab mean-std)"),
            _cell(results["ct"][0], "colour: after (Oklab mean-std)"),
            _cell(results["hist"][0], "colour: after (histogram)"),
            _cell(before[f"gatys{i}"], f"gatys before {before_secs[f'gatys{i}']:.0f}s")
            if not quick else _cell(np.ones((8, 8, 3), np.float32), "(gatys before: not run)"),
            _cell(results["gatys"][0], f"gatys after {results['gatys'][1]:.0f}s")
            if "gatys" in results else _cell(np.ones((8, 8, 3), np.float32), "(gatys after: row " + ", ".join(str(r + 1) for r in GATYS_AFTER) + ")"),
            _cell(results["paint"][0], f"painting (new) {results['paint'][1]:.1f}s"),
        ]
        rows.append(np.concatenate(cells, axis=1))
        y, x = CROPS[cname]
        crop_rows.append(np.concatenate([
            _crop(content, f"{cname} 1:1", y, x),
            _crop(before[f"gatys{i}"] if not quick else np.ones_like(content),
                  "gatys before" if not quick else "(not run)", y, x),
            _crop(results["gatys"][0] if "gatys" in results else np.ones_like(content),
                  "gatys after" if "gatys" in results else "(not run)", y, x),
            _crop(results["paint"][0], "painting (new)", y, x),
            _crop(before[f"ct{i}"], "colour before", y, x),
            _crop(results["ct"][0], "colour after", y, x),
        ], axis=1))
    sheet = np.concatenate(rows, axis=0)
    _save(OUT, np.concatenate([sheet, _footer(sheet.shape[1])], axis=0))
    crops = np.concatenate(crop_rows, axis=0)
    _save(OUT_CROPS, np.concatenate([crops, _footer(crops.shape[1])], axis=0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
