"""Extract the super-resolution training and held-out photos into folders.

Training photos: the natural photos bundled with scikit-image (``skimage.data``) whose
docstrings state public domain / CC0 / no known copyright restrictions (listed in
:data:`TRAIN_SOURCES` with their licences). Gray photos are stacked to RGB.

With ``--lomiri-deb FILE`` (``apt-get download lomiri-wallpapers-16.04``), also the
CC BY 4.0 / CC0 camera photos of that Debian package (:mod:`ml.data.sr_photos`, the list
with authors and licences), downscaled to a long side of 1536 px (training) or 1024 px
(held-out) to shed sensor noise and JPEG blocks; two of them are held out.

Held-out photos: scikit-learn's two bundled sample photos (china.jpg, flower.jpg,
CC BY 2.0), read from an installed scikit-learn or straight from its wheel, and the
held-out package photos. They are only ever used for evaluation, never for training.

``python -m ml.train.prep_sr_data --train-out train_data/sr/train
--heldout-out train_data/sr/heldout [--sklearn-wheel PATH] [--lomiri-deb PATH]``

Needs scikit-image (a training-time dependency only, not a runtime one).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

#: skimage.data function name -> (licence as stated in its docstring, source)
TRAIN_SOURCES: dict[str, tuple[str, str]] = {
    "astronaut": ("public domain (NASA)", "NASA Great Images, https://flic.kr/p/r9qvLn"),
    "brick": ("CC0", "CC0Textures Bricks25"),
    "camera": ("CC0 (photographer Lav Varshney)", "scikit-image"),
    "cell": ("CC0", "scikit-image"),
    "chelsea": ("CC0 (photographer Stefan van der Walt)", "scikit-image"),
    "coffee": ("CC0 (photographer Rachel Michetti)", "scikit-image"),
    "coins": ("no known copyright restrictions", "Brooklyn Museum collection"),
    "grass": ("CC0", "DeviantArt linolafett Grass-01"),
    "gravel": ("CC0", "CC0Textures Gravel04"),
    "hubble_deep_field": ("public domain (NASA)", "hubblesite.org release 2012/37"),
    "immunohistochemistry": ("no known copyright restrictions", "CMMI"),
    "microaneurysms": ("CC0 (Andreas Maier)", "FAU fundus images"),
    "retina": ("CC0 1.0", "Wikimedia: Fundus_photograph_of_normal_left_eye.jpg"),
    "rocket": ("public domain (SpaceX)", "flickr spacexphotos 16511594820"),
}

HELDOUT = ("china.jpg", "flower.jpg")


def _to_rgb8(array: np.ndarray) -> np.ndarray:
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = (np.clip(a.astype(np.float64), 0, 1) * 255 + 0.5).astype(np.uint8)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    return a[..., :3]


def write_training_photos(out: Path) -> list[Path]:
    """Write every photo of :data:`TRAIN_SOURCES` as PNG into ``out``; return the paths."""
    import skimage.data

    out.mkdir(parents=True, exist_ok=True)
    written = []
    lines = ["# Training photos (scikit-image bundled data)", ""]
    for name, (licence, source) in TRAIN_SOURCES.items():
        path = out / f"{name}.png"
        Image.fromarray(_to_rgb8(getattr(skimage.data, name)())).save(path)
        written.append(path)
        lines.append(f"- {name}.png: {licence}; {source}")
    (out / "SOURCES.md").write_text("\n".join(lines) + "\n")
    return written


def write_heldout_photos(out: Path, sklearn_wheel: Path | None = None) -> list[Path]:
    """Copy scikit-learn's two sample photos into ``out`` (from the package or a wheel)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if sklearn_wheel is not None:
        with zipfile.ZipFile(sklearn_wheel) as zf:
            for name in HELDOUT:
                data = zf.read(f"sklearn/datasets/images/{name}")
                (out / name).write_bytes(data)
                written.append(out / name)
        return written
    import sklearn.datasets

    folder = Path(sklearn.datasets.__file__).parent / "images"
    for name in HELDOUT:
        (out / name).write_bytes((folder / name).read_bytes())
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-out", type=Path, required=True)
    parser.add_argument("--heldout-out", type=Path)
    parser.add_argument("--sklearn-wheel", type=Path, help="read held-out photos from a wheel")
    parser.add_argument("--lomiri-deb", type=Path,
                        help="the lomiri-wallpapers-16.04 .deb: add its CC BY/CC0 photos")
    args = parser.parse_args(argv)
    try:
        n = len(write_training_photos(args.train_out))
        m = (
            len(write_heldout_photos(args.heldout_out, args.sklearn_wheel))
            if args.heldout_out
            else 0
        )
        if args.lomiri_deb:
            from ml.data.sr_photos import LOMIRI_PHOTOS, write_package_photos

            train, held = write_package_photos(args.lomiri_deb, args.train_out,
                                               args.heldout_out)
            n, m = n + len(train), m + len(held)
            with (args.train_out / "SOURCES.md").open("a") as f:
                f.write("\n# Debian lomiri-wallpapers-16.04 (downscaled)\n\n")
                for photo in LOMIRI_PHOTOS:
                    use = "held out" if photo.heldout else "training"
                    f.write(f"- {photo.file}: {photo.licence}, {photo.author} ({use})\n")
    except (ImportError, OSError, KeyError, ValueError) as exc:
        sys.stderr.write(f"prep_sr_data: {exc}\n")
        return 1
    sys.stdout.write(f"wrote {n} training photos, {m} held-out photos\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
