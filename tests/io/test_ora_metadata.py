"""Layer metadata in .ora projects, and other programs' values we cannot show: kept, warned
about, written back unless the user changed them."""

from __future__ import annotations

import json
import zipfile
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from editor.document import Document, Layer
from editor.io import AutosaveStore, convert, open_document, read_ora, save_ora
from editor.io.ora import NS
from tests.io.conftest import layered_document, random_rgba
from tests.io.test_ora import _png, write_zip

NESTED = {
    "retouch.latent": {
        "model": "cartoon-vae",
        "latent": [0.1, -0.25, 1e-9, 3.0, 0.0, -7],
        "region": [2, 3, 8, 6],
    },
    "note": "naïve ✓ <&> \"quoted\"",
    "deep": {"a": [{"b": [None, True, False, 2**40, -1.5e300]}], "empty": {}, "list": []},
}


def _layers_xml(path) -> list[ET.Element]:
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("stack.xml"))
    return list(root.iter("layer"))


def test_nested_metadata_survives_save_open_save_open(tmp_path, rng):
    doc = layered_document(rng)
    doc.set_layer_property(1, "metadata", NESTED)
    first, second = tmp_path / "a.ora", tmp_path / "b.ora"
    save_ora(doc, first)
    back = read_ora(first)
    assert back.layers[1].metadata == NESTED
    assert back.layers[0].metadata == {} and back.layers[2].metadata == {}
    save_ora(back, second)
    again = read_ora(second)
    assert again.layers[1].metadata == NESTED
    assert type(again.layers[1].metadata["retouch.latent"]["latent"][5]) is int
    assert again.undo.count == 0


def test_metadata_is_a_namespaced_json_file_the_spec_layout_is_unchanged(tmp_path, rng):
    doc = layered_document(rng)
    doc.set_layer_metadata(1, "retouch.latent", NESTED["retouch.latent"])
    path = tmp_path / "p.ora"
    save_ora(doc, path)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        names = set(zf.namelist())
        assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png"} <= names
        els = _layers_xml(path)
        refs = [el.get(f"{{{NS}}}metadata") for el in els]
        # stack.xml lists the top first: the middle layer (index 1) is the second entry.
        assert refs == [None, "data/retouch/meta1.json", None]
        assert json.loads(zf.read(refs[1])) == {"retouch.latent": NESTED["retouch.latent"]}
    assert all(el.get("src").startswith("data/layer") for el in els)
    # No new elements: other readers see only <image>, <stack> and <layer>.
    with zipfile.ZipFile(path) as zf:
        tags = {el.tag for el in ET.fromstring(zf.read("stack.xml")).iter()}
    assert tags == {"image", "stack", "layer"}


def test_a_latent_edit_layer_can_be_edited_again_after_reopening(tmp_path, rng):
    doc = layered_document(rng)
    latent = {"model": "cartoon-vae", "latent": [0.5] * 64, "region": [1, 2, 6, 5]}
    layer = doc.add_layer_with_pixels(
        random_rgba(rng, 5, 6), "Latent edit", x=1, y=2, metadata={"retouch.latent": latent}
    )
    index = doc.index_of(layer)
    path = tmp_path / "edit.ora"
    save_ora(doc, path)

    reopened = read_ora(path)
    found = [i for i, la in enumerate(reopened.layers) if "retouch.latent" in la.metadata]
    assert found == [index]
    got = reopened.layers[index].metadata["retouch.latent"]
    assert got == latent and reopened.layers[index].offset == (1, 2)
    # Edit the same latent: one undo step, then save again.
    got["latent"][3] = -1.25
    reopened.set_layer_metadata(index, "retouch.latent", got, text="Edit latent")
    assert reopened.undo.undo_text == "Edit latent"
    save_ora(reopened, path)
    assert read_ora(path).layers[index].metadata["retouch.latent"]["latent"][3] == -1.25
    reopened.undo.undo()
    assert reopened.layers[index].metadata["retouch.latent"] == latent


def test_autosave_keeps_layer_metadata(tmp_path, rng):
    store = AutosaveStore(tmp_path / "auto")
    doc = layered_document(rng)
    doc.set_layer_property(0, "metadata", NESTED)
    back = store.load(store.save(doc, "k"))
    assert back.layers[0].metadata == NESTED


