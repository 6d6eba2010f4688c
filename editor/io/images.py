"""Flat image files ↔ straight-alpha RGBA numpy arrays, with ICC and EXIF kept.

Reading goes through Pillow, which parses the header (size, format, metadata) without
decoding pixels, so the pixel limit is checked first. 16-bit RGB(A) PNG and TIFF are
decoded by OpenCV because Pillow reduces them to 8 bits; 16-bit grey comes from Pillow's
``I;16`` modes. Writing 16-bit PNG and TIFF uses small encoders of our own
(:mod:`editor.io.encode16`; Pillow cannot write them, OpenCV drops ICC/EXIF).

EXIF orientation is applied on load and the orientation tag in the kept EXIF block is
reset to 1, so an exported file is not rotated a second time by viewers.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from editor.io.atomic import atomic_open
from editor.io.encode16 import (
    _EXIF_SUB_IFDS,
    _TIFF_STRUCTURAL_TAGS,
    DEFAULT_PNG_COMPRESSION,
    EXIF_PREFIX,
    _exif_entries,
    _png_chunk,
    encode_png16,
    encode_tiff,
)
from editor.io.errors import FileError, check_size, max_pixels

__all__ = [
    "DEFAULT_PNG_COMPRESSION",
    "EXIF_PREFIX",
    "_exif_entries",
    "_png_chunk",
    "encode_png16",
    "encode_tiff",
]


#: Formats we open (Pillow format names). MPO is how Pillow names multi-picture JPEGs
#: that phones write; GIF opens its first frame.
READ_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "TIFF", "BMP", "GIF")

#: Save formats by file extension.
EXTENSIONS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}

#: Formats that keep 16 bits per channel on export (others are reduced to 8 bits).
SIXTEEN_BIT_FORMATS = ("PNG", "TIFF")
#: Formats without an alpha channel: transparent pixels are composited onto white.
NO_ALPHA_FORMATS = ("JPEG", "BMP")

DEFAULT_JPEG_QUALITY = 92
DEFAULT_WEBP_QUALITY = 90

_ORIENTATION_TAG = 0x0112

# The exceptions Pillow and its codecs raise on damaged data.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    zlib.error,
    IndexError,
    TypeError,
    KeyError,
    cv2.error,
)


@dataclass
class ImageData:
    """A decoded image: ``pixels`` is ``(h, w, 4)`` straight RGBA, uint8 or uint16."""

    pixels: np.ndarray
    icc_profile: bytes | None = None
    exif: bytes | None = None
    format: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return 16 if self.pixels.dtype == np.uint16 else 8

    @property
    def metadata(self) -> dict[str, Any]:
        """The keys a Document keeps in ``document.metadata``."""
        meta: dict[str, Any] = {"icc_profile": self.icc_profile, "exif": self.exif}
        if self.format:
            meta["source_format"] = self.format
        if "dpi" in self.info:
            meta["dpi"] = self.info["dpi"]
        return meta


# --- reading ---------------------------------------------------------------------------


def check_readable_file(path: Path) -> None:
    """FileError for a missing, non-regular or empty file (before any parser sees it)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise FileError(path, "no such file") from None
    except OSError as e:
        raise FileError(path, f"cannot read the file ({e.strerror or e})") from None
    if not path.is_file():
        raise FileError(path, "is not a regular file")
    if st.st_size == 0:
        raise FileError(path, "the file is empty (0 bytes)")


@contextlib.contextmanager
def _pillow_limits():
    """Switch Pillow's own bomb check off while we decode; check_size() replaces it.

    Pillow's check (default ~89 MP warning, ~179 MP error) would refuse images our
    limit allows and word it vaguely. The settings are process-wide, so concurrent
    decodes share one switch through a counter; the last one out restores them.
    """
    global _limits_users, _saved_limits
    with _limits_lock:
        if _limits_users == 0:
            _saved_limits = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
            Image.MAX_IMAGE_PIXELS = None
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        _limits_users += 1
    try:
        yield
    finally:
        with _limits_lock:
            _limits_users -= 1
            if _limits_users == 0:
                Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = _saved_limits


_limits_lock = threading.Lock()
_limits_users = 0
_saved_limits: tuple[int | None, bool] = (Image.MAX_IMAGE_PIXELS, False)


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
    (b"GIF8", "GIF"),
)


