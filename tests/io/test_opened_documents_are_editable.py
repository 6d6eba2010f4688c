"""Documents opened from any file can be painted on: no read-only pixel arrays leak in."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from editor.document import BrushSettings
from editor.io import open_document, save_ora
from tests.io.conftest import layered_document


def _paint(doc) -> None:
    doc.begin_stroke("pixels", BrushSettings(size=6, hardness=1.0, color=(1.0, 0.0, 0.0)))
    doc.stroke_to(10, 10)
    doc.stroke_to(20, 10)
    doc.end_stroke()
    doc.apply_patch(0, 0, 0, np.zeros((2, 2, 3), doc.layers[0].pixels.dtype), "patch")


@pytest.mark.parametrize("name,mode", [("a.png", "RGB"), ("b.png", "RGBA"), ("c.jpg", "RGB"),
                                       ("d.webp", "RGB"), ("e.bmp", "RGB"), ("f.tif", "RGBA"),
                                       ("g.png", "L"), ("h.png", "P")])
def test_an_opened_image_can_be_painted(tmp_path, name, mode):
    path = tmp_path / name
    Image.new(mode, (32, 24), 128 if mode in ("L", "P") else (0, 128, 255)[: len(mode)] + (
        (255,) if mode == "RGBA" else ())).save(path)
    doc = open_document(path)
    assert all(layer.pixels.flags.writeable for layer in doc.layers)
    _paint(doc)
    assert tuple(doc.layers[0].pixels[10, 15, :3]) == (255, 0, 0)


def test_an_opened_project_can_be_painted(tmp_path, rng):
    path = tmp_path / "p.ora"
    save_ora(layered_document(rng), path)
    doc = open_document(path)
    assert all(layer.pixels.flags.writeable for layer in doc.layers)
    doc.active_index = 0
    _paint(doc)


def test_flatten_losses_names_what_a_flat_file_cannot_keep(tmp_path):
    from editor.document import Document
    from editor.io import FileError, flatten_losses

    doc = Document(8, 6)
    doc.add_layer("a", pixels=np.full((6, 8, 4), 255, np.uint8))
    assert flatten_losses(doc, tmp_path / "x.png") == []
    assert flatten_losses(doc, tmp_path / "x.jpg") == []
    doc.add_layer("b")  # transparent
    assert flatten_losses(doc, tmp_path / "x.png") == ["2 layers"]
    assert flatten_losses(doc, tmp_path / "x.ora") == []
    doc.delete_layer(1)
    doc.layers[0].opacity = 0.5
    assert flatten_losses(doc, tmp_path / "x.png") == ["layer opacity, offset and blend mode"]
    deep = Document(4, 4, 16)
    deep.add_layer("a", pixels=np.full((4, 4, 4), 1000, np.uint16))
    assert flatten_losses(deep, tmp_path / "x.tif") == []
    assert flatten_losses(deep, tmp_path / "x.jpg") == ["16-bit depth", "transparency"]
    with pytest.raises(FileError):
        flatten_losses(doc, tmp_path / "x.gif")