GLOW = """<?xml version="1.0" encoding="UTF-8"?>
<image w="4" h="3" version="0.0.1">
 <stack>
  <layer name="Glow" src="data/layer2.png" composite-op="krita:linear_burn" opacity="abc"
         visibility="visible" x="0" y="0"/>
  <layer name="Background" src="data/layer1.png" composite-op="svg:src-over" opacity="1"/>
 </stack>
</image>
"""


def _krita_file(tmp_path, rng, xml: str = GLOW, name: str = "krita.ora"):
    path = tmp_path / name
    write_zip(
        path,
        {
            "stack.xml": xml.encode(),
            "data/layer1.png": _png(random_rgba(rng, 3, 4)),
            "data/layer2.png": _png(random_rgba(rng, 3, 4)),
        },
    )
    return path


def _glow(path) -> ET.Element:
    return next(el for el in _layers_xml(path) if el.get("name") == "Glow")


def test_unknown_blend_mode_and_opacity_open_with_warnings_and_are_written_back(tmp_path, rng):
    warnings: list[str] = []
    doc = read_ora(_krita_file(tmp_path, rng), warnings=warnings)
    assert warnings == [
        ('layer "Glow": blend mode krita:linear_burn is not supported here; '
        "shown as Normal, kept when saving"),
        ('layer "Glow": opacity "abc" is not a number from 0 to 1; '
        "shown as 100 %, kept when saving"),
    ]
    glow = doc.layers[1]
    assert (glow.name, glow.blend_mode, glow.opacity) == ("Glow", "svg:src-over", 1.0)
    assert doc.layers[0].foreign == {}

    doc.set_layer_metadata(1, "retouch.latent", NESTED["retouch.latent"])
    out = tmp_path / "saved.ora"
    save_ora(doc, out)
    el = _glow(out)
    assert el.get("composite-op") == "krita:linear_burn"
    assert el.get("opacity") == "abc"
    again: list[str] = []
    back = read_ora(out, warnings=again)
    assert back.layers[1].metadata == {"retouch.latent": NESTED["retouch.latent"]}
    assert len(again) == 2  # still foreign, still said
    save_ora(back, out)
    assert _glow(out).get("composite-op") == "krita:linear_burn"


def test_a_changed_blend_mode_is_saved_and_undo_brings_the_original_back(tmp_path, rng):
    doc = read_ora(_krita_file(tmp_path, rng))
    doc.set_layer_property(1, "blend_mode", "svg:multiply")
    out = tmp_path / "changed.ora"
    save_ora(doc, out)
    el = _glow(out)
    assert el.get("composite-op") == "svg:multiply"
    assert el.get("opacity") == "abc"  # the opacity was not touched
    doc.undo.undo()
    save_ora(doc, out)
    assert _glow(out).get("composite-op") == "krita:linear_burn"
    doc.set_layer_property(1, "opacity", 0.5)
    save_ora(doc, out)
    assert float(_glow(out).get("opacity")) == 0.5


def test_duplicated_foreign_layers_keep_their_original_values(tmp_path, rng):
    doc = read_ora(_krita_file(tmp_path, rng))
    doc.duplicate_layer(1)
    out = tmp_path / "dup.ora"
    save_ora(doc, out)
    ops = [el.get("composite-op") for el in _layers_xml(out)]
    assert ops == ["krita:linear_burn", "krita:linear_burn", "svg:src-over"]


@pytest.mark.parametrize(("text", "shown", "pct"), [("1.7", 1.0, "100 %"), ("-0.25", 0.0, "0 %"),
                                                     ("nan", 1.0, "100 %"), ("", 1.0, "100 %")])
def test_out_of_range_opacities_show_the_nearest_value_and_are_kept(tmp_path, rng, text, shown,
                                                                    pct):
    xml = GLOW.replace('opacity="abc"', f'opacity="{text}"').replace("krita:linear_burn",
                                                                    "svg:screen")
    warnings: list[str] = []
    doc = read_ora(_krita_file(tmp_path, rng, xml), warnings=warnings)
    assert warnings == [
        (f'layer "Glow": opacity "{text}" is not a number from 0 to 1; shown as {pct}, '
        "kept when saving")
    ]
    assert doc.layers[1].opacity == shown and doc.layers[1].blend_mode == "svg:screen"
    out = tmp_path / "o.ora"
    save_ora(doc, out)
    assert _glow(out).get("opacity") == text


