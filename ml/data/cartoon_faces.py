"""Synthetic cartoon faces with known, independently sampled attributes.

Every face is drawn with Pillow at twice the output size and downsampled (antialiased),
centred and upright, so a small VAE/GAN can learn the set in minutes on a CPU and every
image comes with exact attribute values. The attributes (all sampled independently):

========== ======= ==============================================================
name       kind    meaning
========== ======= ==============================================================
smile      numeric mouth curvature in [-1, 1] (-1 frown, 0 straight, 1 broad smile)
glasses    binary  0/1: round dark glasses over the eyes
hair       numeric hair colour from dark brown (0) through auburn to blonde (1)
eye_size   numeric eye radius, 0 (small) .. 1 (large)
face_width numeric face ellipse width, 0 (narrow) .. 1 (wide)
skin       numeric skin tone, 0 (light) .. 1 (dark)
background numeric background colour from blue-grey (0) to warm sand (1)
========== ======= ==============================================================

Deterministic from a seed: ``generate(n, seed)`` always returns the same faces.
``write_folder`` saves PNGs plus a ``labels.csv`` (column ``file`` + one column per
attribute), the format :func:`ml.train.directions.main` reads.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

#: attribute name -> "binary" or "numeric"
ATTRIBUTES: dict[str, str] = {
    "smile": "numeric",
    "glasses": "binary",
    "hair": "numeric",
    "eye_size": "numeric",
    "face_width": "numeric",
    "skin": "numeric",
    "background": "numeric",
}


def sample_attributes(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` independent attribute draws (float32 arrays keyed by attribute name)."""
    rng = np.random.default_rng(seed)
    return {
        "smile": rng.uniform(-1.0, 1.0, n).astype(np.float32),
        "glasses": (rng.random(n) < 0.5).astype(np.float32),
        "hair": rng.uniform(0.0, 1.0, n).astype(np.float32),
        "eye_size": rng.uniform(0.0, 1.0, n).astype(np.float32),
        "face_width": rng.uniform(0.0, 1.0, n).astype(np.float32),
        "skin": rng.uniform(0.0, 1.0, n).astype(np.float32),
        "background": rng.uniform(0.0, 1.0, n).astype(np.float32),
    }


def _lerp(a: tuple[float, ...], b: tuple[float, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _hair_colour(t: float) -> tuple[int, ...]:
    stops = [(0.0, (45, 30, 20)), (0.5, (150, 70, 35)), (1.0, (235, 205, 120))]
    for (t0, c0), (t1, c1) in pairwise(stops):
        if t <= t1:
            return _lerp(c0, c1, (t - t0) / (t1 - t0))
    return stops[-1][1]


def render_face(attrs: dict[str, float], size: int = 64) -> np.ndarray:
    """One face as uint8 RGB ``(size, size, 3)`` from a dict of attribute values."""
    s = 2 * size  # supersample, then downsample with an antialiasing filter
    u = s / 128.0  # drawing units: the layout is designed on a 128 px canvas
    bg = _lerp((120, 140, 170), (225, 195, 140), float(attrs["background"]))
    skin = _lerp((250, 215, 185), (120, 80, 55), float(attrs["skin"]))
    hair = _hair_colour(float(attrs["hair"]))
    im = Image.new("RGB", (s, s), bg)
    d = ImageDraw.Draw(im)
    cx, cy = 64 * u, 70 * u
    half_w = (34 + 12 * float(attrs["face_width"])) * u
    half_h = 44 * u
    # hair: a larger ellipse behind the top of the head
    d.ellipse((cx - half_w - 6 * u, cy - half_h - 10 * u, cx + half_w + 6 * u, cy + 8 * u), fill=hair)
    d.ellipse((cx - half_w, cy - half_h, cx + half_w, cy + half_h), fill=skin)
    # fringe over the forehead
    d.chord(
        (cx - half_w, cy - half_h - 2 * u, cx + half_w, cy - 8 * u), 180, 360, fill=hair
    )
    # eyes
    er = (5 + 5 * float(attrs["eye_size"])) * u
    ey = cy - 4 * u
    for ex in (cx - 15 * u, cx + 15 * u):
        d.ellipse((ex - er, ey - er * 0.8, ex + er, ey + er * 0.8), fill=(250, 250, 250))
        pr = er * 0.45
        d.ellipse((ex - pr, ey - pr, ex + pr, ey + pr), fill=(30, 30, 40))
    # glasses: round dark frames + bridge
    if float(attrs["glasses"]) >= 0.5:
        gr = 12 * u
        for ex in (cx - 15 * u, cx + 15 * u):
            d.ellipse((ex - gr, ey - gr, ex + gr, ey + gr), outline=(20, 20, 20), width=int(3 * u))
        d.line((cx - 3 * u, ey, cx + 3 * u, ey), fill=(20, 20, 20), width=int(3 * u))
    # nose
    d.line((cx, cy + 2 * u, cx - 3 * u, cy + 12 * u, cx + 2 * u, cy + 12 * u),
           fill=_lerp(skin, (0, 0, 0), 0.35), width=int(2 * u))
    # mouth: a parabola whose middle drops (smile) or rises (frown)
    my = cy + 24 * u
    mw = 16 * u
    bend = 11 * u * float(attrs["smile"])
    xs = np.linspace(-1.0, 1.0, 17)
    pts = [(cx + mw * x, my + bend * (1 - x * x) - bend * 0.5) for x in xs]
    d.line(pts, fill=(150, 40, 50), width=int(5 * u), joint="curve")
    return np.asarray(im.resize((size, size), Image.LANCZOS), dtype=np.uint8)


def generate(
    n: int, seed: int = 0, size: int = 64
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``n`` faces: uint8 images ``(n, size, size, 3)`` and their labels (float32 arrays)."""
    labels = sample_attributes(n, seed)
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        images[i] = render_face({k: v[i] for k, v in labels.items()}, size)
    return images, labels


def write_folder(folder: str | Path, n: int, seed: int = 0, size: int = 64) -> Path:
    """Write ``n`` faces as ``face_00000.png``… plus ``labels.csv``; returns the CSV path."""
    from ml.data.labels import write_labels

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = generate(n, seed, size)
    files = []
    for i, image in enumerate(images):
        name = f"face_{i:05d}.png"
        Image.fromarray(image).save(folder / name)
        files.append(name)
    return write_labels(folder / "labels.csv", files, labels)


def main(argv: list[str] | None = None) -> int:
    """``python -m ml.data.cartoon_faces --out DIR --n N [--seed S] [--size 64|128]``."""
    import argparse

    p = argparse.ArgumentParser(description="Write synthetic cartoon faces + labels.csv.")
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=64)
    args = p.parse_args(argv)
    write_folder(args.out, args.n, args.seed, args.size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
