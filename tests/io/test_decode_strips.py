"""Decoding fills one writable RGBA array (strip by strip) with exactly Pillow's pixels;
``gray=True`` gives a grey file's own plane."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from editor.io.images import load_image


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "1"])
def test_decoded_pixels_are_pillows_rgba_and_writable(tmp_path, mode):
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (700, 1900, 4), dtype=np.uint8)  # several strips
    im = Image.fromarray(rgba, "RGBA").convert(mode)
    im.save(tmp_path / "a.png")
    px = load_image(tmp_path / "a.png").pixels
    np.testing.assert_array_equal(px, np.asarray(Image.open(tmp_path / "a.png").convert("RGBA")))
    assert px.flags.writeable and px.flags.c_contiguous


def test_gray_loading_keeps_a_grey_file_as_its_plane(tmp_path):
    plane = np.random.default_rng(2).integers(0, 256, (40, 30), dtype=np.uint8)
    Image.fromarray(plane).save(tmp_path / "g.png")
    np.testing.assert_array_equal(load_image(tmp_path / "g.png", gray=True).pixels, plane)
    Image.fromarray(np.stack([plane] * 3, axis=2)).save(tmp_path / "c.png")
    assert load_image(tmp_path / "c.png", gray=True).pixels.shape == (40, 30, 4)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_opaque_pixels_encode_to_the_same_file_as_an_rgb_copy(fmt):
    import io

    from editor.io.images import encode_image

    yy, xx = np.mgrid[0:300, 0:410]
    px = np.empty((300, 410, 4), np.uint8)
    px[..., 0], px[..., 1], px[..., 2], px[..., 3] = xx % 256, yy % 256, (xx + yy) % 256, 255
    got = io.BytesIO()
    encode_image(px, fmt, got, quality=90)
    want = io.BytesIO()
    kwargs = {"JPEG": {"quality": 90, "subsampling": 0, "optimize": True},
              "PNG": {}, "WEBP": {"quality": 90, "method": 4, "exact": True}}
    Image.fromarray(np.ascontiguousarray(px[..., :3]), "RGB").save(want, format=fmt, **kwargs[fmt])
    if fmt == "PNG":  # the level is the module's default: compare the pixels
        assert np.array_equal(np.asarray(Image.open(got)), px[..., :3])
    else:
        assert got.getvalue() == want.getvalue()