def _sniff(source: Path | bytes) -> str | None:
    """The format a file's first bytes claim, to tell 'damaged' from 'not an image'."""
    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:16])
    else:
        try:
            with open(source, "rb") as f:
                head = f.read(16)
        except OSError:
            return None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def _rawmode(im: Image.Image) -> str:
    try:
        args = im.tile[0].args if im.tile else None
    except (AttributeError, IndexError):
        return ""
    if isinstance(args, tuple):
        args = args[0] if args else ""
    return args if isinstance(args, str) else ""


def load_image(path: str | os.PathLike[str], *, gray: bool = False) -> ImageData:
    """Decode an image file into straight RGBA (uint8, or uint16 for 16-bit sources).

    EXIF orientation is applied; the ICC profile and EXIF block are returned unchanged
    except the orientation tag, which is reset to 1. Raises FileError (naming the file)
    for a missing, empty, damaged, unsupported or too large file. ``gray``: an 8-bit
    grey or 1-bit file (a mask) comes back as its ``(h, w)`` plane (uint8 or bool), a
    quarter of the RGBA bytes; other files are RGBA as always.
    """
    p = Path(path)
    check_readable_file(p)
    return decode_image(p, p, gray=gray)


def decode_image(source: Path | bytes, path: Path, label: str = "", *,
                 gray: bool = False) -> ImageData:
    """Decode ``source`` (a file path or the file's bytes) like :func:`load_image`.

    ``path`` is the file named in errors and ``label`` prefixes the problem (the ORA
    reader passes the archive and ``"data/layer1.png: "``).
    """
    opened = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source

    def fail(problem: str) -> FileError:
        return FileError(path, label + problem)

    with _pillow_limits():
        try:
            im = Image.open(opened)
        except UnidentifiedImageError:
            kind = _sniff(source)
            if kind:
                raise fail(f"is a damaged {kind} file (its header cannot be read)") from None
            raise fail("is not an image Retouch can read (PNG, JPEG, WebP, TIFF, BMP)") from None
        except Image.DecompressionBombError:
            raise fail(
                f"declares an image larger than the limit of {max_pixels() / 1e6:g} "
                "MP (set RETOUCH_MAX_PIXELS to raise it)"
            ) from None
        except _DECODE_ERRORS as e:
            raise fail(f"is damaged or not a supported image ({e})") from None
        with im:
            if im.format not in READ_FORMATS:
                raise fail(f"{im.format} files are not supported; use PNG, JPEG, WebP, TIFF or BMP")
            check_size(path, im.width, im.height, what=label.rstrip(": ") or "image")
            info = dict(im.info)
            icc = info.get("icc_profile") or None
            exif = _exif_bytes(im)
            raw = _rawmode(im)
            # Parsed from the bytes: Pillow's getexif() decodes a whole PNG to find it.
            orientation = read_orientation(exif)
            if im.format == "TIFF":  # its own tag, not EXIF (which _tiff_exif leaves it out of)
                orientation = 1
                with contextlib.suppress(*_DECODE_ERRORS):
                    orientation = int(getattr(im, "tag_v2", {}).get(_ORIENTATION_TAG, 1))
            try:
                if (
                    ";16" in raw
                    and im.mode in ("RGB", "RGBA", "LA")
                    and im.format in ("PNG", "TIFF")
                ):
                    data = source if isinstance(source, (bytes, bytearray)) else source.read_bytes()
                    pixels = _decode_cv2_16(data, fail)
                    if im.format == "TIFF":
                        orientation = 1  # OpenCV's TIFF decoder already turned it upright
                else:
                    im.load()
                    if (
                        im.format == "TIFF"
                        and orientation != 1
                        and _ORIENTATION_TAG not in getattr(im, "tag_v2", {})
                    ):
                        # Newer Pillow turns TIFFs upright while loading and drops the tag.
                        orientation = 1
                    if gray and im.mode in ("L", "1"):
                        pixels = np.array(im)
                    else:
                        pixels, icc = _to_rgba(im, icc)
            except FileError:
                raise
            except MemoryError:
                raise fail("not enough memory to decode this image") from None
            except _DECODE_ERRORS as e:
                raise fail(f"is damaged or truncated ({e})") from None
            fmt = "JPEG" if im.format == "MPO" else im.format
    if sorted(pixels.shape[:2]) != sorted((im.height, im.width)):
        raise fail("decoded size does not match the size in the header")
    if orientation != 1:
        pixels = apply_orientation(pixels, orientation)
        if exif:
            exif = reset_orientation(exif)
    keep = {k: info[k] for k in ("dpi",) if k in info}
    return ImageData(np.ascontiguousarray(pixels), icc, exif, fmt, keep)


