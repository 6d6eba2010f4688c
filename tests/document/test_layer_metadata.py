"""Layer metadata: validated JSON data, undoable, copied by duplication, dropped by merges;
foreign attribute records survive undo and copying."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import Document, ForeignAttribute, Layer, coerce_metadata

from .conftest import make_doc

LATENT = {
    "retouch.latent": {
        "model": "cartoon-vae",
        "latent": [0.1, -2.5, 3e-7, 0.0],
        "region": [4, 5, 32, 16],
        "flags": {"fixed": True, "seed": None, "names": ["smile", "age"]},
    }
}


def test_metadata_defaults_to_empty_and_the_getter_is_a_copy():
    layer = Layer(np.zeros((2, 2, 4), np.uint8), metadata=LATENT)
    assert Layer(np.zeros((2, 2, 4), np.uint8)).metadata == {}
    got = layer.metadata
    assert got == LATENT
    got["retouch.latent"]["latent"].append(9.0)
    got["other"] = 1
    assert layer.metadata == LATENT
    assert layer.get("metadata") == LATENT
    LATENT_COPY = layer.get("metadata")
    LATENT_COPY["retouch.latent"]["model"] = "x"
    assert layer.metadata["retouch.latent"]["model"] == "cartoon-vae"


def test_constructor_copies_the_callers_dict():
    meta = {"a": [1, 2]}
    layer = Layer(np.zeros((2, 2, 4), np.uint8), metadata=meta)
    meta["a"].append(3)
    assert layer.metadata == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([1, 2], "must be a dict"),
        ({1: "x"}, "key 1 is not a str"),
        ({"a": {"b": {2: 0}}}, "['a']['b']: key 2"),
        ({"z": np.float32(1.5)}, "['z']: float32 is not JSON data; convert arrays with .tolist()"),
        ({"z": np.arange(3)}, "ndarray is not JSON data"),
        ({"z": [1, float("nan")]}, "['z'][1]: nan is not JSON data"),
        ({"z": float("inf")}, "inf"),
        ({"s": {1, 2}}, "set is not JSON data"),
        ({"b": b"bytes"}, "bytes is not JSON data"),
        ({"o": object()}, "object is not JSON data"),
    ],
)
def test_values_that_are_not_json_data_are_refused_naming_the_entry(value, words):
    with pytest.raises(ValueError, match="layer metadata") as info:
        coerce_metadata(value)
    assert words in str(info.value)
    layer = Layer(np.zeros((1, 1, 4), np.uint8))
    with pytest.raises(ValueError):
        layer.metadata = value
    assert layer.metadata == {}


def test_self_containing_or_too_deep_metadata_is_refused():
    loop: dict = {}
    loop["me"] = loop
    with pytest.raises(ValueError, match="nested more than"):
        coerce_metadata(loop)
    deep: dict = {}
    node = deep
    for _ in range(80):
        node["d"] = {}
        node = node["d"]
    with pytest.raises(ValueError, match="nested more than"):
        coerce_metadata(deep)


def test_oversized_metadata_is_refused():
    from editor.document.layer import MAX_METADATA_BYTES

    with pytest.raises(ValueError, match="MiB as JSON"):
        coerce_metadata({"big": "x" * (MAX_METADATA_BYTES + 1)})


def test_tuples_become_lists_and_float_subclasses_plain_floats():
    out = coerce_metadata({"region": (1, 2, 3, 4), "f": np.float64(0.25)})
    assert out == {"region": [1, 2, 3, 4], "f": 0.25}
    assert type(out["region"]) is list and type(out["f"]) is float


def test_set_layer_metadata_is_one_undo_step_with_an_event():
    doc = make_doc()
    events = []
    doc.events.connect(events.append)
    doc.composite()
    doc.set_layer_metadata(1, "retouch.latent", LATENT["retouch.latent"])
    assert doc.undo.count == 1 and doc.undo.undo_text == "Change layer metadata"
    assert doc.layers[1].metadata == LATENT
    changed = [e for e in events if e.kind == "layer-changed"]
    assert [(e.index, e.prop) for e in changed] == [(1, "metadata")]
    assert doc.compositor.dirty_tiles == 0  # metadata does not touch pixels
    doc.undo.undo()
    assert doc.layers[1].metadata == {}
    doc.undo.redo()
    assert doc.layers[1].metadata == LATENT


def test_metadata_steps_never_merge_and_unchanged_values_push_nothing():
    doc = make_doc()
    doc.set_layer_metadata(0, "n", 1)
    doc.set_layer_metadata(0, "n", 2)
    assert doc.undo.count == 2
    doc.set_layer_metadata(0, "n", 2)
    assert doc.undo.count == 2
    doc.set_layer_metadata(0, "n", 2.0)  # JSON tells 2 from 2.0, and True from 1
    doc.set_layer_metadata(0, "n", True)
    assert doc.undo.count == 4
    doc.undo.undo()
    assert type(doc.layers[0].metadata["n"]) is float
    doc.undo.undo()
    assert doc.layers[0].metadata == {"n": 2} and type(doc.layers[0].metadata["n"]) is int


def test_set_layer_metadata_keeps_other_keys_and_remove_drops_one():
    doc = make_doc()
    doc.set_layer_property(2, "metadata", {"a": 1, "b": [2]})
    doc.set_layer_metadata(2, "c", "three", text="Latent edit")
    assert doc.undo.undo_text == "Latent edit"
    assert doc.layers[2].metadata == {"a": 1, "b": [2], "c": "three"}
    assert doc.remove_layer_metadata(2, "a") is True
    assert doc.layers[2].metadata == {"b": [2], "c": "three"}
    count = doc.undo.count
    assert doc.remove_layer_metadata(2, "missing") is False
    assert doc.undo.count == count
    doc.undo.undo()
    assert doc.layers[2].metadata == {"a": 1, "b": [2], "c": "three"}


def test_bad_metadata_through_the_document_pushes_nothing():
    doc = make_doc()
    with pytest.raises(ValueError, match=r"\['k'\]: float32"):
        doc.set_layer_metadata(0, "k", np.float32(1))
    with pytest.raises(ValueError, match="keys are str"):
        doc.set_layer_metadata(0, 3, 1)  # type: ignore[arg-type]
    assert doc.undo.count == 0 and doc.layers[0].metadata == {}


def test_add_layer_with_pixels_carries_metadata_in_the_same_step():
    doc = make_doc()
    layer = doc.add_layer_with_pixels(
        np.full((16, 32, 3), 99, np.uint8), "Latent edit", x=4, y=5, metadata=LATENT
    )
    assert doc.undo.count == 1
    assert layer.metadata == LATENT and layer.offset == (4, 5)
    doc.undo.undo()
    assert layer not in doc.layers


def test_duplicate_copies_metadata_and_foreign_records_independently():
    rec = ForeignAttribute("composite-op", "krita:linear_burn", "svg:src-over")
    doc = Document(
        8, 8, layers=[Layer(np.zeros((8, 8, 4), np.uint8), "Glow", metadata=LATENT,
                            foreign={"blend_mode": rec})]
    )
    copy = doc.duplicate_layer(0)
    assert copy.metadata == LATENT and copy.foreign == {"blend_mode": rec}
    doc.set_layer_metadata(1, "retouch.latent", {"model": "other"})
    assert doc.layers[0].metadata == LATENT
    assert doc.layers[0].copy().foreign_value("blend_mode") == "krita:linear_burn"


def test_merge_down_and_flatten_drop_metadata_and_merge_keeps_the_blend_record():
    burn = ForeignAttribute("composite-op", "krita:linear_burn", "svg:src-over")
    opac = ForeignAttribute("opacity", "abc", 1.0)
    rng = np.random.default_rng(3)
    px = lambda: rng.integers(0, 256, (6, 6, 4), dtype=np.int64).astype(np.uint8)
    lower = Layer(px(), "lower", metadata={"a": 1}, foreign={"blend_mode": burn, "opacity": opac})
    upper = Layer(px(), "upper", metadata=LATENT)
    doc = Document(6, 6, layers=[lower, upper])
    merged = doc.merge_down(1)
    assert merged.metadata == {}
    assert merged.foreign == {"blend_mode": burn}
    doc.undo.undo()
    assert doc.layers[0].metadata == {"a": 1} and doc.layers[1].metadata == LATENT
    flat = doc.flatten()
    assert flat.metadata == {} and flat.foreign == {}
    doc.undo.undo()
    assert doc.layers[0].foreign == {"blend_mode": burn, "opacity": opac}


def test_layer_from_selection_keeps_the_blend_record_not_the_metadata():
    burn = ForeignAttribute("composite-op", "krita:linear_burn", "svg:src-over")
    doc = Document(6, 6, layers=[Layer(np.full((6, 6, 4), 200, np.uint8), "L", metadata=LATENT,
                                       foreign={"blend_mode": burn})])
    doc.selection.select_rect(1, 1, 3, 3)
    new = doc.layer_from_selection(0)
    assert new.metadata == {} and new.foreign == {"blend_mode": burn}


def test_foreign_value_is_the_original_while_the_shown_value_stays():
    burn = ForeignAttribute("composite-op", "krita:linear_burn", "svg:src-over")
    opac = ForeignAttribute("opacity", "1.7", 1.0)
    doc = Document(4, 4, layers=[Layer(np.zeros((4, 4, 4), np.uint8), "Glow",
                                       foreign={"blend_mode": burn, "opacity": opac})])
    layer = doc.layers[0]
    assert layer.foreign_value("blend_mode") == "krita:linear_burn"
    assert layer.foreign_value("opacity") == "1.7"
    assert layer.foreign_value("name") is None
    doc.set_layer_property(0, "blend_mode", "svg:multiply")
    assert layer.foreign_value("blend_mode") is None
    assert layer.foreign_value("opacity") == "1.7"
    doc.undo.undo()
    assert layer.foreign_value("blend_mode") == "krita:linear_burn"
    doc.set_layer_property(0, "opacity", 0.5)
    assert layer.foreign_value("opacity") is None


def test_foreign_records_are_validated_and_read_only():
    with pytest.raises(ValueError, match="ForeignAttribute"):
        Layer(np.zeros((1, 1, 4), np.uint8), foreign={"nope": ForeignAttribute("a", "b", 1)})
    with pytest.raises(ValueError, match="opacity"):
        Layer(np.zeros((1, 1, 4), np.uint8), foreign={"opacity": ForeignAttribute("o", "x", 7)})
    layer = Layer(np.zeros((1, 1, 4), np.uint8),
                  foreign={"opacity": ForeignAttribute("opacity", "x", 1)})
    assert layer.foreign["opacity"].shown == 1.0
    with pytest.raises(TypeError):
        layer.foreign["blend_mode"] = ForeignAttribute("composite-op", "y", "svg:src-over")  # type: ignore[index]
