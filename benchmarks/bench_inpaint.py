"""Inpainting cost of a 64×64 hole in a 1 MP vs a 24 MP image (should be nearly equal).

The engines crop the mask's bounding box plus a context margin (ml.engines.inpaint
.fill_patch), so the fill itself does not grow with the image. Two calls are timed:
``inpaint_patch`` (returns only the changed region: what the editor pastes with
Document.apply_patch) and ``inpaint`` (returns a full copy of the image, so its 24 MP
time includes copying 288 MB of float32). Each 24 MP row uses the 1 MP time of the same
call as its baseline: a ratio near 1 means the image size does not matter.

:func:`fsr_quality_rows` times FSR "best" against "fast" on a 93×90 hole in a real photo:
the reason the editor's dialog offers "fast" only (issue #17).
"""

from __future__ import annotations

import numpy as np


def _scene(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack(
        [0.5 + 0.3 * np.sin(xx / 9), 0.5 + 0.3 * np.cos(yy / 7), (xx + yy) / (h + w)], axis=2
    ).astype(np.float32)


def rows() -> list[dict]:
    from benchmarks.common import median_time, row
    from ml.engines import get
    from ml.types import RunContext

    sizes = {"1 MP": (1000, 1000), "24 MP": (4000, 6000)}
    cases = {}
    for label, (h, w) in sizes.items():
        mask = np.zeros((h, w), np.float32)
        mask[h // 2 - 32 : h // 2 + 32, w // 2 - 32 : w // 2 + 32] = 1.0
        cases[label] = (_scene(h, w), mask)
    out = []
    for engine_id in ("telea", "navier-stokes", "fsr"):
        engine = get(engine_id, "inpaint")
        params = engine.resolve_params()
        for call in ("inpaint_patch", "inpaint"):
            fn = getattr(engine, call)
            times = {}
            for label, (image, mask) in cases.items():
                times[label] = median_time(
                    lambda i=image, m=mask, f=fn, p=params: f(i, m, RunContext(), **p), repeat=3
                )
            out.append(row(f"{engine_id}.{call} 64² hole, 1 MP", times["1 MP"]))
            out.append(
                row(
                    f"{engine_id}.{call} 64² hole, 24 MP",
                    times["24 MP"],
                    f"{engine_id}.{call} 1 MP",
                    times["1 MP"],
                    notes="ratio near 1 = cost independent of image size",
                )
            )
    out.extend(fsr_quality_rows())
    return out


def fsr_quality_rows() -> list[dict]:
    """xphoto FSR "best" against "fast" on a 93×90 hole in a real photo (scikit-image's
    coffee, 600×400), the case of issue #17: why the dialog offers "fast" only."""
    from benchmarks.common import median_time, row
    from ml.engines import get
    from ml.types import RunContext

    try:
        from skimage import data
    except ImportError:
        return [row("fsr best vs fast", 0.0, notes="skipped: scikit-image not installed")]
    image = data.coffee()[..., :3].astype(np.float32) / 255.0
    mask = np.zeros(image.shape[:2], np.float32)
    mask[200:290, 150:243] = 1.0
    engine = get("fsr", "inpaint")
    times = {q: median_time(lambda q=q: engine.inpaint(
        image, mask, RunContext(), **engine.resolve_params({"quality": q})),
        repeat=1 if q == "best" else 3, warmup=0 if q == "best" else 1)
        for q in ("fast", "best")}
    return [row("fsr quality=best 93×90 hole, coffee", times["best"],
                "fsr quality=fast", times["fast"],
                notes="ratio < 1 = slower than fast; not offered in the dialog")]
