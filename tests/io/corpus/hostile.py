"""Builds the hostile-file corpus: tiny files that must each give a FileError.

Generated rather than checked in so every byte is explained here. Each entry maps a
file name to (bytes, a fragment the error message must contain).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _png(w: int = 4, h: int = 3) -> bytes:
    buf = io.BytesIO()
    px = np.random.default_rng(0).integers(0, 256, (h, w, 4), dtype=np.int64).astype(np.uint8)
    Image.fromarray(px, "RGBA").save(buf, format="PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    px = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.int64).astype(np.uint8)
    Image.fromarray(px).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _chunk(tag: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + tag
        + data
        + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    )


def _png_declaring(w: int, h: int) -> bytes:
    """A valid-looking PNG header for a w×h RGBA image with a tiny IDAT: a bomb's shape."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )


def _ora(entries: dict[str, bytes], mimetype: bytes = b"image/openraster") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _stack(*layers: str, w: int = 4, h: int = 3) -> bytes:
    body = "".join(f'<layer name="L{i}" src="{src}"/>' for i, src in enumerate(layers))
    return f'<?xml version="1.0"?><image w="{w}" h="{h}"><stack>{body}</stack></image>'.encode()


def build() -> dict[str, tuple[bytes, str]]:
    png, jpg = _png(), _jpeg()
    good_stack = _stack("data/a.png")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<image w="4" h="3"><stack><layer name="&lol2;" src="data/a.png"/></stack></image>'
    )
    nested = b'<image w="4" h="3">' + b"<stack>" * 100 + b"</stack>" * 100 + b"</image>"
    good_ora = _ora({"stack.xml": good_stack, "data/a.png": png})
    mask_stack = (
        b'<image w="4" h="3" xmlns:r="urn:x-retouch:openraster:1"><stack>'
        b'<layer name="L" src="data/a.png" r:mask="data/retouch/m.png"/></stack></image>'
    )
    return {
        "empty.png": (b"", "empty"),
        "truncated.png": (png[: len(png) // 2], "truncated"),
        "truncated.jpg": (jpg[: len(jpg) // 2], "truncated"),
        "random.png": (np.random.default_rng(7).bytes(300), "not an image"),
        "text.jpg": (b"this is a shopping list, not a photo\n", "not an image"),
        "corrupt-idat.png": (png[:40] + b"\xff" * 20 + png[60:], "damaged"),
        "huge-header.png": (_png_declaring(100_000, 100_000), "megapixels"),
        "zero-size.png": (_png_declaring(0, 5), "damaged PNG"),
        "not-a-zip.ora": (b"<image/> but no zip", "not an OpenRaster file"),
        "no-stack.ora": (_ora({"data/a.png": png}), "stack.xml is missing"),
        "wrong-mimetype.ora": (
            _ora({"stack.xml": good_stack}, b"application/x-krita"),
            "not an OpenRaster",
        ),
        "missing-layer.ora": (_ora({"stack.xml": _stack("data/gone.png")}), "data/gone.png"),
        "no-src.ora": (
            _ora({"stack.xml": b'<image w="4" h="3"><stack><layer name="x"/></stack></image>'}),
            "no src",
        ),
        "malformed-xml.ora": (
            _ora({"stack.xml": b'<image w="4" h="3"><stack><layer'}),
            "malformed",
        ),
        "not-image-root.ora": (_ora({"stack.xml": b"<svg/>"}), "<svg>"),
        "no-size.ora": (_ora({"stack.xml": b"<image><stack/></image>"}), "canvas size"),
        "huge-canvas.ora": (_ora({"stack.xml": _stack(w=10**6, h=10**6)}), "megapixels"),
        "billion-laughs.ora": (_ora({"stack.xml": laughs, "data/a.png": png}), "entities"),
        "deep-nesting.ora": (_ora({"stack.xml": nested}), "nested"),
        "zip-bomb.ora": (
            _ora(
                {
                    "stack.xml": good_stack,
                    "data/a.png": png,
                    "data/padding.bin": b"\x00" * (5 << 20),
                }
            ),
            "zip bomb",
        ),
        "png-bomb-layer.ora": (
            _ora({"stack.xml": good_stack, "data/a.png": _png_declaring(60_000, 60_000)}),
            "megapixels",
        ),
        "garbage-layer.ora": (
            _ora({"stack.xml": good_stack, "data/a.png": b"\x00garbage" * 10}),
            "data/a.png",
        ),
        "truncated.ora": (good_ora[: len(good_ora) - 40], "OpenRaster"),
        "mask-wrong-size.ora": (
            _ora({"stack.xml": mask_stack, "data/a.png": png, "data/retouch/m.png": _png(2, 2)}),
            "mask",
        ),
    }


def write(folder: Path) -> dict[Path, str]:
    """Write every corpus file into ``folder``; returns {path: expected message fragment}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (data, fragment) in build().items():
        p = folder / name
        p.write_bytes(data)
        out[p] = fragment
    return out
