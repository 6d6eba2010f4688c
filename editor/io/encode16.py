"""16-bit PNG and TIFF encoders (Pillow cannot write them, OpenCV drops ICC/EXIF), with
ICC and EXIF kept, and the TIFF/EXIF tag tables they share with the reader in
:mod:`editor.io.images` (which re-exports everything here)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from PIL import Image

DEFAULT_PNG_COMPRESSION = 6

EXIF_PREFIX = b"Exif\x00\x00"

# TIFF tags that describe the image data itself (layout, strips, colour, orientation,
# sub-IFD pointers, ICC): never copied between a TIFF's own IFD and its EXIF. Orientation
# is one: the TIFF decoders (Pillow, OpenCV) turn the pixels upright themselves.
_TIFF_STRUCTURAL_TAGS = frozenset(
    {254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 274, 277, 278, 279, 280, 281, 284, 317,
     320, 322, 323, 324, 325, 338, 339, 340, 341, 513, 514, 530, 531, 532, 700, 33723,
     34377, 34665, 34675, 34853, 37724}
)
_EXIF_SUB_IFDS = (0x8769, 0x8825)  # Exif, GPS
_INTEROP_IFD = 0xA005  # inside the Exif sub-IFD
# Bytes per value of each TIFF field type (TIFF 6.0 §2, BigTIFF adds 16/17/18).
_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
                    13: 4, 16: 8, 17: 8, 18: 8}



def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + tag
        + data
        + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    )


def encode_png16(
    pixels: np.ndarray,
    *,
    level: int = DEFAULT_PNG_COMPRESSION,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> bytes:
    """A 16-bit PNG (RGB or RGBA, colour type 2/6) with optional iCCP and eXIf chunks."""
    h, w, c = pixels.shape
    color_type = {3: 2, 4: 6}[c]
    bpp = 2 * c
    rows = np.ascontiguousarray(pixels, dtype=">u2").view(np.uint8).reshape(h, w * bpp)
    # The "Sub" filter (byte minus the same byte one pixel left) helps deflate a lot on
    # smooth 16-bit images and is one vectorised subtraction.
    filtered = rows.copy()
    filtered[:, bpp:] -= rows[:, :-bpp]
    body = np.empty((h, w * bpp + 1), np.uint8)
    body[:, 0] = 1
    body[:, 1:] = filtered
    idat = zlib.compress(body.tobytes(), level)
    out = [
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)),
    ]
    if icc_profile:
        out.append(_png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc_profile)))
    if exif:
        out.append(_png_chunk(b"eXIf", exif.removeprefix(EXIF_PREFIX)))
    step = 1 << 24
    for i in range(0, max(len(idat), 1), step):
        out.append(_png_chunk(b"IDAT", idat[i : i + step]))
    out.append(_png_chunk(b"IEND", b""))
    return b"".join(out)


def _exif_entries(
    exif: bytes, buf: bytearray, *, skip: set[int]
) -> tuple[list[tuple[int, int, int, bytes]], bytearray]:
    """IFD entries (tag, type, count, value bytes) for an EXIF block's descriptive tags;
    its Exif/GPS sub-IFDs are serialised into ``buf`` (by Pillow's TIFF directory writer)
    and pointed at. A damaged EXIF block is dropped, never a failed save."""
    from PIL import TiffImagePlugin

    try:
        src = Image.Exif()
        src.load(exif.removeprefix(EXIF_PREFIX))
        entries = []
        for tag, value in src.items():
            if tag in _TIFF_STRUCTURAL_TAGS or tag in skip:
                continue
            # One tag at a time through Pillow's writer (it knows each EXIF tag's type),
            # then lift the entry: with offset 0, an out-of-line pointer is its position.
            one = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"II")
            one[tag] = value
            blob = one.tobytes(offset=0)
            _, typ, n = struct.unpack_from("<HHI", blob, 2)
            size = _TIFF_TYPE_SIZES.get(typ, 1) * n
            raw = blob[10:14]
            if size > 4:
                ptr = struct.unpack("<I", raw)[0]
                raw = blob[ptr : ptr + size]
            entries.append((tag, typ, n, raw[:size] if size <= 4 else raw))
        for sub in _EXIF_SUB_IFDS:
            values = src.get_ifd(sub)
            if not values:
                continue
            ifd = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"II", group=sub)
            for tag, value in values.items():
                if tag == _INTEROP_IFD:
                    continue  # an offset into the old block; re-linked below when readable
                ifd[tag] = value
            interop = dict(src.get_ifd(_INTEROP_IFD)) if sub == 0x8769 else {}
            if interop:
                ifd.tagtype[_INTEROP_IFD] = 4  # LONG, as an IFD pointer: Pillow nests a dict
                ifd[_INTEROP_IFD] = interop
            if len(buf) % 2:
                buf += b"\x00"
            pos = len(buf)
            buf += ifd.tobytes(offset=pos)
            entries.append((sub, 4, 1, struct.pack("<I", pos)))
        return entries, buf
    except Exception:  # noqa: BLE001 - any damage in the EXIF block: save without it
        return [], buf


def encode_tiff(
    pixels: np.ndarray,
    *,
    level: int = DEFAULT_PNG_COMPRESSION,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> bytes:
    """A little-endian baseline RGB(A) TIFF, 8 or 16 bits per sample (from the dtype),
    deflate strips, optional ICC (tag 34675) and EXIF (its descriptive tags in the image's
    IFD, the Exif and GPS sub-IFDs behind tags 34665/34853, as TIFF readers expect)."""
    h, w, c = pixels.shape
    bits = 16 if pixels.dtype == np.uint16 else 8
    data = np.ascontiguousarray(pixels, dtype="<u2" if bits == 16 else np.uint8)
    row_bytes = w * c * bits // 8
    rows_per_strip = max(1, min(h, (1 << 18) // max(row_bytes, 1)))
    strips = [
        zlib.compress(data[y : y + rows_per_strip].tobytes(), level)
        for y in range(0, h, rows_per_strip)
    ]
    buf = bytearray(b"II*\x00\x00\x00\x00\x00")
    offsets = []
    for s in strips:
        offsets.append(len(buf))
        buf += s
        if len(buf) % 2:
            buf += b"\x00"
    entries: list[tuple[int, int, int, bytes]] = []  # tag, type, count, value bytes

    def short(tag: int, *vals: int) -> None:
        entries.append((tag, 3, len(vals), struct.pack(f"<{len(vals)}H", *vals)))

    def long(tag: int, *vals: int) -> None:
        entries.append((tag, 4, len(vals), struct.pack(f"<{len(vals)}I", *vals)))

    long(256, w)
    long(257, h)
    short(258, *([bits] * c))
    short(259, 8)  # Adobe deflate
    short(262, 2)  # RGB
    long(273, *offsets)
    short(277, c)
    long(278, rows_per_strip)
    long(279, *(len(s) for s in strips))
    short(284, 1)
    if c == 4:
        short(338, 2)  # unassociated (straight) alpha
    short(339, *([1] * c))
    if icc_profile:
        entries.append((34675, 7, len(icc_profile), bytes(icc_profile)))
    own = {tag for tag, *_ in entries}
    if exif:
        extra, buf = _exif_entries(exif, buf, skip=own)
        entries.extend(extra)
    entries.sort()
    # Out-of-line values first, then the IFD that points at them.
    resolved = []
    for tag, typ, count, value in entries:
        if len(value) <= 4:
            resolved.append((tag, typ, count, value.ljust(4, b"\x00")))
        else:
            off = len(buf)
            buf += value
            if len(buf) % 2:
                buf += b"\x00"
            resolved.append((tag, typ, count, struct.pack("<I", off)))
    ifd = len(buf)
    struct.pack_into("<I", buf, 4, ifd)
    buf += struct.pack("<H", len(resolved))
    for tag, typ, count, value in resolved:
        buf += struct.pack("<HHI", tag, typ, count) + value
    buf += b"\x00\x00\x00\x00"
    return bytes(buf)
