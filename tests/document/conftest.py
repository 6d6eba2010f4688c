"""Helpers shared by the document tests: small random documents and a state snapshot."""

from __future__ import annotations

import numpy as np
import pytest

from editor.document import Document


def random_pixels(rng: np.random.Generator, h: int, w: int, dtype=np.uint8) -> np.ndarray:
    maxv = np.iinfo(dtype).max
    return rng.integers(0, maxv + 1, size=(h, w, 4), dtype=np.int64).astype(dtype)


def make_doc(depth: int = 8, w: int = 96, h: int = 80, n: int = 3, seed: int = 0) -> Document:
    rng = np.random.default_rng(seed)
    dtype = np.uint16 if depth == 16 else np.uint8
    doc = Document(w, h, depth)
    for i in range(n):
        doc.add_layer(f"L{i}", random_pixels(rng, h, w, dtype))
    doc.undo.clear()
    return doc


def snapshot(doc: Document) -> dict:
    """Everything undo must restore, as plain comparable values."""
    return {
        "size": doc.size,
        "active": doc.active_index,
        "layers": [
            (
                layer.name,
                layer.opacity,
                layer.visible,
                layer.blend_mode,
                layer.locked,
                layer.offset,
                layer.pixels.copy(),
                None if layer.mask is None else layer.mask.copy(),
                layer.metadata,
                dict(layer.foreign),
            )
            for layer in doc.layers
        ],
        "selection": doc.selection.to_mask(),
        "ai_mask": doc.ai_mask.copy(),
        "composite": doc.composite(),
    }


def assert_same_state(a: dict, b: dict) -> None:
    assert a["size"] == b["size"]
    assert a["active"] == b["active"]
    assert len(a["layers"]) == len(b["layers"])
    for la, lb in zip(a["layers"], b["layers"]):
        assert la[:6] == lb[:6]
        np.testing.assert_array_equal(la[6], lb[6])
        assert (la[7] is None) == (lb[7] is None)
        if la[7] is not None:
            np.testing.assert_array_equal(la[7], lb[7])
        assert la[8:] == lb[8:]
    np.testing.assert_array_equal(a["selection"], b["selection"])
    np.testing.assert_array_equal(a["ai_mask"], b["ai_mask"])
    np.testing.assert_array_equal(a["composite"], b["composite"])


@pytest.fixture
def doc() -> Document:
    return make_doc()
