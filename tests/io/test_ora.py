from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from editor.document import Document, Layer
from editor.io import open_document, read_ora, save_ora
from editor.io.images import encode_png16
from tests.io.conftest import layered_document, random_rgba

PROPS = ("name", "opacity", "visible", "blend_mode", "offset", "locked")


@pytest.mark.parametrize("depth", [8, 16])
def test_write_read_keeps_every_layer_and_property(tmp_path, rng, srgb_icc, depth):
    doc = layered_document(rng, depth)
    doc.metadata["icc_profile"] = srgb_icc
    doc.metadata["exif"] = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"
    path = tmp_path / "p.ora"
    save_ora(doc, path)
    back = read_ora(path)
    assert (back.width, back.height, back.depth) == (doc.width, doc.height, depth)
    assert len(back.layers) == len(doc.layers)
    for a, b in zip(doc.layers, back.layers, strict=True):
        assert b.pixels.dtype == a.pixels.dtype
        np.testing.assert_array_equal(b.pixels, a.pixels)
        for prop in PROPS:
            assert getattr(b, prop) == getattr(a, prop), prop
        if a.mask is None:
            assert b.mask is None
        else:
            np.testing.assert_array_equal(b.mask, a.mask)
    assert back.active_index == doc.active_index
    assert back.metadata["icc_profile"] == srgb_icc
    assert back.metadata["exif"] == doc.metadata["exif"]
    assert back.undo.count == 0  # opening is not an undoable edit
    np.testing.assert_array_equal(back.composite(), doc.composite())


def test_zip_layout_follows_the_spec(tmp_path, rng):
    doc = layered_document(rng, 16)
    path = tmp_path / "p.ora"
    save_ora(doc, path)
    raw = path.read_bytes()
    # mimetype first, stored, no extra field: its content sits at byte 38 (30 + 8).
    assert raw[30:38] == b"mimetype" and raw[38:54] == b"image/openraster"
    with zipfile.ZipFile(path) as zf:
        first = zf.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert first.extra == b""
        names = set(zf.namelist())
        assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png"} <= names
        merged = zf.read("mergedimage.png")
        thumb = Image.open(io.BytesIO(zf.read("Thumbnails/thumbnail.png")))
        assert max(thumb.size) <= 256
        layer_png = Image.open(io.BytesIO(zf.read("data/layer0.png")))
        assert "16" in layer_png.tile[0].args  # 16-bit layers stored as 16-bit PNG
    from editor.io.images import decode_image

    merged_px = decode_image(merged, path).pixels
    np.testing.assert_array_equal(merged_px, doc.composite())


def test_thumbnail_is_at_most_256_pixels(tmp_path):
    doc = Document(600, 300, 8, layers=[Layer(np.full((300, 600, 4), 200, np.uint8), "big")])
    path = tmp_path / "big.ora"
    save_ora(doc, path, compression=1)
    with zipfile.ZipFile(path) as zf:
        thumb = Image.open(io.BytesIO(zf.read("Thumbnails/thumbnail.png")))
    assert thumb.size == (256, 128)