def _tiff_exif(im: Image.Image) -> bytes | None:
    """A TIFF keeps EXIF as tags of its own IFD (plus Exif/GPS sub-IFDs): gather the
    descriptive ones into a standalone EXIF block, as JPEG/PNG/WebP carry it."""
    with contextlib.suppress(*_DECODE_ERRORS):
        src = im.getexif()
        out = Image.Exif()
        for tag, value in src.items():
            if tag not in _TIFF_STRUCTURAL_TAGS:
                out[tag] = value
        for sub in _EXIF_SUB_IFDS:
            values = dict(src.get_ifd(sub))
            if values:
                out.get_ifd(sub).update(values)
        if len(out) or any(out.get_ifd(sub) for sub in _EXIF_SUB_IFDS):
            block = out.tobytes()
            return block if block.startswith(EXIF_PREFIX) else EXIF_PREFIX + block
    return None


def _exif_bytes(im: Image.Image) -> bytes | None:
    raw = im.info.get("exif")
    if (not raw or not isinstance(raw, (bytes, bytearray))) and im.format == "TIFF":
        return _tiff_exif(im)
    if not raw or not isinstance(raw, (bytes, bytearray)):
        return None
    raw = bytes(raw)
    return raw if raw.startswith(EXIF_PREFIX) else EXIF_PREFIX + raw


def _decode_cv2_16(data: bytes, fail: Callable[[str], FileError]) -> np.ndarray:
    arr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise fail("is damaged or truncated (16-bit decoder failed)")
    if arr.dtype != np.uint16:
        arr = arr.astype(np.uint16) * 257 if arr.dtype == np.uint8 else arr.astype(np.uint16)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.shape[2] == 3:
        rgb = arr[..., ::-1]
        alpha = np.full(arr.shape[:2] + (1,), 65535, np.uint16)
        return np.concatenate([rgb, alpha], axis=2)
    if arr.shape[2] == 4:
        return arr[..., [2, 1, 0, 3]]
    raise fail(f"has an unsupported channel count ({arr.shape[2]})")


def _to_rgba(im: Image.Image, icc: bytes | None) -> tuple[np.ndarray, bytes | None]:
    """Pillow image (any mode) → RGBA array; returns the ICC that still applies."""
    mode = im.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(im)
        if mode == "F":
            a = np.asarray(a, np.float64)
            a = np.nan_to_num(a)
            if a.max(initial=0.0) <= 1.0:
                a = a * 65535.0
            g = np.clip(np.rint(a), 0, 65535).astype(np.uint16)
        else:
            g = np.clip(a.astype(np.int64), 0, 65535).astype(np.uint16)
        alpha = np.full(g.shape + (1,), 65535, np.uint16)
        return np.concatenate([np.repeat(g[..., None], 3, axis=2), alpha], axis=2), icc
    if mode == "CMYK":
        rgb = _cmyk_to_rgb(im, icc)
        # The CMYK profile no longer describes the pixels; an sRGB conversion has none.
        return _rgba_array(rgb), None
    return _rgba_array(im), icc


#: pixels per strip when a decoded Pillow image is copied out (about 1 MB per strip)
_STRIP_PIXELS = 1 << 18


