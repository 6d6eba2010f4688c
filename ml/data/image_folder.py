"""Read a folder of images for training: centre crop to a square, resize, uint8 RGB.

Errors are :class:`ml.types.EngineError` messages that name the folder (or the file)
and the problem: not a folder, no images in it (other files are ignored, and listed
when nothing else is there), an image that cannot be decoded, too few images.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ml.types import EngineError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})


def list_images(folder: str | Path) -> list[Path]:
    """The image files (by suffix) directly inside ``folder``, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EngineError(f"{folder} is not a folder of training images")
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise EngineError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None
    images = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not images:
        others = [p.name for p in entries if p.is_file()]
        if others:
            shown = ", ".join(others[:3]) + ("…" if len(others) > 3 else "")
            raise EngineError(
                f"{folder} contains no images ({len(others)} other file(s): {shown}); "
                f"expected {', '.join(sorted(IMAGE_SUFFIXES))}"
            )
        raise EngineError(f"{folder} is empty: no images to train on")
    return images


def load_square(path: str | Path, size: int) -> np.ndarray:
    """One image as uint8 RGB ``(size, size, 3)``: centre crop to a square, then resize."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            im.draft("RGB", (size, size))  # JPEG: decode at a reduced scale when possible
            rgb = im.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise EngineError(f"{path} is not a readable image ({exc})") from None
    w, h = rgb.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    rgb = rgb.crop((left, top, left + side, top + side))
    if side != size:
        rgb = rgb.resize((size, size), Image.LANCZOS if side > size else Image.BICUBIC)
    return np.asarray(rgb, dtype=np.uint8)


def load_files(files: Sequence[str | Path], size: int) -> np.ndarray:
    """The given image files as one uint8 array ``(n, size, size, 3)``."""
    out = np.empty((len(files), size, size, 3), dtype=np.uint8)
    for i, f in enumerate(files):
        out[i] = load_square(f, size)
    return out


def load_image_folder(folder: str | Path, size: int, min_images: int = 8) -> np.ndarray:
    """Every image in ``folder`` as uint8 ``(n, size, size, 3)``; EngineError when unusable.

    ``min_images``: fewer readable images than this is an error (a model cannot learn a
    distribution from a handful of pictures)."""
    files = list_images(folder)
    if len(files) < min_images:
        raise EngineError(
            f"{folder} has only {len(files)} image(s); at least {min_images} are needed to train"
        )
    return load_files(files, size)