def test_retouch_extras_are_namespaced_and_unreferenced(tmp_path, rng):
    doc = layered_document(rng)
    path = tmp_path / "p.ora"
    save_ora(doc, path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("stack.xml").decode()
    from xml.etree import ElementTree as ET

    root = ET.fromstring(xml)
    srcs = [el.get("src") for el in root.iter("layer")]
    assert all(s.startswith("data/layer") for s in srcs)  # masks are not listed as layers
    plain = [k for el in root.iter("layer") for k in el.attrib if k.startswith("{")]
    assert plain and all(k.startswith("{urn:x-retouch:openraster:1}") for k in plain)


def test_ai_mask_and_selection_round_trip(tmp_path, rng):
    doc = layered_document(rng)
    ai = np.zeros((doc.height, doc.width), np.uint8)
    ai[2:6, 3:9] = 255
    doc.set_ai_mask(ai)
    doc.selection.select_rect(1, 1, 5, 4)
    path = tmp_path / "p.ora"
    save_ora(doc, path)
    back = read_ora(path)
    np.testing.assert_array_equal(back.ai_mask, ai)
    np.testing.assert_array_equal(back.selection.mask, doc.selection.mask)
    assert back.undo.count == 0


def _png(px: np.ndarray) -> bytes:
    if px.dtype == np.uint16:
        return encode_png16(px)
    buf = io.BytesIO()
    Image.fromarray(px, "RGBA").save(buf, format="PNG")
    return buf.getvalue()


def write_zip(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", b"image/openraster", compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


KRITA_STACK = """<?xml version="1.0" encoding="UTF-8"?>
<image w="8" h="6" version="0.0.1" xres="72" yres="72">
 <stack name="root" opacity="1" visibility="visible" composite-op="svg:src-over" isolation="isolate">
  <stack name="Group 1" opacity="0.5" visibility="visible" composite-op="svg:src-over" isolation="auto" x="1" y="2">
   <layer name="Paint Layer 3" opacity="0.8" visibility="visible" composite-op="svg:multiply" src="data/layer3.png" x="0" y="0" selected="true"/>
   <stack name="Hidden group" opacity="1" visibility="hidden" composite-op="svg:src-over" isolation="isolate">
    <layer name="Inner" opacity="1" visibility="visible" composite-op="krita:grain_merge" src="data/layer2.png" edit-locked="true"/>
   </stack>
  </stack>
  <layer name="Background" opacity="1" visibility="visible" composite-op="svg:src-over" src="data/layer1.png" x="0" y="0"/>
 </stack>
</image>
"""


def test_nested_krita_stack_is_flattened_into_parent_order(tmp_path, rng):
    l1 = random_rgba(rng, 6, 8)
    l2 = random_rgba(rng, 2, 2)
    l3 = random_rgba(rng, 3, 4)
    path = tmp_path / "krita.ora"
    write_zip(
        path,
        {
            "stack.xml": KRITA_STACK.encode(),
            "data/layer1.png": _png(l1),
            "data/layer2.png": _png(l2),
            "data/layer3.png": _png(l3),
        },
    )
    doc = open_document(path)
    assert [la.name for la in doc.layers] == [
        "Background",
        "Group 1 / Hidden group / Inner",
        "Group 1 / Paint Layer 3",
    ]
    bg, inner, paint = doc.layers
    np.testing.assert_array_equal(bg.pixels, l1)
    np.testing.assert_array_equal(paint.pixels, l3)
    assert paint.opacity == pytest.approx(0.4)  # 0.8 × group 0.5
    assert paint.offset == (1, 2)  # group x/y added
    assert paint.blend_mode == "svg:multiply"
    assert inner.visible is False  # hidden group hides its children
    assert inner.blend_mode == "svg:src-over"  # unknown krita:* op falls back to normal
    assert inner.locked is True  # Krita's edit-locked
    assert doc.active_index == 2
    assert doc.depth == 8


def test_mixed_depth_layers_make_a_16bit_document(tmp_path, rng):
    l8 = random_rgba(rng, 2, 2)
    l16 = random_rgba(rng, 2, 2, np.uint16)
    stack = (
        '<image w="2" h="2"><stack><layer src="data/b.png" name="b"/>'
        '<layer src="data/a.png" name="a"/></stack></image>'
    )
    path = tmp_path / "mixed.ora"
    write_zip(path, {"stack.xml": stack.encode(), "data/a.png": _png(l8), "data/b.png": _png(l16)})
    doc = read_ora(path)
    assert doc.depth == 16
    np.testing.assert_array_equal(doc.layers[0].pixels, l8.astype(np.uint16) * 257)
    np.testing.assert_array_equal(doc.layers[1].pixels, l16)


def test_saving_over_an_existing_project_replaces_it(tmp_path, rng):
    path = tmp_path / "p.ora"
    save_ora(layered_document(rng), path)
    doc = Document(4, 4, 8, layers=[Layer(random_rgba(rng, 4, 4), "only")])
    save_ora(doc, path)
    back = read_ora(path)
    assert [la.name for la in back.layers] == ["only"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.ora"]
