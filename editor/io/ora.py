"""OpenRaster (.ora) projects: read and write per the OpenRaster 0.0.x spec.

Layout written: ``mimetype`` (first entry, stored, ``image/openraster``), ``stack.xml``,
``data/layerN.png`` (16-bit PNG for 16-bit documents), ``mergedimage.png`` (our
compositor's result) and ``Thumbnails/thumbnail.png`` (at most 256 px, 8-bit).

Retouch-only data lives where other readers safely ignore it: attributes in our own XML
namespace (:data:`NS`) — ``retouch:locked``, ``retouch:mask``, ``retouch:metadata``,
``retouch:depth``, ``retouch:icc``, ``retouch:exif``, ``retouch:ai-mask``,
``retouch:selection`` — and files under ``data/retouch/`` that ``stack.xml`` never
names as layers. A layer's metadata (``Layer.metadata``) is ``data/retouch/metaN.json``
(ASCII JSON, one object), named by the layer's ``retouch:metadata`` attribute.

Values from other programs that Retouch cannot show are kept, not silently changed: a
``composite-op`` we do not have (``krita:linear_burn``) reads as normal and an opacity
that is not a number in 0..1 (``"abc"``, ``"1.7"``) as the nearest valid one. Each
substitution is reported as one warning string (when the caller passes a ``warnings``
list) and recorded in ``Layer.foreign``; saving writes the original text back while the
layer still shows the substituted value (an undo back to it included), the new value
once the user changed that property. An unreadable ``retouch:metadata`` file is a
warning too (the layer opens without metadata).

Nested stacks (groups from Krita, GIMP, MyPaint) are flattened into the parent's order:
each child becomes a top-level layer named ``"Group / Child"``, with the group's opacity
multiplied into its own, the group's visibility ANDed with its own and the group's x/y
added to its offset. The group's own composite-op is not applied (the children blend
straight onto what is below), which matches pass-through groups exactly and isolated
normal-mode groups whenever the children use normal blending.

Hostile archives are refused before anything large is decompressed: declared entry
sizes and compression ratios are checked, XML with DOCTYPE/ENTITY declarations is
refused, and each layer's PNG header is checked against the pixel limit before decoding.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree as ET

import numpy as np
from PIL import Image

from editor.document import (
    BLEND_MODE_NAMES,
    Document,
    ForeignAttribute,
    Layer,
    coerce_metadata,
    normalize_blend_mode,
)
from editor.document.layer import MAX_METADATA_BYTES
from editor.io.atomic import atomic_open
from editor.io.errors import FileError, check_size, max_pixels
from editor.io.images import (
    check_readable_file,
    decode_image,
    encode_png16,
    to_8bit,
)

ORA_MIMETYPE = b"image/openraster"
ORA_VERSION = "0.0.6"
#: Our XML namespace for Retouch-only attributes.
NS = "urn:x-retouch:openraster:1"
THUMBNAIL_MAX = 256
#: Deflate level for layer PNGs. Level 3 is ~4× faster than 6 on photographic (noisy)
#: layers for ~10 % more bytes (2000×1500 RGBA: 2.1 s vs 9.8 s); projects are saved often.
ORA_COMPRESSION = 3

#: A stack.xml larger than this is not a real project.
MAX_XML_BYTES = 16 << 20
#: Entries whose uncompressed size is this many times their compressed size are refused
#: (PNG data is already deflated, so real projects sit near 1:1; XML near 10:1).
MAX_RATIO = 200
#: The ratio check starts above this size, so tiny XML files may compress well.
RATIO_MIN_BYTES = 1 << 20
#: All layers together may hold this many times the single-image pixel limit.
TOTAL_PIXEL_FACTOR = 8
MAX_ENTRIES = 10_000

ET.register_namespace("retouch", NS)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


# --- writing ---------------------------------------------------------------------------


def _png_bytes(pixels: np.ndarray, level: int) -> bytes:
    if pixels.dtype == np.uint16:
        return encode_png16(pixels, level=level)
    buf = io.BytesIO()
    mode = {2: "L", 3: "RGB", 4: "RGBA"}[pixels.ndim if pixels.ndim == 2 else pixels.shape[2]]
    Image.fromarray(np.ascontiguousarray(pixels), mode).save(
        buf, format="PNG", compress_level=level
    )
    return buf.getvalue()


def _fmt_float(v: float) -> str:
    # repr is the shortest string that reads back to the same float: opacity round-trips.
    return repr(float(v))


def _metadata_json(meta: dict[str, Any]) -> bytes:
    # ASCII-only JSON, so its byte size is the size Layer's validation limited.
    return json.dumps(meta, separators=(",", ":"), allow_nan=False).encode("ascii")


def write_ora(doc: Document, f: BinaryIO, *, compression: int = ORA_COMPRESSION) -> None:
    """Write ``doc`` as an OpenRaster archive to the open binary file ``f``.

    Foreign values a layer was read with (``Layer.foreign``) are written back in place
    of its blend mode / opacity while it still shows the substituted value."""
    level = int(np.clip(compression, 0, 9))
    image = ET.Element(
        "image",
        {
            "version": ORA_VERSION,
            "w": str(doc.width),
            "h": str(doc.height),
            "xres": "72",
            "yres": "72",
            _q("depth"): str(doc.depth),
        },
    )
    dpi = doc.metadata.get("dpi")
    if isinstance(dpi, (tuple, list)) and len(dpi) == 2:
        image.set("xres", str(round(float(dpi[0]))))
        image.set("yres", str(round(float(dpi[1]))))
    blobs: list[tuple[str, bytes]] = []  # deflated inside the zip
    pngs: list[tuple[str, np.ndarray, int]] = []  # encoded in parallel, stored as is
    for key, fname, attr in (("icc_profile", "icc.icc", "icc"), ("exif", "exif.bin", "exif")):
        blob = doc.metadata.get(key)
        if isinstance(blob, (bytes, bytearray)) and blob:
            blobs.append((f"data/retouch/{fname}", bytes(blob)))
            image.set(_q(attr), f"data/retouch/{fname}")
    ai = np.asarray(doc.ai_mask)
    if ai.any():
        pngs.append(("data/retouch/ai-mask.png", ai, level))
        image.set(_q("ai-mask"), "data/retouch/ai-mask.png")
    sel = doc.selection.mask
    if sel is not None:
        pngs.append(("data/retouch/selection.png", np.asarray(sel), level))
        image.set(_q("selection"), "data/retouch/selection.png")
    stack = ET.SubElement(image, "stack")
    layers = doc.layers
    # stack.xml lists the topmost layer first; our index 0 is the bottom.
    for i in reversed(range(len(layers))):
        layer = layers[i]
        src = f"data/layer{i}.png"
        pngs.append((src, layer.pixels, level))
        x, y = layer.offset
        opacity = layer.foreign_value("opacity")
        mode = layer.foreign_value("blend_mode")
        attrs = {
            "name": layer.name,
            "src": src,
            "x": str(x),
            "y": str(y),
            "opacity": _fmt_float(layer.opacity) if opacity is None else opacity,
            "visibility": "visible" if layer.visible else "hidden",
            "composite-op": layer.blend_mode if mode is None else mode,
        }
        if i == doc.active_index:
            attrs["selected"] = "true"
        if layer.locked:
            attrs[_q("locked")] = "true"
            # Krita's own lock attribute, so a Krita round-trip keeps it too.
            attrs["edit-locked"] = "true"
        if layer.mask is not None:
            mname = f"data/retouch/mask{i}.png"
            pngs.append((mname, layer.mask, level))
            attrs[_q("mask")] = mname
        meta = layer.metadata
        if meta:
            jname = f"data/retouch/meta{i}.json"
            blobs.append((jname, _metadata_json(meta)))
            attrs[_q("metadata")] = jname
        ET.SubElement(stack, "layer", attrs)
    blobs.append(("stack.xml", ET.tostring(image, encoding="utf-8", xml_declaration=True)))
    merged = doc.composite()
    # The merged image is a derived preview for other programs: favour speed.
    pngs.append(("mergedimage.png", merged, min(level, 1)))
    thumb = Image.fromarray(to_8bit(merged), "RGBA")
    thumb.thumbnail((THUMBNAIL_MAX, THUMBNAIL_MAX), Image.Resampling.LANCZOS)
    pngs.append(("Thumbnails/thumbnail.png", np.asarray(thumb), level))

    # zlib and Pillow's encoder release the GIL, so layers compress on several cores.
    workers = max(1, min(len(pngs), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(workers) as pool:
        encoded = list(pool.map(lambda job: _png_bytes(job[1], job[2]), pngs))

    with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
        # The spec's magic: first entry, stored, no extra field, so `file` can sniff it.
        zf.writestr(
            zipfile.ZipInfo("mimetype", date_time=(1980, 1, 1, 0, 0, 0)),
            ORA_MIMETYPE,
            compress_type=zipfile.ZIP_STORED,
        )
        for name, data in blobs:
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        for (name, _, _), data in zip(pngs, encoded, strict=True):
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)


def save_ora(
    doc: Document, path: str | os.PathLike[str], *, compression: int = ORA_COMPRESSION
) -> None:
    """Atomically save ``doc`` as ``path`` (.ora); FileError if it cannot be written."""
    p = Path(path)
    try:
        with atomic_open(p) as f:
            write_ora(doc, f, compression=compression)
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or e
        raise FileError(p, f"could not be saved ({reason})") from e


# --- reading ---------------------------------------------------------------------------


@dataclass
class _Spec:
    """One leaf layer of stack.xml with the properties inherited from its groups."""

    el: ET.Element
    name: str
    x: int
    y: int
    opacity: float
    visible: bool
    #: the layer's own opacity text when it was not a number in 0..1, else None
    bad_opacity: str | None = None
    #: product of the enclosing groups' opacities
    group_opacity: float = 1.0


def _attr_int(el: ET.Element, name: str) -> int:
    v = el.get(name, "0").strip()
    try:
        return int(float(v))
    except ValueError:
        return 0


def _attr_opacity(el: ET.Element) -> tuple[float, str | None]:
    """The element's opacity in 0..1 and, when its text was not such a number, the text
    (the value is then 1.0 for non-numbers, the nearest bound for numbers outside)."""
    text = el.get("opacity", "1")
    try:
        v = float(text)
    except ValueError:
        return 1.0, text
    if math.isnan(v):
        return 1.0, text
    if not 0.0 <= v <= 1.0:
        return min(1.0, max(0.0, v)), text
    return v, None


def _percent(v: float) -> str:
    return f"{round(v * 100, 1):g} %"


def _walk(
    stack: ET.Element,
    x: int,
    y: int,
    opacity: float,
    visible: bool,
    prefix: str,
    out: list[_Spec],
    warnings: list[str],
    depth: int = 0,
) -> None:
    if depth > 64:
        raise ValueError("groups nested more than 64 deep")
    for el in stack:
        tag = el.tag
        if tag not in ("layer", "stack"):
            continue  # text, filters and other elements later specs may add
        name = el.get("name", "") or ("Group" if tag == "stack" else "Layer")
        ex, ey = x + _attr_int(el, "x"), y + _attr_int(el, "y")
        own, bad = _attr_opacity(el)
        eo = opacity * own
        ev = visible and el.get("visibility", "visible") != "hidden"
        if tag == "stack":
            if bad is not None:
                # Groups are flattened into their children: nothing is left to keep it on.
                warnings.append(
                    f'group "{prefix}{name}": opacity "{bad}" is not a number from 0 to 1; '
                    f"read as {_percent(own)} (groups are flattened, so it is not kept)"
                )
            _walk(el, ex, ey, eo, ev, f"{prefix}{name} / ", out, warnings, depth + 1)
        else:
            out.append(_Spec(el, prefix + name, ex, ey, eo, ev, bad, opacity))


def _layer_foreign(spec: _Spec, warnings: list[str]) -> tuple[str, dict[str, ForeignAttribute]]:
    """The layer's blend mode and the records of substituted values, warning for each."""
    foreign: dict[str, ForeignAttribute] = {}
    op = spec.el.get("composite-op", "svg:src-over")
    try:
        mode = normalize_blend_mode(op)
    except ValueError:
        mode = "svg:src-over"
        foreign["blend_mode"] = ForeignAttribute("composite-op", op, mode)
        warnings.append(
            f'layer "{spec.name}": blend mode {op} is not supported here; shown as '
            f"{BLEND_MODE_NAMES[mode]}, kept when saving"
        )
    if spec.bad_opacity is not None:
        what = f'layer "{spec.name}": opacity "{spec.bad_opacity}" is not a number from 0 to 1'
        if spec.group_opacity == 1.0:
            foreign["opacity"] = ForeignAttribute("opacity", spec.bad_opacity, spec.opacity)
            warnings.append(f"{what}; shown as {_percent(spec.opacity)}, kept when saving")
        else:
            # Its groups' opacity is multiplied into the saved value, so the text cannot
            # be written back without losing the groups' share.
            warnings.append(
                f"{what}; shown as {_percent(spec.opacity)} (with its group's opacity), "
                "not kept"
            )
    return mode, foreign


