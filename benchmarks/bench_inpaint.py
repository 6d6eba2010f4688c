"""Inpainting cost of a 64×64 hole in a 1 MP vs a 24 MP image (should be nearly equal).

The engines crop the mask's bounding box plus a context margin (ml.engines.inpaint
.fill_patch), so the fill itself does not grow with the image. Two calls are timed:
``inpaint_patch`` (returns only the changed region: what the editor pastes with
Document.apply_patch) and ``inpaint`` (returns a full copy of the image, so its 24 MP
time includes copying 288 MB of float32). Each 24 MP row uses the 1 MP time of the same
call as its baseline: a ratio near 1 means the image size does not matter.
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
    return out
