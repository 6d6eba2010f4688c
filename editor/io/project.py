"""Documents ↔ files: open any supported file, save/export, convert between formats."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from editor.document import Document, Layer
from editor.io.errors import FileError
from editor.io.images import (
    NO_ALPHA_FORMATS,
    SIXTEEN_BIT_FORMATS,
    check_readable_file,
    format_for_path,
    load_image,
    save_image,
)
from editor.io.ora import read_ora, save_ora

ZIP_MAGIC = b"PK\x03\x04"


def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == ZIP_MAGIC
    except OSError:
        return False


def document_from_image(
    pixels: np.ndarray, metadata: dict | None = None, name: str = "Background"
) -> Document:
    """A one-layer Document holding ``pixels`` (depth from the dtype) and ``metadata``."""
    depth = 16 if pixels.dtype == np.uint16 else 8
    h, w = pixels.shape[:2]
    doc = Document(w, h, depth, layers=[Layer(pixels, name)])
    doc.metadata.update(metadata or {})
    return doc


def open_document(
    path: str | os.PathLike[str], warnings: list[str] | None = None
) -> Document:
    """Open an image (PNG, JPEG, WebP, TIFF, BMP) or an OpenRaster project.

    The kind is decided by content, not extension (a zip is read as OpenRaster). An image
    becomes a one-layer document of its depth, with ICC/EXIF in ``doc.metadata``.
    Raises FileError naming the file and the problem. What opens but not exactly as
    written (see :func:`editor.io.ora.read_ora`) is appended to ``warnings`` when given,
    one human-readable string each (the CLI prints ``warning: <text>``).
    """
    p = Path(path)
    check_readable_file(p)
    if _is_zip(p):
        return read_ora(p, warnings=warnings)
    if p.suffix.lower() == ".ora":
        raise FileError(p, "is not an OpenRaster file (not a zip archive)")
    img = load_image(p)
    return document_from_image(img.pixels, img.metadata)


def export_image(
    doc: Document,
    path: str | os.PathLike[str],
    quality: int | None = None,
    *,
    compression: int | None = None,
) -> None:
    """Write the flattened document to an image file; format from the extension.

    ``quality`` 1–100 for JPEG/WebP (WebP 100 = lossless), ``compression`` 0–9 for
    PNG/TIFF. 16-bit documents stay 16-bit in PNG/TIFF; JPEG/BMP flatten onto white.
    ICC and EXIF from ``doc.metadata`` are written back where the format allows.
    """
    p = Path(path)
    format_for_path(p)  # unsupported extension: fail before compositing
    icc = doc.metadata.get("icc_profile")
    exif = doc.metadata.get("exif")
    save_image(
        doc.composite(),
        p,
        quality=quality,
        compression=compression,
        icc_profile=icc if isinstance(icc, (bytes, bytearray)) else None,
        exif=exif if isinstance(exif, (bytes, bytearray)) else None,
    )


def flatten_losses(doc: Document, path: str | os.PathLike[str]) -> list[str]:
    """What saving ``doc`` to ``path`` would lose, in words (empty for .ora or when the
    flat image keeps everything). Raises FileError for an unsupported extension."""
    if Path(path).suffix.lower() == ".ora":
        return []
    fmt = format_for_path(path)
    lost = []
    layers = doc.layers
    if len(layers) > 1:
        lost.append(f"{len(layers)} layers")
    if any(layer.mask is not None for layer in layers):
        lost.append("layer masks")
    if any(not layer.visible for layer in layers):
        lost.append("hidden layers")
    if len(layers) == 1 and (layers[0].opacity < 1.0 or layers[0].offset != (0, 0)
                             or layers[0].blend_mode != "svg:src-over"):
        lost.append("layer opacity, offset and blend mode")
    if doc.depth == 16 and fmt not in SIXTEEN_BIT_FORMATS:
        lost.append("16-bit depth")
    if fmt in NO_ALPHA_FORMATS and any(
            (layer.pixels[..., 3] < np.iinfo(layer.pixels.dtype).max).any() for layer in layers):
        lost.append("transparency")
    return lost


def save_document(doc: Document, path: str | os.PathLike[str], quality: int | None = None) -> None:
    """Save as OpenRaster for ``.ora``, else export a flattened image (see export_image)."""
    if Path(path).suffix.lower() == ".ora":
        save_ora(doc, path)
    else:
        export_image(doc, path, quality)


def convert(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    quality: int | None = None,
    *,
    warnings: list[str] | None = None,
) -> None:
    """Convert between any readable file and any writable one (by extension).

    ORA → image flattens with the document compositor; image → ORA makes a one-layer
    project; image → image keeps depth (where the target allows), ICC and EXIF.
    Raises FileError naming the file and the problem; ``warnings`` as for
    :func:`open_document`.
    """
    out = Path(out_path)
    if out.suffix.lower() != ".ora":
        format_for_path(out)  # refuse a bad target before the possibly slow load
    save_document(open_document(in_path, warnings=warnings), out, quality)
