"""Style transfer: seconds per megapixel per engine on this machine's device.

Content is a synthetic 1000×1000 photo-like image (1.0 MP), the style a 512² stroke
texture. Rows (ratio = baseline / this; the baseline is the instant colour transfer on
the same image, so ratios below 1 say how many times slower an engine is):

* ``color-transfer`` (Lab mean/std) -- the baseline itself, 3 runs;
* ``gatys`` with its default settings (random-feature network unless a VGG-19 is
  installed, coarse to fine up to the default working size, then the detail-preserving
  upsample to 1 MP), 1 run;
* ``gatys`` and ``paint`` on a real 600×400 photo (skimage's coffee, the size of the
  photo in issue 17) with their defaults: the random-feature Gatys is the built-in
  stylisation the painting replaces as the no-download choice, so it is the baseline of
  the ``paint`` row (ratio = how many times faster the painting is), 1 run each;
* ``fast-*`` (one row: the four presets share one architecture) and ``adain`` with
  **random weights** of the real architectures: the timing is real, the pictures are not
  (no download happens in benchmarks).

Run alone with ``python -m benchmarks bench_style`` (writes the results tables) or
``python -m benchmarks.bench_style`` (prints the rows).
"""

from __future__ import annotations

import os

import numpy as np

from benchmarks.common import median_time, row

SIDE = 1000


def _content() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) / SIDE
    img = np.stack([0.4 + 0.3 * np.sin(6 * xx), 0.5 + 0.2 * np.cos(5 * yy), 0.3 + 0.4 * xx * yy],
                   -1)
    return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)


def _style() -> np.ndarray:
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:512, 0:512]
    bands = ((xx // 12 + yy // 20) % 3).astype(np.int64)
    palette = np.array([[0.9, 0.7, 0.1], [0.1, 0.2, 0.6], [0.8, 0.2, 0.2]], np.float32)
    return np.clip(palette[bands] + rng.normal(0, 0.05, (512, 512, 3)), 0, 1).astype(np.float32)


def rows() -> list[dict]:
    import torch

    from ml.devices import resolve_device
    from ml.engines import get
    from ml.engines.style import run_adain, run_transformer
    from ml.types import RunContext

    device = resolve_device(os.environ.get("RETOUCH_DEVICE") or None)
    ctx = RunContext(device=device)
    content, style = _content(), _style()
    mp = content.shape[0] * content.shape[1] / 1e6
    out: list[dict] = []

    base = median_time(lambda: get("color-transfer").stylize(content, style, ctx), repeat=3) / mp
    out.append(row("style color-transfer s/MP", base, notes=f"Lab mean/std, {device}"))

    gatys = get("gatys")
    net = gatys.network_name()
    from ml.engines.style import level_sizes

    d = gatys.resolve_params({})
    sizes = "/".join(str(s) for s in level_sizes(SIDE, d["max_size"]))
    t = median_time(lambda: gatys.stylize(content, style, ctx), repeat=1, warmup=0) / mp
    out.append(row("style gatys s/MP (defaults)", t, "color-transfer", base,
                   notes=f"{net} features, {d['iterations']} L-BFGS iterations at {sizes} px "
                         f"+ detail upsample, {device}"))

    out.extend(_photo_rows(ctx, style, device))

    from ml.archs.adain import AdaIN
    from ml.archs.transformer_net import TransformerNet

    torch.manual_seed(0)
    tnet = TransformerNet().eval().requires_grad_(False).to(device)
    t = median_time(lambda: run_transformer(tnet, content, ctx), repeat=2) / mp
    out.append(row("style fast-<preset> s/MP", t, "color-transfer", base,
                   notes=f"random weights (timing only), full resolution, tiled, {device}"))

    adain = AdaIN().eval().requires_grad_(False).to(device)
    t = median_time(lambda: run_adain(adain, content, style, ctx), repeat=2) / mp
    out.append(row("style adain s/MP", t, "color-transfer", base,
                   notes=f"random weights (timing only), 1000 px working size, {device}"))
    return out


def _photo_rows(ctx, style: np.ndarray, device: str) -> list[dict]:
    from ml.engines import get

    try:
        from skimage import data

        photo = data.coffee().astype(np.float32) / 255.0  # 600×400
    except ImportError:  # pragma: no cover - scikit-image is a dev dependency
        photo = _content()[:400, :600].copy()
    h, w = photo.shape[:2]
    gatys = get("gatys")
    t_gatys = median_time(lambda: gatys.stylize(photo, style, ctx), repeat=1, warmup=0)
    t_paint = median_time(lambda: get("paint").stylize(photo, style, ctx), repeat=1)
    return [
        row(f"style gatys {w}x{h} s (defaults)", t_gatys,
            notes=f"{gatys.network_name()} features, {device}"),
        row(f"style paint {w}x{h} s (defaults)", t_paint, f"style gatys {w}x{h} s (defaults)",
            t_gatys, notes="built-in painting: Kuwahara + palette + strokes, numpy/OpenCV"),
    ]


if __name__ == "__main__":
    for r in rows():
        print(r)
