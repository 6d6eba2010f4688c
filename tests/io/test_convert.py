from __future__ import annotations

import numpy as np
import pytest

from editor.io import (
    FileError,
    convert,
    load_image,
    open_document,
    read_ora,
    save_document,
    save_image,
)
from tests.io.conftest import layered_document, random_rgba


def test_ora_to_png_flattens_with_the_compositor(tmp_path, rng):
    doc = layered_document(rng, 16)
    src = tmp_path / "p.ora"
    save_document(doc, src)
    out = tmp_path / "flat.png"
    convert(src, out)
    img = load_image(out)
    assert img.depth == 16
    np.testing.assert_array_equal(img.pixels, doc.composite())


def test_image_to_ora_makes_a_one_layer_project(tmp_path, rng, srgb_icc):
    px = random_rgba(rng, 5, 6, np.uint16)
    src = tmp_path / "in.tif"
    save_image(px, src, icc_profile=srgb_icc)
    out = tmp_path / "one.ora"
    convert(src, out)
    doc = read_ora(out)
    assert len(doc.layers) == 1 and doc.depth == 16
    np.testing.assert_array_equal(doc.layers[0].pixels, px)
    assert doc.metadata["icc_profile"] == srgb_icc


def test_image_to_image_keeps_16bit_and_jpeg_gets_quality(tmp_path, rng):
    px = random_rgba(rng, 8, 8, np.uint16)
    px[..., 3] = 65535
    src = tmp_path / "in.png"
    save_image(px, src)
    convert(src, tmp_path / "out.tiff")
    np.testing.assert_array_equal(load_image(tmp_path / "out.tiff").pixels, px)
    convert(src, tmp_path / "lo.jpg", quality=10)
    convert(src, tmp_path / "hi.jpg", quality=95)
    assert (tmp_path / "lo.jpg").stat().st_size < (tmp_path / "hi.jpg").stat().st_size
    assert open_document(tmp_path / "hi.jpg").depth == 8


def test_bad_target_extension_fails_before_reading(tmp_path):
    with pytest.raises(FileError, match=r"out\.xyz.*\.png"):
        convert(tmp_path / "missing.png", tmp_path / "out.xyz")


def test_ora_by_content_even_with_another_extension(tmp_path, rng):
    src = tmp_path / "p.ora"
    save_document(layered_document(rng), src)
    renamed = tmp_path / "project.bin"
    renamed.write_bytes(src.read_bytes())
    assert len(open_document(renamed).layers) == 3