def _read_metadata(arc: _Archive, spec: _Spec, warnings: list[str]) -> dict[str, Any]:
    """The layer's ``retouch:metadata`` JSON; a warning and {} when it cannot be used."""
    name = spec.el.get(_q("metadata"))
    if not name:
        return {}
    info = arc.infos.get(name)
    if info is None:
        problem = "is not in the file"
    elif info.file_size > MAX_METADATA_BYTES:
        problem = f"is over the {MAX_METADATA_BYTES >> 20} MiB limit"
    else:
        try:
            data = json.loads(
                arc.read(name, f"the metadata of layer '{spec.name}'").decode("utf-8"),
                parse_constant=_refuse_constant,
            )
            return coerce_metadata(data, "it")
        except FileError as e:
            problem = f"is damaged ({e.problem})"
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            problem = f"is not valid metadata ({e})"
    warnings.append(f'layer "{spec.name}": its metadata {name} {problem}; opened without it')
    return {}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _Archive:
    """A zip opened with the size checks that stop zip bombs."""

    def __init__(self, path: Path, zf: zipfile.ZipFile) -> None:
        self.path = path
        self.zf = zf
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise FileError(path, f"has {len(infos)} entries; not a real OpenRaster file")
        limit = max_pixels() * 8 + (64 << 20)  # raw 16-bit RGBA of the largest image
        total = 0
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            total += info.file_size
            if info.file_size > limit or total > limit * TOTAL_PIXEL_FACTOR:
                raise FileError(
                    path,
                    f"{info.filename} declares {info.file_size / 2**20:.0f} MiB "
                    "uncompressed; refusing a likely zip bomb",
                )
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise FileError(
                    path,
                    f"{info.filename} expands {info.file_size // max(info.compress_size, 1)}×"
                    " when decompressed; refusing a likely zip bomb",
                )
            self.infos[info.filename] = info

    def read(self, name: str, what: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise FileError(self.path, f"{what} points at {name}, which is not in the file")
        try:
            # zipfile stops at the declared size, which was checked above.
            return self.zf.read(info)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            RuntimeError,
            NotImplementedError,
        ) as e:
            raise FileError(self.path, f"{name} is damaged inside the archive ({e})") from None


