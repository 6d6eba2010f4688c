"""Permissively licensed photos that ship inside Debian packages, for the SR training set.

Debian's ``lomiri-wallpapers-16.04`` package (Ubuntu Touch wallpapers, bookworm
20.04.0-2) holds camera photos under per-file licences recorded in its
``debian/copyright``. :data:`LOMIRI_PHOTOS` lists the ones under CC BY 4.0 or CC0 1.0
(the CC BY-SA ones and the synthetic gradient ``umang`` are left out), each marked for
training or for the held-out evaluation set.

:func:`read_deb_members` reads files straight out of a ``.deb`` (an ``ar`` archive whose
``data.tar.*`` holds the files), so ``apt-get download lomiri-wallpapers-16.04`` is all
the preparation needs. :func:`downscaled` shrinks a photo (antialiased Lanczos) so its
long side is at most ``long_side``: camera JPEGs at full size carry sensor noise and
compression blocks; shrinking them gives clean high-resolution targets.

No torch here.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

LOMIRI_PACKAGE = "lomiri-wallpapers-16.04"
LOMIRI_DIR = "usr/share/backgrounds"


@dataclass(frozen=True)
class Photo:
    """One photo in a package: file name, author, licence, and its use."""

    file: str
    author: str
    licence: str
    heldout: bool = False  # True: evaluation only, never trained on


LOMIRI_PHOTOS: tuple[Photo, ...] = (
    Photo("Picture_0B_by_freespace.jpg", 'Trevor "Freespace", 2018', "CC-BY-4.0"),
    Photo("Picture_1A_by_freespace.jpg", 'Trevor "Freespace", 2018', "CC-BY-4.0"),
    Photo("Wine_by_Jakkub_Mede.jpg", "Jakub Mede, 2018", "CC-BY-4.0"),
    Photo("aitzgorri_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi, 2018", "CC-BY-4.0"),
    Photo("life_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi, 2018", "CC-BY-4.0"),
    Photo("seeding_by_Clements_Engelhardt.jpg", "Clemens Engelhardt, 2018", "CC0-1.0"),
    Photo("sunset_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi, 2018", "CC-BY-4.0"),
    Photo("friends_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi, 2018", "CC-BY-4.0",
          heldout=True),
    Photo("picosdeeuropa_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi, 2018", "CC-BY-4.0",
          heldout=True),
)


def read_deb_members(deb: str | Path, names: set[str]) -> dict[str, bytes]:
    """The bytes of the files called ``names`` (base names) in a Debian package's data
    archive; ValueError naming the package when it is not one or a file is missing."""
    deb = Path(deb)
    data = deb.read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise ValueError(f"{deb}: not a Debian package (no ar header)")
    pos, payload = 8, None
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        if name.startswith("data.tar"):
            payload = data[pos + 60 : pos + 60 + size]
            break
        pos += 60 + size + (size % 2)
    if payload is None:
        raise ValueError(f"{deb}: no data.tar member")
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:*") as tar:
        for member in tar:
            base = member.name.rsplit("/", 1)[-1]
            if member.isfile() and base in names:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    found[base] = extracted.read()
    missing = sorted(names - found.keys())
    if missing:
        raise ValueError(f"{deb}: missing {', '.join(missing)}")
    return found


def downscaled(image: Image.Image, long_side: int) -> Image.Image:
    """``image`` as RGB with its long side at most ``long_side`` (Lanczos, antialiased)."""
    image = image.convert("RGB")
    scale = long_side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.LANCZOS)


def write_package_photos(
    deb: str | Path, train_out: Path, heldout_out: Path | None, long_side: int = 1536,
    heldout_long_side: int = 1024,
) -> tuple[list[Path], list[Path]]:
    """Write :data:`LOMIRI_PHOTOS` from the package file ``deb`` as PNGs (downscaled):
    training ones into ``train_out``, held-out ones into ``heldout_out`` (skipped when
    None). Returns (training paths, held-out paths)."""
    files = read_deb_members(deb, {p.file for p in LOMIRI_PHOTOS})
    train: list[Path] = []
    held: list[Path] = []
    for photo in LOMIRI_PHOTOS:
        folder = heldout_out if photo.heldout else train_out
        if folder is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        with Image.open(io.BytesIO(files[photo.file])) as im:
            small = downscaled(im, heldout_long_side if photo.heldout else long_side)
        path = folder / (Path(photo.file).stem + ".png")
        small.save(path)
        (held if photo.heldout else train).append(path)
    return train, held