def test_readable_files_open_without_warnings(tmp_path, rng):
    warnings: list[str] = []
    save_ora(layered_document(rng), tmp_path / "p.ora")
    open_document(tmp_path / "p.ora", warnings=warnings)
    xml = GLOW.replace('opacity="abc"', 'opacity="0.25"').replace("krita:linear_burn", "multiply")
    doc = open_document(_krita_file(tmp_path, rng, xml), warnings=warnings)
    assert warnings == []
    assert doc.layers[1].blend_mode == "svg:multiply" and doc.layers[1].foreign == {}


GROUPED = """<image w="4" h="3"><stack>
 <stack name="Fx" opacity="{group}">
  <layer name="Glow" src="data/layer2.png" opacity="{child}"/>
 </stack>
 <layer name="Background" src="data/layer1.png"/>
</stack></image>"""


def test_bad_group_opacity_warns_and_a_child_in_a_faded_group_is_not_kept(tmp_path, rng):
    warnings: list[str] = []
    doc = read_ora(
        _krita_file(tmp_path, rng, GROUPED.format(group="x", child="0.5")), warnings=warnings
    )
    assert warnings == [
        ('group "Fx": opacity "x" is not a number from 0 to 1; read as 100 % '
        "(groups are flattened, so it is not kept)")
    ]
    assert doc.layers[1].opacity == 0.5

    warnings.clear()
    path = _krita_file(tmp_path, rng, GROUPED.format(group="0.5", child="7"), "g.ora")
    doc = read_ora(path, warnings=warnings)
    assert warnings == [
        ('layer "Fx / Glow": opacity "7" is not a number from 0 to 1; shown as 50 % '
        "(with its group's opacity), not kept")
    ]
    assert doc.layers[1].opacity == 0.5 and doc.layers[1].foreign == {}
    out = tmp_path / "flat.ora"
    save_ora(doc, out)
    assert float(next(el for el in _layers_xml(out) if el.get("name") == "Fx / Glow")
                 .get("opacity")) == 0.5


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (b"{not json", "is not valid metadata"),
        (b"[1, 2]", "must be a dict"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "is not valid metadata"),
        (b"\xff\xfe", "is not valid metadata"),
        (None, "is not in the file"),
    ],
)
def test_unreadable_metadata_opens_without_it_and_warns(tmp_path, rng, payload, why):
    xml = (
        f'<image w="4" h="3" xmlns:retouch="{NS}"><stack>'
        '<layer name="L" src="data/layer1.png" retouch:metadata="data/retouch/meta0.json"/>'
        "</stack></image>"
    )
    entries = {"stack.xml": xml.encode(), "data/layer1.png": _png(random_rgba(rng, 3, 4))}
    if payload is not None:
        entries["data/retouch/meta0.json"] = payload
    path = tmp_path / "m.ora"
    write_zip(path, entries)
    warnings: list[str] = []
    doc = read_ora(path, warnings=warnings)
    assert doc.layers[0].metadata == {}
    assert len(warnings) == 1
    assert warnings[0].startswith('layer "L": its metadata data/retouch/meta0.json ')
    assert why in warnings[0] and warnings[0].endswith("; opened without it")


def test_open_document_and_convert_pass_warnings_through(tmp_path, rng):
    path = _krita_file(tmp_path, rng)
    warnings: list[str] = []
    open_document(path, warnings=warnings)
    assert len(warnings) == 2
    open_document(path)  # no list: nothing to report to, still opens
    warnings.clear()
    convert(path, tmp_path / "flat.png", warnings=warnings)
    assert len(warnings) == 2 and "krita:linear_burn" in warnings[0]


def test_layers_made_here_write_their_own_values(tmp_path):
    doc = Document(2, 2, layers=[Layer(np.zeros((2, 2, 4), np.uint8), "n", opacity=0.3,
                                       blend_mode="svg:overlay")])
    save_ora(doc, tmp_path / "n.ora")
    el = _layers_xml(tmp_path / "n.ora")[0]
    assert (el.get("composite-op"), float(el.get("opacity"))) == ("svg:overlay", 0.3)
    assert el.get(f"{{{NS}}}metadata") is None