def _parse_stack_xml(path: Path, data: bytes) -> ET.Element:
    low = data.lower()
    start = low.find(b"<!doctype")
    doctype = low[start : low.find(b">", start) + 1] if start >= 0 else b""
    if b"<!entity" in low or any(t in doctype for t in (b"[", b"system", b"public")):
        # Entity expansion ("billion laughs") and external entities have no place in an
        # ORA; a bare <!DOCTYPE image> (as Qt's DOM may write) is harmless and allowed.
        raise FileError(path, "stack.xml declares entities or an external DTD; refusing it")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise FileError(path, f"stack.xml is malformed ({e})") from None
    if root.tag != "image":
        raise FileError(path, f"stack.xml has <{root.tag}> at the top instead of <image>")
    return root


def _decode_gray(arc: _Archive, name: str, shape: tuple[int, int], what: str) -> np.ndarray:
    img = decode_image(arc.read(name, what), arc.path, f"{name}: ")
    px = to_8bit(img.pixels)[..., 0]
    if px.shape != shape:
        raise FileError(
            arc.path,
            f"{what} {name} is {px.shape[1]}×{px.shape[0]}, expected {shape[1]}×{shape[0]}",
        )
    return np.ascontiguousarray(px)


def read_ora(path: str | os.PathLike[str], warnings: list[str] | None = None) -> Document:
    """Open an OpenRaster file as a Document (one undo-free starting state).

    Raises FileError naming the file for anything that is not a readable .ora: not a
    zip, no/malformed stack.xml, a layer pointing at a missing or damaged file, sizes
    over the pixel limit, or a zip bomb.

    What opens but not exactly as written is appended to ``warnings`` (when given), one
    human-readable string each, e.g. ``layer "Glow": blend mode krita:linear_burn is not
    supported here; shown as Normal, kept when saving``: unknown composite-ops,
    opacities that are not numbers in 0..1, unreadable layer metadata.
    """
    if warnings is None:
        warnings = []
    p = Path(path)
    check_readable_file(p)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
        raise FileError(p, f"is not an OpenRaster file (not a valid zip archive: {e})") from None
    try:
        with zf:
            return _read(p, zf, warnings)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as e:
        raise FileError(p, f"the archive is damaged ({e})") from None
    except MemoryError:
        raise FileError(p, "not enough memory to open this project") from None


