"""Image files, OpenRaster projects, atomic saves and autosave (no Qt, no torch).

Public API
==========

open_document(path, warnings=None) -> Document
    Any readable file: PNG, JPEG, WebP, TIFF, BMP (GIF first frame) or OpenRaster (.ora,
    recognised by content). Images give a one-layer document: 16-bit sources make a
    16-bit (uint16) document, others 8-bit; EXIF orientation applied; ICC profile and
    EXIF bytes in ``doc.metadata["icc_profile"]`` / ``["exif"]`` (EXIF starts with
    ``b"Exif\\0\\0"``; its orientation tag is reset to 1). ``warnings``: a list that
    gets one human-readable string per thing that opened but not exactly as written
    (callers show ``warning: <text>``), e.g. ``layer "Glow": blend mode
    krita:linear_burn is not supported here; shown as Normal, kept when saving``.
save_document(doc, path, quality=None)     .ora → save_ora, else export_image
flatten_losses(doc, path) -> list[str]     what a flat image file would lose ("3 layers", …)
export_image(doc, path, quality=None, *, compression=None)
    Flattened by ``doc.composite()``. quality 1–100 for JPEG (default 92) / WebP (default
    90; 100 = lossless); compression 0–9 for PNG/TIFF (default 6). 16-bit kept in PNG and
    TIFF, reduced to 8 bits elsewhere; JPEG/BMP composite transparency onto white. ICC and
    EXIF are written back (BMP: neither).
save_ora(doc, path, *, compression=3)       OpenRaster; see editor.io.ora for the layout
read_ora(path, warnings=None) -> Document   nested stacks (groups) are flattened into
    the parent order: names "Group / Child", group opacity multiplied in, hidden groups
    hide children, group x/y added. Unknown composite-ops (krita:*) show as normal and
    opacities that are not numbers in 0..1 as the nearest valid value, each with a
    warning; the original text is kept in Layer.foreign and saved back unless the user
    changed that property. Masks, locked, layer metadata (JSON), depth, ICC/EXIF, AI mask
    and selection live in our XML namespace + data/retouch/.
load_image(path) -> ImageData                (.pixels (h, w, 4) uint8|uint16 straight RGBA,
    .icc_profile, .exif, .format, .depth, .metadata dict for Document.metadata)
save_image(pixels, path, *, quality=None, compression=None, icc_profile=None, exif=None)
    Atomic write of an RGBA array, format from the extension.
convert(in_path, out_path, quality=None, *, warnings=None)   ORA → image flattens; image → ORA one layer
document_from_image(pixels, metadata=None, name="Background") -> Document

FileError(path, problem)   the only exception for bad files; str() is "<file name>:
    <problem>", ``.path`` and ``.problem`` separately. Raised for missing/empty/truncated/
    random/unsupported files, over-limit sizes, zip bombs, broken ORA, bad save targets,
    failed writes (the old file is then untouched).
MAX_PIXELS = 200_000_000; max_pixels() applies $RETOUCH_MAX_PIXELS. Checked from headers
    before decoding.
atomic_open(path) (context manager yielding a binary file), atomic_write(path, writer)

AutosaveStore(folder=None)   folder defaults to editor.paths.autosave_dir()
    .save(doc, key, *, original_path=None, title=None) -> AutosaveEntry
    .pending(include_current=False) -> list[AutosaveEntry], newest first (entries left by
        other processes unless include_current)
    .load(entry) -> Document;  .discard(entry);  .discard_key(key)
AutosaveEntry(key, ora, sidecar, original_path, title, time, pid)
"""

from __future__ import annotations

from editor.io.atomic import atomic_open, atomic_write
from editor.io.autosave import AutosaveEntry, AutosaveStore
from editor.io.errors import MAX_PIXELS, FileError, max_pixels
from editor.io.images import EXTENSIONS, ImageData, load_image, save_image
from editor.io.ora import read_ora, save_ora
from editor.io.project import (
    convert,
    document_from_image,
    export_image,
    flatten_losses,
    open_document,
    save_document,
)

__all__ = [
    "EXTENSIONS",
    "MAX_PIXELS",
    "AutosaveEntry",
    "AutosaveStore",
    "FileError",
    "ImageData",
    "atomic_open",
    "atomic_write",
    "convert",
    "document_from_image",
    "export_image",
    "flatten_losses",
    "load_image",
    "max_pixels",
    "open_document",
    "read_ora",
    "save_document",
    "save_image",
    "save_ora",
]
