"""PatchMatch content-aware fill (ml.fill.patchmatch): speed against Telea, and quality.

Timing rows: a 64² and a 256² hole in the middle of a 1024² photo, the whole engine path
(``fill_patch``: crop the mask box + context, fill, paste), PatchMatch against Telea
measured in the same run (ratio = Telea time / PatchMatch time, so < 1 = slower than
Telea) and FSR for reference.

Quality: photos with known content (the CC0 / public-domain photos scikit-image ships,
read straight from its data folder; see :data:`PHOTOS`), each with three synthetic masks
(``lines``: brush strokes, ``blobs``: scattered spots, ``object``: one object-sized
ellipse), filled by Telea, FSR and PatchMatch through the same engine path. Scores are
measured in the masked region only: PSNR over its pixels and the mean of the SSIM map
(Gaussian window, σ = 1.5, per channel) over them. :func:`rows` writes the table to
``docs/fill/quality.md``; ``python -m benchmarks bench_fill`` runs it.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QUALITY_MD = ROOT / "docs" / "fill" / "quality.md"

#: (file in skimage/data, licence as scikit-image's data docstrings state it)
PHOTOS: tuple[tuple[str, str], ...] = (
    ("astronaut.png", "NASA, public domain"),
    ("chelsea.png", "Stefan van der Walt, CC0"),
    ("coffee.png", "Rachel Michetti, CC0"),
    ("rocket.jpg", "SpaceX, public domain"),
    ("hubble_deep_field.jpg", "NASA, public domain"),
    ("retina.jpg", "Häggström, CC0"),
    ("camera.png", "Lav Varshney, CC0"),
    ("brick.png", "CC0Textures, CC0"),
    ("grass.png", "CC0Textures, CC0"),
    ("gravel.png", "CC0Textures, CC0"),
    ("coins.png", "Brooklyn Museum, no known copyright restrictions"),
    ("ihc.png", "CMMI microscopy, no known copyright restrictions"),
)

MASK_KINDS = ("lines", "blobs", "object")
METHODS = ("telea", "fsr", "patchmatch", "patchmatch-grain", "patchmatch-plain")

#: ``patchmatch-plain``: PatchMatch without the smooth guide and the per-group crops (the
#: fill as it was before them: onion-peel start, detail vote), for comparison
PLAIN_SETTINGS = {"init": "onion", "guide": "none", "guide_weight": 0.0, "flat_energy": 0.0,
                  "split": False, "final_vote": "detail"}


def skimage_data_dir() -> Path | None:
    """scikit-image's data folder if the package is installed (it is not imported)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def load_photo(path: Path, long_side: int = 512) -> np.ndarray:
    """float32 RGB [0, 1], grey converted to RGB, resized so the long side is ``long_side``."""
    import cv2

    raw = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if raw is None:
        raise OSError(f"cannot read {path}")
    rgb = cv2.cvtColor(raw, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    f = long_side / max(h, w)
    if f != 1.0:
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        rgb = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=interp)
    return rgb.astype(np.float32) / 255.0


def photos(long_side: int = 512) -> list[tuple[str, str, np.ndarray]]:
    """(name, licence, image) for every photo of :data:`PHOTOS` found; [] without skimage."""
    folder = skimage_data_dir()
    if folder is None:
        return []
    out = []
    for name, licence in PHOTOS:
        path = folder / name
        if path.is_file():
            out.append((path.stem, licence, load_photo(path, long_side)))
    return out