def _read(p: Path, zf: zipfile.ZipFile, warnings: list[str]) -> Document:
    arc = _Archive(p, zf)
    if "mimetype" in arc.infos:
        mt = arc.read("mimetype", "the archive").strip()
        if mt != ORA_MIMETYPE:
            raise FileError(
                p, f"is a zip of type {mt[:60].decode('latin-1')!r}, not an OpenRaster file"
            )
    if "stack.xml" not in arc.infos:
        raise FileError(p, "is not an OpenRaster file: stack.xml is missing")
    if arc.infos["stack.xml"].file_size > MAX_XML_BYTES:
        raise FileError(p, "stack.xml is implausibly large; refusing it")
    root = _parse_stack_xml(p, arc.read("stack.xml", "the archive"))
    try:
        width, height = int(root.get("w", "")), int(root.get("h", ""))
    except ValueError:
        raise FileError(p, "stack.xml does not give a valid canvas size (w, h)") from None
    check_size(p, width, height, what="canvas")
    top = root.find("stack")
    if top is None:
        raise FileError(p, "stack.xml has no <stack> element")
    specs: list[_Spec] = []
    try:
        _walk(top, 0, 0, 1.0, True, "", specs, warnings)
    except ValueError as e:
        raise FileError(p, f"stack.xml: {e}") from None

    # Decode bottom → top; our index 0 is the bottom, stack.xml lists the top first.
    decoded = []
    budget = max_pixels() * TOTAL_PIXEL_FACTOR
    for spec in reversed(specs):
        src = spec.el.get("src")
        if not src:
            raise FileError(p, f"layer '{spec.name}' has no src attribute")
        img = decode_image(arc.read(src, f"layer '{spec.name}'"), p, f"{src}: ")
        budget -= img.pixels.shape[0] * img.pixels.shape[1]
        if budget < 0:
            raise FileError(
                p,
                f"its layers hold more than {TOTAL_PIXEL_FACTOR}× the "
                f"{max_pixels() / 1e6:g} MP limit in total",
            )
        decoded.append((spec, img))

    depth_attr = root.get(_q("depth"))
    if depth_attr in ("8", "16"):
        depth = int(depth_attr)
    else:
        depth = 16 if any(img.depth == 16 for _, img in decoded) else 8
    dtype = np.uint16 if depth == 16 else np.uint8

    layers: list[Layer] = []
    active = None
    for i, (spec, img) in enumerate(decoded):
        px = img.pixels
        if px.dtype != dtype:
            px = px.astype(np.uint16) * 257 if dtype == np.uint16 else to_8bit(px)
        el = spec.el
        mode, foreign = _layer_foreign(spec, warnings)
        mask = None
        mname = el.get(_q("mask"))
        if mname:
            mask = _decode_gray(arc, mname, px.shape[:2], f"the mask of layer '{spec.name}'")
        locked = el.get(_q("locked"), el.get("edit-locked", "false")).lower() == "true"
        layers.append(
            Layer(
                px,
                spec.name,
                opacity=spec.opacity,
                visible=spec.visible,
                blend_mode=mode,
                locked=locked,
                offset=(spec.x, spec.y),
                mask=mask,
                metadata=_read_metadata(arc, spec, warnings),
                foreign=foreign,
            )
        )
        if el.get("selected", "").lower() == "true":
            active = i

    doc = Document(width, height, depth, layers=layers)
    if active is not None:
        doc.active_index = active
    meta = {}
    for key, attr in (("icc_profile", "icc"), ("exif", "exif")):
        name = root.get(_q(attr))
        meta[key] = arc.read(name, f"the {attr} reference") if name else None
    try:
        xres, yres = float(root.get("xres", "72")), float(root.get("yres", "72"))
        if xres > 0 and yres > 0 and (xres, yres) != (72.0, 72.0):
            meta["dpi"] = (xres, yres)
    except ValueError:
        pass
    doc.metadata.update(meta)
    extra = False
    name = root.get(_q("ai-mask"))
    if name:
        doc.set_ai_mask(_decode_gray(arc, name, (height, width), "the AI mask"))
        extra = True
    name = root.get(_q("selection"))
    if name:
        doc.selection.set_mask(_decode_gray(arc, name, (height, width), "the selection"))
        extra = True
    if extra:
        # Restoring saved state is not an edit the user should be able to undo.
        doc.undo.clear()
    doc.undo.set_clean()
    return doc