def _rgba_array(im: Image.Image) -> np.ndarray:
    """A writable RGBA array of ``im``, filled strip by strip: the only full-size
    allocation besides Pillow's own image (a whole-image ``convert("RGBA")`` plus
    ``np.asarray`` held two more copies at once and gave a read-only array). An RGB
    image is packed as RGBX (Pillow's own 4-byte layout: a plain copy) and made opaque."""
    w, h = im.size
    out = np.empty((h, w, 4), np.uint8)
    band = max(1, _STRIP_PIXELS // max(1, w))
    for y in range(0, h, band):
        rows = out[y : y + band]
        strip = im.crop((0, y, w, y + rows.shape[0]))
        if im.mode == "RGB":
            data = strip.tobytes("raw", "RGBX")
        else:
            data = (strip if strip.mode == "RGBA" else strip.convert("RGBA")).tobytes()
        rows[:] = np.frombuffer(data, np.uint8).reshape(rows.shape)
        if im.mode == "RGB":
            rows[..., 3] = 255
    return out


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
        except Exception:  # noqa: BLE001, S110 - broken/unsupported profile: naive conversion
            pass
    return im.convert("RGB")


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Turn ``pixels`` (h, w, c) upright per an EXIF orientation value 1–8."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(orientation)
    return pixels if op is None else np.ascontiguousarray(op(pixels))


def _orientation_slot(exif: bytes) -> tuple[int, str] | None:
    """(byte offset of the orientation value, struct byte order) in an EXIF block."""
    base = len(EXIF_PREFIX) if exif.startswith(EXIF_PREFIX) else 0
    try:
        order = exif[base : base + 2]
        if order not in (b"II", b"MM"):
            return None
        e = "<" if order == b"II" else ">"
        (ifd,) = struct.unpack_from(e + "I", exif, base + 4)
        (count,) = struct.unpack_from(e + "H", exif, base + ifd)
        for i in range(min(count, 4096)):
            off = base + ifd + 2 + 12 * i
            tag, typ, n = struct.unpack_from(e + "HHI", exif, off)
            if tag == _ORIENTATION_TAG and typ == 3 and n == 1:
                return off + 8, e
    except struct.error:
        pass
    return None


def read_orientation(exif: bytes | None) -> int:
    """The EXIF orientation (1–8) in ``exif``; 1 when absent or unreadable."""
    slot = _orientation_slot(exif) if exif else None
    if slot is None:
        return 1
    (value,) = struct.unpack_from(slot[1] + "H", exif, slot[0])
    return value if 1 <= value <= 8 else 1


def reset_orientation(exif: bytes) -> bytes:
    """Return ``exif`` with the IFD0 orientation tag set to 1, patched in place.

    Patching the two bytes (rather than re-serialising) keeps maker notes and every
    other tag exactly as the camera wrote them. Unparseable blocks come back unchanged.
    """
    slot = _orientation_slot(exif)
    if slot is None:
        return exif
    data = bytearray(exif)
    struct.pack_into(slot[1] + "H", data, slot[0], 1)
    return bytes(data)


# --- writing ---------------------------------------------------------------------------


def format_for_path(path: str | os.PathLike[str]) -> str:
    """The save format for ``path``'s extension; FileError for an unsupported one."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in EXTENSIONS:
        known = ", ".join(sorted(set(EXTENSIONS) | {".ora"}))
        what = f"extension '{ext}'" if ext else "no extension"
        raise FileError(p, f"cannot save with {what}; use one of {known}")
    return EXTENSIONS[ext]


def to_8bit(pixels: np.ndarray) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return pixels
    return ((pixels.astype(np.uint32) + 128) // 257).astype(np.uint8)


def flatten_onto(
    pixels: np.ndarray, background: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> np.ndarray:
    """Composite straight RGBA onto an opaque colour (0..1 floats); returns RGB, same dtype."""
    top = float(np.iinfo(pixels.dtype).max)
    alpha = pixels[..., 3:4]
    if alpha.min(initial=top) >= top:
        return np.ascontiguousarray(pixels[..., :3])
    a = alpha.astype(np.float32) / top
    bg = np.asarray(background, np.float32) * top
    rgb = pixels[..., :3].astype(np.float32) * a + bg * (1.0 - a)
    return np.clip(np.rint(rgb), 0, top).astype(pixels.dtype)


def _is_opaque(pixels: np.ndarray) -> bool:
    return bool(
        pixels[..., 3].min(initial=np.iinfo(pixels.dtype).max) == np.iinfo(pixels.dtype).max
    )


def encode_image(
    pixels: np.ndarray,
    fmt: str,
    f: BinaryIO,
    *,
    quality: int | None = None,
    compression: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> None:
    """Write straight RGBA ``pixels`` to the open file ``f`` in ``fmt`` (a Pillow name).

    ``quality`` (1–100) applies to JPEG and WebP (100 = lossless WebP); ``compression``
    (0–9) is the PNG/TIFF deflate level. 16-bit stays 16-bit in PNG and TIFF and is
    rounded to 8 bits elsewhere; JPEG and BMP get transparency composited onto white.
    """
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"expected (h, w, 4) uint8/uint16 RGBA, got {pixels.shape} {pixels.dtype}")
    level = DEFAULT_PNG_COMPRESSION if compression is None else int(np.clip(compression, 0, 9))
    if fmt == "TIFF":  # our writer at both depths: EXIF with its sub-IFDs, ICC, deflate
        data = pixels if not _is_opaque(pixels) else pixels[..., :3]
        f.write(encode_tiff(data, level=level, icc_profile=icc_profile, exif=exif))
        return
    if pixels.dtype == np.uint16 and fmt in SIXTEEN_BIT_FORMATS:
        data = pixels if not _is_opaque(pixels) else pixels[..., :3]
        f.write(encode_png16(data, level=level, icc_profile=icc_profile, exif=exif))
        return
    px = to_8bit(pixels)
    kwargs: dict[str, Any] = {}
    if icc_profile and fmt != "BMP":
        kwargs["icc_profile"] = icc_profile
    if exif and fmt != "BMP":
        kwargs["exif"] = exif
    opaque = _is_opaque(px)
    size = (px.shape[1], px.shape[0])
    if opaque and px.flags.c_contiguous and fmt == "JPEG":
        # the JPEG encoder reads RGB out of 4-byte pixels: an RGBX image sharing the
        # array's memory, so encoding needs no copy of the image at all
        im = Image.frombuffer("RGBX", size, px, "raw", "RGBX", 0, 1)
    elif opaque and px.flags.c_contiguous:
        # Pillow unpacks RGBX straight into its own RGB image: no (h, w, 3) copy between
        im = Image.frombytes("RGB", size, px, "raw", "RGBX")
    elif fmt in NO_ALPHA_FORMATS:
        im = Image.fromarray(flatten_onto(px), "RGB")
    elif opaque:
        im = Image.fromarray(np.ascontiguousarray(px[..., :3]), "RGB")
    else:
        im = Image.fromarray(px, "RGBA")
    if fmt == "JPEG":
        q = DEFAULT_JPEG_QUALITY if quality is None else int(np.clip(quality, 1, 100))
        # Chroma subsampling blurs colour edges; worth its bytes only at lower qualities.
        kwargs.update(quality=q, subsampling=0 if q >= 90 else 2, optimize=True)
    elif fmt == "WEBP":
        q = DEFAULT_WEBP_QUALITY if quality is None else int(np.clip(quality, 1, 100))
        kwargs.update(quality=q, lossless=q >= 100, method=4, exact=True)
    elif fmt == "PNG":
        kwargs.update(compress_level=level)
    start = f.tell()
    try:
        im.save(f, format=fmt, **kwargs)
    except OSError:
        if not kwargs.get("optimize"):
            raise
        # Pillow sizes an optimised JPEG's buffer at one byte per pixel; nearly
        # incompressible content (noise, film grain at quality 95+) overflows it ("Suspension
        # not allowed here"). Write it again without Huffman optimisation (a few % larger).
        f.seek(start)
        f.truncate()
        kwargs["optimize"] = False
        im.save(f, format=fmt, **kwargs)


def save_image(
    pixels: np.ndarray,
    path: str | os.PathLike[str],
    *,
    quality: int | None = None,
    compression: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> None:
    """Atomically write ``pixels`` (h, w, 4 RGBA) to ``path``; format from the extension."""
    p = Path(path)
    fmt = format_for_path(p)
    try:
        with atomic_open(p) as f:
            encode_image(
                pixels,
                fmt,
                f,
                quality=quality,
                compression=compression,
                icc_profile=icc_profile,
                exif=exif,
            )
    except (OSError, ValueError, RuntimeError, struct.error) as e:  # Pillow encoders raise all
        reason = getattr(e, "strerror", None) or e
        raise FileError(p, f"could not be saved ({reason})") from e