def synthetic_mask(kind: str, h: int, w: int, seed: int) -> np.ndarray:
    """float32 HxW mask (1 = fill): ``lines``, ``blobs`` or ``object``."""
    import cv2

    rng = np.random.default_rng(seed)
    m = np.zeros((h, w), np.uint8)
    side = min(h, w)
    if kind == "lines":
        for _ in range(3):
            pts = np.cumsum(rng.normal(0, side / 6, (5, 2)), axis=0) + [w / 2, h / 2]
            pts = np.clip(pts, 0, [w - 1, h - 1]).astype(np.int32)
            cv2.polylines(m, [pts], False, 1, thickness=max(3, round(side * 0.018)))
    elif kind == "blobs":
        for _ in range(6):
            c = (int(rng.uniform(0.15, 0.85) * w), int(rng.uniform(0.15, 0.85) * h))
            axes = (int(rng.uniform(0.02, 0.05) * side), int(rng.uniform(0.02, 0.05) * side))
            cv2.ellipse(m, c, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    elif kind == "object":
        c = (int(rng.uniform(0.35, 0.65) * w), int(rng.uniform(0.35, 0.65) * h))
        axes = (int(rng.uniform(0.09, 0.13) * side), int(rng.uniform(0.12, 0.16) * side))
        cv2.ellipse(m, c, axes, float(rng.uniform(-30, 30)), 0, 360, 1, -1)
    else:
        raise ValueError(f"unknown mask kind {kind!r}")
    return m.astype(np.float32)


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    """PSNR (dB, peak 1) over the pixels where ``where`` is set."""
    mse = float(np.mean((a[where] - b[where]) ** 2))
    return 10.0 * np.log10(1.0 / max(mse, 1e-12))


def ssim(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    """Mean of the SSIM map (values in [0, 1]; ml.train.sr.ssim_map) over ``where``,
    averaged over the channels."""
    from ml.train.sr import ssim_map

    return float(ssim_map(a, b, peak=1.0)[where].mean())


def fill_fn(method: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``(image, mask) -> filled image`` through the engine path (``fill_region``)."""
    from ml.engines.inpaint import fill_region
    from ml.fill.patchmatch import MAX_SIDE, patchmatch_fill
    from ml.types import RunContext

    if method.startswith("patchmatch"):
        fill = patchmatch_fill
        if method == "patchmatch-plain":
            from ml.fill.patchmatch import make_patchmatch_fill

            fill = make_patchmatch_fill(**PLAIN_SETTINGS)
        elif method == "patchmatch-grain":  # the engine's "Keep fine grain" option
            from ml.engines import get

            fill = get("patchmatch", "inpaint").make_fill({"keep_grain": True})
        return lambda image, mask: fill_region(image, mask, fill, RunContext(),
                                               max_side=MAX_SIDE)
    from ml.engines import get

    engine = get(method, "inpaint")
    params = engine.resolve_params()
    return lambda image, mask: engine.inpaint(image, mask, RunContext(), **params)


def evaluate(images: list[tuple[str, str, np.ndarray]]) -> list[dict]:
    """One record per (image, mask kind, method): psnr, ssim, seconds."""
    fills = {m: fill_fn(m) for m in METHODS}
    out = []
    for i, (name, _, image) in enumerate(images):
        h, w = image.shape[:2]
        for k, kind in enumerate(MASK_KINDS):
            mask = synthetic_mask(kind, h, w, seed=100 * i + k)
            where = mask > 0
            damaged = image.copy()
            damaged[where] = [1.0, 0.0, 1.0]  # the engines must not use what was there
            for method, fn in fills.items():
                start = time.perf_counter()
                result = fn(damaged, mask)
                secs = time.perf_counter() - start
                out.append({"image": name, "mask": kind, "method": method, "seconds": secs,
                            "psnr": psnr(result, image, where),
                            "ssim": ssim(result, image, where)})
    return out


def quality_markdown(records: list[dict], images: list[tuple[str, str, np.ndarray]]) -> str:
    """The table of docs/fill/quality.md: mean PSNR / SSIM per method and mask kind."""
    lines = [
        "# Fill quality: Telea, FSR, PatchMatch",
        "",
        ("Written by `benchmarks/bench_fill.py` (`python -m benchmarks bench_fill`). "
         f"{len(images)} photos with known content, long side 512 px, three synthetic masks "
         "each (lines: three brush strokes ~9 px wide; blobs: six spots of 10-25 px; object: "
         "one ellipse ~25x30 % of the short side). The masked pixels are painted magenta "
         "before filling, every method runs through `fill_patch` (crop + context) with its "
         "engine defaults (FSR: fast, work size 512; PatchMatch: work size "
         "`MAX_SIDE`). Scores over the masked pixels only: PSNR (dB) and mean SSIM "
         "(Gaussian σ 1.5). Higher is better. Mean over the photos. `patchmatch` is the "
         "engine's default: far-apart parts of the mask filled one at a time on their own "
         "crops, the coarsest level started from a reduced-scale FSR fill that also weakly "
         "guides the coarse patch search, Wexler's weighted-mean vote, and the finished "
         "fill faded toward the FSR guide where it is flat. `patchmatch-grain` is the "
         "engine's \"Keep fine grain\" option (the last pass takes fine detail from each "
         "pixel's best patch). `patchmatch-plain` is the same "
         "search without any of that (onion-peel start, mean vote + best-patch detail). "
         "PSNR and SSIM reward smooth averages (an average is closer to unknown content "
         "than a plausible texture): see the contact sheet for what the fills look like."),
        "",
        "| method | " + " | ".join(f"{k} PSNR | {k} SSIM" for k in MASK_KINDS)
        + " | all PSNR | all SSIM | mean s |",
        "|---|" + "---:|" * (2 * len(MASK_KINDS) + 3),
    ]
    for method in METHODS:
        cells = []
        for kind in MASK_KINDS:
            sel = [r for r in records if r["method"] == method and r["mask"] == kind]
            cells += [f"{np.mean([r['psnr'] for r in sel]):.2f}",
                      f"{np.mean([r['ssim'] for r in sel]):.3f}"]
        sel = [r for r in records if r["method"] == method]
        cells += [f"{np.mean([r['psnr'] for r in sel]):.2f}",
                  f"{np.mean([r['ssim'] for r in sel]):.3f}",
                  f"{np.mean([r['seconds'] for r in sel]):.2f}"]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    lines += ["", "Per photo (PSNR dB, all three masks averaged):", "",
              "| photo | licence | " + " | ".join(METHODS) + " |",
              "|---|---|" + "---:|" * len(METHODS)]
    for name, licence, _ in images:
        vals = [np.mean([r["psnr"] for r in records
                         if r["image"] == name and r["method"] == m]) for m in METHODS]
        lines.append(f"| {name} | {licence} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    return "\n".join(lines) + "\n"


def _timing_image() -> np.ndarray:
    found = photos(1024)
    if found:
        return next(img for name, _, img in found if name == "astronaut")
    yy, xx = np.mgrid[0:1024, 0:1024].astype(np.float32)
    return np.stack([0.5 + 0.3 * np.sin(xx / 9), 0.5 + 0.3 * np.cos(yy / 7),
                     (xx + yy) / 2048], axis=2).astype(np.float32)


def rows() -> list[dict]:
    from benchmarks.common import median_time, row

    image = _timing_image()
    h, w = image.shape[:2]
    out = []
    for side in (64, 256):
        mask = np.zeros((h, w), np.float32)
        y0, x0 = h // 2 - side // 2, w // 2 - side // 2
        mask[y0 : y0 + side, x0 : x0 + side] = 1.0
        times = {}
        for method in METHODS[:3]:
            fn = fill_fn(method)
            # FSR on the 256² hole takes ~10 s a run: one run, no warm-up (a reference row)
            slow = side > 64 and method == "fsr"
            times[method] = median_time(lambda f=fn, m=mask: f(image, m),
                                        repeat=1 if slow else 3, warmup=0 if slow else 1)
        for method in ("patchmatch", "fsr"):
            out.append(row(f"{method} {side}² hole, 1 MP photo", times[method],
                           f"telea {side}² hole", times["telea"],
                           notes="whole fill_region path; ratio < 1 = slower than Telea"))
    images = photos()
    if not images:
        out.append(row("quality", 0.0, notes="skipped: scikit-image's photos not installed"))
        return out
    records = evaluate(images)
    QUALITY_MD.parent.mkdir(parents=True, exist_ok=True)
    QUALITY_MD.write_text(quality_markdown(records, images))
    for method in METHODS:
        sel = [r for r in records if r["method"] == method]
        out.append(row(
            f"quality {method}: {len(images)} photos x {len(MASK_KINDS)} masks",
            float(np.median([r["seconds"] for r in sel])),
            notes=(f"masked PSNR {np.mean([r['psnr'] for r in sel]):.2f} dB, "
                   f"SSIM {np.mean([r['ssim'] for r in sel]):.3f} (docs/fill/quality.md)"),
            psnr=float(np.mean([r["psnr"] for r in sel])),
            ssim=float(np.mean([r["ssim"] for r in sel]))))
    return out
