"""Photos read straight out of a Debian package for the SR training set."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from PIL import Image

from ml.data.sr_photos import (
    LOMIRI_DIR,
    LOMIRI_PHOTOS,
    downscaled,
    read_deb_members,
    write_package_photos,
)


def _ar_member(name: str, data: bytes) -> bytes:
    header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
    return header + data + (b"\n" if len(data) % 2 else b"")


def _deb(path: Path, files: dict[str, bytes]) -> Path:
    """A minimal .deb: ar archive with debian-binary, control and an xz data tarball."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"./{LOMIRI_DIR}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    body = (_ar_member("debian-binary", b"2.0\n") + _ar_member("control.tar.xz", b"x")
            + _ar_member("data.tar.xz", buf.getvalue()))
    path.write_bytes(b"!<arch>\n" + body)
    return path


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def test_package_photos_are_split_into_training_and_held_out_and_downscaled(tmp_path):
    files = {p.file: _jpeg((400, 300), (10 * i, 80, 120)) for i, p in enumerate(LOMIRI_PHOTOS)}
    deb = _deb(tmp_path / "pkg.deb", files | {"other.txt": b"ignored"})
    train, held = write_package_photos(deb, tmp_path / "train", tmp_path / "held",
                                       long_side=200, heldout_long_side=100)
    assert len(train) + len(held) == len(LOMIRI_PHOTOS)
    assert {p.stem for p in held} == {Path(p.file).stem for p in LOMIRI_PHOTOS if p.heldout}
    assert not {p.name for p in train} & {p.name for p in held}
    with Image.open(train[0]) as im:
        assert im.size == (200, 150)
    with Image.open(held[0]) as im:
        assert im.size == (100, 75)


def test_a_missing_photo_or_a_non_package_is_named(tmp_path):
    deb = _deb(tmp_path / "pkg.deb", {"a.jpg": b"1"})
    with pytest.raises(ValueError, match="missing b.jpg"):
        read_deb_members(deb, {"a.jpg", "b.jpg"})
    assert read_deb_members(deb, {"a.jpg"}) == {"a.jpg": b"1"}
    junk = tmp_path / "junk.deb"
    junk.write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="junk.deb: not a Debian package"):
        read_deb_members(junk, {"a.jpg"})


def test_downscaled_keeps_small_images_and_the_aspect_ratio():
    small = Image.new("RGB", (50, 40))
    assert downscaled(small, 100).size == (50, 40)
    assert downscaled(Image.new("L", (1000, 250)), 400).size == (400, 100)
