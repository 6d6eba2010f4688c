"""``retouch inpaint`` on 8-bit, 16-bit and transparent files: only the masked pixels
change, bit for bit; the depth and the alpha channel stay as they were."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from editor.cli import main
from editor.io.images import load_image, save_image


def _pixels(dtype, alpha: bool, h: int = 150, w: int = 200) -> np.ndarray:
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max
    yy, xx = np.mgrid[0:h, 0:w]
    px = np.empty((h, w, 4), dtype)
    px[..., 0] = (xx * top) // w
    px[..., 1] = (yy * top) // h
    px[..., 2] = rng.integers(0, top, (h, w))
    px[..., 3] = rng.integers(1, top, (h, w)) if alpha else top
    return px


def _mask(h: int = 150, w: int = 200) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    m[60:80, 90:118] = 255
    return m


@pytest.mark.parametrize("dtype,alpha", [(np.uint8, False), (np.uint16, False),
                                         (np.uint8, True), (np.uint16, True)],
                         ids=["8-bit", "16-bit", "8-bit RGBA", "16-bit RGBA"])
@pytest.mark.parametrize("engine", ["telea", "fsr"])
def test_inpaint_changes_only_the_masked_pixels(tmp_path, capsys, dtype, alpha, engine):
    px = _pixels(dtype, alpha)
    save_image(px, tmp_path / "in.png")
    Image.fromarray(_mask()).save(tmp_path / "mask.png")
    src = load_image(tmp_path / "in.png").pixels
    assert main(["inpaint", str(tmp_path / "in.png"), str(tmp_path / "mask.png"),
                 str(tmp_path / "out.png"), "--engine", engine]) == 0
    assert "filled 560 pixels" in capsys.readouterr().out
    out = load_image(tmp_path / "out.png").pixels
    assert out.dtype == np.dtype(dtype) and out.shape == src.shape
    hole = _mask() > 0
    np.testing.assert_array_equal(out[~hole], src[~hole])
    np.testing.assert_array_equal(out[..., 3], src[..., 3])
    assert not np.array_equal(out[hole, :3], src[hole, :3])


def test_a_grey_mask_and_the_same_mask_in_colour_fill_the_same(tmp_path):
    save_image(_pixels(np.uint8, False), tmp_path / "in.png")
    Image.fromarray(_mask()).save(tmp_path / "grey.png")  # read as its plane
    Image.fromarray(np.repeat(_mask()[..., None], 3, axis=2)).save(tmp_path / "rgb.png")
    for name in ("grey", "rgb"):
        assert main(["inpaint", str(tmp_path / "in.png"), str(tmp_path / f"{name}.png"),
                     str(tmp_path / f"out_{name}.png"), "--engine", "telea"]) == 0
    np.testing.assert_array_equal(load_image(tmp_path / "out_grey.png").pixels,
                                  load_image(tmp_path / "out_rgb.png").pixels)


def test_an_empty_grey_mask_is_refused(tmp_path, capsys):
    save_image(_pixels(np.uint8, False), tmp_path / "in.png")
    Image.fromarray(np.zeros((150, 200), np.uint8)).save(tmp_path / "mask.png")
    assert main(["inpaint", str(tmp_path / "in.png"), str(tmp_path / "mask.png"),
                 str(tmp_path / "out.png"), "--engine", "telea"]) == 2
    assert "the mask is empty" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()
